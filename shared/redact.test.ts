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
});
