/**
 * A write whose samples come minute by minute (the Prometheus connectors' order) splits every GPU's
 * hour at each slice it stores: 72 times per GPU in a 6-hour window of 100,000 GPUs. Each (GPU, period)
 * is listed once however many slices in a row split it, and merging must still take lists longer
 * than a JavaScript call takes arguments (600,000 pairs there), summing each pair's rows into one.
 */
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, tempDataDir } from '../test-support';
import { MinuteDetail, mergeMinuteSplits } from './minute-detail';
import { RollupPartials } from './rollup-partials';
import { clearRollups, HOUR_MS, refreshRollups, type Splits } from './rollups';

const MIN = 60_000;
const T0 = Date.parse('2026-11-25T00:00:00Z');
/** Longer than V8 takes as arguments of one call (about 120,000 on Node 20). */
const PAIRS = 300_000;

describe('split lists of a write in many slices', () => {
  let instance: DuckDBInstance;
  let conn: DuckDBConnection;
  let cleanup: () => Promise<void>;
  let gpuId: number;
  beforeEach(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    const store = await openStore(temp.dir, { now: () => new Date(T0) });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 1 })]));
    await store.close();
    instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE));
    conn = await instance.connect();
    gpuId = Number((await (await conn.run('SELECT gpu_id FROM gpu')).getRows())[0]![0]);
  });
  afterEach(async () => {
    conn.closeSync();
    instance.closeSync();
    await cleanup();
  });

  /** The same (GPU, period) pair listed `PAIRS` times, as slices list a pair each time they split it. */
  const listed = (period: number): Splits => ({ gpuIds: new Array<number>(PAIRS).fill(gpuId), buckets: new Array<number>(PAIRS).fill(period) });
  const all = async (sql: string): Promise<unknown[][]> => (await conn.run(sql)).getRows();

  it('merges a minute listed more times than a call takes arguments into one row', async () => {
    const minute = T0 + 10 * MIN;
    await conn.run(
      `INSERT INTO rollup_1m VALUES (${gpuId}, epoch_ms(${minute + 10_000}::BIGINT), 1, 40, 1, 0, NULL),
                                    (${gpuId}, epoch_ms(${minute + 40_000}::BIGINT), 2, 100, 2, 1, true)`,
    );
    await mergeMinuteSplits(conn, listed(minute));
    expect(await all('SELECT epoch_ms(ts)::DOUBLE, samples, util_sum, util_count, xid, fault FROM rollup_1m')).toEqual([[minute + 40_000, 3, 140, 3, 1, true]]);
  });

  it('merges an hour listed more times than a call takes arguments from its 5-minute rows', async () => {
    const window = { from: T0, to: T0 + HOUR_MS };
    const rebuild = await clearRollups(conn, 'acct', window, { edgesInGpuSample: true });
    // The hour's two 5-minute rows, and the two rows of the hour the slices appended.
    const row = (bucket: number, n: number, sum: number): string =>
      `(${gpuId}, epoch_ms(${bucket}::BIGINT), ${n}, ${sum}, ${n}, ${sum}, 0, 0, 0, 0, 0, 0, 0, 0)`;
    await conn.run(`INSERT INTO rollup_5m VALUES ${row(T0, 5, 250)}, ${row(T0 + 5 * MIN, 5, 100)}`);
    await conn.run(`INSERT INTO rollup_1h VALUES ${row(T0, 5, 250)}, ${row(T0, 5, 100)}`);
    const none: Splits = { gpuIds: [], buckets: [] };
    await refreshRollups(conn, rebuild, { splits5m: none, splits1h: listed(T0), fleet1m: null, fleet5m: null, fleet1h: null, groups: [] });
    expect(await all('SELECT epoch_ms(bucket)::DOUBLE, sample_count, util_sum FROM rollup_1h')).toEqual([[T0, 10, 350]]);
  });

  it('lists each (GPU, period) once however many slices in a row split it', async () => {
    const window = { from: T0, to: T0 + HOUR_MS };
    const rebuild = await clearRollups(conn, 'acct', window, { edgesInGpuSample: false });
    const [rollup5m, rollup1h, rollup1m] = [await conn.createAppender('rollup_5m'), await conn.createAppender('rollup_1h'), await conn.createAppender('rollup_1m')];
    // Two GPUs (slots), each minute's samples a slice of its own, as a connector's minute-by-minute order stores them.
    const gpuIdOfSlot = Int32Array.from([gpuId, gpuId]);
    const sums = new RollupPartials({ rollup5m, rollup1h }, { gpuIdOfSlot, groupOfSlot: Int32Array.from([0, 0]), groups: [{ cloud: 'azure', region: 'r', gpuModel: 'm' }] }, rebuild);
    const minutes = new MinuteDetail(rollup1m, gpuIdOfSlot);
    for (let t = T0; t < T0 + HOUR_MS; t += MIN) {
      for (const slot of [0, 1]) {
        sums.add(slot, t, 0, 50, 0, 0, 0, 0, 0);
        minutes.add(slot, t, 0, 50, 0, 0);
      }
      sums.endSlice();
      minutes.endSlice();
    }
    // And one minute in three slices (samples 20 s apart).
    for (const second of [0, 20, 40]) {
      minutes.add(0, T0 + HOUR_MS - MIN + second * 1000, 0, 50, 0, 0);
      minutes.endSlice();
    }
    const written = sums.finish();
    const minuteSplits = minutes.finish();
    for (const appender of [rollup5m, rollup1h, rollup1m]) appender.closeSync();
    // Split 59 times each: the hour, once per slot; each bucket, split 4 times, once per slot.
    expect(written.splits1h.buckets).toEqual([T0, T0]);
    expect(written.splits5m.buckets.length).toBe(2 * 12);
    expect(new Set(written.splits5m.buckets).size).toBe(12);
    expect(minuteSplits.buckets).toEqual([T0 + HOUR_MS - MIN]);
  });
});
