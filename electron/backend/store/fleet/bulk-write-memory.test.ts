/**
 * A metrics write of more than one staged slice (a backfill's window) runs with DuckDB's limit at
 * BULK_WRITE_MEMORY_LIMIT, and the store's own limit is back once it ends, however it ends (once the
 * last of overlapping ones ends); a write of one slice (a steady minute) and a store whose limit is
 * already lower leave the limit alone.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GpuSample } from '../../../../shared/domain';
import { ConnectionPool } from '../db';
import { BULK_WRITE_MEMORY_LIMIT, limitBytes, quietGateOf } from '../idle-memory';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, sample, tempDataDir } from '../test-support';
import { createWrite } from '../write';
import { DuckFleetWriter } from './writer';

const MIN = 60_000;
const FROM = Date.parse('2026-11-25T06:00:00Z');
const TO = FROM + 60 * MIN;
/** Samples per staged slice in these writes. */
const SLICE = 100;

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

/** DuckDB's own spelling of a limit (current_setting gives it back formatted). */
async function spelled(limit: string): Promise<string> {
  const scratch = await DuckDBInstance.create(':memory:', { memory_limit: limit });
  const conn = await scratch.connect();
  try {
    return String((await conn.runAndReadAll(`SELECT current_setting('memory_limit')`)).getRows()[0]?.[0]);
  } finally {
    conn.closeSync();
    scratch.closeSync();
  }
}

describe('the memory limit of a bulk metrics write', () => {
  let temp: { dir: string; cleanup: () => Promise<void> };
  let instance: DuckDBInstance;
  let pool: ConnectionPool;
  let writer: DuckFleetWriter;

  /** A writer over the store in `temp` staging SLICE samples at a time, its gate armed with `storeLimit`. */
  async function openWriter(storeLimit: string): Promise<void> {
    instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE), { memory_limit: storeLimit });
    pool = await ConnectionPool.create(instance, 2);
    quietGateOf(instance).arm(instance, { memoryLimit: storeLimit });
    writer = new DuckFleetWriter(instance, createWrite(instance, false), () => new Date(TO), { stagedRowsLimit: SLICE });
  }
  const limitNow = async (): Promise<string> => (await pool.rows<{ v: string }>(`SELECT current_setting('memory_limit') AS v`))[0]?.v ?? '';

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
    await openWriter('256MB');
    const own = await limitNow();
    const low = await spelled(BULK_WRITE_MEMORY_LIMIT);
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
    await openWriter('256MB');
    const own = await limitNow();
    const seen: string[] = [];
    await expect(writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed(hourOfSamples(), seen, 4))).rejects.toThrow('broke off');
    expect(seen.at(-1)).toBe(await spelled(BULK_WRITE_MEMORY_LIMIT));
    expect(await limitNow()).toBe(own);
  });

  it('stays low until the last of two overlapping bulk writes ends', async () => {
    await openWriter('256MB');
    const own = await limitNow();
    const low = await spelled(BULK_WRITE_MEMORY_LIMIT);
    const gate = quietGateOf(instance);
    const endFirst = await gate.bulkWrite();
    const endSecond = await gate.bulkWrite();
    expect(await limitNow()).toBe(low);
    await endFirst();
    await endFirst();
    expect(await limitNow()).toBe(low);
    await endSecond();
    expect(await limitNow()).toBe(own);
  });

  it('is left alone by a write of one slice and on a store whose own limit is already lower', async () => {
    await openWriter('256MB');
    const own = await limitNow();
    const seen: string[] = [];
    const [first, second] = hourOfSamples();
    await writer.writeMetrics(run('acct', 'metrics'), { from: FROM, to: TO }, observed([first!.slice(0, 40), second!.slice(0, 40)], seen));
    expect(seen).toEqual([own]);
    await pool.close();
    instance.closeSync();

    await openWriter('100MB');
    const lower = await limitNow();
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
