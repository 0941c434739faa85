/**
 * A metrics window larger than the writer stages at once is stored in slices of GPUs; the store
 * records it and, once quiet, rewrites its samples (or a rollups-only account's minute rows) in time
 * order, keeping every sample once.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricsStorage } from '../../../../shared/config';
import type { GpuSample } from '../../../../shared/domain';
import { exec, inTransaction, type Row, rows } from '../db';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, sample, tempDataDir } from '../test-support';
import { createWrite, type StoreWrite } from '../write';
import { sortPendingSamples } from './sample-order';
import { DuckFleetWriter } from './writer';

const MIN = 60_000;
const HOUR = 60 * MIN;
const END = Date.parse('2026-11-25T12:00:00Z');
const MACHINES = [resource('vm-1', { gpuCount: 4 }), resource('vm-2', { gpuCount: 4 }), resource('vm-3', { gpuCount: 2 })];

/** Every minute of [from, to) for every GPU, GPU by GPU (as connectors send them). */
function samples(from: number, to: number, salt = 0): GpuSample[] {
  const out: GpuSample[] = [];
  for (const m of MACHINES) {
    for (let gpu = 0; gpu < m.gpuCount; gpu++) {
      for (let t = from; t < to; t += MIN) out.push(sample(m.id, gpu, t, ((t / MIN + gpu * 7 + salt) % 97) + 0.5));
    }
  }
  return out;
}

describe('raw samples written out of time order', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let instance: DuckDBInstance;
  let write: StoreWrite;
  let writer: DuckFleetWriter;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    const store = await openStore(dir, { now: () => new Date(END), cacheOverview: false });
    await store.upsertAccounts([account('acct')]);
    await store.close();
    instance = await DuckDBInstance.create(join(dir, STORE_FILE));
  });
  afterEach(async () => {
    await write.close();
    instance.closeSync();
    await cleanup();
  });

  /** A writer staging `stagedRowsLimit` samples at once, whose quiet upkeep sorts `chunkSamples` at a time. */
  const open = async (stagedRowsLimit: number, chunkSamples: number, idleMs = 60_000, upkeepQuietMs = 60_000): Promise<void> => {
    write = createWrite(instance, false, { aboveBytes: 64 * 2 ** 20, idleMs, upkeepQuietMs }, async (conn) => {
      const step = await sortPendingSamples(conn, chunkSamples);
      return { changed: step.sorted > 0, more: step.more };
    });
    writer = new DuckFleetWriter(instance, write, () => new Date(END), { stagedRowsLimit });
    await writer.writeInventory(run('acct', 'inventory'), batchesOf(MACHINES));
  };
  /** The window's samples in batches of 50, as a connector pages them (GPU by GPU, or minute by minute). */
  const metrics = (from: number, to: number, salt = 0, minuteByMinute = false, storage: MetricsStorage = 'raw'): Promise<number> => {
    const all = samples(from, to, salt);
    if (minuteByMinute) all.sort((a, b) => a.ts - b.ts);
    const batches = Array.from({ length: Math.ceil(all.length / 50) }, (_, i) => all.slice(i * 50, i * 50 + 50));
    return writer.writeMetrics(run('acct', 'metrics'), { from, to }, batchesOf(...batches), storage);
  };

  const read = async <T extends Row>(sql: string): Promise<T[]> => {
    const conn = await instance.connect();
    try {
      return await rows<T>(conn, sql);
    } finally {
      conn.closeSync();
    }
  };
  const pending = (): Promise<{ from_ms: number; to_ms: number }[]> =>
    read('SELECT epoch_ms(from_ts)::DOUBLE AS from_ms, epoch_ms(to_ts)::DOUBLE AS to_ms FROM sample_order_pending ORDER BY from_ts');
  /**
   * Runs of one minute's rows in storage order, beyond one per minute: 0 when each minute's samples
   * are stored together (a rewritten chunk goes at the table's end, after later minutes written since).
   */
  const outOfOrder = async (table = 'gpu_sample'): Promise<number> =>
    (
      await read<{ n: number }>(
        `SELECT (count(*) FILTER (WHERE prev IS DISTINCT FROM ts) - count(DISTINCT ts))::INTEGER AS n
         FROM (SELECT ts, lag(ts) OVER (ORDER BY rowid) AS prev FROM ${table})`,
      )
    )[0]!.n;
  const allSamples = (): Promise<unknown[]> => read('SELECT gpu_id, epoch_ms(ts)::DOUBLE AS ts, util, util_source, mem_used_mib, power_w, temp_c, xid, fault FROM gpu_sample ORDER BY gpu_id, ts');

  it('records a window stored in slices out of time order, not one stored whole or sent in time order', async () => {
    await open(100, 1_000);
    // 10 GPUs x 30 minutes = 300 samples: three slices.
    await metrics(END - 2 * HOUR, END - 90 * MIN);
    // 10 GPUs x 5 minutes: one slice.
    await metrics(END - 10 * MIN, END - 5 * MIN);
    // Three slices, each after the one before.
    await metrics(END - 60 * MIN, END - 30 * MIN, 0, true);
    expect(await pending()).toEqual([{ from_ms: END - 2 * HOUR, to_ms: END - 90 * MIN }]);
    expect(await outOfOrder()).toBeGreaterThan(0);
  });

  it('rewrites the pending windows in time order when settled, each sample once, overlapping windows too', async () => {
    await open(100, 50);
    await metrics(END - 2 * HOUR, END - 60 * MIN, 1);
    // The same hours again (a window written twice) and one overlapping its end.
    await metrics(END - 2 * HOUR, END - 60 * MIN, 2);
    await metrics(END - 70 * MIN, END - 30 * MIN, 3);
    expect((await pending()).length).toBe(2);
    const before = await allSamples();
    expect(before.length).toBe(10 * 90);
    expect(await outOfOrder()).toBeGreaterThan(0);

    // 50 samples a step: 5 minutes of the 10 GPUs, so many steps.
    await write.settle();
    expect(await pending()).toEqual([]);
    expect(await outOfOrder()).toBe(0);
    expect(await allSamples()).toEqual(before);
  });

  it('rewrites the minute rows of a rollups-only window stored in slices in time order too, each row once', async () => {
    await open(100, 50);
    await metrics(END - 2 * HOUR, END - 60 * MIN, 0, false, 'rollups');
    expect(await pending()).toEqual([{ from_ms: END - 2 * HOUR, to_ms: END - 60 * MIN }]);
    expect(await outOfOrder('rollup_1m')).toBeGreaterThan(0);
    const minuteRows = (): Promise<unknown[]> =>
      read('SELECT gpu_id, epoch_ms(ts)::DOUBLE AS ts, samples, util_sum, util_count, xid, fault FROM rollup_1m ORDER BY gpu_id, ts');
    const before = await minuteRows();
    expect(before.length).toBe(10 * 60);

    await write.settle();
    expect(await pending()).toEqual([]);
    expect(await outOfOrder('rollup_1m')).toBe(0);
    expect(await minuteRows()).toEqual(before);
  });

  it('sorts on its own once the store has been quiet for the upkeep time, a chunk at a time', async () => {
    // Checkpoint checks 30 ms after a write; the upkeep only 600 ms after the last one.
    await open(100, 200, 30, 600);
    await metrics(END - 2 * HOUR, END - 60 * MIN);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A write before the upkeep's time starts it again.
    await metrics(END - 10 * MIN, END - 5 * MIN);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await pending()).length).toBe(1);
    await vi.waitFor(async () => expect(await pending()).toEqual([]), { timeout: 10_000, interval: 50 });
    expect(await outOfOrder()).toBe(0);
    expect((await allSamples()).length).toBe(10 * 60 + 10 * 5);
  });

  it('is the upkeep of a store openStore opens: its settle rewrites what is pending', async () => {
    await open(100, 1_000);
    await metrics(END - 2 * HOUR, END - 60 * MIN);
    await write.close();
    instance.closeSync();
    const store = await openStore(dir, { now: () => new Date(END), cacheOverview: false });
    try {
      await store.settle();
    } finally {
      await store.close();
    }
    instance = await DuckDBInstance.create(join(dir, STORE_FILE));
    write = createWrite(instance, false);
    expect(await pending()).toEqual([]);
    expect(await outOfOrder()).toBe(0);
  });

  it('leaves a pending window as it was when a step fails, and forgets what retention deleted', async () => {
    await open(100, 1_000);
    await metrics(END - 2 * HOUR, END - 60 * MIN);
    const before = await allSamples();
    const conn = await instance.connect();
    try {
      // A step that fails after its rewrite rolls all of it back.
      await expect(
        inTransaction(conn, async () => {
          await sortPendingSamples(conn, 1_000);
          await exec(conn, 'SELECT error(\'interrupted\')');
        }),
      ).rejects.toThrow('interrupted');
    } finally {
      conn.closeSync();
    }
    expect(await pending()).toEqual([{ from_ms: END - 2 * HOUR, to_ms: END - 60 * MIN }]);
    expect(await allSamples()).toEqual(before);

    // Raw retention (7 days) at a time 90 minutes into the window's samples' expiry.
    await writer.applyRetention(new Date(END - 2 * HOUR + 7 * 24 * HOUR + 30 * MIN));
    expect(await pending()).toEqual([{ from_ms: END - 90 * MIN, to_ms: END - 60 * MIN }]);
    await writer.applyRetention(new Date(END + 7 * 24 * HOUR));
    expect(await pending()).toEqual([]);
  });
});
