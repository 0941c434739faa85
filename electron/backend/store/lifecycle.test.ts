import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE, StoreLockedError, StoreReadOnlyError } from './index';
import { migrate, MIGRATIONS } from './schema/migrations';
import { estimateFromTagsSql } from './spend/estimate-sql';
import { batchesOf, minutes, run, tempDataDir } from './test-support';

const here = fileURLToPath(new URL('.', import.meta.url));
const tsxLoader = createRequire(import.meta.url).resolve('tsx');

/** Starts test-child.ts and resolves once it printed `line` (or fails when it exits first). */
function startChild(mode: string, dir: string, onLine: (line: string) => boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', tsxLoader, join(here, 'test-child.ts'), mode, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    let errors = '';
    child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const l of lines) if (onLine(l)) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`child exited with ${code}: ${errors}`)));
  });
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('store lifecycle', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDataDir()));
  afterEach(async () => cleanup());

  it('migrates an empty dir and reopens without re-applying', async () => {
    const nested = join(dir, 'a', 'b');
    const s1 = await openStore(nested);
    await s1.close();
    const s2 = await openStore(nested);
    await s2.close();
    const inst = await DuckDBInstance.create(join(nested, STORE_FILE));
    const conn = await inst.connect();
    const versions = (await conn.runAndReadAll('SELECT version FROM schema_version ORDER BY version')).getRowsJS();
    conn.closeSync();
    inst.closeSync();
    // Every migration, by its number (numbers may have gaps while parallel work lands).
    expect(versions.map((r) => r[0])).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
  });

  it('converts a version 4 store to integer GPU keys without losing samples or rollups', async () => {
    const inst = await DuckDBInstance.create(join(dir, STORE_FILE));
    const conn = await inst.connect();
    const all = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS();
    await migrate(conn, MIGRATIONS.filter((m) => m.version <= 4));
    await conn.run(`
      INSERT INTO resource (account, id, cloud, region, name, kind, instance_type, gpu_model, gpu_count, power_state,
                            health, currency, tags, gpu_uuids, demo, synced_at)
      VALUES ('a', 'vm-1', 'azure', 'eastus', 'vm-1', 'vm', 't', 'H100', 2, 'running', 'ok', 'USD', '{}', '[]', false, TIMESTAMP '2026-11-25');
      INSERT INTO gpu_sample VALUES
        ('a', 'vm-1', 1, TIMESTAMP '2026-11-25 00:01', 40.5, 'prof', 1.0, 2.0, 3.0, 0),
        ('a', 'vm-1', 0, TIMESTAMP '2026-11-25 00:02', NULL, NULL, NULL, NULL, NULL, 2);
      -- vm-old left the inventory; its rollups stay and keep their cloud.
      INSERT INTO rollup_5m VALUES
        ('a', 'vm-1', 1, TIMESTAMP '2026-11-25 00:00', 'azure', 'eastus', 'H100', 1, 40.5, 1, 40.5, 0, 1, 1, 2, 1, 3, 1),
        ('a', 'vm-old', 0, TIMESTAMP '2026-11-24 00:00', 'gcp', 'us-east1', 'A100', 5, 10, 5, 3, 0, 0, 0, 0, 0, 0, 0);
      INSERT INTO rollup_1h SELECT * FROM rollup_5m;`);
    expect(await migrate(conn, MIGRATIONS.filter((m) => m.version <= 5))).toEqual([5]);
    expect(await all('SELECT gpu_id, account, resource_id, gpu_index, cloud FROM gpu ORDER BY gpu_id')).toEqual([
      [1, 'a', 'vm-1', 0, 'azure'],
      [2, 'a', 'vm-1', 1, 'azure'],
      [3, 'a', 'vm-old', 0, 'gcp'],
    ]);
    expect(await all('SELECT resource_id, gpu_index, util, util_source, xid FROM gpu_sample_by_name ORDER BY ts')).toEqual([
      ['vm-1', 1, 40.5, 'prof', 0],
      ['vm-1', 0, null, null, 2],
    ]);
    for (const table of ['rollup_5m_by_name', 'rollup_1h_by_name']) {
      expect(await all(`SELECT resource_id, cloud, sample_count, util_sum FROM ${table} ORDER BY resource_id`)).toEqual([
        ['vm-1', 'azure', 1, 40.5],
        ['vm-old', 'gcp', 5, 10],
      ]);
    }
    // vm-old's hour holds one idle 5-minute bucket (mean 2 %), vm-1's none.
    expect(await all('SELECT gpu_id, idle_buckets FROM rollup_1h ORDER BY gpu_id')).toEqual([
      [2, 0],
      [3, 1],
    ]);
    expect(await all('SELECT cloud, gpu_mean_sum, gpus FROM fleet_1h ORDER BY cloud')).toEqual([
      ['azure', 40.5, 1],
      ['gcp', 2, 1],
    ]);
    conn.closeSync();
    inst.closeSync();
  });

  it('applies a migration that landed with a lower number than one already applied', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const m = (version: number) => ({ version, description: `v${version}`, sql: `CREATE TABLE t${version} (x INTEGER)` });
    expect(await migrate(conn, [m(1), m(3)])).toEqual([1, 3]);
    expect(await migrate(conn, [m(1), m(2), m(3)])).toEqual([2]);
    expect(await migrate(conn, [m(1), m(2), m(3)])).toEqual([]);
    conn.closeSync();
    inst.closeSync();
  });

  it('marks connector estimates from their tag when v6 adds cost_row.is_estimate', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const value = async (tags: string) =>
      (await conn.runAndReadAll(`SELECT ${estimateFromTagsSql(`'${tags}'::JSON`)}`)).getRowsJS()[0]?.[0];
    expect(await value('{"fleetpane.estimate": "true", "team": "ml"}')).toBe(true);
    expect(await value('{"fleetpane.estimate": "false"}')).toBe(false);
    expect(await value('{"team": "ml"}')).toBe(false);
    expect(await value('{}')).toBe(false);
    conn.closeSync();
    inst.closeSync();
  });

  it('fills rollup_5m.fault_count from the raw samples and minute detail kept when v10 adds it', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const all = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS();
    await migrate(conn, MIGRATIONS.filter((m) => m.version <= 9));
    await conn.run(`
      INSERT INTO gpu VALUES (1, 'a', 'vm-1', 0, 'oci', 'r', 'H100'), (2, 'a', 'vm-1', 1, 'oci', 'r', 'H100'),
        (3, 'b', 'vm-2', 0, 'oci', 'r', 'H100');
      INSERT INTO gpu_sample VALUES
        (1, TIMESTAMP '2026-11-25 00:01', 40, 1, 1, 2, 3, 0, true),
        (1, TIMESTAMP '2026-11-25 00:02', 40, 1, 1, 2, 3, 0, true),
        (1, TIMESTAMP '2026-11-25 00:06', 40, 1, 1, 2, 3, 0, false),
        (2, TIMESTAMP '2026-11-25 00:01', 40, 1, 1, 2, 3, 0, NULL);
      INSERT INTO rollup_5m VALUES
        (1, TIMESTAMP '2026-11-25 00:00', 2, 80, 2, 40, 0, 2, 2, 4, 2, 6, 2),
        (1, TIMESTAMP '2026-11-25 00:05', 1, 40, 1, 40, 0, 1, 1, 2, 1, 3, 1),
        (2, TIMESTAMP '2026-11-25 00:00', 1, 40, 1, 40, 0, 1, 1, 2, 1, 3, 1),
        (3, TIMESTAMP '2026-11-25 00:00', 2, 80, 2, 40, 0, 2, 2, 4, 2, 6, 2),
        (3, TIMESTAMP '2026-11-25 00:05', 1, 40, 1, 40, 0, 1, 1, 2, 1, 3, 1);
      -- gpu 3's account keeps rollups only: its faults are in the minute detail
      INSERT INTO rollup_5m_minutes VALUES
        (3, TIMESTAMP '2026-11-25 00:00', [
          {'ts': TIMESTAMP '2026-11-25 00:01', 'samples': 1, 'util_sum': 40, 'util_count': 1, 'xid': 0, 'fault': true},
          {'ts': TIMESTAMP '2026-11-25 00:02', 'samples': 1, 'util_sum': 40, 'util_count': 1, 'xid': 0, 'fault': NULL}]),
        (3, TIMESTAMP '2026-11-25 00:05', [
          {'ts': TIMESTAMP '2026-11-25 00:06', 'samples': 1, 'util_sum': 40, 'util_count': 1, 'xid': 0, 'fault': false}]);`);
    await migrate(conn);
    expect(await all('SELECT gpu_id, fault_count FROM rollup_5m ORDER BY gpu_id, bucket')).toEqual([
      [1, 2],
      [1, 0],
      [2, 0],
      [3, 1],
      [3, 0],
    ]);
    conn.closeSync();
    inst.closeSync();
  });

  it('moves the minute detail to one row per GPU and minute when v11 flattens it', async () => {
    const inst = await DuckDBInstance.create(':memory:');
    const conn = await inst.connect();
    const all = async (sql: string): Promise<unknown[][]> => (await conn.runAndReadAll(sql)).getRowsJS();
    await migrate(conn, MIGRATIONS.filter((m) => m.version <= 10));
    await conn.run(`
      INSERT INTO rollup_5m_minutes VALUES
        (3, TIMESTAMP '2026-11-25 00:05', [
          {'ts': TIMESTAMP '2026-11-25 00:06:30', 'samples': 2, 'util_sum': 70.5, 'util_count': 2, 'xid': 1, 'fault': false}]),
        (3, TIMESTAMP '2026-11-25 00:00', [
          {'ts': TIMESTAMP '2026-11-25 00:01', 'samples': 1, 'util_sum': 40, 'util_count': 1, 'xid': 0, 'fault': true},
          {'ts': TIMESTAMP '2026-11-25 00:02', 'samples': 1, 'util_sum': 0, 'util_count': 0, 'xid': 0, 'fault': NULL}]),
        (4, TIMESTAMP '2026-11-25 00:00', []);`);
    await migrate(conn);
    expect(await all(`SELECT gpu_id, strftime(ts, '%H:%M:%S'), samples, util_sum, util_count, xid, fault FROM rollup_1m ORDER BY ts`)).toEqual([
      [3, '00:01:00', 1, 40, 1, 0, true],
      [3, '00:02:00', 1, 0, 0, 0, null],
      [3, '00:06:30', 2, 70.5, 2, 1, false],
    ]);
    expect(await all(`SELECT count(*)::INTEGER FROM duckdb_tables() WHERE table_name = 'rollup_5m_minutes'`)).toEqual([[0]]);
    conn.closeSync();
    inst.closeSync();
  });

  it('opens read-only beside nothing, reads, and refuses writes', async () => {
    await (await openStore(dir)).close();
    const ro = await openStore(dir, { readOnly: true });
    expect(ro.readOnly).toBe(true);
    expect((await ro.overview(new Date(), { clouds: [], regions: [], gpuModels: [] })).clouds).toEqual([]);
    await expect(ro.applyRetention(new Date())).rejects.toBeInstanceOf(StoreReadOnlyError);
    await ro.close();
  });

  it('says plainly when another process holds the data dir', async () => {
    const child = await startChild('hold', dir, (l) => l === 'ready');
    try {
      const err = await openStore(dir).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(StoreLockedError);
      expect((err as Error).message).toBe(`data dir ${dir} is in use by another Fleetpane process (pid ${child.pid})`);
    } finally {
      await killAndWait(child);
    }
  });

  it('is consistent after a kill mid-write, and the next write fills the gap', async () => {
    const committed: number[] = [];
    const child = await startChild('write-loop', dir, (l) => {
      if (l.startsWith('committed ')) committed.push(Number(l.slice(10)));
      return committed.length >= 4;
    });
    await killAndWait(child);
    const store = await openStore(dir);
    try {
      const cursor = await store.cursor('acct', 'metrics');
      // The child may have committed one more window than it managed to print.
      expect([committed.at(-1), committed.at(-1)! + 5 * 60_000]).toContain(cursor);
      const runs = (await store.syncRuns('acct', 500)).filter((r) => r.stream === 'metrics');
      const T0 = Date.parse('2026-11-25T00:00:00Z');
      expect(runs.length).toBe((cursor! - T0) / (5 * 60_000));
      expect(runs.every((r) => r.status === 'ok' && r.rows === 40)).toBe(true);
      // Every committed minute has 8 samples; nothing after the cursor survived.
      const rows = await store.resourceDetail(new Date(cursor! - 60_000), 'acct', 'vm-1', '1h');
      const points = rows!.series[3]!.points.filter((p) => p.value !== null);
      expect(points.length).toBe(Math.min(60, (cursor! - T0) / 60_000));
      expect(points.every((p) => p.value === 13)).toBe(true);
      await store.writeMetrics(
        run('acct', 'metrics'),
        { from: cursor!, to: cursor! + 60_000 },
        batchesOf(minutes('vm-1', 0, cursor!, cursor! + 60_000, 50)),
      );
      expect(await store.cursor('acct', 'metrics')).toBe(cursor! + 60_000);
    } finally {
      await store.close();
    }
  });
});
