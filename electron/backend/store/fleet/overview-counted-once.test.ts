/**
 * The overview works out once which machines two accounts see (countedOnceSql) and hands the GPU
 * states, window means, prices and run-rate a short list of the resources that yield, or the rule
 * itself when that list would be long. Both must count a shared machine once everywhere.
 */
import { describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import { MACHINE_KEY_TAG } from '../../../../shared/domain';
import type { FleetStore } from '../types';
import { account, batchesOf, minutes, resource, run } from '../test-support';
import { useTempStore } from '../testing/use-temp-store';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;

describe('a machine two accounts see, counted once', () => {
  let store: FleetStore;
  useTempStore({ now: () => new Date(ASOF), cacheOverview: false }, async (temp) => {
    store = temp.store;
    await store.upsertAccounts([account('a'), account('b')]);
  });

  it.each([
    ['one shared machine (a list of the one that yields)', 1],
    ['250 shared machines (the rule in SQL)', 250],
  ])('in GPU counts, means, prices and run-rate: %s', async (_, shared) => {
    const tagged = (i: number, over: Parameters<typeof resource>[1]) =>
      resource(`m-${i}`, { hourlyPrice: '10', tags: { [MACHINE_KEY_TAG]: `k-${i}` }, ...over });
    const ids = Array.from({ length: shared }, (_, i) => i);
    // Account b's view of each shared machine yields to a's (same kind: the account name decides).
    await store.writeInventory(run('a', 'inventory'), batchesOf(ids.map((i) => tagged(i, { account: 'a' }))));
    await store.writeInventory(
      run('b', 'inventory'),
      batchesOf([...ids.map((i) => tagged(i, { account: 'b', hourlyPrice: null })), resource('own', { account: 'b', hourlyPrice: '5' })]),
    );
    await store.writeMetrics(run('a', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(minutes('m-0', 0, ASOF - 29 * MIN, ASOF + MIN, 80)));
    await store.writeMetrics(run('b', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(minutes('m-0', 0, ASOF - 29 * MIN, ASOF + MIN, 20)));

    const o = await store.overview(new Date(ASOF), ALL);
    const azure = o.clouds.find((c) => c.provider === 'azure')!;
    expect(azure.gpus.total).toBe(shared + 1);
    expect(azure.gpus.busy).toBe(1);
    // b's views of the shared machines have no price, but they yield, so no counted machine lacks one.
    expect(azure.coverage.machinesWithoutPrice).toBe(0);
    expect(azure.utilisation.avg1h).toBeCloseTo(80, 9);
    // 12 hours of today at 10 per shared machine and 5 for b's own; b's unpriced views add nothing.
    expect(azure.spend).toEqual([expect.objectContaining({ currency: 'USD', runRateToday: (shared * 120 + 60).toFixed(2) })]);
  });
});
