/** Error text that names where and what, never the content it refused. */
import { describe, expect, it } from 'vitest';
import { describeJsonError, redactErrorText } from './redact';

describe('describeJsonError', () => {
  it('gives the line and column and never quotes the text (JSON.parse quotes its start)', () => {
    const environ = 'FLEETPANE_SECRET_DB=planted-value\0HOME=/home/sre\0';
    expect(() => JSON.parse(environ)).toThrow(/FLEETPANE_/);
    expect(describeJsonError(environ)).toBe('not valid JSON at line 1, column 1');
    expect(describeJsonError('{\n  "accounts": [\n    { "name": "a", }\n  ]\n}\n')).toBe('not valid JSON at line 3, column 20');
    expect(describeJsonError('{"a": "planted-value"')).toBe('not valid JSON: it ends too early');
    expect(describeJsonError('{"a": [1, 2.5e3, true, null, "x\\u0041"]}')).toBe('not valid JSON');
  });
});

describe('redactErrorText', () => {
  it('drops environment dumps, PEM blocks, bearer values, URL passwords and given secrets, and cuts long text', () => {
    const text = redactErrorText(
      'Config parse error: FLEETPANE_SECRET_DB=planted-1\0PATH=/usr/bin -----BEGIN PRIVATE KEY-----\nplanted-2\n-----END PRIVATE KEY----- Bearer planted-3abc https://u:planted-4@h/x planted-5-given',
      ['planted-5-given'],
    );
    expect(text).not.toMatch(/planted/);
    expect(text).toContain('FLEETPANE_SECRET_DB=[redacted]');
    expect(redactErrorText('x'.repeat(5000)).length).toBeLessThan(700);
  });

  it('keeps a date partition of an object key (AWS Data Exports BILLING_PERIOD=YYYY-MM/) so the error names the file', () => {
    const key = 's3://b/exports/x/data/BILLING_PERIOD=2026-11/exec-1/x-00002.csv.gz';
    expect(redactErrorText(`manifest lists ${key}, which is not in the bucket`)).toContain(key);
    // Anything else after NAME= still goes, a date-looking prefix of a longer value too.
    expect(redactErrorText('BILLING_PERIOD=planted-1 TOKEN=2026-11planted-2')).not.toMatch(/planted/);
  });
});
