import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { openStore, STORE_FILE } from './index';
import type { FleetStore } from './types';
import { account, batchesOf, costRow, failingAfter, incident, minutes, resource, run, sample, tempDataDir } from './test-support';
import { GpuSampleColumns } from '../domain/sample-columns';

const T0 = Date.parse('2026-11-25T00:00:00Z');
const MIN = 60_000;

describe('store writes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FleetStore;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir, { now: () => new Date(T0 + 3 * 3600_000) });
    await store.upsertAccounts([account('acct')]);
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  async function count(sql: string): Promise<number> {
    await store.close();
    const inst = await DuckDBInstance.create(join(dir, STORE_FILE));
    const conn = await inst.connect();
    const r = (await conn.runAndReadAll(sql)).getRowsJS();
    conn.closeSync();
    inst.closeSync();
    store = await openStore(dir, { now: () => new Date(T0 + 3 * 3600_000) });
    return Number(r[0]?.[0]);
  }

  it('replaces the inventory only when every batch arrived', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1')], [resource('vm-2')]));
    const cursorBefore = await store.cursor('acct', 'inventory');
    await expect(
      store.writeInventory(run('acct', 'inventory'), failingAfter([resource('vm-3')])),
    ).rejects.toThrow(/half-way/);
    expect((await store.resources('acct')).map((r) => r.id)).toEqual(['vm-1', 'vm-2']);
    expect(await store.cursor('acct', 'inventory')).toBe(cursorBefore);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-3', { gpuCount: 8 })]));
    const after = await store.resources('acct');
    expect(after.map((r) => r.id)).toEqual(['vm-3']);
    expect(after[0]?.gpuUuids).toHaveLength(8);
    expect(after[0]?.hourlyPrice).toBe('98.32');
  });

  it("keeps each GPU's gpu_id across inventory snapshots, and numbers new GPUs after the others", async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('vm-1', { gpuCount: 2 }), resource('vm-2', { gpuCount: 2 })]),
    );
    const ids = async (): Promise<string> => {
      await store.close();
      const inst = await DuckDBInstance.create(join(dir, STORE_FILE));
      const conn = await inst.connect();
      const r = (
        await conn.runAndReadAll(
          `SELECT string_agg(resource_id || '/' || gpu_index || '=' || gpu_id || ':' || region, ' ' ORDER BY gpu_id) FROM gpu`,
        )
      ).getRowsJS();
      conn.closeSync();
      inst.closeSync();
      store = await openStore(dir, { now: () => new Date(T0 + 3 * 3600_000) });
      return String(r[0]?.[0]);
    };
    expect(await ids()).toBe('vm-1/0=1:eastus vm-1/1=2:eastus vm-2/0=3:eastus vm-2/1=4:eastus');
    // vm-1 leaves, vm-2 moves region, vm-3 arrives: vm-1 keeps its rows (history names them), vm-2 its ids.
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('vm-3', { gpuCount: 2 }), resource('vm-2', { gpuCount: 2, region: 'westus' })]),
    );
    expect(await ids()).toBe(
      'vm-1/0=1:eastus vm-1/1=2:eastus vm-2/0=3:westus vm-2/1=4:westus vm-3/0=5:eastus vm-3/1=6:eastus',
    );
  });

  it('rolls back appended samples when the connector throws, and keeps the cursor', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1')]));
    const w1 = { from: T0, to: T0 + 10 * MIN };
    await store.writeMetrics(run('acct', 'metrics'), w1, batchesOf(minutes('vm-1', 0, w1.from, w1.to, 50)));
    expect(await store.cursor('acct', 'metrics')).toBe(w1.to);
    const w2 = { from: T0 + 10 * MIN, to: T0 + 20 * MIN };
    // The first batch is appended (and flushed) before the failure; the rollback must discard it.
    await expect(
      store.writeMetrics(run('acct', 'metrics'), w2, failingAfter(minutes('vm-1', 0, w2.from, w2.to, 70))),
    ).rejects.toThrow(/half-way/);
    expect(await store.cursor('acct', 'metrics')).toBe(w1.to);
    expect(await count('SELECT count(*) FROM gpu_sample')).toBe(10);
    expect(await count(`SELECT count(*) FROM sync_run WHERE stream = 'metrics'`)).toBe(1);
  });

  it('keeps a rollups-only window as it was when its rewrite fails half-way', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1')]));
    const w = { from: T0, to: T0 + 10 * MIN };
    await store.writeMetrics(run('acct', 'metrics'), w, batchesOf(minutes('vm-1', 0, w.from, w.to, 50)), 'rollups');
    const detail = 'SELECT count(*) FROM rollup_1m WHERE util_sum = 50';
    expect(await count(detail)).toBe(10);
    // The same window again, at 70 %: its minute detail is deleted and its first batch staged before the
    // connector fails; the rollback must leave the first write's minutes and rollups whole.
    await expect(
      store.writeMetrics(run('acct', 'metrics'), w, failingAfter(minutes('vm-1', 0, w.from, w.to, 70)), 'rollups'),
    ).rejects.toThrow(/half-way/);
    expect(await count(detail)).toBe(10);
    expect(await count('SELECT count(*) FROM rollup_1m')).toBe(10);
    expect(await count('SELECT count(*) FROM rollup_5m WHERE util_sum = 250')).toBe(2);
    expect(await count('SELECT count(*) FROM gpu_sample')).toBe(0);
    expect(await store.cursor('acct', 'metrics')).toBe(w.to);
    // The next write of the window writes it afresh: nothing of the failed write was left behind.
    await store.writeMetrics(run('acct', 'metrics'), w, batchesOf(minutes('vm-1', 0, w.from, w.to, 70)), 'rollups');
    expect(await count('SELECT count(*) FROM rollup_1m WHERE util_sum = 70')).toBe(10);
    expect(await count('SELECT count(*) FROM rollup_1m')).toBe(10);
  });

  it('drops samples of unknown GPUs and counts them as rejected', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 2 })]));
    const w = { from: T0, to: T0 + MIN };
    const n = await store.writeMetrics(
      run('acct', 'metrics'),
      w,
      batchesOf([sample('vm-1', 0, T0, 1), sample('vm-1', 1, T0, 1), sample('vm-1', 2, T0, 1), sample('vm-9', 0, T0, 1)]),
    );
    expect(n).toBe(2);
    expect(await count(`SELECT rejected FROM sync_run WHERE stream = 'metrics'`)).toBe(2);
  });

  it('stores a window in time order whether its samples came GPU by GPU or minute by minute', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 3 })]));
    const byGpu = [0, 1, 2].flatMap((g) => minutes('vm-1', g, T0, T0 + 30 * MIN, 40 + g));
    await store.writeMetrics(run('acct', 'metrics'), { from: T0, to: T0 + 30 * MIN }, batchesOf(byGpu.slice(0, 50), byGpu.slice(50)));
    const byMinute: ReturnType<typeof minutes> = [];
    for (let t = T0 + 30 * MIN; t < T0 + 60 * MIN; t += MIN) for (const g of [0, 1, 2]) byMinute.push(sample('vm-1', g, t, 10 + g));
    await store.writeMetrics(run('acct', 'metrics'), { from: T0 + 30 * MIN, to: T0 + 60 * MIN }, batchesOf(byMinute));
    // As stored (rowid order), no sample is older than the one before it.
    expect(await count('SELECT count(*) FROM (SELECT ts, lag(ts) OVER (ORDER BY rowid) AS prev FROM gpu_sample) WHERE ts < prev')).toBe(0);
    expect(await count('SELECT count(*) FROM gpu_sample')).toBe(180);
    expect(await count(`SELECT sum(util) FROM gpu_sample WHERE ts >= TIMESTAMP '2026-11-25 00:30:00'`)).toBe(30 * (10 + 11 + 12));
  });

  it('stores sample columns as it stores the same samples as objects', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 2 })]));
    const samples = [0, 1].flatMap((g) => minutes('vm-1', g, T0, T0 + 10 * MIN, 40 + g));
    samples.push({ ...sample('vm-1', 0, T0 + 10 * MIN, null), memoryUsedMiB: null, powerWatts: null, temperatureC: null, xidErrors: 2 });
    samples.push(sample('vm-9', 0, T0, 1), sample('vm-1', 1, T0 + 20 * MIN, 1));
    const table = 'SELECT gpu_id, ts, util, util_source, mem_used_mib, power_w, temp_c, xid, fault FROM gpu_sample ORDER BY ALL';
    const read = async (): Promise<unknown[]> => {
      await store.close();
      const inst = await DuckDBInstance.create(join(dir, STORE_FILE));
      const conn = await inst.connect();
      const r = (await conn.runAndReadAll(table)).getRowsJS();
      conn.closeSync();
      inst.closeSync();
      store = await openStore(dir, { now: () => new Date(T0 + 3 * 3600_000) });
      return r;
    };
    const w = { from: T0, to: T0 + 15 * MIN };
    expect(await store.writeMetrics(run('acct', 'metrics'), w, batchesOf(samples.slice(0, 7), samples.slice(7)))).toBe(21);
    const asObjects = await read();
    const c = new GpuSampleColumns(4);
    for (const s of samples) c.push(s.resourceId, s.gpuIndex, s.ts, s.utilisation, s.utilSource, s.memoryUsedMiB, s.powerWatts, s.temperatureC, s.xidErrors);
    expect([...c]).toEqual(samples);
    async function* asColumns() {
      yield c;
    }
    expect(await store.writeMetrics(run('acct', 'metrics'), w, asColumns())).toBe(21);
    expect(await read()).toEqual(asObjects);
    expect(asObjects).toHaveLength(21);
    expect(await count(`SELECT sum(rejected) FROM sync_run WHERE stream = 'metrics'`)).toBe(4);
  });

  it('rollups equal a direct computation from raw samples, also after a window is rewritten', async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('vm-1', { gpuCount: 4 }), resource('vm-2', { gpuCount: 2, cloud: 'gcp', region: 'us-central1' })]),
    );
    const samples = [];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 100;
    for (let t = T0; t < T0 + 150 * MIN; t += MIN) {
      for (let g = 0; g < 4; g++) samples.push(sample('vm-1', g, t, rnd() < 10 ? null : rnd(), rnd() < 3 ? 1 : 0));
      for (let g = 0; g < 2; g++) samples.push(sample('vm-2', g, t + 7_000, rnd()));
    }
    await store.writeMetrics(run('acct', 'metrics'), { from: T0, to: T0 + 150 * MIN }, batchesOf(samples));
    // Rewrite an unaligned window in the middle with different values.
    const w = { from: T0 + 37 * MIN, to: T0 + 71 * MIN };
    await store.writeMetrics(run('acct', 'metrics'), w, batchesOf(minutes('vm-1', 2, w.from, w.to, 3)));
    const mismatch5m = await count(`
      WITH raw AS (
        SELECT account, resource_id, gpu_index, time_bucket(INTERVAL 5 MINUTE, ts) AS bucket,
               coalesce(sum(util), 0) AS s, count(util) AS c, sum(xid) AS x, count(*) AS n
        FROM gpu_sample_by_name GROUP BY ALL)
      SELECT count(*) FROM raw FULL OUTER JOIN rollup_5m_by_name r USING (account, resource_id, gpu_index, bucket)
      WHERE r.util_sum IS NULL OR raw.s IS NULL OR abs(raw.s - r.util_sum) > 1e-9 OR raw.c <> r.util_count
         OR raw.x <> r.xid_sum OR raw.n <> r.sample_count`);
    expect(mismatch5m).toBe(0);
    const mismatch1h = await count(`
      WITH raw AS (
        SELECT account, resource_id, gpu_index, time_bucket(INTERVAL 1 HOUR, ts) AS bucket,
               coalesce(sum(util), 0) AS s, count(util) AS c, count(*) AS n
        FROM gpu_sample_by_name GROUP BY ALL)
      SELECT count(*) FROM raw FULL OUTER JOIN rollup_1h_by_name r USING (account, resource_id, gpu_index, bucket)
      WHERE r.util_sum IS NULL OR raw.s IS NULL OR abs(raw.s - r.util_sum) > 1e-9 OR raw.c <> r.util_count
         OR raw.n <> r.sample_count`);
    expect(mismatch1h).toBe(0);
    const mismatchFleet = await count(`
      WITH g AS (
        SELECT account, cloud, region, gpu_model, bucket, sum(util_sum / util_count) AS s, count(*) AS n
        FROM rollup_5m_by_name WHERE util_count > 0 GROUP BY ALL)
      SELECT count(*) FROM g FULL OUTER JOIN fleet_5m f USING (account, cloud, region, gpu_model, bucket)
      WHERE f.gpus IS NULL OR g.n IS NULL OR abs(g.s - f.gpu_mean_sum) > 1e-9 OR g.n <> f.gpus`);
    expect(mismatchFleet).toBe(0);
    const mismatchFleet1h = await count(`
      WITH g AS (
        SELECT account, cloud, region, gpu_model, bucket, sum(util_sum / util_count) AS s, count(*) AS n
        FROM rollup_1h_by_name WHERE util_count > 0 GROUP BY ALL)
      SELECT count(*) FROM g FULL OUTER JOIN fleet_1h f USING (account, cloud, region, gpu_model, bucket)
      WHERE f.gpus IS NULL OR g.n IS NULL OR abs(g.s - f.gpu_mean_sum) > 1e-9 OR g.n <> f.gpus`);
    expect(mismatchFleet1h).toBe(0);
    const mismatchIdle = await count(`
      WITH i AS (
        SELECT account, resource_id, gpu_index, time_bucket(INTERVAL 1 HOUR, bucket) AS bucket,
               count(*) FILTER (WHERE util_count > 0 AND util_sum / util_count < 5) AS n
        FROM rollup_5m_by_name GROUP BY ALL)
      SELECT count(*) FROM i FULL OUTER JOIN (SELECT g.account, g.resource_id, g.gpu_index, h.bucket, h.idle_buckets
                                              FROM rollup_1h h JOIN gpu g USING (gpu_id)) h
        USING (account, resource_id, gpu_index, bucket)
      WHERE i.n IS DISTINCT FROM h.idle_buckets`);
    expect(mismatchIdle).toBe(0);
    expect(await count('SELECT sum(idle_buckets) FROM rollup_1h')).toBeGreaterThan(0);
    expect(await count('SELECT count(*) FROM fleet_1h')).toBeGreaterThan(0);
    // 30 buckets x 2 GPUs, less the 6 whole buckets the rewrite emptied for vm-2 (the window replaces
    // every sample of the account in it).
    expect(await count(`SELECT count(*) FROM rollup_5m_by_name WHERE resource_id = 'vm-2' AND cloud = 'gcp'`)).toBe(48);
  });

  it('replaces cost rows of the window and upserts incidents keeping their end', async () => {
    const w = { from: Date.parse('2026-11-24T00:00:00Z'), to: Date.parse('2026-11-25T00:00:00Z') };
    await store.writeCosts(run('acct', 'costs'), w, batchesOf([costRow({ BilledCost: '1.10' }), costRow({ BilledCost: '2.20' })]));
    await store.writeCosts(run('acct', 'costs'), w, batchesOf([costRow({ BilledCost: '5.00' })]));
    expect(await count('SELECT sum(BilledCost) FROM cost_row')).toBe(5);
    await store.writeIncidents(run('acct', 'incidents'), batchesOf([incident('i-1', { endedAt: '2026-11-25T11:00:00Z' })]));
    await store.writeIncidents(run('acct', 'incidents'), batchesOf([incident('i-1', { title: 'Renamed' })]));
    const got = await store.incident(new Date(T0), 'i-1');
    expect(got?.incident.title).toBe('Renamed');
    expect(got?.incident.endedAt).toBe('2026-11-25T11:00:00.000Z');
  });

  it('applies retention: raw and the fleet\'s minutes after 7 days, rollups after 400 days', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1')]));
    const old = T0 - 8 * 86_400_000;
    await store.writeMetrics(run('acct', 'metrics'), { from: old, to: old + 5 * MIN }, batchesOf(minutes('vm-1', 0, old, old + 5 * MIN, 40)));
    await store.writeMetrics(run('acct', 'metrics'), { from: T0, to: T0 + 5 * MIN }, batchesOf(minutes('vm-1', 0, T0, T0 + 5 * MIN, 40)));
    await store.applyRetention(new Date(T0 + 10 * MIN));
    expect(await count('SELECT count(*) FROM gpu_sample')).toBe(5);
    expect(await count('SELECT count(*) FROM fleet_1m')).toBe(5);
    expect(await count('SELECT count(*) FROM rollup_5m')).toBe(2);
    await store.applyRetention(new Date(old + 401 * 86_400_000));
    expect(await count('SELECT count(*) FROM rollup_5m')).toBe(1);
  });

  it('records failures without touching data or cursors', async () => {
    await store.recordFailure(run('acct', 'costs'), { kind: 'throttled', message: 'slow down', retryAfterMs: 1000 });
    expect(await store.cursor('acct', 'costs')).toBeNull();
    const runs = await store.syncRuns('acct', 10);
    expect(runs[0]).toMatchObject({ status: 'error', error: { kind: 'throttled' } });
  });
});
