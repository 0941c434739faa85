/**
 * The kept inventory read against an inventory write that commits while the read runs: the read may
 * have seen the rows from before the commit, so it must never be handed out once the write is counted,
 * to a caller that asks afterwards or to one that asks while the stale read is still in flight.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../db';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, tempDataDir } from '../test-support';
import { keptInventoryReads } from './resource-rows';

describe('kept inventory read during an inventory write', () => {
  let instance: DuckDBInstance;
  let pool: ConnectionPool;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    const store = await openStore(temp.dir, { now: () => new Date('2026-11-25T12:00:00Z') });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('m1', { gpuCount: 2 })]));
    await store.close();
    instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE));
    pool = await ConnectionPool.create(instance, 2);
  });
  afterEach(async () => {
    await pool.close();
    instance.closeSync();
    await cleanup();
  });

  /** A pool whose reads finish their query, then wait for `release` before handing back what they read. */
  function heldPool(): { pool: ConnectionPool; reads: () => number; release: () => void } {
    // Counted once the query has run: a write after that is one the read cannot have seen.
    let reads = 0;
    let release: () => void = () => {};
    let held: Promise<void> | null = new Promise<void>((resolve) => (release = resolve));
    const slow = {
      use: async <T>(body: (conn: never) => Promise<T>): Promise<T> => {
        const result = await pool.use(body as Parameters<ConnectionPool['use']>[0]);
        reads += 1;
        // Only the first read is held: it is the one the write commits under.
        const gate = held;
        held = null;
        if (gate !== null) await gate;
        return result as T;
      },
    } as unknown as ConnectionPool;
    return { pool: slow, reads: () => reads, release: () => release() };
  }

  /** The inventory write: its rows commit, then the writer counts it (as fleet/writer.ts does, after COMMIT). */
  async function stopMachine(): Promise<void> {
    await pool.use(async (conn) => {
      await conn.run(`UPDATE resource SET power_state = 'stopped' WHERE id = 'm1'`);
    });
  }

  it('reads again for callers after the write, and for callers during the stale read', async () => {
    let changes = 0;
    const held = heldPool();
    const inventoryOf = keptInventoryReads(held.pool, () => changes);

    // The read runs on the rows from before the write, and is still in flight when the write commits.
    const stale = inventoryOf('acct');
    await expect.poll(held.reads).toBe(1);
    await stopMachine();
    changes += 1;
    // Asked while the stale read is in flight: a new read, not the one in flight.
    const during = inventoryOf('acct');
    held.release();
    expect((await stale).map((r) => r.powerState)).toEqual(['running']);
    expect((await during).map((r) => r.powerState)).toEqual(['stopped']);
    // Asked after: the read taken after the write is the one kept.
    const after = await inventoryOf('acct');
    expect(after).toBe(await during);
    expect(held.reads()).toBe(2);
  });

  it('reads again when the write is counted only after the read finished', async () => {
    let changes = 0;
    const held = heldPool();
    const inventoryOf = keptInventoryReads(held.pool, () => changes);

    const stale = inventoryOf('acct');
    await expect.poll(held.reads).toBe(1);
    await stopMachine();
    held.release();
    expect((await stale).map((r) => r.powerState)).toEqual(['running']);
    // The commit is counted after the read came back with the rows from before it.
    changes += 1;
    expect((await inventoryOf('acct')).map((r) => r.powerState)).toEqual(['stopped']);
    expect(held.reads()).toBe(2);
  });

  it('does not keep a read that was in flight when the write was counted', async () => {
    let changes = 0;
    const held = heldPool();
    const inventoryOf = keptInventoryReads(held.pool, () => changes);

    const stale = inventoryOf('acct');
    await expect.poll(held.reads).toBe(1);
    await stopMachine();
    changes += 1;
    // Nobody asks until the stale read has come back.
    held.release();
    expect((await stale).map((r) => r.powerState)).toEqual(['running']);
    expect((await inventoryOf('acct')).map((r) => r.powerState)).toEqual(['stopped']);
    expect(held.reads()).toBe(2);
  });
});
