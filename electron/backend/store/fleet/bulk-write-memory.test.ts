/**
 * A metrics write of more than one staged slice (a backfill's window) runs with DuckDB's limit at
 * BULK_WRITE_MEMORY_LIMIT, hands the memory it freed back after each slice, merges at MERGE_MEMORY_LIMIT,
 * and the store's own limit is back once its transaction has ended, however it ends (once the last of
 * overlapping ones ends); a write of one slice (a steady minute) and a store whose limit is already
 * lower leave the limit alone.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpuSample } from '../../../../shared/domain';
import { ConnectionPool } from '../db';
import { BULK_WRITE_MEMORY_LIMIT, limitBytes, MERGE_MEMORY_LIMIT, quietGateOf } from '../idle-memory';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, sample, tempDataDir } from '../test-support';
import { createWrite } from '../write';
import { DuckFleetWriter } from './writer';

const MIN = 60_000;
const FROM = Date.parse('2026-11-25T06:00:00Z');
const TO = FROM + 60 * MIN;
/** Samples per staged slice in these writes. */
const SLICE = 100;
/** How long reads keep the store's limit after the last of them here. */
const READ_HOLD = 300;

/** An hour of one 8-GPU machine, a batch per 10 minutes (80 samples each). */
function hourOfSamples(): GpuSample[][] {
  const out: GpuSample[][] = [];
  for (let t = FROM; t < TO; t += 10 * MIN) {
    const batch: GpuSample[] = [];
    for (let m = t; m < t + 10 * MIN; m += MIN) for (let g = 0; g < 8; g++) batch.push(sample('m-1', g, m, 40 + g));
    out.push(batch);
  }
  return out;
}

/** The first value of `sql` on a connection of its own: outside the pool, so outside the gate's reads. */
async function valueOn(instance: DuckDBInstance, sql: string): Promise<unknown> {
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows()[0]?.[0];
  } finally {
    conn.closeSync();
  }
}

/** DuckDB's own spelling of a limit (current_setting gives it back formatted). */
async function spelled(limit: string): Promise<string> {
  const scratch = await DuckDBInstance.create(':memory:', { memory_limit: limit });
  try {
    return String(await valueOn(scratch, `SELECT current_setting('memory_limit')`));
  } finally {
    scratch.closeSync();
  }
}

describe('the memory limit of a bulk metrics write', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let instance: DuckDBInstance;
  let pool: ConnectionPool;
  let writer: DuckFleetWriter;
  /** The bulk-write and merge limits as DuckDB spells them. */
  let low: string;
  let merge: string;

  beforeAll(async () => {
    [low, merge] = await Promise.all([spelled(BULK_WRITE_MEMORY_LIMIT), spelled(MERGE_MEMORY_LIMIT)]);
  });

  /**
   * A writer over the store in `temp` staging SLICE samples at a time, its gate armed with
   * `storeLimit`; `setBulkLimit` in place of the gate's own setting of the limit for bulk writes.
   * Returns the store's own limit as DuckDB spells it.
   */
  async function openWriter(storeLimit: string, setBulkLimit?: (value: string) => Promise<void>): Promise<string> {
    instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE), { memory_limit: storeLimit });
    pool = await ConnectionPool.create(instance, 2);
    quietGateOf(instance).arm(instance, { memoryLimit: storeLimit, setBulkLimit, readHoldMs: READ_HOLD });
    writer = new DuckFleetWriter(instance, createWrite(instance, false), () => new Date(TO), { stagedRowsLimit: SLICE });
    return limitNow();
  }
  /** DuckDB's limit now, asked on a connection of its own (a read through the pool would raise it). */
  const limitNow = async (): Promise<string> => String(await valueOn(instance, `SELECT current_setting('memory_limit')`));

  /** The batches, asking DuckDB's limit before each batch after the first; `failAfter` throws after that many. */
  async function* observed(batches: GpuSample[][], seen: string[], failAfter = Infinity): AsyncIterable<GpuSample[]> {
    for (const [i, batch] of batches.entries()) {
      if (i > 0) seen.push(await limitNow());
      if (i >= failAfter) throw new Error('the source broke off');
      yield batch;
    }
  }

  beforeEach(async () => {
    temp = await tempDataDir();
    const store = await openStore(temp.dir, { now: () => new Date(TO) });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('m-1', { gpuCount: 8 })]));
    await store.close();
  });
  afterEach(async () => {
    await quietGateOf(instance).disarm();
    await pool.close();
    instance.closeSync();
    await temp.cleanup();
  });

  it('is lowered once a window fills more than one slice, and set back when the write ends', async () => {
    const own = await openWriter('256MB');
    expect(low).not.toBe(own);
    const seen: string[] = [];
    const batches = hourOfSamples();
    expect(await writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed(batches, seen))).toBe(480);
    // Before batch 2 a slice is not yet full (80 samples staged); from batch 3 on, one has been stored.
    expect(seen[0]).toBe(own);
    expect(seen.slice(1)).toEqual(Array(batches.length - 2).fill(low));
    expect(await limitNow()).toBe(own);
  });

  it('is set back when the write fails half-way', async () => {
    const own = await openWriter('256MB');
    const seen: string[] = [];
    await expect(writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed(hourOfSamples(), seen, 4))).rejects.toThrow('broke off');
    expect(seen.at(-1)).toBe(low);
    expect(await limitNow()).toBe(own);
  });

  it('stays low until the last of two overlapping bulk writes ends', async () => {
    const own = await openWriter('256MB');
    const gate = quietGateOf(instance);
    const first = await gate.bulkWrite();
    const second = await gate.bulkWrite();
    expect(await limitNow()).toBe(low);
    await first.end();
    await first.end();
    await second.handBack();
    expect(await limitNow()).toBe(low);
    await second.end();
    expect(await limitNow()).toBe(own);
  });

  it('gives a merge its limit while another bulk write stores slices, and counts a merge and its end once', async () => {
    const own = await openWriter('256MB');
    const gate = quietGateOf(instance);
    const merged = await gate.bulkWrite();
    const storing = await gate.bulkWrite();
    expect(await limitNow()).toBe(low);
    await merged.merging();
    await merged.merging();
    // The other's slices would have it low: the merge's needs come first.
    expect(await limitNow()).toBe(merge);
    await storing.handBack();
    expect(await limitNow()).toBe(merge);
    await merged.end();
    expect(await limitNow()).toBe(low);
    await storing.merging();
    expect(await limitNow()).toBe(merge);
    await Promise.all([merged.end(), storing.end(), storing.end()]);
    expect(await limitNow()).toBe(own);
    const next = await gate.bulkWrite();
    expect(await limitNow()).toBe(low);
    await next.end();
    expect(await limitNow()).toBe(own);
  });

  it("merges with the store's own limit where that is below the merge limit", async () => {
    const own = await openWriter('100MB');
    const bulk = await quietGateOf(instance).bulkWrite();
    expect(await limitNow()).toBe(low);
    await bulk.merging();
    expect(await limitNow()).toBe(own);
    await bulk.end();
    expect(await limitNow()).toBe(own);
  });

  it("is the store's own for reads that run beside a bulk write, and low again a while after the last of them", async () => {
    const own = await openWriter('256MB');
    // A read that ended before any bulk write holds nothing: the bulk write lowers the limit at once.
    await pool.use(async () => {});
    const bulk = await quietGateOf(instance).bulkWrite();
    expect(await limitNow()).toBe(low);
    // Two reads overlapping: the limit is the store's inside both, and low only after the second.
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    const inFirst: string[] = [];
    const first = pool.use(async () => {
      inFirst.push(await limitNow());
      await firstHeld;
    });
    while (inFirst.length === 0) await new Promise((r) => setTimeout(r, 5));
    expect(inFirst).toEqual([own]);
    expect(await pool.use(() => limitNow())).toBe(own);
    expect(await limitNow()).toBe(own);
    releaseFirst();
    await first;
    const left = Date.now();
    expect(await limitNow()).toBe(own);
    // Set once reads have been quiet for the hold, in the gate's turn (nothing here awaits it).
    await vi.waitFor(async () => expect(await limitNow()).toBe(low), { timeout: 5_000 });
    expect(Date.now() - left).toBeGreaterThanOrEqual(READ_HOLD);
    await bulk.end();
    expect(await limitNow()).toBe(own);
  });

  it('hands nothing back while reads run or are held', async () => {
    const settings: string[] = [];
    await openWriter('256MB', async (value) => {
      settings.push(value);
      await valueOn(instance, `SET memory_limit = '${value}'`);
    });
    const bulk = await quietGateOf(instance).bulkWrite();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const read = pool.use(() => held);
    await vi.waitFor(() => expect(settings).toEqual([BULK_WRITE_MEMORY_LIMIT, '256MB']));
    await bulk.handBack();
    release();
    await read;
    await bulk.handBack();
    expect(settings).toEqual([BULK_WRITE_MEMORY_LIMIT, '256MB']);
    // Lowered once the hold is over; from then on a hand-back sets the limit again.
    await vi.waitFor(() => expect(settings).toEqual([BULK_WRITE_MEMORY_LIMIT, '256MB', BULK_WRITE_MEMORY_LIMIT]), { timeout: 5_000 });
    await bulk.handBack();
    await bulk.end();
    expect(settings).toEqual([BULK_WRITE_MEMORY_LIMIT, '256MB', BULK_WRITE_MEMORY_LIMIT, BULK_WRITE_MEMORY_LIMIT, '256MB']);
  });

  it('sets nothing for a bulk write that starts and ends while a read runs', async () => {
    const settings: string[] = [];
    await openWriter('256MB', async (value) => {
      settings.push(value);
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // The read is counted from the call on (the pool enters the gate before its first await).
    const read = pool.use(() => held);
    const bulk = await quietGateOf(instance).bulkWrite();
    await bulk.handBack();
    await bulk.end();
    release();
    await read;
    await new Promise((resolve) => setTimeout(resolve, READ_HOLD + 100));
    expect(settings).toEqual([]);
  });

  it('hands memory back after each stored slice, and sets the own limit back after the commit', async () => {
    // Each setting as the gate asks for it, with the window's samples another connection sees then.
    const settings: Array<{ value: string; committed: number }> = [];
    await openWriter('256MB', async (value) => {
      await valueOn(instance, `SET memory_limit = '${value}'`);
      settings.push({ value, committed: Number(await valueOn(instance, 'SELECT count(*) FROM gpu_sample')) });
    });
    // Five batches of 80: slices are stored after batches 2 and 4 (160 samples each), and the last 80 after the loop.
    const batches = hourOfSamples().slice(0, 5);
    expect(await writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed(batches, []))).toBe(400);
    // Lowered as the first slice is full; handed back after each of the two full slices; the merge
    // limit for the merges after the last 80, before the commit; the store's own once the 400 are committed.
    expect(settings).toEqual([
      ...Array(3).fill({ value: BULK_WRITE_MEMORY_LIMIT, committed: 0 }),
      { value: MERGE_MEMORY_LIMIT, committed: 0 },
      { value: '256MB', committed: 400 },
    ]);
  });

  it("runs a window's merges with the merge limit", async () => {
    // The bulk-write limit played by one far too small for the merges: at 64 MB, 100,000 GPUs' windows
    // failed in them. The appends of these small slices fit in it.
    const tiny = '1MB';
    await openWriter('256MB', (value) => valueOn(instance, `SET memory_limit = '${value === BULK_WRITE_MEMORY_LIMIT ? tiny : value}'`).then(() => undefined));
    expect(await writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed(hourOfSamples(), []))).toBe(480);
    expect(Number(await valueOn(instance, 'SELECT count(*) FROM rollup_5m'))).toBeGreaterThan(0);
  });

  it('is left alone by a write of one slice and on a store whose own limit is already lower', async () => {
    const own = await openWriter('256MB');
    const seen: string[] = [];
    const [first, second] = hourOfSamples();
    await writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed([first!.slice(0, 40), second!.slice(0, 40)], seen));
    expect(seen).toEqual([own]);
    await pool.close();
    instance.closeSync();

    const lower = await openWriter('40MB');
    const seenLower: string[] = [];
    await writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed(hourOfSamples(), seenLower));
    expect(new Set(seenLower)).toEqual(new Set([lower]));
  });
});

describe('reading a memory setting', () => {
  it.each([
    ['256MB', 256e6],
    ['128 MB', 128e6],
    ['1GiB', 2 ** 30],
    ['512KiB', 512 * 1024],
    ['2.5GB', 2.5e9],
    ['1000', 1000],
    ['80%', null],
    ['lots', null],
  ])('%s is %s bytes', (value, bytes) => {
    expect(limitBytes(value)).toBe(bytes);
  });
});
