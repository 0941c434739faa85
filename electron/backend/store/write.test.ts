import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exec, rows } from './db';
import { StoreReadOnlyError } from './errors';
import { createWrite } from './write';

describe('the store write()', () => {
  let instance: DuckDBInstance;
  const count = async (table = 't'): Promise<number> => {
    const conn = await instance.connect();
    try {
      return (await rows<{ n: number }>(conn, `SELECT count(*)::INTEGER AS n FROM ${table}`))[0]!.n;
    } finally {
      conn.closeSync();
    }
  };

  beforeEach(async () => {
    instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await exec(conn, 'CREATE TABLE t (id INTEGER PRIMARY KEY)');
    conn.closeSync();
  });
  afterEach(() => instance.closeSync());

  it('commits the whole body, or nothing of it when it throws', async () => {
    const write = createWrite(instance, false);
    await write(async (conn) => exec(conn, 'INSERT INTO t VALUES (1)'));
    await expect(
      write(async (conn) => {
        await exec(conn, 'INSERT INTO t VALUES (2)');
        throw new Error('connector failed half-way');
      }),
    ).rejects.toThrow('half-way');
    expect(await count()).toBe(1);
  });

  it('marks every write in its own transaction and keeps the facts anew once writes pause', async () => {
    const conn = await instance.connect();
    await exec(conn, 'CREATE TABLE mark (n INTEGER)');
    conn.closeSync();
    const events: string[] = [];
    const keptAt: number[] = [];
    const write = createWrite(instance, false, { aboveBytes: Infinity, idleMs: 10, upkeepQuietMs: 100 }, undefined, {
      markStale: async (c) => {
        events.push('mark');
        await exec(c, 'INSERT INTO mark VALUES (1)');
      },
      refresh: async (c) => {
        events.push('keep');
        keptAt.push(Date.now());
        await exec(c, 'DELETE FROM mark');
      },
    });
    try {
      await write(async (c) => exec(c, 'INSERT INTO t VALUES (1)'));
      await write(async (c) => exec(c, 'INSERT INTO t VALUES (2)'));
      // A write that fails leaves no mark (its transaction rolled back) but is marked all the same.
      await expect(write(async (c) => exec(c, 'INSERT INTO t VALUES (1)'))).rejects.toThrow();
      const lastWriteEnded = Date.now();
      expect(events).toEqual(['mark', 'mark', 'mark']);
      const marks = (): Promise<number> => count('mark');
      expect(await marks()).toBe(2);
      // Until the refresh has committed (its transaction ends after it returns).
      for (const deadline = Date.now() + 5_000; (await marks()) > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events).toEqual(['mark', 'mark', 'mark', 'keep']);
      // Not at the first quiet check (10 ms: a sync's next write may still come) but once quiet as
      // long as the upkeep waits (a few ms of slack: the write's end is taken just before this test's).
      expect(keptAt[0]! - lastWriteEnded).toBeGreaterThanOrEqual(90);
      expect(await marks()).toBe(0);
      // Quiet again with nothing written: kept once, not again (but for a minute that began meanwhile).
      await new Promise((resolve) => setTimeout(resolve, 150));
      const minutesBegun = Math.floor(Date.now() / 60_000) - Math.floor(keptAt[0]! / 60_000);
      expect(events.filter((e) => e === 'keep').length).toBeLessThanOrEqual(1 + minutesBegun);
      await write.settle();
      expect(events.at(-1)).toBe('keep');
    } finally {
      await write.close();
    }
  });

  it('leaves the facts stale while nobody reads them, and keeps them once someone does', async () => {
    let wanted = false;
    let kept = 0;
    const write = createWrite(instance, false, { aboveBytes: Infinity, idleMs: 10, upkeepQuietMs: 50 }, undefined, {
      markStale: async () => {},
      refresh: async () => {
        kept += 1;
      },
      wanted: () => wanted,
    });
    try {
      await write(async (c) => exec(c, 'INSERT INTO t VALUES (1)'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(kept).toBe(0);
      wanted = true;
      await write(async (c) => exec(c, 'INSERT INTO t VALUES (2)'));
      for (const deadline = Date.now() + 5_000; kept === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(kept).toBe(1);
    } finally {
      await write.close();
    }
  });

  it('keeps the facts anew as each minute begins, with nothing written', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: Date.parse('2026-12-01T12:00:30Z') });
    const keptAt: string[] = [];
    const write = createWrite(instance, false, { aboveBytes: Infinity, idleMs: 10, upkeepQuietMs: 100 }, undefined, {
      markStale: async () => {},
      refresh: async () => {
        keptAt.push(new Date().toISOString().slice(11, 16));
      },
    });
    // The refresh's connection comes from DuckDB's threads: real turns of the event loop, and the
    // timers it arms meanwhile a few milliseconds on.
    const settled = async (n: number): Promise<void> => {
      for (const deadline = performance.now() + 10_000; keptAt.length < n && performance.now() < deadline; ) {
        await new Promise((resolve) => setImmediate(resolve));
        await vi.advanceTimersByTimeAsync(1);
      }
    };
    try {
      await vi.advanceTimersByTimeAsync(29_000);
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(keptAt).toEqual([]);
      await vi.advanceTimersByTimeAsync(2_000);
      await settled(1);
      expect(keptAt).toEqual(['12:01']);
      await vi.advanceTimersByTimeAsync(60_000);
      await settled(2);
      expect(keptAt).toEqual(['12:01', '12:02']);
    } finally {
      vi.useRealTimers();
      await write.close();
    }
  });

  it('refuses every write of a read-only store before touching it', async () => {
    let ran = false;
    await expect(
      createWrite(instance, true)(async () => {
        ran = true;
      }),
    ).rejects.toBeInstanceOf(StoreReadOnlyError);
    expect(ran).toBe(false);
  });

  it('runs prepare once outside the transaction and retries only the transaction on a write conflict', async () => {
    const write = createWrite(instance, false);
    let prepared = 0;
    let runs = 0;
    const result = await write(
      async (conn, staged: string) => {
        runs++;
        await exec(conn, `INSERT INTO t VALUES (${runs})`);
        if (runs === 1) throw new Error('TransactionContext Error: Conflict on tuple deletion');
        return `${staged} after ${runs} runs`;
      },
      {
        attempts: 3,
        prepare: async () => {
          prepared++;
          return 'staged';
        },
      },
    );
    expect(result).toBe('staged after 2 runs');
    expect(prepared).toBe(1);
    // The first run's row was rolled back with it.
    expect(await count()).toBe(1);
  });

  it('does not retry a conflict unless asked to', async () => {
    let runs = 0;
    await expect(
      createWrite(instance, false)(async () => {
        runs++;
        throw new Error('TransactionContext Error: Conflict on tuple deletion');
      }),
    ).rejects.toThrow('Conflict');
    expect(runs).toBe(1);
  });

  it('runs afterRollback once the transaction failed for good, on a connection that works again, and lets it explain the error', async () => {
    const write = createWrite(instance, false);
    const seen: string[] = [];
    const failing = write(
      async (conn) => {
        await exec(conn, 'INSERT INTO t VALUES (1)');
        // A failed statement aborts DuckDB's transaction: nothing more can run in it.
        await exec(conn, 'INSERT INTO t VALUES (1)');
      },
      {
        afterRollback: async (conn, error) => {
          seen.push(/duplicate key/i.test(String(error)) ? 'duplicate' : String(error));
          const n = (await rows<{ n: number }>(conn, 'SELECT count(*)::INTEGER AS n FROM t'))[0]!.n;
          throw new Error(`explained after rollback, ${n} rows`);
        },
      },
    );
    await expect(failing).rejects.toThrow('explained after rollback, 0 rows');
    expect(seen).toEqual(['duplicate']);
    // Returning instead lets the body's own error through; a body that succeeds never calls it.
    await expect(
      write(
        async () => {
          throw new Error('body failed');
        },
        { afterRollback: async () => undefined },
      ),
    ).rejects.toThrow('body failed');
    let called = false;
    await write(async (conn) => exec(conn, 'INSERT INTO t VALUES (2)'), { afterRollback: async () => void (called = true) });
    expect(called).toBe(false);
    expect(await count()).toBe(1);
  });
});

describe('the store write() and memory', () => {
  /** Committed rows of `t` left in memory after three writes of 100k rows each, in 20 inserts apiece. */
  const heldAfterWrites = async (checkpointAboveBytes: number): Promise<number> => {
    const dir = await mkdtemp(join(tmpdir(), 'fleetpane-write-checkpoint-'));
    const instance = await DuckDBInstance.create(join(dir, 'store.duckdb'));
    try {
      const conn = await instance.connect();
      await exec(conn, 'CREATE TABLE t (gpu_id INTEGER, util DOUBLE, ts TIMESTAMP)');
      const write = createWrite(instance, false, { aboveBytes: checkpointAboveBytes, idleMs: 0 });
      for (let w = 0; w < 3; w++) {
        await write(async (c) => {
          for (let i = 0; i < 20; i++) {
            await exec(c, `INSERT INTO t SELECT range, range * 0.5, TIMESTAMP '2026-12-01' + INTERVAL (range) MINUTE FROM range(${i * 5000}, ${(i + 1) * 5000})`);
          }
        });
      }
      // The store is idle now: let the quiet-time check start, and end.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await write.close();
      const held = await rows<{ bytes: number }>(conn, `SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE AS bytes FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`);
      expect((await rows<{ n: number }>(conn, 'SELECT count(*)::INTEGER AS n FROM t'))[0]!.n).toBe(300_000);
      conn.closeSync();
      return held[0]!.bytes;
    } finally {
      instance.closeSync();
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('checkpoints once idle with committed rows held in memory past the limit, so a backfill does not keep them for the store\'s life', async () => {
    const MIB = 2 ** 20;
    // Without a limit DuckDB keeps them (its own checkpoint waits for a large WAL, which these rows do not make).
    expect(await heldAfterWrites(Infinity)).toBeGreaterThan(2 * MIB);
    expect(await heldAfterWrites(MIB)).toBeLessThanOrEqual(MIB);
  });
});
