/**
 * The overview's GPU facts kept for the current minute (kept-overview.ts) give, for every filter,
 * exactly the overview computed from rollups and samples; and no overview is ever answered from facts
 * older than the data: not after a write, not for another minute, not after a reopen.
 */
import { cp } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import { type GpuResource, type GpuSample, MACHINE_KEY_TAG } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { openStore, STORE_FILE } from '../index';
import { MIGRATIONS, migrate } from '../schema/migrations';
import { account, batchesOf, incident, minutes, queryStoreFile, resource, run, tempDataDir } from '../test-support';
import { mixedSamples, withinRounding } from '../testing/same-numbers';

const MIN = 60_000;
const HOUR = 60 * MIN;
/** The kept minute: 2 minutes into a 5-minute bucket, so every window has raw edges. */
const END = Date.parse('2026-11-25T12:07:00Z');
const START = END - 26 * HOUR;
/** A schema version no release has, standing for a later migration. */
const LATER_VERSION = 10_000;

const FILTERS: FleetFilter[] = [
  { clouds: [], regions: [], gpuModels: [] },
  { clouds: ['gcp'], regions: [], gpuModels: [] },
  { clouds: [], regions: ['eastus'], gpuModels: [] },
  { clouds: [], regions: [], gpuModels: ['A100 80GB'] },
  { clouds: ['azure', 'oci'], regions: ['westeurope', 'us-ashburn-1'], gpuModels: ['H100 80GB'] },
  { clouds: ['aws'], regions: [], gpuModels: [] },
];

/** Machines of one account: clouds, regions, models, a stopped and a degraded one, one another account sees too. */
function machines(acct: string, n: number): GpuResource[] {
  return Array.from({ length: n }, (_, i) =>
    resource(`${acct}-m${i}`, {
      account: acct,
      cloud: i % 3 === 0 ? 'gcp' : i % 3 === 1 ? 'azure' : 'oci',
      region: i % 2 === 0 ? 'eastus' : i % 3 === 2 ? 'us-ashburn-1' : 'westeurope',
      gpuModel: i % 4 === 0 ? 'A100 80GB' : 'H100 80GB',
      gpuCount: [1, 2, 4, 8][i % 4]!,
      powerState: i === 5 ? 'stopped' : 'running',
      health: i === 7 ? 'degraded' : 'ok',
      // Both accounts see machine 1 (the second account's view yields).
      ...(i === 1 ? { tags: { [MACHINE_KEY_TAG]: 'shared-1' } } : {}),
    }),
  );
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Incidents as of END: one naming machines (one not in the inventory), a region outage, one that ended
 * before END, and maintenance announced for after it.
 */
const INCIDENTS = [
  incident('named-outage', { account: 'raw', cloud: 'azure', regions: [], resourceIds: ['raw-m1', 'raw-m4', 'gone-vm'], startedAt: iso(END - 2 * HOUR) }),
  incident('region-outage', { account: 'raw', cloud: 'oci', regions: ['us-ashburn-1'], startedAt: iso(END - HOUR) }),
  incident('ended', { account: 'raw', cloud: 'azure', regions: [], resourceIds: ['raw-m7'], startedAt: iso(END - 3 * HOUR), endedAt: iso(END - HOUR) }),
  incident('planned', {
    account: 'raw', cloud: 'gcp', source: 'maintenance', severity: 'maintenance', regions: [], resourceIds: ['raw-m3'],
    startedAt: iso(END + 24 * HOUR), endedAt: iso(END + 26 * HOUR),
  }),
];

/** A sample per GPU and minute in [from, to): busy, idle, silent GPUs, null utilisation, XID errors, faults. */
function samples(resources: GpuResource[], from: number, to: number, seed: number): GpuSample[] {
  return mixedSamples(resources, { from, to, silentBefore: END, gaps: 0.03, events: 0.003, seed });
}

/** The overview without the instant it was made. */
const numbers = (o: Overview): Omit<Overview, 'generatedAt'> => {
  const { generatedAt: _, ...rest } = o;
  return rest;
};

/** The overviews of every filter at `asOfMs`, read from a store opened read-only with no cache. */
async function overviews(dir: string, asOfMs: number): Promise<Omit<Overview, 'generatedAt'>[]> {
  const store = await openStore(dir, { readOnly: true, cacheOverview: false });
  try {
    const out: Omit<Overview, 'generatedAt'>[] = [];
    for (const f of FILTERS) out.push(numbers(await store.overview(new Date(asOfMs), f)));
    return out;
  } finally {
    await store.close();
  }
}

describe('overview facts kept for the current minute', () => {
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];
  const raw = machines('raw', 16);
  const rolled = machines('rolled', 6);

  beforeAll(async () => {
    const temp = await tempDataDir();
    cleanups.push(temp.cleanup);
    dir = temp.dir;
    const store = await openStore(dir, { now: () => new Date(END) });
    try {
      await store.upsertAccounts([account('raw'), account('rolled')]);
      await store.writeInventory(run('raw', 'inventory'), batchesOf(raw));
      await store.writeInventory(run('rolled', 'inventory'), batchesOf(rolled));
      // Raw minutes for one account, rollups with minute detail for the other, in windows off the grid.
      for (const [acct, fleet, storage] of [['raw', raw, 'raw'], ['rolled', rolled, 'rollups']] as const) {
        // A rollups-only account's windows start on its buckets (each bucket is rebuilt whole).
        const cut = storage === 'rollups' ? END - 3 * HOUR - 2 * MIN : END - 3 * HOUR + 2 * MIN;
        for (const [from, to] of [[START - 2 * MIN, cut], [cut, END + MIN]] as const) {
          await store.writeMetrics(run(acct, 'metrics'), { from, to }, batchesOf(samples(fleet, from, to, 1)), storage);
        }
      }
      await store.writeIncidents(run('raw', 'incidents'), batchesOf(INCIDENTS));
      // A machine that left the inventory keeps its GPUs' history (a retired GPU).
      await store.writeInventory(run('raw', 'inventory'), batchesOf(raw.slice(0, -1)));
      await store.settle();
    } finally {
      await store.close();
    }
  }, 60_000);
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  /** A copy of the settled store (removed with the others after the tests). */
  const copyOfStore = async (): Promise<string> => {
    const copy = await tempDataDir();
    cleanups.push(copy.cleanup);
    await cp(join(dir, STORE_FILE), join(copy.dir, STORE_FILE));
    return copy.dir;
  };
  /** A copy of the store whose kept facts are stale (a write came after them): its overviews are computed. */
  const computedCopy = async (): Promise<string> => {
    const copy = await copyOfStore();
    await queryStoreFile(copy, 'INSERT INTO store_write VALUES (current_timestamp::TIMESTAMP)');
    return copy;
  };

  it('keeps them for the store\'s minute once it settles', async () => {
    expect(await queryStoreFile(dir, 'SELECT epoch_ms(minute)::DOUBLE FROM overview_kept')).toEqual([[END]]);
    expect(await queryStoreFile(dir, 'SELECT count(*)::INTEGER FROM store_write')).toEqual([[0]]);
  });

  it('counts a migration applied since as a write: it may change what they were kept from', async () => {
    const instance = await DuckDBInstance.create(join(await copyOfStore(), STORE_FILE));
    const conn = await instance.connect();
    try {
      expect(await migrate(conn)).toEqual([]);
      expect((await conn.runAndReadAll('SELECT count(*)::INTEGER FROM store_write')).getRowsJS()).toEqual([[0]]);
      const later = { version: LATER_VERSION, description: 'a later migration', sql: 'UPDATE rollup_1h SET util_sum = util_sum * 2' };
      expect(await migrate(conn, [...MIGRATIONS, later])).toEqual([LATER_VERSION]);
      expect((await conn.runAndReadAll('SELECT count(*)::INTEGER FROM store_write')).getRowsJS()).toEqual([[1]]);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });

  it('gives, for every filter, the overview computed from rollups and samples', async () => {
    const kept = await overviews(dir, END);
    const computed = await overviews(await computedCopy(), END);
    expect(withinRounding(kept, computed)).toEqual(computed);
    // The comparison covers every state, both means, a shared and a retired machine's GPUs.
    const all = computed[0]!.totals.gpus;
    expect([all.busy, all.idle, all.unhealthy, all.unknown, all.stopped].every((n) => n > 0)).toBe(true);
    expect(computed[0]!.clouds.every((c) => c.utilisation.avg1h !== null && c.utilisation.avg24h !== null)).toBe(true);
    expect(computed[0]!.totals.coverage.gpusWithoutMetrics).toBeGreaterThan(0);
    // And the incidents: machines named, a region hit, maintenance ahead.
    expect(computed[0]!.totals.incidents.active).toBe(2);
    const named = computed[0]!.clouds.find((c) => c.key === 'azure')!.incidents.list.find((i) => i.id === 'named-outage')!;
    // raw-m1 (2 GPUs) and raw-m4 (1); gone-vm is in no inventory.
    expect(named.affectedGpus).toBe(3);
    expect(computed[0]!.maintenancePlanned.map((m) => m.id)).toEqual(['planned']);
    // And today's idle waste, which is not nothing.
    expect(computed[0]!.totals.spend.some((s) => s.idleWasteToday !== '0.00')).toBe(true);
  });

  it('reads them, and only while nothing was written since and for their minute', async () => {
    const copy = await copyOfStore();
    const before = await overviews(copy, END);
    // Facts changed behind the store's back show: the overview of the kept minute reads them.
    await queryStoreFile(copy, `UPDATE overview_kept_state SET n = n + 1000 WHERE state = 'busy'`);
    // 12 more idle buckets per machine (one GPU idle an hour longer): a GPU's share of the machine's hourly price.
    await queryStoreFile(copy, 'UPDATE overview_kept_idle SET n = n + 12');
    // And a named machine with 100 more GPUs in the kept fold.
    await queryStoreFile(copy, `UPDATE overview_kept_fleet SET gpu_count = gpu_count + 100 WHERE id = 'raw-m4'`);
    const tampered = await overviews(copy, END);
    const idleWaste = (o: Omit<Overview, 'generatedAt'>): number => Number(o.totals.spend[0]!.idleWasteToday);
    const [[idleHour]] = (await queryStoreFile(
      copy,
      `SELECT sum(r.hourly_price / r.gpu_count)::DOUBLE FROM overview_kept_idle i JOIN resource r ON r.account = i.account AND r.id = i.resource_id
       WHERE r.power_state = 'running'`,
    )) as [[number]];
    expect(idleHour).toBeGreaterThan(0);
    expect(idleWaste(tampered[0]!)).toBeCloseTo(idleWaste(before[0]!) + idleHour, 1);
    const affected = (o: Omit<Overview, 'generatedAt'>): number =>
      o.clouds.find((c) => c.key === 'azure')!.incidents.list.find((i) => i.id === 'named-outage')!.affectedGpus;
    expect(affected(tampered[0]!)).toBe(affected(before[0]!) + 100);
    const [[busyGroups]] = (await queryStoreFile(copy, `SELECT count(*)::INTEGER FROM overview_kept_state WHERE state = 'busy'`)) as [[number]];
    expect(busyGroups).toBeGreaterThan(0);
    expect(tampered[0]!.totals.gpus.busy).toBe(before[0]!.totals.gpus.busy + 1000 * busyGroups);
    // Another minute computes.
    const other = await overviews(copy, END - 2 * MIN);
    const otherComputed = await overviews(await computedCopy(), END - 2 * MIN);
    expect(withinRounding(other, otherComputed)).toEqual(otherComputed);
    // A write since (by this store, committed before a crash or a close) makes them stale for every reader.
    const store = await openStore(copy, { now: () => new Date(END) });
    try {
      await store.writeMetrics(run('raw', 'metrics'), { from: END - 10 * MIN, to: END + MIN }, batchesOf(samples(raw, END - 10 * MIN, END + MIN, 2)));
    } finally {
      await store.close();
    }
    expect((await queryStoreFile(copy, 'SELECT count(*)::INTEGER FROM store_write'))[0]![0]).toBeGreaterThan(0);
    const afterWrite = await overviews(copy, END);
    expect(afterWrite[0]!.totals.gpus.busy).toBeLessThan(tampered[0]!.totals.gpus.busy);
    // The new samples count: the overview differs from the one before the write.
    expect(afterWrite).not.toEqual(before);
    // Kept anew, they give what is computed again.
    const settled = await openStore(copy, { now: () => new Date(END) });
    await settled.settle();
    await settled.close();
    expect(await queryStoreFile(copy, 'SELECT count(*)::INTEGER FROM store_write')).toEqual([[0]]);
    expect(withinRounding(await overviews(copy, END), afterWrite)).toEqual(afterWrite);
  });

  it('folds the fleet anew when the incidents read name other machines than the kept fold', async () => {
    // An incident changed between the overview's two reads, as a write landing between them would
    // (here behind the store's back, so the facts still count as kept).
    const copy = await copyOfStore();
    await queryStoreFile(copy, `UPDATE incident SET resource_ids = '["raw-m1", "raw-m4", "raw-m10"]' WHERE id = 'named-outage'`);
    const [overview] = await overviews(copy, END);
    const named = overview!.clouds.find((c) => c.key === 'azure')!.incidents.list.find((i) => i.id === 'named-outage')!;
    // raw-m10 has 4 GPUs: the kept fold holds it among the folded machines, matched by no id.
    expect(named.affectedGpus).toBe(2 + 1 + 4);
    expect(await queryStoreFile(copy, 'SELECT count(*)::INTEGER FROM store_write')).toEqual([[0]]);
  });
});

describe('the store keeping overview facts', () => {
  it('keeps them once writes pause only while the overview is read', async () => {
    const { dir, cleanup } = await tempDataDir();
    const quietMs = 50;
    const fleet = machines('raw', 2);
    /** Opens the store, writes a metrics window (after reading the overview when `read`), waits out the quiet time, closes it. */
    const session = async (read: boolean, from: number): Promise<void> => {
      const store = await openStore(dir, { now: () => new Date(END), quietMs, cacheOverview: false });
      try {
        if (read) await store.overview(new Date(END), FILTERS[0]!);
        const samples = fleet.flatMap((m) => minutes(m.id, 0, from, from + 5 * MIN, 40));
        await store.writeMetrics(run('raw', 'metrics'), { from, to: from + 5 * MIN }, batchesOf(samples));
        await new Promise((resolve) => setTimeout(resolve, 20 * quietMs));
      } finally {
        await store.close();
      }
    };
    try {
      const store = await openStore(dir, { now: () => new Date(END) });
      await store.upsertAccounts([account('raw')]);
      await store.writeInventory(run('raw', 'inventory'), batchesOf(fleet));
      await store.close();
      // Nobody read the overview: the writes leave the facts stale.
      await session(false, END - 30 * MIN);
      expect(await queryStoreFile(dir, 'SELECT count(*)::INTEGER FROM overview_kept')).toEqual([[0]]);
      expect((await queryStoreFile(dir, 'SELECT count(*)::INTEGER FROM store_write'))[0]![0]).toBeGreaterThan(0);
      // A pane read it: once the writes pause, they are kept for the store's minute.
      await session(true, END - 20 * MIN);
      expect(await queryStoreFile(dir, 'SELECT epoch_ms(minute)::DOUBLE FROM overview_kept')).toEqual([[END]]);
      expect(await queryStoreFile(dir, 'SELECT count(*)::INTEGER FROM store_write')).toEqual([[0]]);
    } finally {
      await cleanup();
    }
  });
});
