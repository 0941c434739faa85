import { describe, expect, it } from 'vitest';
import { firstMalformedSeries } from './client';

describe('matrix answer check', () => {
  const good = { metric: { Hostname: 'n1', UUID: 'GPU-1', gpu: '0' }, values: [[1_800_000_060, '42.5'], [1_800_000_120, '40']] };

  it('accepts string labels and [number, string] points, with no labels or no points too', () => {
    expect(firstMalformedSeries([good, { metric: {}, values: [] }])).toBe(-1);
  });

  it('names the first series with a label that is not text, or a point that is not [time, "value"]', () => {
    expect(firstMalformedSeries([good, { metric: { gpu: 0 }, values: [] }])).toBe(1);
    expect(firstMalformedSeries([good, good, { metric: {}, values: [[1_800_000_060, 42.5]] }])).toBe(2);
    expect(firstMalformedSeries([{ metric: {}, values: [['1800000060', '1']] }])).toBe(0);
    expect(firstMalformedSeries([{ metric: {}, values: [[1_800_000_060]] }])).toBe(0);
    expect(firstMalformedSeries([{ metric: null, values: [] }, good])).toBe(0);
    expect(firstMalformedSeries([good, { metric: {} }])).toBe(1);
    expect(firstMalformedSeries([good, null])).toBe(1);
  });
});
