import { describe, expect, it } from 'vitest';
import { MAX_SERIES_POINTS } from '../../../shared/contract';
import { downsamplePoints, mergeSeries } from './series';

describe('downsamplePoints', () => {
  it('keeps short series as they are', () => {
    const pts = [{ t: 0, value: 1 }, { t: 1, value: null }];
    expect(downsamplePoints(pts)).toEqual(pts);
  });

  it('caps a long series at the chart limit, averaging runs and keeping all-null runs as gaps', () => {
    const pts = Array.from({ length: 5000 }, (_, i) => ({ t: i * 60_000, value: i < 100 ? null : i % 2 === 0 ? 10 : 20 }));
    const out = downsamplePoints(pts);
    expect(out.length).toBeLessThanOrEqual(MAX_SERIES_POINTS);
    expect(out[0]).toEqual({ t: 0, value: null });
    expect(out[out.length - 1]?.value).toBe(15);
  });
});

describe('mergeSeries', () => {
  it('aligns series on shared timestamps with nulls where one has no point', () => {
    const rows = mergeSeries([
      { key: 'azure', label: 'Azure', points: [{ t: 1, value: 10 }, { t: 2, value: 20 }] },
      { key: 'gcp', label: 'GCP', points: [{ t: 2, value: 5 }] },
    ]);
    expect(rows).toEqual([
      { t: 1, azure: 10, gcp: null },
      { t: 2, azure: 20, gcp: 5 },
    ]);
  });
});
