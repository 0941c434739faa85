/**
 * The 5-minute sums a metrics write adds up while it stages its samples (rollup-partials.ts) must be
 * what SQL over the stored raw samples gives, column by column, however the samples came: GPU by GPU
 * or minute by minute, late and out of order, stored in several slices that cut buckets in two, in
 * windows off the 5-minute grid whose edge buckets hold samples stored before, and minutes sent again.
 * rollup_1h, fleet_5m and fleet_1h follow from them, and fleet_1m from each GPU's minute means (windows
 * off the minute grid too). A rollups-only store given the same windows
 * (starting on the grid, as such windows must) has the same rollups, and so does a store given the
 * samples as columns (GpuSampleColumns) rather than objects. Its minute detail (rollup_1m, added up
 * slice by slice) holds one row per GPU and minute, what SQL groups from the raw samples.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricsStorage } from '../../../../shared/config';
import type { GpuSample } from '../../../../shared/domain';
import { openStore, STORE_FILE } from '../index';
import { GpuSampleColumns, type GpuSampleBatch } from '../../domain/sample-columns';
import { account, batchesOf, queryStoreFile, resource, run, tempDataDir } from '../test-support';
import { createWrite } from '../write';
import { DuckFleetWriter } from './writer';

const MIN = 60_000;
const T0 = Date.parse('2026-11-25T00:00:00Z');
const MACHINES = [
  resource('vm-1', { gpuCount: 4 }),
  resource('vm-2', { gpuCount: 2, cloud: 'gcp', region: 'us-central1' }),
  resource('vm-3', { gpuCount: 3, gpuModel: 'A100 80GB' }),
];

/** Deterministic 0..1 from integers. */
function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ (x | 0), 16777619) >>> 0;
  return (h % 100_000) / 100_000;
}

/**
 * The samples of [from, to): every GPU each minute, some at seconds into the minute, some minutes
 * twice (two series of one GPU), some missing; nulls in each nullable value, faults reported or not,
 * XID errors, idle and busy GPUs. `version` changes every value (a window sent again).
 */
function samplesOf(from: number, to: number, version: number): GpuSample[] {
  const out: GpuSample[] = [];
  for (const m of MACHINES) {
    for (let g = 0; g < m.gpuCount; g++) {
      for (let t = from; t < to; t += MIN) {
        const n = (k: number): number => noise(version, m.id.length + m.id.charCodeAt(3), g, t / MIN, k);
        if (n(1) < 0.05) continue;
        const copies = n(2) < 0.05 ? 2 : 1;
        for (let c = 0; c < copies; c++) {
          const ts = m.id === 'vm-2' ? t + 7_000 + c * 1_000 : t;
          if (ts >= to) continue;
          const idle = g === 1 && m.id === 'vm-3';
          out.push({
            resourceId: m.id,
            gpuIndex: g,
            ts,
            utilisation: n(3) < 0.1 ? null : Math.round((idle ? n(4) * 4 : 20 + n(4) * 80) * 10) / 10,
            utilSource: n(3) < 0.1 ? null : 'prof',
            memoryUsedMiB: n(5) < 0.1 ? null : Math.round(n(6) * 80_000),
            powerWatts: n(7) < 0.1 ? null : Math.round(n(8) * 7000) / 10,
            temperatureC: n(9) < 0.1 ? null : Math.round(n(10) * 900) / 10,
            xidErrors: n(11) < 0.05 ? 1 + Math.floor(n(12) * 3) : 0,
            ...(m.id === 'vm-1' ? { fault: n(13) < 0.1 } : {}),
          });
        }
      }
    }
  }
  return out;
}

/** Arrival orders: as generated (GPU by GPU), minute by minute, and shuffled (late and out of order). */
type Order = 'by-gpu' | 'by-minute' | 'shuffled';

function arrange(samples: GpuSample[], order: Order, seed: number): GpuSample[] {
  if (order === 'by-gpu') return samples;
  if (order === 'by-minute') return [...samples].sort((a, b) => a.ts - b.ts);
  const keyed = samples.map((s, i) => ({ s, k: noise(seed, i) }));
  return keyed.sort((a, b) => a.k - b.k).map((x) => x.s);
}

/** How a connector hands its samples over: objects, or columns (which carry no fault signal). */
type Form = 'objects' | 'columns';

/** In batches of up to 37 samples, as a connector pages. */
function batches(samples: GpuSample[], form: Form = 'objects'): GpuSampleBatch[] {
  const out: GpuSampleBatch[] = [];
  for (let i = 0; i < samples.length; i += 37) {
    const page = samples.slice(i, i + 37);
    if (form === 'objects') {
      out.push(page);
      continue;
    }
    const c = new GpuSampleColumns(page.length);
    for (const s of page) c.push(s.resourceId, s.gpuIndex, s.ts, s.utilisation, s.utilSource, s.memoryUsedMiB, s.powerWatts, s.temperatureC, s.xidErrors);
    out.push(c);
  }
  return out;
}

async function* streamOf(batches: GpuSampleBatch[]): AsyncGenerator<GpuSampleBatch> {
  yield* batches;
}

/** The samples without their fault signal (what columns can say). */
function withoutFault(samples: GpuSample[]): GpuSample[] {
  return samples.map(({ fault: _, ...s }) => s);
}

/** The windows a backfill and later syncs write: on and off the 5-minute grid, one minute long, some sent again. */
function windows(storage: MetricsStorage): { from: number; to: number; version: number }[] {
  if (storage === 'rollups') {
    // Rollups-only windows start on the grid (the sync engine re-reads the bucket the cursor is in).
    return [
      { from: T0, to: T0 + 95 * MIN, version: 1 },
      { from: T0 + 95 * MIN, to: T0 + 152 * MIN, version: 2 },
      { from: T0 + 150 * MIN, to: T0 + 153 * MIN, version: 3 },
      { from: T0 + 150 * MIN, to: T0 + 181 * MIN, version: 4 },
      { from: T0 + 40 * MIN, to: T0 + 70 * MIN, version: 5 },
    ];
  }
  return [
    { from: T0, to: T0 + 93 * MIN, version: 1 },
    { from: T0 + 93 * MIN, to: T0 + 152 * MIN, version: 2 },
    { from: T0 + 152 * MIN, to: T0 + 153 * MIN, version: 3 },
    { from: T0 + 153 * MIN, to: T0 + 181 * MIN, version: 4 },
    { from: T0 + 37 * MIN, to: T0 + 71 * MIN, version: 5 },
    // Off the minute grid: each edge minute holds samples stored before (vm-2's are 7 s into the minute).
    { from: T0 + 181 * MIN, to: T0 + 190 * MIN + 3_000, version: 6 },
    { from: T0 + 190 * MIN + 3_000, to: T0 + 200 * MIN + 8_000, version: 7 },
    { from: T0 + 195 * MIN + 8_000, to: T0 + 197 * MIN + 30_000, version: 8 },
  ];
}

const query = queryStoreFile;

/** Every rollup and fleet row, as sorted text with sums rounded far below their values' precision. */
async function rollupRows(dir: string): Promise<{ r5: string[]; r1h: string[]; f1m: string[]; f5: string[]; f1h: string[] }> {
  const r = (x: string): string => `round(${x}, 6)`;
  const sums = `sample_count, ${r('util_sum')}, util_count, util_max, xid_sum, ${r('mem_sum')}, mem_count, ${r('power_sum')}, power_count, ${r('temp_sum')}, temp_count`;
  const text = async (sql: string): Promise<string[]> => (await query(dir, sql)).map((row) => JSON.stringify(row));
  return {
    r5: await text(`SELECT g.resource_id, g.gpu_index, r.bucket::VARCHAR, ${sums}, fault_count FROM rollup_5m r JOIN gpu g USING (gpu_id) ORDER BY ALL`),
    r1h: await text(`SELECT g.resource_id, g.gpu_index, r.bucket::VARCHAR, ${sums}, idle_buckets FROM rollup_1h r JOIN gpu g USING (gpu_id) ORDER BY ALL`),
    f1m: await text(`SELECT account, cloud, region, gpu_model, bucket::VARCHAR, ${r('gpu_mean_sum')}, gpus FROM fleet_1m ORDER BY ALL`),
    f5: await text(`SELECT account, cloud, region, gpu_model, bucket::VARCHAR, ${r('gpu_mean_sum')}, gpus FROM fleet_5m ORDER BY ALL`),
    f1h: await text(`SELECT account, cloud, region, gpu_model, bucket::VARCHAR, ${r('gpu_mean_sum')}, gpus FROM fleet_1h ORDER BY ALL`),
  };
}

/** Minute rows (rollup_1m's columns, from `sql`) by GPU name, as sorted text with sums rounded far below their precision. */
async function minuteRowsOf(dir: string, sql: string): Promise<string[]> {
  const rows = await query(
    dir,
    `SELECT g.resource_id, g.gpu_index, m.ts::VARCHAR, m.samples::INTEGER, round(m.util_sum, 6), m.util_count::INTEGER, m.xid::INTEGER, m.fault
     FROM (${sql}) m JOIN gpu g USING (gpu_id) ORDER BY ALL`,
  );
  return rows.map((row) => JSON.stringify(row));
}

describe('rollups written while staging', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    const store = await openStore(dir);
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf(MACHINES));
    await store.close();
  });
  afterEach(async () => {
    await cleanup();
  });

  /**
   * Writes every window of `windowsOf` with a writer that stores at most `limit` samples a slice, as
   * objects or columns (`form`); `noFault` drops the fault signal of objects too.
   */
  async function writeAll(storage: MetricsStorage, order: Order, limit: number, windowsOf: MetricsStorage = storage, form: Form = 'objects', noFault = false): Promise<void> {
    const instance = await DuckDBInstance.create(join(dir, STORE_FILE));
    try {
      const writer = new DuckFleetWriter(instance, createWrite(instance, false), () => new Date(T0 + 4 * 3600_000), { stagedRowsLimit: limit });
      for (const w of windows(windowsOf)) {
        const made = samplesOf(w.from, w.to, w.version);
        const samples = arrange(noFault ? withoutFault(made) : made, order, w.version);
        expect(await writer.writeMetrics(run('acct', 'metrics'), w, streamOf(batches(samples, form)), storage)).toBe(samples.length);
      }
    } finally {
      instance.closeSync();
    }
  }

  it.each([
    ['GPU by GPU, each window in one slice', 'by-gpu', 2_000_000],
    ['GPU by GPU, in slices that cut buckets', 'by-gpu', 100],
    ['minute by minute, in slices', 'by-minute', 150],
    ['late and out of order, in slices', 'shuffled', 120],
    ['late and out of order, each window in one slice', 'shuffled', 2_000_000],
  ] as const)('equal SQL over the raw samples, every column (%s)', async (_, order, limit) => {
    await writeAll('raw', order, limit);
    // rollup_5m: every column, from gpu_sample as it is stored.
    const mismatch5m = await query(
      dir,
      `WITH raw AS (
         SELECT gpu_id, time_bucket(INTERVAL 5 MINUTE, ts) AS bucket, count(*) AS sample_count,
                coalesce(sum(util), 0) AS util_sum, count(util) AS util_count, max(util) AS util_max,
                coalesce(sum(xid), 0) AS xid_sum, coalesce(sum(mem_used_mib), 0) AS mem_sum, count(mem_used_mib) AS mem_count,
                coalesce(sum(power_w), 0) AS power_sum, count(power_w) AS power_count,
                coalesce(sum(temp_c), 0) AS temp_sum, count(temp_c) AS temp_count, count(*) FILTER (WHERE fault) AS fault_count
         FROM gpu_sample GROUP BY ALL)
       SELECT count(*) FROM raw FULL OUTER JOIN rollup_5m r USING (gpu_id, bucket)
       WHERE r.gpu_id IS NULL OR raw.gpu_id IS NULL
          OR raw.sample_count <> r.sample_count OR abs(raw.util_sum - r.util_sum) > 1e-9 OR raw.util_count <> r.util_count
          OR raw.util_max IS DISTINCT FROM r.util_max OR raw.xid_sum <> r.xid_sum
          OR abs(raw.mem_sum - r.mem_sum) > 1e-6 OR raw.mem_count <> r.mem_count
          OR abs(raw.power_sum - r.power_sum) > 1e-9 OR raw.power_count <> r.power_count
          OR abs(raw.temp_sum - r.temp_sum) > 1e-9 OR raw.temp_count <> r.temp_count
          OR raw.fault_count <> r.fault_count`,
    );
    expect(mismatch5m[0]?.[0]).toBe(0n);
    // One row per GPU and bucket, and the stored samples are exactly the last version of each minute.
    expect((await query(dir, 'SELECT count(*) - count(DISTINCT (gpu_id, bucket)) FROM rollup_5m'))[0]?.[0]).toBe(0n);
    const expectedSamples = windows('raw').reduce((stored, w) => {
      const kept = stored.filter((s) => s.ts < w.from || s.ts >= w.to);
      return [...kept, ...samplesOf(w.from, w.to, w.version)];
    }, [] as GpuSample[]);
    expect((await query(dir, 'SELECT count(*) FROM gpu_sample'))[0]?.[0]).toBe(BigInt(expectedSamples.length));
    expect((await query(dir, 'SELECT count(*) FROM gpu_sample WHERE fault'))[0]?.[0]).toBe(BigInt(expectedSamples.filter((s) => s.fault).length));
    // rollup_1h (with its idle buckets) and the fleet tables follow from rollup_5m.
    const mismatch1h = await query(
      dir,
      `WITH h AS (
         SELECT gpu_id, time_bucket(INTERVAL 1 HOUR, bucket) AS bucket, sum(sample_count) AS n, sum(util_sum) AS s, sum(util_count) AS c,
                max(util_max) AS mx, sum(mem_sum) AS mem, sum(power_sum) AS pw, sum(temp_count) AS tc,
                count(*) FILTER (WHERE util_count > 0 AND util_sum / util_count < 5) AS idle
         FROM rollup_5m GROUP BY ALL)
       SELECT count(*) FROM h FULL OUTER JOIN rollup_1h r USING (gpu_id, bucket)
       WHERE r.gpu_id IS NULL OR h.gpu_id IS NULL OR h.n <> r.sample_count OR abs(h.s - r.util_sum) > 1e-9 OR h.c <> r.util_count
          OR h.mx IS DISTINCT FROM r.util_max OR abs(h.mem - r.mem_sum) > 1e-6 OR abs(h.pw - r.power_sum) > 1e-9
          OR h.tc <> r.temp_count OR h.idle <> r.idle_buckets`,
    );
    expect(mismatch1h[0]?.[0]).toBe(0n);
    expect((await query(dir, 'SELECT sum(idle_buckets) FROM rollup_1h'))[0]?.[0]).toBeGreaterThan(0n);
    for (const [fleet, rollup] of [['fleet_5m', 'rollup_5m'], ['fleet_1h', 'rollup_1h']]) {
      const mismatch = await query(
        dir,
        `WITH f AS (
           SELECT g.account, g.cloud, g.region, g.gpu_model, r.bucket, sum(r.util_sum / r.util_count) AS s, count(*) AS n
           FROM ${rollup} r JOIN gpu g USING (gpu_id) WHERE r.util_count > 0 GROUP BY ALL)
         SELECT count(*) FROM f FULL OUTER JOIN ${fleet} t USING (account, cloud, region, gpu_model, bucket)
         WHERE t.gpus IS NULL OR f.n IS NULL OR abs(f.s - t.gpu_mean_sum) > 1e-9 OR f.n <> t.gpus`,
      );
      expect(mismatch[0]?.[0]).toBe(0n);
    }
    // fleet_1m: per group and minute, the sum of each GPU's minute mean over the stored samples.
    const mismatch1m = await query(
      dir,
      `WITH f AS (
         SELECT g.account, g.cloud, g.region, g.gpu_model, m.bucket, sum(m.mean) AS s, count(*) AS n
         FROM (SELECT gpu_id, time_bucket(INTERVAL 1 MINUTE, ts) AS bucket, avg(util) AS mean FROM gpu_sample WHERE util IS NOT NULL GROUP BY ALL) m
         JOIN gpu g USING (gpu_id) GROUP BY ALL)
       SELECT count(*) FROM f FULL OUTER JOIN fleet_1m t USING (account, cloud, region, gpu_model, bucket)
       WHERE t.gpus IS NULL OR f.n IS NULL OR abs(f.s - t.gpu_mean_sum) > 1e-9 OR f.n <> t.gpus`,
    );
    expect(mismatch1m[0]?.[0]).toBe(0n);
    expect((await query(dir, 'SELECT count(*) FROM fleet_1m'))[0]?.[0]).toBeGreaterThan(100n);
  });

  it('gives the same rollups whatever the arrival order and slices', async () => {
    await writeAll('raw', 'by-gpu', 2_000_000);
    const whole = await rollupRows(dir);
    expect(whole.r5.length).toBeGreaterThan(100);
    await writeAll('raw', 'shuffled', 64);
    expect(await rollupRows(dir)).toEqual(whole);
    await writeAll('raw', 'by-minute', 200);
    expect(await rollupRows(dir)).toEqual(whole);
  });

  it('stores the same samples and rollups from columns as from the same samples as objects', async () => {
    const samples = async (): Promise<string[]> =>
      (await query(dir, 'SELECT gpu_id, ts::VARCHAR, util, util_source, mem_used_mib, power_w, temp_c, xid, fault FROM gpu_sample ORDER BY ALL')).map((row) =>
        JSON.stringify(row),
      );
    await writeAll('raw', 'by-gpu', 2_000_000, 'raw', 'objects', true);
    const objects = { samples: await samples(), rollups: await rollupRows(dir) };
    // Nulls of every nullable column, and util_source's codes, come through columns too.
    expect(objects.samples.some((row) => row.includes(',null,null,'))).toBe(true);
    for (const [order, limit] of [['by-gpu', 2_000_000], ['shuffled', 64], ['by-minute', 200]] as const) {
      await writeAll('raw', order, limit, 'raw', 'columns');
      expect(await samples(), `${order} ${limit}`).toEqual(objects.samples);
      expect(await rollupRows(dir), `${order} ${limit}`).toEqual(objects.rollups);
    }
  });

  it('gives a rollups-only store the rollups a raw store has, and its raw samples as minute rows, in slices or not', async () => {
    await writeAll('raw', 'by-gpu', 2_000_000, 'rollups');
    const raw = await rollupRows(dir);
    // Each GPU's minute as SQL groups the raw samples: its newest sample, what its samples add up to.
    const rawMinutes = await minuteRowsOf(
      dir,
      `SELECT gpu_id, max(ts) AS ts, count(*) AS samples, coalesce(sum(util), 0) AS util_sum, count(util) AS util_count,
              coalesce(sum(xid), 0) AS xid, bool_or(fault) AS fault
       FROM gpu_sample GROUP BY gpu_id, time_bucket(INTERVAL 1 MINUTE, ts)`,
    );
    expect(rawMinutes.some((row) => row.includes(',null]'))).toBe(true);
    expect(rawMinutes.some((row) => row.includes(',true]'))).toBe(true);
    const other = await tempDataDir();
    try {
      // Slices of 150 minute by minute go on with the minute the last one left open; shuffled slices of
      // 90 come back to minutes already appended, whose rows are merged.
      for (const [order, limit] of [['by-gpu', 2_000_000], ['shuffled', 90], ['by-minute', 150]] as const) {
        const store = await openStore(other.dir);
        await store.upsertAccounts([account('acct')]);
        await store.writeInventory(run('acct', 'inventory'), batchesOf(MACHINES));
        await store.close();
        const saved = dir;
        dir = other.dir;
        try {
          await writeAll('rollups', order, limit);
          expect((await query(dir, 'SELECT count(*) FROM gpu_sample'))[0]?.[0]).toBe(0n);
          const got = await rollupRows(dir);
          expect(got.r5).toEqual(raw.r5);
          expect(got.r1h).toEqual(raw.r1h);
          expect(got.f1m).toEqual(raw.f1m);
          expect(got.f5).toEqual(raw.f5);
          expect(got.f1h).toEqual(raw.f1h);
          expect(await minuteRowsOf(dir, 'SELECT * FROM rollup_1m'), `${order} ${limit}`).toEqual(rawMinutes);
        } finally {
          dir = saved;
        }
      }
    } finally {
      await other.cleanup();
    }
  });
});
