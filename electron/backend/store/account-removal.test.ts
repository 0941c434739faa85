/** Removing an account deletes its inventory, samples, rollups, runs and cursors, and leaves the others'. */
import { afterEach, describe, expect, it } from 'vitest';
import { FleetFilter } from '../../../shared/contract';
import { openStore } from './index';
import { account, batchesOf, resource, run, sample, tempDataDir } from './test-support';
import type { FleetStore } from './types';

let cleanup: (() => Promise<void>) | null = null;
let store: FleetStore | null = null;
afterEach(async () => {
  await store?.close();
  await cleanup?.();
  store = null;
  cleanup = null;
});

describe('removeAccount', () => {
  it('forgets everything of one account and nothing of another', async () => {
    const data = await tempDataDir();
    cleanup = data.cleanup;
    const now = new Date('2026-11-25T12:00:00Z');
    store = await openStore(data.dir, { now: () => now });
    await store.upsertAccounts([account('keep'), account('gone')]);
    const t0 = Date.parse('2026-11-25T11:00:00Z');
    for (const name of ['keep', 'gone']) {
      await store.writeInventory(run(name, 'inventory', now), batchesOf([resource(`${name}-vm`, { account: name, gpuCount: 1, gpuUuids: [null] })]));
      const samples = Array.from({ length: 30 }, (_, i) => sample(`${name}-vm`, 0, t0 + i * 60_000, 50));
      await store.writeMetrics(run(name, 'metrics', now), { from: t0, to: t0 + 30 * 60_000 }, batchesOf(samples));
    }
    const before = await store.overview(now, FleetFilter.parse({}));
    expect(before.totals.gpus.total).toBe(2);

    const deleted = await store.removeAccount('gone');
    expect(deleted).toBeGreaterThan(30);
    const after = await store.overview(now, FleetFilter.parse({}));
    expect(after.totals.gpus.total).toBe(1);
    expect((await store.accounts(now)).accounts.map((a) => a.name)).toEqual(['keep']);
    expect(await store.resources('gone')).toEqual([]);
    expect(await store.cursor('gone', 'metrics')).toBeNull();
    expect(await store.cursor('keep', 'metrics')).not.toBeNull();
    expect(await store.syncRuns('gone', 10)).toEqual([]);
    expect((await store.syncRuns('keep', 10)).length).toBe(2);
  });

  it('is refused by a read-only store', async () => {
    const data = await tempDataDir();
    cleanup = data.cleanup;
    const writable = await openStore(data.dir);
    await writable.close();
    store = await openStore(data.dir, { readOnly: true });
    await expect(store.removeAccount('x')).rejects.toThrow();
  });
});
