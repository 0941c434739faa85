import { describe, expect, it } from 'vitest';
import { newestManifests, periodOverlaps } from './spend';

const at = (iso: string) => Date.parse(iso);

describe('AWS Data Exports manifests', () => {
  it('takes the newest manifest of each billing period of each export, overwrite and create-new layouts alike', () => {
    const refs = newestManifests([
      { key: 'p/focus/metadata/BILLING_PERIOD=2026-10/focus-Manifest.json', lastModified: at('2026-11-02T00:00:00Z') },
      // Create-new delivery: one folder per execution; the later one is current.
      { key: 'p/focus/metadata/BILLING_PERIOD=2026-11/exec-1/focus-Manifest.json', lastModified: at('2026-11-10T00:00:00Z') },
      { key: 'p/focus/metadata/BILLING_PERIOD=2026-11/exec-2/focus-Manifest.json', lastModified: at('2026-11-19T00:00:00Z') },
      { key: 'p/eu/metadata/BILLING_PERIOD=2026-11/eu-Manifest.json', lastModified: at('2026-11-18T00:00:00Z') },
      // Not manifests of a billing period.
      { key: 'p/focus/data/BILLING_PERIOD=2026-11/focus-00001.csv.gz', lastModified: at('2026-11-19T00:00:00Z') },
      { key: 'p/focus/metadata/focus-Manifest.json', lastModified: at('2026-11-19T00:00:00Z') },
    ]);
    expect(refs.map((r) => [r.billingPeriod, r.key])).toEqual([
      ['2026-10', 'p/focus/metadata/BILLING_PERIOD=2026-10/focus-Manifest.json'],
      ['2026-11', 'p/eu/metadata/BILLING_PERIOD=2026-11/eu-Manifest.json'],
      ['2026-11', 'p/focus/metadata/BILLING_PERIOD=2026-11/exec-2/focus-Manifest.json'],
    ]);
  });

  it('reads the billing periods that overlap the costs window (UTC months)', () => {
    const from = at('2026-10-16T00:00:00Z');
    const to = at('2026-11-20T12:00:00Z');
    expect(periodOverlaps('2026-09', from, to)).toBe(false);
    expect(periodOverlaps('2026-10', from, to)).toBe(true);
    expect(periodOverlaps('2026-11', from, to)).toBe(true);
    expect(periodOverlaps('2026-12', from, to)).toBe(false);
    expect(periodOverlaps('2026-11', at('2026-12-01T00:00:00Z'), at('2026-12-02T00:00:00Z'))).toBe(false);
  });
});
