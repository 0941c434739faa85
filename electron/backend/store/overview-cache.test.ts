import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EVENT_COALESCE_MS } from '../../../shared/contract';
import { openStore } from './index';
import { withOverviewCache } from './overview-cache';
import type { FleetStore } from './types';
import { account, batchesOf, costRow, incident, minutes, resource, run, tempDataDir } from './test-support';

const MIN = 60_000;
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const filter = { clouds: [], regions: [], gpuModels: [] };

/** A store whose overview counts its computations, and whose cost write runs until `release()`. */
function storeWithLongCostWrite(): { base: FleetStore; computed: () => number; release: () => void } {
  let computed = 0;
  let release = (): void => undefined;
  const base = {
    async overview(asOf: Date) {
      computed += 1;
      return { asOf: asOf.toISOString(), generatedAt: asOf.toISOString() };
    },
    async writeMetrics() {
      return 0;
    },
    writeCosts: () => new Promise<number>((resolve) => (release = () => resolve(1))),
    async close() {},
  } as unknown as FleetStore;
  return { base, computed: () => computed, release: () => release() };
}

describe('overview cache', () => {
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  let uncached: FleetStore;
  let dir: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir, { now: () => new Date(ASOF) });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('m1', { gpuCount: 2 })]));
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(minutes('m1', 0, ASOF - 29 * MIN, ASOF + MIN, 50)));
  });
  afterEach(async () => {
    await store.close();
    await uncached?.close();
    await cleanup();
  });

  it('never answers from memory after a write: metrics, inventory and costs all show at once', async () => {
    const first = await store.overview(new Date(ASOF), filter);
    expect(first.totals.gpus).toMatchObject({ total: 2, busy: 1, unknown: 1 });
    expect(await store.overview(new Date(ASOF + 30_000), filter)).toEqual(first);

    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf([
      // A metrics write replaces its window, so both GPUs are written again.
      ...minutes('m1', 0, ASOF - 29 * MIN, ASOF + MIN, 50),
      ...minutes('m1', 1, ASOF - 29 * MIN, ASOF + MIN, 1),
    ]));
    expect((await store.overview(new Date(ASOF), filter)).totals.gpus).toMatchObject({ busy: 1, idle: 1, unknown: 0 });

    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('m1', { gpuCount: 2, powerState: 'stopped' })]));
    expect((await store.overview(new Date(ASOF), filter)).totals.gpus).toMatchObject({ stopped: 2, busy: 0 });

    const beforeCosts = await store.overview(new Date(ASOF), filter);
    await store.writeCosts(run('acct', 'costs'), { from: Date.parse('2026-11-24T00:00:00Z'), to: ASOF }, batchesOf([costRow({})]));
    const afterCosts = await store.overview(new Date(ASOF), filter);
    expect(afterCosts.totals.spend.map((s) => s.billedMonthToDate)).not.toEqual(beforeCosts.totals.spend.map((s) => s.billedMonthToDate));
    expect(Number(afterCosts.totals.spend[0]?.billedMonthToDate)).toBe(1);

    // Whatever was kept equals a recomputation on a store with no cache.
    await store.close();
    uncached = await openStore(dir, { readOnly: true, cacheOverview: false, now: () => new Date(ASOF) });
    expect(await uncached.overview(new Date(ASOF), filter)).toEqual(afterCosts);
  });

  it('keeps answers per minute and filter apart, and hands out copies', async () => {
    const all = await store.overview(new Date(ASOF), filter);
    const later = await store.overview(new Date(ASOF + 2 * MIN), filter);
    expect(later.asOf).not.toEqual(all.asOf);
    const gcpOnly = await store.overview(new Date(ASOF), { ...filter, clouds: ['gcp'] });
    expect(gcpOnly.clouds.map((c) => c.provider)).toEqual([]);
    all.totals.gpus.total = -1;
    expect((await store.overview(new Date(ASOF), filter)).totals.gpus.total).toBe(2);
  });

  it('moves maintenance from planned to active when its window opens, with no write in between', async () => {
    // Opens mid-minute: the overview describes whole minutes, so it counts from the next one.
    const opens = ASOF + 5 * MIN + 30_000;
    await store.writeIncidents(
      run('acct', 'incidents'),
      batchesOf([
        incident('maint', { source: 'maintenance', severity: 'maintenance', status: 'scheduled', startedAt: new Date(opens).toISOString(), endedAt: new Date(opens + 60 * MIN).toISOString() }),
      ]),
    );
    const before = await store.overview(new Date(opens - 1_000), filter);
    expect(before.totals.incidents.active).toBe(0);
    expect(before.maintenancePlanned.map((i) => i.id)).toEqual(['maint']);
    expect((await store.overview(new Date(opens + 20_000), filter)).totals.incidents.active).toBe(0);
    const open = await store.overview(new Date(opens + 30_000), filter);
    expect(open.totals.incidents.active).toBe(1);
    expect(open.maintenancePlanned).toEqual([]);
  });

  it('computes the overviews asked for recently again once writes settle, so the next request finds them', async () => {
    const calls: string[] = [];
    let closedWhileReading = false;
    let reading = 0;
    const base = {
      async overview(asOf: Date, f: typeof filter) {
        calls.push(`${asOf.toISOString()} ${f.clouds.join(',')}`);
        reading += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        reading -= 1;
        return { asOf: asOf.toISOString(), generatedAt: asOf.toISOString() };
      },
      async writeMetrics() {
        return 0;
      },
      async close() {
        if (reading > 0) closedWhileReading = true;
      },
    } as unknown as FleetStore;
    const cached = withOverviewCache(base, () => new Date(ASOF));
    await cached.overview(new Date(ASOF), filter);
    expect(calls).toHaveLength(1);

    await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
    await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
    await new Promise((resolve) => setTimeout(resolve, 400));
    // One warm-up for the burst of two writes, for the one filter that was asked for.
    expect(calls).toHaveLength(2);
    await cached.overview(new Date(ASOF + 10_000), filter);
    expect(calls).toHaveLength(2);

    // A write followed at once by close: the warm-up never reads from a closing store.
    await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
    await new Promise((resolve) => setTimeout(resolve, 260));
    await cached.close();
    expect(closedWhileReading).toBe(false);
  });

  it('answers from memory while a write runs, and computes again once it settles', async () => {
    // A long cost write: until its COMMIT, what was computed is still the store's data.
    const { base, computed, release } = storeWithLongCostWrite();
    const cached = withOverviewCache(base, () => new Date(ASOF));
    await cached.overview(new Date(ASOF), filter);
    const write = cached.writeCosts(run('acct', 'costs'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
    await cached.overview(new Date(ASOF), filter);
    expect(computed()).toBe(1);
    release();
    await write;
    await cached.overview(new Date(ASOF), filter);
    expect(computed()).toBe(2);
    await cached.close();
  });

  it('holds back a warm-up that falls due while another write runs, until that write settles', async () => {
    vi.useFakeTimers();
    try {
      const { base, computed, release } = storeWithLongCostWrite();
      const cached = withOverviewCache(base, () => new Date(ASOF));
      await cached.overview(new Date(ASOF), filter);
      await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
      // The metrics write's warm-up is due in a moment; a cost write starts before it.
      const costs = cached.writeCosts(run('acct', 'costs'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
      await vi.advanceTimersByTimeAsync(EVENT_COALESCE_MS);
      expect(computed()).toBe(1);
      release();
      await costs;
      await vi.advanceTimersByTimeAsync(EVENT_COALESCE_MS);
      expect(computed()).toBe(2);
      await cached.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('has the overview recomputed by the time the pane asks after a write, though it takes 150 ms', async () => {
    vi.useFakeTimers();
    try {
      // The cold computation of a 100,000-GPU fleet on 2 cores.
      const COMPUTE_MS = 150;
      let computed = 0;
      const base = {
        async overview(asOf: Date) {
          await new Promise((resolve) => setTimeout(resolve, COMPUTE_MS));
          computed += 1;
          return { asOf: asOf.toISOString(), generatedAt: asOf.toISOString() };
        },
        async writeMetrics() {
          return 0;
        },
        async close() {},
      } as unknown as FleetStore;
      const cached = withOverviewCache(base, () => new Date(ASOF));
      const first = cached.overview(new Date(ASOF), filter);
      await vi.advanceTimersByTimeAsync(COMPUTE_MS);
      await first;
      await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - MIN, to: ASOF }, batchesOf([]));
      // The write's data-changed event goes out as it settles; the pane asks EVENT_COALESCE_MS later.
      await vi.advanceTimersByTimeAsync(EVENT_COALESCE_MS);
      expect(computed).toBe(2);
      let answered = false;
      void cached.overview(new Date(ASOF), filter).then(() => (answered = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(answered).toBe(true);
      expect(computed).toBe(2);
      await cached.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
