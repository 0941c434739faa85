/**
 * `metrics.storage: "rollups"`: the same fleet and samples synced once into a raw store and once into
 * a rollups-only store give the same overview, series and derived-signal inputs, and the rollups-only
 * store keeps no raw sample.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { MetricsStorage } from '../../../../shared/config';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { openStore, STORE_FILE } from '../index';
import type { FleetStore } from '../types';
import { account, batchesOf, resource, run, sample, tempDataDir } from '../test-support';
import { FIVE_MINUTES_MS, floorTo } from './rollups';
import { mixedSamples, withinRounding } from '../testing/same-numbers';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const MIN = 60_000;
const HOUR = 60 * MIN;
/** The last sync ends here: 2 minutes into a 5-minute bucket. */
const END = Date.parse('2026-11-25T12:07:00Z');
const START = END - 26 * HOUR;

/** A mixed fleet: clouds, regions, models, stopped and degraded machines, 1 to 8 GPUs. */
function fleet(): GpuResource[] {
  const out: GpuResource[] = [];
  for (let i = 0; i < 24; i++) {
    out.push(
      resource(`m-${i}`, {
        cloud: i % 3 === 0 ? 'gcp' : 'azure',
        region: i % 2 === 0 ? 'eastus' : 'westeurope',
        gpuModel: i % 4 === 0 ? 'A100 80GB' : 'H100 80GB',
        gpuCount: [1, 2, 4, 8][i % 4]!,
        powerState: i === 5 ? 'stopped' : 'running',
        health: i === 7 ? 'degraded' : 'ok',
      }),
    );
  }
  return out;
}

/** The fleet's samples over the whole 26 hours. */
function samples(resources: GpuResource[]): GpuSample[] {
  return mixedSamples(resources, { from: START, to: END, silentBefore: END, gaps: 0.02, events: 0.002 });
}

/** The windows a sync loop asks for: a backfill in 6-hour chunks, then a sync every few minutes. */
function syncWindows(storage: MetricsStorage): { from: number; to: number }[] {
  const ends: number[] = [];
  for (let t = START + 6 * HOUR; t < END - HOUR; t += 6 * HOUR) ends.push(t);
  for (let t = END - 2 * HOUR + 3 * MIN; t < END; t += (2 + (t / MIN) % 3) * MIN) ends.push(t);
  ends.push(END);
  let cursor = START;
  return ends.map((to) => {
    // A rollups-only account re-reads the bucket its cursor falls in, so each bucket is rebuilt whole.
    const from = storage === 'rollups' ? floorTo(cursor, FIVE_MINUTES_MS) : cursor;
    cursor = to;
    return { from, to };
  });
}

async function syncedStore(dir: string, storage: MetricsStorage, resources: GpuResource[], all: GpuSample[]): Promise<FleetStore> {
  const store = await openStore(dir, { now: () => new Date(END) });
  await store.upsertAccounts([account('acct')]);
  await store.writeInventory(run('acct', 'inventory'), batchesOf(resources));
  for (const w of syncWindows(storage)) {
    const inWindow = all.filter((s) => s.ts >= w.from && s.ts < w.to);
    await store.writeMetrics(run('acct', 'metrics'), w, batchesOf(inWindow), storage);
  }
  return store;
}

describe('rollups-only storage', () => {
  let raw: FleetStore;
  let rollups: FleetStore;
  let rollupsDir: string;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const resources = fleet();
    const all = samples(resources);
    const a = await tempDataDir();
    const b = await tempDataDir();
    cleanups.push(a.cleanup, b.cleanup);
    rollupsDir = b.dir;
    raw = await syncedStore(a.dir, 'raw', resources, all);
    rollups = await syncedStore(b.dir, 'rollups', resources, all);
  }, 60_000);
  afterAll(async () => {
    await raw.close();
    await rollups.close();
    for (const c of cleanups) await c();
  });

  // On a bucket boundary, mid-bucket (the state window's both edges then split buckets), an hour back,
  // and a day back where the 24 h window starts before the first sample.
  const instants = [END, END - 2 * MIN, END - 4 * MIN, END - 7 * MIN, END - 33 * MIN, END - 61 * MIN, END - 3 * HOUR - 2 * MIN, END - 25 * HOUR - 3 * MIN];

  it.each(instants.map((t) => [new Date(t).toISOString(), t] as const))('gives the raw store\'s overview at %s', async (_, t) => {
    const expected = await raw.overview(new Date(t), ALL);
    const actual = await rollups.overview(new Date(t), ALL);
    expect(expected.totals.gpus.total).toBeGreaterThan(0);
    expect(withinRounding(actual, expected)).toEqual(expected);
  });

  it('gives every state, so the comparison covers each rule', async () => {
    const o = await raw.overview(new Date(END - 2 * MIN), ALL);
    const g = o.totals.gpus;
    expect([g.busy, g.idle, g.unhealthy, g.unknown, g.stopped].every((n) => n > 0)).toBe(true);
    expect(o.clouds.every((c) => c.utilisation.avg1h !== null && c.utilisation.p95_24h !== null)).toBe(true);
    // Idle waste (from the rollups' idle buckets) is part of what is compared.
    expect(o.totals.spend.some((s) => Number(s.idleWasteToday) > 0)).toBe(true);
  });

  it.each(['1h', '24h', '7d', '30d'] as const)('gives the raw store\'s %s fleet series', async (range) => {
    for (const t of [END, END - 2 * MIN]) {
      const expected = await raw.utilisationSeries(new Date(t), range, ALL, 'cloud');
      const actual = await rollups.utilisationSeries(new Date(t), range, ALL, 'cloud');
      expect(withinRounding(actual, expected)).toEqual(expected);
    }
  });

  it('gives the derived signals the same XID and last-seen inputs', async () => {
    for (const t of [END, END - 2 * MIN, END - 61 * MIN]) {
      const expected = await raw.signalInput('acct', new Date(t));
      const actual = await rollups.signalInput('acct', new Date(t));
      const order = <T extends { resourceId: string; gpuIndex: number }>(xs: readonly T[]): T[] =>
        [...xs].sort((x, y) => x.resourceId.localeCompare(y.resourceId) || x.gpuIndex - y.gpuIndex);
      expect(expected.xid.length).toBeGreaterThan(0);
      expect(order(actual.xid)).toEqual(order(expected.xid));
      expect(order(actual.lastSeen)).toEqual(order(expected.lastSeen));
      const byBucket = (xs: typeof expected.buckets): (typeof expected.buckets)[number][] =>
        [...xs].sort((x, y) => x.bucketMs - y.bucketMs || x.cloud.localeCompare(y.cloud) || x.region.localeCompare(y.region));
      expect(withinRounding(byBucket(actual.buckets), byBucket(expected.buckets))).toEqual(byBucket(expected.buckets));
    }
  });

  it('keeps no raw sample of the rollups-only account', async () => {
    await rollups.close();
    const inst = await DuckDBInstance.create(join(rollupsDir, STORE_FILE));
    const conn = await inst.connect();
    const count = async (sql: string): Promise<number> => Number((await conn.runAndReadAll(sql)).getRowsJS()[0]?.[0]);
    try {
      expect(await count('SELECT count(*) FROM gpu_sample')).toBe(0);
      expect(await count('SELECT count(*) FROM rollup_5m')).toBeGreaterThan(0);
      expect(await count('SELECT count(*) FROM rollup_1m')).toBeGreaterThan(0);
    } finally {
      conn.closeSync();
      inst.closeSync();
      rollups = await openStore(rollupsDir, { now: () => new Date(END) });
    }
  });

  it('refuses a rollups-only window that does not start on a 5-minute boundary', async () => {
    await expect(
      rollups.writeMetrics(run('acct', 'metrics'), { from: END - MIN, to: END }, batchesOf<GpuSample>([]), 'rollups'),
    ).rejects.toThrow(/acct.*5-minute boundary/);
  });
});

describe('rollups-only retention', () => {
  it('drops the minute detail with the age of raw samples, and keeps the rollups', async () => {
    const { dir, cleanup } = await tempDataDir();
    const store = await openStore(dir, { now: () => new Date(END) });
    try {
      await store.upsertAccounts([account('acct')]);
      await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('m-0')]));
      const old = { from: END - 8 * 24 * HOUR - 7 * MIN, to: END - 8 * 24 * HOUR + 3 * MIN };
      const recent = { from: END - 7 * MIN, to: END };
      for (const w of [old, recent]) {
        const samples: GpuSample[] = [];
        for (let t = w.from; t < w.to; t += MIN) samples.push({ resourceId: 'm-0', gpuIndex: 0, ts: t, utilisation: 50, utilSource: 'prof', memoryUsedMiB: null, powerWatts: null, temperatureC: null, xidErrors: 0 });
        await store.writeMetrics(run('acct', 'metrics'), w, batchesOf(samples), 'rollups');
      }
      await store.applyRetention(new Date(END));
      await store.close();
      const inst = await DuckDBInstance.create(join(dir, STORE_FILE));
      const conn = await inst.connect();
      const count = async (sql: string): Promise<number> => Number((await conn.runAndReadAll(sql)).getRowsJS()[0]?.[0]);
      try {
        const cut = `TIMESTAMP '${new Date(END - 7 * 24 * HOUR).toISOString().slice(0, 19).replace('T', ' ')}'`;
        expect(await count(`SELECT count(*) FROM rollup_1m WHERE ts < ${cut}`)).toBe(0);
        expect(await count(`SELECT count(*) FROM rollup_1m`)).toBeGreaterThan(0);
        expect(await count(`SELECT count(*) FROM rollup_5m WHERE bucket < ${cut}`)).toBeGreaterThan(0);
      } finally {
        conn.closeSync();
        inst.closeSync();
      }
    } finally {
      await cleanup();
    }
  });
});

describe('rollups-only GPU state', () => {
  it('reads faults from whole buckets and the minute detail at the window edges, and the last sample from the minutes', async () => {
    const { dir, cleanup } = await tempDataDir();
    const store = await openStore(dir, { now: () => new Date(END) });
    try {
      await store.upsertAccounts([account('acct')]);
      await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('whole', { gpuCount: 1 }), resource('edge', { gpuCount: 1 })]));
      // The state window at END is (11:37, 12:07]: 11:55 lies in a whole bucket, 12:06 in the partial one.
      const faultAt: Record<string, number> = { whole: END - 12 * MIN, edge: END - MIN };
      const window = { from: END - 40 * MIN - 2 * MIN, to: END };
      const samples: GpuSample[] = [];
      for (const id of ['whole', 'edge']) {
        for (let t = window.from; t < window.to; t += MIN) {
          samples.push({ ...sample(id, 0, t, 50), fault: t === faultAt[id] });
        }
      }
      await store.writeMetrics(run('acct', 'metrics'), window, batchesOf(samples), 'rollups');
      const o = await store.overview(new Date(END), ALL);
      expect(o.totals.gpus.unhealthy).toBe(2);
      // Before the fault minutes, neither is unhealthy.
      expect((await store.overview(new Date(END - 13 * MIN), ALL)).totals.gpus.unhealthy).toBe(0);
      const detail = await store.resourceDetail(new Date(END), 'acct', 'edge', '1h');
      expect(detail?.gpus[0]?.lastSampleAt).toBe(new Date(END - MIN).toISOString());
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
