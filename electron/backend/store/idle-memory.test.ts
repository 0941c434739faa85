import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionPool, exec, rows } from './db';
import { QuietGate, quietGateOf } from './idle-memory';
import { openStore } from './index';
import { tempDataDir } from './test-support';
import { createWrite } from './write';

const MIB = 2 ** 20;

describe('handing cached memory back when the store is quiet', () => {
  let dir: { dir: string; cleanup: () => Promise<void> };
  let instance: DuckDBInstance;
  let pool: ConnectionPool;
  beforeEach(async () => {
    dir = await tempDataDir();
    instance = await DuckDBInstance.create(join(dir.dir, 'store.duckdb'), { memory_limit: '200MB', threads: '2' });
    const setup = await instance.connect();
    // About 16 MiB of doubles that do not compress, on disk, as a store's tables are.
    await exec(setup, 'CREATE TABLE sample AS SELECT i, random() AS v FROM range(2000000) r(i)');
    await exec(setup, 'CHECKPOINT');
    setup.closeSync();
    pool = await ConnectionPool.create(instance, 2);
  });
  afterEach(async () => {
    await quietGateOf(instance).disarm();
    await pool.close();
    instance.closeSync();
    await dir.cleanup();
  });

  const cachedBytes = async (): Promise<number> =>
    (await pool.rows<{ b: number }>(`SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE AS b FROM duckdb_memory() WHERE tag = 'BASE_TABLE'`))[0]?.b ?? 0;
  const memoryLimit = async (): Promise<string> => (await pool.rows<{ v: string }>(`SELECT current_setting('memory_limit') AS v`))[0]?.v ?? '';

  it('evicts the cached table blocks once nothing has run for the idle time, and sets the limit back', async () => {
    const limit = await memoryLimit();
    const gate = quietGateOf(instance);
    gate.arm(instance, { memoryLimit: '200MB', idleMs: 50, keptCacheBytes: 1 * MIB });
    await pool.rows('SELECT sum(v) FROM sample');
    const before = await cachedBytes();
    expect(before).toBeGreaterThan(8 * MIB);
    await vi.waitFor(() => expect(gate.releases).toBe(1), { timeout: 5_000 });
    // At most the kept bytes and the block the measuring query itself reads back.
    expect(await cachedBytes()).toBeLessThan(2 * MIB);
    expect(await memoryLimit()).toBe(limit);
    expect((await pool.rows<{ n: number }>('SELECT count(*)::INTEGER AS n FROM sample'))[0]?.n).toBe(2_000_000);
  });

  it('waits while a read runs, and releases once it has been quiet for the idle time after it', async () => {
    const gate = quietGateOf(instance);
    gate.arm(instance, { memoryLimit: '200MB', idleMs: 30, keptCacheBytes: 1 * MIB });
    await pool.use(async (conn) => {
      await rows(conn, 'SELECT sum(v) FROM sample');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(gate.releases).toBe(0);
    });
    expect(await cachedBytes()).toBeGreaterThan(8 * MIB);
    await vi.waitFor(() => expect(gate.releases).toBe(1), { timeout: 5_000 });
  });

  it('holds a read and a write that start during a release until it is done; disarming waits for it too', async () => {
    const gate = quietGateOf(instance);
    const write = createWrite(instance, false);
    const events: string[] = [];
    let started!: () => void;
    const releaseStarted = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const releaseMayFinish = new Promise<void>((resolve) => (finish = resolve));
    gate.arm(instance, {
      memoryLimit: '200MB',
      idleMs: 20,
      release: async () => {
        started();
        await releaseMayFinish;
        events.push('released');
      },
    });
    await releaseStarted;
    const read = pool.rows('SELECT 1 AS n').then(() => events.push('read'));
    const written = write((conn) => exec(conn, 'INSERT INTO sample VALUES (-1, 0.5)')).then(() => events.push('written'));
    const disarmed = gate.disarm().then(() => events.push('disarmed'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual([]);
    finish();
    await Promise.all([read, written, disarmed]);
    expect(events[0]).toBe('released');
    expect(events.slice(1).sort()).toEqual(['disarmed', 'read', 'written']);
    expect(gate.releases).toBe(1);
    await write.close();
  });

  it('hands freed memory back soon after a burst, keeping the cached blocks and the limit', async () => {
    const limit = await memoryLimit();
    const gate = quietGateOf(instance);
    gate.arm(instance, { memoryLimit: '200MB', idleMs: 60_000, trimMs: 20 });
    await pool.rows('SELECT sum(v) FROM sample');
    const before = await cachedBytes();
    expect(before).toBeGreaterThan(8 * MIB);
    await vi.waitFor(() => expect(gate.trims).toBe(1), { timeout: 5_000 });
    expect(gate.releases).toBe(0);
    expect(await cachedBytes()).toBeGreaterThanOrEqual(before);
    expect(await memoryLimit()).toBe(limit);
  });

  it('trims only once a burst is over, never holds a read, and disarming waits for a trim running', async () => {
    const gate = quietGateOf(instance);
    const events: string[] = [];
    let started!: () => void;
    const trimStarted = new Promise<void>((resolve) => (started = resolve));
    let finish!: () => void;
    const trimMayFinish = new Promise<void>((resolve) => (finish = resolve));
    gate.arm(instance, {
      memoryLimit: '200MB',
      idleMs: 60_000,
      trimMs: 20,
      trim: async () => {
        started();
        await trimMayFinish;
        events.push('trimmed');
      },
    });
    await pool.use(async (conn) => {
      await rows(conn, 'SELECT sum(v) FROM sample');
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(gate.trims).toBe(0);
    });
    await trimStarted;
    // A read during the trim runs at once.
    expect((await pool.rows<{ n: number }>('SELECT 1 AS n'))[0]?.n).toBe(1);
    const disarmed = gate.disarm().then(() => events.push('disarmed'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(events).toEqual([]);
    finish();
    await disarmed;
    expect(events).toEqual(['trimmed', 'disarmed']);
    expect(gate.trims).toBe(1);
  });
});

describe('a store opened by openStore', () => {
  it('arms its release with its own memory limit, passes its reads through the gate, and disarms on close', async () => {
    const dir = await tempDataDir();
    const arm = vi.spyOn(QuietGate.prototype, 'arm');
    const disarm = vi.spyOn(QuietGate.prototype, 'disarm');
    try {
      const store = await openStore(dir.dir, { memoryLimit: '180MB', idleReleaseMs: 30 });
      expect(arm).toHaveBeenCalledTimes(1);
      expect(arm.mock.calls[0]?.[1]).toEqual({ memoryLimit: '180MB', idleMs: 30 });
      const gate = arm.mock.contexts[0] as QuietGate;
      // A release is due once the store's own reads have been quiet for the idle time.
      const before = gate.releases;
      await store.overview(new Date(), { clouds: [], regions: [], gpuModels: [] });
      await vi.waitFor(() => expect(gate.releases).toBeGreaterThan(before), { timeout: 5_000 });
      await store.close();
      expect(disarm.mock.contexts).toContain(gate);
    } finally {
      arm.mockRestore();
      disarm.mockRestore();
      await dir.cleanup();
    }
  });
});
