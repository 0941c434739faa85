/**
 * A write stores its samples in slices, and a GPU's bucket, hour or minute whose samples come apart
 * gets a row each time, which SQL sums again. Slices must not part a period by themselves: samples
 * that come minute by minute (the Prometheus connectors' order) would split every GPU's hour at each
 * slice, 72 times per GPU in a 6-hour window of 100,000 GPUs. Late samples still split periods, and
 * merging must take lists longer than a JavaScript call takes arguments, summing each pair's rows into one.
 */
import { describe, expect, it } from 'vitest';
import type { GpuSample } from '../../../../shared/domain';
import { TurnBudget } from '../event-loop-turns';
import { sample } from '../test-support';
import { useOneGpuStoreFile } from '../testing/use-temp-store';
import { MinuteDetail, mergeMinuteSplits } from './minute-detail';
import { RollupPartials } from './rollup-partials';
import { clearRollups, HOUR_MS, refreshRollups, type Splits } from './rollups';
import { StagedSamples } from './sample-appender';

const MIN = 60_000;
const T0 = Date.parse('2026-11-25T00:00:00Z');
/** Longer than V8 takes as arguments of one call (about 120,000 on Node 20). */
const PAIRS = 300_000;

describe('split lists of a write in many slices', () => {
  const file = useOneGpuStoreFile(T0);

  /** The same (GPU, period) pair listed `PAIRS` times, as slices list a pair each time they split it. */
  const listed = (period: number): Splits => ({ gpuIds: new Array<number>(PAIRS).fill(file.gpuId), buckets: new Array<number>(PAIRS).fill(period) });
  const all = async (sql: string): Promise<unknown[][]> => (await file.conn.run(sql)).getRows();

  it('merges a minute listed more times than a call takes arguments into one row', async () => {
    const minute = T0 + 10 * MIN;
    await file.conn.run(
      `INSERT INTO rollup_1m VALUES (${file.gpuId}, epoch_ms(${minute + 10_000}::BIGINT), 1, 40, 1, 0, NULL),
                                    (${file.gpuId}, epoch_ms(${minute + 40_000}::BIGINT), 2, 100, 2, 1, true)`,
    );
    await mergeMinuteSplits(file.conn, listed(minute));
    expect(await all('SELECT epoch_ms(ts)::DOUBLE, samples, util_sum, util_count, xid, fault FROM rollup_1m')).toEqual([[minute + 40_000, 3, 140, 3, 1, true]]);
  });

  it('merges an hour listed more times than a call takes arguments from its 5-minute rows', async () => {
    const window = { from: T0, to: T0 + HOUR_MS };
    const rebuild = await clearRollups(file.conn, 'acct', window, { edgesInGpuSample: true });
    // The hour's two 5-minute rows, and the two rows of the hour the slices appended.
    const row = (bucket: number, n: number, sum: number): string =>
      `(${file.gpuId}, epoch_ms(${bucket}::BIGINT), ${n}, ${sum}, ${n}, ${sum}, 0, 0, 0, 0, 0, 0, 0, 0)`;
    await file.conn.run(`INSERT INTO rollup_5m VALUES ${row(T0, 5, 250)}, ${row(T0 + 5 * MIN, 5, 100)}`);
    await file.conn.run(`INSERT INTO rollup_1h VALUES ${row(T0, 5, 250)}, ${row(T0, 5, 100)}`);
    const none: Splits = { gpuIds: [], buckets: [] };
    await refreshRollups(file.conn, rebuild, { splits5m: none, splits1h: listed(T0), fleet1m: null, fleet5m: null, fleet1h: null, groups: [] });
    expect(await all('SELECT epoch_ms(bucket)::DOUBLE, sample_count, util_sum FROM rollup_1h')).toEqual([[T0, 10, 350]]);
  });

  it('keeps a bucket, hour and minute open from one slice to the next: only samples that come back to a period split it', async () => {
    const window = { from: T0, to: T0 + 2 * HOUR_MS };
    /** Stages `samples` in slices of 4 (three samples a GPU and minute, 20 s apart); says what came apart. */
    const splitsOf = async (samples: GpuSample[]): Promise<{ hours: number; buckets: number; minutes: number }> => {
      const rebuild = await clearRollups(file.conn, 'acct', window, { edgesInGpuSample: false });
      const [rollup5m, rollup1h, rollup1m] = [await file.conn.createAppender('rollup_5m'), await file.conn.createAppender('rollup_1h'), await file.conn.createAppender('rollup_1m')];
      const gpuIdOfSlot = Int32Array.from([file.gpuId, file.gpuId]);
      const sums = new RollupPartials({ rollup5m, rollup1h }, { gpuIdOfSlot, groupOfSlot: Int32Array.from([0, 0]), groups: [{ cloud: 'azure', region: 'r', gpuModel: 'm' }] }, rebuild);
      const minutes = new MinuteDetail(rollup1m, gpuIdOfSlot);
      const staged = new StagedSamples(4);
      for (const sample of samples) {
        staged.add(sample.gpuIndex, sample);
        if (staged.full) await staged.appendTo({ minutes }, sums, gpuIdOfSlot, new TurnBudget());
      }
      if (staged.length > 0) await staged.appendTo({ minutes }, sums, gpuIdOfSlot, new TurnBudget());
      const written = await sums.finish(new TurnBudget());
      const minuteSplits = await minutes.finish(new TurnBudget());
      for (const appender of [rollup5m, rollup1h, rollup1m]) appender.closeSync();
      return { hours: written.splits1h.buckets.length, buckets: written.splits5m.buckets.length, minutes: minuteSplits.buckets.length };
    };
    const byGpu: GpuSample[] = [];
    for (const gpu of [0, 1]) for (let t = window.from; t < window.to; t += 20_000) byGpu.push(sample('vm-1', gpu, t, 50));
    const byTime = [...byGpu].sort((a, b) => a.ts - b.ts || a.gpuIndex - b.gpuIndex);
    // Minute by minute (the Prometheus connectors' order): each slice goes on where the last stopped.
    expect(await splitsOf(byTime)).toEqual({ hours: 0, buckets: 0, minutes: 0 });
    // GPU by GPU: the second GPU's first slice goes back to the window's start, a period no row of its own has.
    expect(await splitsOf(byGpu)).toEqual({ hours: 0, buckets: 0, minutes: 0 });
    // Late samples come back to periods already appended: those are split, and summed again in SQL.
    const late = [...byTime.filter((_, i) => i % 9 !== 0), ...byTime.filter((_, i) => i % 9 === 0)];
    const split = await splitsOf(late);
    expect(split.hours).toBeGreaterThan(0);
    expect(split.buckets).toBeGreaterThan(0);
    expect(split.minutes).toBeGreaterThan(0);
  });
});
