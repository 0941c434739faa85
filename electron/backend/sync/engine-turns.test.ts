import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOCK_STRIDE, TurnBudget } from '../store/event-loop-turns';
import { SyncEngine } from './engine';
import { FakeConnector, accountConfig, batchesOf, resource } from './testing/fake-connector';
import { FakeStore } from './testing/fake-store';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the sync engine checks a batch in the turn budget’s stride (issue 16)', () => {
  it('gives the event loop a turn per stride of a large batch once the budget is used, and keeps every item in order', async () => {
    const machines = Array.from({ length: 5 * CLOCK_STRIDE + 7 }, (_, i) => resource('lab', `vm-${i}`));
    const connector = new FakeConnector('lab', 'demo', { inventory: () => batchesOf(machines), metrics: () => batchesOf(), costs: () => batchesOf(), incidents: () => batchesOf() });
    const store = new FakeStore();
    const engine = new SyncEngine({ store, accounts: [{ config: accountConfig('lab', 'demo'), connector }], emit: () => undefined, random: () => 0.5 });
    // The budget is always used up, as on a busy machine: each stride of the check must take its turn.
    vi.spyOn(TurnBudget.prototype, 'due').mockReturnValue(true);
    const turns = vi.spyOn(TurnBudget.prototype, 'turn');

    await engine.syncOnce();

    expect(store.inventory.get('lab')?.map((r) => r.id)).toEqual(machines.map((m) => m.id));
    // One turn before each of the batch's six strides (the store's own writers are faked away here).
    expect(turns).toHaveBeenCalledTimes(Math.ceil(machines.length / CLOCK_STRIDE));
  });
});
