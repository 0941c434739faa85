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
import { type InventoryOf, keptInventoryReads } from './resource-rows';

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

  /**
   * A kept read whose first read ran on the rows from before the write, which has since committed:
   * that read is held until `release()`, and `count()` counts the write as the fleet writer does.
   */
  async function staleReadInFlight(): Promise<{
    inventoryOf: InventoryOf;
    stale: ReturnType<InventoryOf>;
    reads: () => number;
    release: () => void;
    count: () => void;
  }> {
    let changes = 0;
    const held = heldPool();
    const inventoryOf = keptInventoryReads(held.pool, () => changes);
    const stale = inventoryOf('acct');
    await expect.poll(held.reads).toBe(1);
    await stopMachine();
    return { inventoryOf, stale, reads: held.reads, release: held.release, count: () => (changes += 1) };
  }
  const powerStates = async (read: ReturnType<InventoryOf>): Promise<string[]> => (await read).map((r) => r.powerState);

  it('reads again for callers after the write, and for callers during the stale read', async () => {
    const { inventoryOf, stale, reads, release, count } = await staleReadInFlight();
    count();
    // Asked while the stale read is in flight: a new read, not the one in flight.
    const during = inventoryOf('acct');
    release();
    expect(await powerStates(stale)).toEqual(['running']);
    expect(await powerStates(during)).toEqual(['stopped']);
    // Asked after: the read taken after the write is the one kept.
    expect(await inventoryOf('acct')).toBe(await during);
    expect(reads()).toBe(2);
  });

  it('reads again when the write is counted only after the read finished', async () => {
    const { inventoryOf, stale, reads, release, count } = await staleReadInFlight();
    release();
    expect(await powerStates(stale)).toEqual(['running']);
    // The commit is counted after the read came back with the rows from before it.
    count();
    expect(await powerStates(inventoryOf('acct'))).toEqual(['stopped']);
    expect(reads()).toBe(2);
  });

  it('does not keep a read that was in flight when the write was counted', async () => {
    const { inventoryOf, stale, reads, release, count } = await staleReadInFlight();
    count();
    // Nobody asks until the stale read has come back.
    release();
    expect(await powerStates(stale)).toEqual(['running']);
    expect(await powerStates(inventoryOf('acct'))).toEqual(['stopped']);
    expect(reads()).toBe(2);
  });
});
