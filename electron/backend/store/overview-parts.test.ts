import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Overview } from '../../../shared/overview';
import type { OverviewParts } from './fleet/types';
import { openStore } from './index';
import { facetsWritten, withOverviewCache } from './overview-cache';
import type { FleetStore } from './types';
import { account, batchesOf, costRow, incident, minutes, resource, run, tempDataDir } from './test-support';

const MIN = 60_000;
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const filter = { clouds: [], regions: [], gpuModels: [] };
const at = new Date(ASOF);
const withoutGeneratedAt = ({ generatedAt: _, ...rest }: Overview): Omit<Overview, 'generatedAt'> => rest;

describe('overview parts kept across writes of another kind', () => {
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  let cached: FleetStore;
  /** Names of the parts computed (not handed back) since the last take(). */
  let computed: string[];
  const take = (): string[] => computed.splice(0).sort();

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDataDir());
    // One store, read both through the cache and directly: the direct read computes every part afresh.
    store = await openStore(dir, { cacheOverview: false, now: () => at });
    computed = [];
    const counting: FleetStore = {
      ...store,
      overview: (asOf: Date, f: typeof filter, parts?: OverviewParts) =>
        store.overview(asOf, f, {
          part: (name, reads, compute) => parts!.part(name, reads, () => (computed.push(name), compute())),
        }),
    };
    cached = withOverviewCache(counting, () => at);
    await cached.upsertAccounts([account('acct')]);
    await cached.writeInventory(run('acct', 'inventory'), batchesOf([resource('m1', { gpuCount: 2, hourlyPrice: '10.00' })]));
    await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(minutes('m1', 0, ASOF - 29 * MIN, ASOF + MIN, 50)));
  });
  afterEach(async () => {
    await cached.close();
    await cleanup();
  });

  /** The overview through the cache, checked against one computed afresh from the same store. */
  const overview = async (): Promise<Overview> => {
    const kept = await cached.overview(at, filter);
    expect(withoutGeneratedAt(kept)).toEqual(withoutGeneratedAt(await store.overview(at, filter)));
    return kept;
  };

  it('computes again only the parts that read what a write changed, and answers as a full computation does', async () => {
    const first = await overview();
    expect(first.totals.gpus).toMatchObject({ total: 2, busy: 1, unknown: 1 });
    const everyPart = take();
    expect(everyPart).toEqual(expect.arrayContaining(['states', 'averages', 'spend', 'incidents']));

    await cached.writeCosts(run('acct', 'costs'), { from: Date.parse('2026-11-24T00:00:00Z'), to: ASOF }, batchesOf([costRow({})]));
    expect(Number((await overview()).totals.spend[0]?.billedMonthToDate)).toBe(1);
    expect(take()).toEqual(['cost accounts', 'spend']);

    await cached.writeIncidents(run('acct', 'incidents'), batchesOf([incident('outage', { resourceIds: ['m1'] })]));
    expect((await overview()).totals.incidents.active).toBe(1);
    expect(take()).toEqual(['incident fleet', 'incidents']);

    await cached.acknowledgeIncident('outage', true, 'sre', new Date(ASOF));
    await overview();
    expect(take()).toEqual(['incident fleet', 'incidents']);

    // Alerts are not on the overview: the answer kept before is still the answer.
    await cached.writeAlerts(
      [{ id: 'a1', ruleId: 'r1', kind: 'idle-gpus', key: 'k', title: 't', body: 'b', incidentId: null, raisedAt: new Date(ASOF).toISOString(), resolvedAt: null, notified: true }],
      [],
    );
    await overview();
    expect(take()).toEqual([]);

    // A failed run changes freshness only, which every computation reads anew.
    await cached.recordFailure(run('acct', 'costs'), { kind: 'throttled', message: 'slow down', retryAfterMs: 1_000 });
    expect((await overview()).clouds[0]?.freshness).not.toEqual(first.clouds[0]?.freshness);
    expect(take()).toEqual([]);

    await cached.writeMetrics(run('acct', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf([
      ...minutes('m1', 0, ASOF - 29 * MIN, ASOF + MIN, 50),
      ...minutes('m1', 1, ASOF - 29 * MIN, ASOF + MIN, 1),
    ]));
    expect((await overview()).totals.gpus).toMatchObject({ busy: 1, idle: 1, unknown: 0 });
    expect(take()).toEqual(['averages', 'p95', 'shape', 'spend', 'states']);

    // The same snapshot again (a steady fleet's usual sync): its run is recorded, nothing else changes.
    const steady = await overview();
    take();
    await cached.writeInventory(run('acct', 'inventory'), batchesOf([resource('m1', { gpuCount: 2, hourlyPrice: '10.00' })]));
    expect(withoutGeneratedAt(await overview())).toEqual(withoutGeneratedAt(steady));
    expect(take()).toEqual([]);

    await cached.writeInventory(run('acct', 'inventory'), batchesOf([resource('m1', { gpuCount: 2, powerState: 'stopped' })]));
    expect((await overview()).totals.gpus).toMatchObject({ stopped: 2 });
    expect(take()).toEqual(everyPart);
  });

  it('never keeps a part computed while a write of what it reads ran', async () => {
    await overview();
    take();
    const write = cached.writeCosts(run('acct', 'costs'), { from: Date.parse('2026-11-24T00:00:00Z'), to: ASOF }, batchesOf([costRow({ BilledCost: '7.00' })]));
    await cached.overview(at, filter);
    await write;
    expect(Number((await overview()).totals.spend[0]?.billedMonthToDate)).toBe(7);
  });

  it('lets go of the parts of minutes before the last once a later minute is computed', async () => {
    await cached.overview(at, filter);
    const computedAt = take();
    // A failed run clears whole overviews, not parts: what is asked again below comes from parts.
    await cached.recordFailure(run('acct', 'costs'), { kind: 'throttled', message: 'slow down', retryAfterMs: null });
    await cached.overview(new Date(ASOF + MIN), filter);
    expect(take()).toEqual(computedAt);
    await cached.recordFailure(run('acct', 'costs'), { kind: 'throttled', message: 'slow down', retryAfterMs: null });
    await cached.overview(at, filter);
    expect(take()).toEqual([]);

    await cached.overview(new Date(ASOF + 2 * MIN), filter);
    take();
    await cached.recordFailure(run('acct', 'costs'), { kind: 'throttled', message: 'slow down', retryAfterMs: null });
    await cached.overview(at, filter);
    expect(take()).toEqual(computedAt);
  });

  it('counts any write it does not know as changing everything, and a read as changing nothing', () => {
    expect(facetsWritten('writeInventory')).toEqual(['inventory', 'samples', 'incidents', 'costs', 'runs']);
    expect(facetsWritten('aWriteAddedLater')).toHaveLength(5);
    expect(facetsWritten('overview')).toEqual([]);
    expect(facetsWritten('writeCosts')).toEqual(['costs', 'runs']);
  });
});
