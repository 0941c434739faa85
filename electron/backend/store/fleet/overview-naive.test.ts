/**
 * The overview's fast path (time-ordered raw samples, rollups summed from each written batch, window
 * edges) must give the numbers a naive scan of raw samples gives. A generated fleet with gaps, MIG
 * (two series of one GPU in one minute), faults, XID errors, a stopped machine, a degraded one and stale
 * GPUs is written in windows of several sizes, some off the 5-minute grid and some written twice, then
 * the overview at several asOf instants is compared with SQL over gpu_sample alone.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import { type GpuSample, type GpuState, STATE_WINDOW_MS } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { gpuState } from '../../domain/gpu-state';
import { ConnectionPool, rows } from '../db';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, resource, run, sample, tempDataDir } from '../test-support';
import { createWrite } from '../write';
import { queryOverview } from './overview-query';
import { sortPendingSamples } from './sample-order';
import type { FleetWriter } from './types';
import { DuckFleetWriter } from './writer';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const MIN = 60_000;
const HOUR = 60 * MIN;
const END = Date.parse('2026-11-25T12:00:00Z');
const START = END - 26 * HOUR;

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

const MACHINES = [
  resource('az-1', { gpuCount: 4 }),
  resource('az-2', { gpuCount: 2, gpuModel: 'A100 80GB' }),
  resource('az-stopped', { gpuCount: 2, powerState: 'stopped' }),
  resource('az-degraded', { gpuCount: 1, health: 'degraded' }),
  resource('gcp-1', { gpuCount: 4, cloud: 'gcp', region: 'us-central1' }),
  resource('oci-1', { gpuCount: 8, cloud: 'oci', region: 'us-ashburn-1' }),
  resource('oci-stale', { gpuCount: 2, cloud: 'oci', region: 'us-ashburn-1' }),
];

/** Every minute of [from, to) for every GPU, with gaps, MIG duplicates, faults and XID errors. */
function generate(from: number, to: number, seed: number): GpuSample[] {
  const next = random(seed);
  const out: GpuSample[] = [];
  for (const m of MACHINES) {
    for (let gpu = 0; gpu < m.gpuCount; gpu++) {
      // GPU 3 of gcp-1 never reports; oci-stale stops reporting 50 minutes before the end.
      if (m.id === 'gcp-1' && gpu === 3) continue;
      const level = next() * 40;
      for (let t = from; t < to; t += MIN) {
        if (m.id === 'oci-stale' && t >= END - 50 * MIN) break;
        if (next() < 0.1) continue; // gaps
        const util = next() < 0.05 ? null : Math.min(100, level + next() * 10);
        const s = sample(m.id, gpu, t, util, next() < 0.01 ? 1 : 0);
        out.push(m.cloud === 'oci' ? { ...s, fault: next() < 0.02 } : s);
        // MIG: a second series of the same GPU in the same minute.
        if (m.id === 'az-1' && gpu === 0) out.push(sample(m.id, gpu, t + 1000, next() * 100));
      }
    }
  }
  return out;
}

interface NaiveCloud {
  cloud: string;
  gpus: Record<GpuState | 'total', number>;
  avg1h: number | null;
  avg24h: number | null;
  p95: number | null;
}

const ts = (ms: number): string => `epoch_ms(${ms}::BIGINT)`;

/** The overview's numbers straight from raw samples (and the glossary's state rule in TypeScript). */
async function naive(dir: string, asOf: number): Promise<NaiveCloud[]> {
  const instance = await DuckDBInstance.create(join(dir, STORE_FILE), { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const facts = await rows<{ cloud: string; power_state: string; health: string; n: number; mean: number | null; xid: number; fault: boolean }>(
      conn,
      `SELECT r.cloud, r.power_state, r.health, count(s.util)::INTEGER AS n, avg(s.util) AS mean,
              coalesce(sum(s.xid), 0)::INTEGER AS xid, coalesce(bool_or(s.fault), false) AS fault
       FROM (SELECT account, id, cloud, power_state, health, unnest(range(gpu_count)) AS gpu_index FROM resource) r
       LEFT JOIN gpu g ON g.account = r.account AND g.resource_id = r.id AND g.gpu_index = r.gpu_index
       LEFT JOIN gpu_sample s ON s.gpu_id = g.gpu_id AND s.ts > ${ts(asOf - STATE_WINDOW_MS)} AND s.ts <= ${ts(asOf)}
       GROUP BY r.cloud, r.account, r.id, r.gpu_index, r.power_state, r.health`,
    );
    const means = async (length: number): Promise<Map<string, number>> => {
      const list = await rows<{ cloud: string; v: number }>(
        conn,
        `SELECT cloud, avg(m) AS v FROM (
           SELECT g.cloud, avg(s.util) AS m FROM gpu_sample s JOIN gpu g USING (gpu_id)
           WHERE s.ts > ${ts(asOf - length)} AND s.ts <= ${ts(asOf)} AND s.util IS NOT NULL GROUP BY g.cloud, s.gpu_id)
         GROUP BY cloud`,
      );
      return new Map(list.map((r) => [r.cloud, r.v]));
    };
    const [h1, h24] = [await means(HOUR), await means(24 * HOUR)];
    // Whole 5-minute buckets inside (asOf - 24 h, asOf]: each bucket the mean over GPUs of their bucket means.
    const first = Math.floor((asOf - 24 * HOUR) / (5 * MIN)) * 5 * MIN + 5 * MIN;
    const end = Math.max(first, Math.floor(asOf / (5 * MIN)) * 5 * MIN);
    const p95 = new Map(
      (
        await rows<{ cloud: string; v: number }>(
          conn,
          `SELECT cloud, quantile_cont(v, 0.95) AS v FROM (
             SELECT cloud, b, avg(m) AS v FROM (
               SELECT g.cloud, time_bucket(INTERVAL 5 MINUTE, s.ts) AS b, avg(s.util) AS m
               FROM gpu_sample s JOIN gpu g USING (gpu_id)
               WHERE s.ts >= ${ts(first)} AND s.ts < ${ts(end)} AND s.util IS NOT NULL GROUP BY g.cloud, s.gpu_id, b)
             GROUP BY cloud, b)
           GROUP BY cloud`,
        )
      ).map((r) => [r.cloud, r.v]),
    );
    const clouds = new Map<string, NaiveCloud>();
    for (const f of facts) {
      const c = clouds.get(f.cloud) ?? {
        cloud: f.cloud,
        gpus: { total: 0, busy: 0, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 },
        avg1h: h1.get(f.cloud) ?? null,
        avg24h: h24.get(f.cloud) ?? null,
        p95: p95.get(f.cloud) ?? null,
      };
      const state = gpuState({ powerState: f.power_state, health: f.health, xidErrors: f.xid, fault: f.fault, samples: f.n, meanUtilisation: f.mean });
      c.gpus[state] += 1;
      c.gpus.total += 1;
      clouds.set(f.cloud, c);
    }
    return [...clouds.values()];
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The samples in connector-sized batches. */
function inBatches(samples: GpuSample[], size = 300): GpuSample[][] {
  const out: GpuSample[][] = [];
  for (let i = 0; i < samples.length; i += size) out.push(samples.slice(i, i + size));
  return out;
}

/** What the test needs of a store: writes and the overview. */
interface Subject {
  writer: Pick<FleetWriter, 'writeInventory' | 'writeMetrics'>;
  overview: (asOf: Date) => Promise<Overview>;
  /** Rewrites what was written out of time order (the store's quiet-time upkeep), to the end. */
  settle: () => Promise<void>;
  /** Time ranges still to rewrite in time order (where the subject can tell). */
  pendingWindows?: () => Promise<number>;
  close: () => Promise<void>;
}

describe('overview fast path against a naive raw scan', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let subject: Subject | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    const store = await openStore(dir, { now: () => new Date(END), cacheOverview: false });
    await store.upsertAccounts([account('acct')]);
    await store.close();
  });
  afterEach(async () => {
    await subject?.close();
    await cleanup();
  });

  const openSubject = async (stagedRowsLimit: number | undefined): Promise<Subject> => {
    if (stagedRowsLimit === undefined) {
      const store = await openStore(dir, { now: () => new Date(END), cacheOverview: false });
      return { writer: store, overview: (asOf) => store.overview(asOf, ALL), settle: () => store.settle(), close: () => store.close() };
    }
    // A writer that stores each write's samples in several staged slices, and rewrites them in time
    // order 700 samples (about 30 minutes of the fleet) at a time.
    const instance = await DuckDBInstance.create(join(dir, STORE_FILE));
    const pool = await ConnectionPool.create(instance, 2);
    const write = createWrite(instance, false, undefined, async (conn) => {
      const step = await sortPendingSamples(conn, 700);
      return { changed: step.sorted > 0, more: step.more };
    });
    const writer = new DuckFleetWriter(instance, write, () => new Date(END), { stagedRowsLimit });
    let closed = false;
    return {
      writer,
      overview: (asOf) => queryOverview(pool, asOf, new Date(END), ALL),
      settle: () => write.settle(),
      pendingWindows: async () => (await pool.rows<{ n: number }>('SELECT count(*)::INTEGER AS n FROM sample_order_pending'))[0]?.n ?? -1,
      close: async () => {
        if (closed) return;
        closed = true;
        await write.close();
        pool.close();
        instance.closeSync();
      },
    };
  };

  it.each([
    ['each write staged whole', undefined, false],
    ['each write stored in staged slices', 1000, false],
    ['each write stored in staged slices, then rewritten in time order', 1000, true],
  ])('gives the same states, 1 h and 24 h means and 24 h p95 at several asOf instants (%s)', async (_, stagedRowsLimit, settle) => {
    subject = await openSubject(stagedRowsLimit);
    const { writer } = subject;
    await writer.writeInventory(run('acct', 'inventory'), batchesOf(MACHINES));
    const write = (from: number, to: number, seed: number): Promise<number> =>
      writer.writeMetrics(run('acct', 'metrics'), { from, to }, batchesOf(...inBatches(generate(from, to, seed))));
    // A backfill in 6-hour windows up to 2 hours before the end, then windows a sync would write:
    // off the 5-minute grid, of one minute, and one window written again with other values.
    let seed = 1;
    for (let from = START; from < END - 2 * HOUR; from += 6 * HOUR) await write(from, Math.min(from + 6 * HOUR, END - 2 * HOUR), seed++);
    await write(END - 2 * HOUR, END - 47 * MIN, seed++);
    for (let from = END - 47 * MIN; from < END - 13 * MIN; from += MIN) await write(from, from + MIN, seed++);
    await write(END - 13 * MIN, END + MIN, seed++);
    await write(END - 31 * MIN, END - 17 * MIN, seed++);
    if (settle) {
      // The backfill's windows were stored in slices: pending until the rewrite.
      expect(await subject.pendingWindows?.()).toBeGreaterThan(0);
      await subject.settle();
      expect(await subject.pendingWindows?.()).toBe(0);
    }

    // END + 12 min: oci-stale's GPUs are silent in the last hour but measured over 24 h, so the two
    // windows average different sets of GPUs.
    const instants = [END, END - 3 * MIN, END - 17 * MIN, END - 60 * MIN, END - 2 * HOUR - 2 * MIN, END + 12 * MIN];
    const overviews: Overview[] = [];
    for (const at of instants) overviews.push(await subject.overview(new Date(at)));
    await subject.close();

    for (const [i, at] of instants.entries()) {
      const expected = await naive(dir, at);
      const o = overviews[i]!;
      expect(o.clouds.map((c) => c.provider).sort()).toEqual(expected.map((c) => c.cloud).sort());
      for (const want of expected) {
        const got = o.clouds.find((c) => c.provider === want.cloud)!;
        expect({ at: new Date(at).toISOString(), cloud: want.cloud, gpus: got.gpus }).toEqual({
          at: new Date(at).toISOString(),
          cloud: want.cloud,
          gpus: want.gpus,
        });
        for (const [name, value] of [
          ['avg1h', got.utilisation.avg1h],
          ['avg24h', got.utilisation.avg24h],
          ['p95_24h', got.utilisation.p95_24h],
        ] as const) {
          const w = name === 'avg1h' ? want.avg1h : name === 'avg24h' ? want.avg24h : want.p95;
          if (w === null) expect(value, `${name} ${want.cloud} at ${new Date(at).toISOString()}`).toBeNull();
          else expect(value, `${name} ${want.cloud} at ${new Date(at).toISOString()}`).toBeCloseTo(w, 9);
        }
      }
    }
    // The fleet exercises every state the glossary has.
    const totals = overviews[0]!.totals.gpus;
    expect(totals.stopped).toBeGreaterThan(0);
    expect(totals.unhealthy).toBeGreaterThan(0);
    expect(totals.unknown).toBeGreaterThan(0);
    expect(totals.busy + totals.idle).toBeGreaterThan(0);
  });
});
