import { describe, expect, it } from 'vitest';
import { fleetMean, fleetMeanOfSumsSql, fleetMeanSql, gpuMean, gpuMeanSql } from './fleet-utilisation';

describe('fleet utilisation', () => {
  it("averages a GPU's samples, and is null without any", () => {
    expect(gpuMean([10, 20, null, 60])).toBe(30);
    expect(gpuMean([null])).toBeNull();
    expect(gpuMean([])).toBeNull();
  });

  it('averages over GPUs with samples, each GPU weighing the same however many samples it sent', () => {
    // One GPU sent 60 samples at 90 %, another 1 sample at 10 %, a third none: (90 + 10) / 2.
    const busy = gpuMean(Array.from({ length: 60 }, () => 90));
    const brief = gpuMean([10]);
    const silent = gpuMean([]);
    expect(fleetMean([busy, brief, silent])).toBe(50);
    expect(fleetMean([silent])).toBeNull();
  });

  it('is written as SQL aggregates over per-GPU rows and over fleet sums', () => {
    expect(gpuMeanSql('util_sum', 'util_count')).toBe('sum(util_sum) / sum(util_count)');
    expect(gpuMeanSql('util_sum', 'util_count', 'w0')).toBe('sum(util_sum) FILTER (WHERE w0) / sum(util_count) FILTER (WHERE w0)');
    expect(fleetMeanSql('m')).toBe('avg(m)');
    expect(fleetMeanOfSumsSql('gpu_mean_sum', 'gpus')).toBe('sum(gpu_mean_sum) / sum(gpus)');
  });
});
