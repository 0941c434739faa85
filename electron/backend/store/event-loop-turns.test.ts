import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import type { FocusCostRow, GpuSample } from '../../../shared/domain';
import { CLOCK_STRIDE, ReadActivity, TurnBudget } from './event-loop-turns';
import type { FleetStore } from './types';
import { account, costRow, resource, run, sample, batchesOf } from './test-support';
import { useTempStore } from './testing/use-temp-store';

const T0 = Date.parse('2026-11-25T00:00:00Z');
const MIN = 60_000;

/**
 * Hands `batch` over once, then, before it is asked for the next one, says whether the event loop got
 * a turn while the store worked on the batch (a request waiting on serve's event loop would have been
 * answered). The batches come without a turn between them, as from a source that has them in memory.
 */
async function* oneBatchWatchingTurns<T>(batch: T[], sawTurn: (turned: boolean) => void): AsyncIterable<T[]> {
  let turned = false;
  setImmediate(() => (turned = true));
  yield batch;
  sawTurn(turned);
}

describe('a sync write of many rows leaves serve’s event loop turns (issue 16)', () => {
  let store: FleetStore;
  useTempStore({ now: () => new Date(T0 + 3 * 3600_000) }, async (temp) => {
    store = temp.store;
    await store.upsertAccounts([account('acct')]);
  });

  it('gives the event loop a turn while appending a large cost batch', async () => {
    const rows: FocusCostRow[] = Array.from({ length: 40_000 }, (_, i) => costRow({ BilledCost: '1.00', ResourceId: `vm-${i}` }));
    const w = { from: Date.parse('2026-11-24T00:00:00Z'), to: Date.parse('2026-11-25T00:00:00Z') };
    let turned: boolean | null = null;
    const written = await store.writeCosts(run('acct', 'costs'), w, oneBatchWatchingTurns(rows, (t) => (turned = t)));
    expect(written).toBe(40_000);
    expect(turned).toBe(true);
  });

  it('gives the event loop turns while comparing a large unchanged inventory with the stored one', async () => {
    const fleet = Array.from({ length: 12_500 }, (_, i) => resource(`vm-${i}`, { gpuCount: 8, tags: { team: 'ml', env: 'prod' } }));
    await store.writeInventory(run('acct', 'inventory'), batchesOf(fleet));
    // Nothing changed, so nothing is appended: the turns are the ones taken while the row keys are made.
    const turned = vi.spyOn(TurnBudget.prototype, 'turn');
    try {
      expect(await store.writeInventory(run('acct', 'inventory'), batchesOf(fleet))).toBe(12_500);
      expect(turned).toHaveBeenCalled();
    } finally {
      turned.mockRestore();
    }
  });

  it('gives the event loop a turn while staging a large metrics batch', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 8 })]));
    const samples: GpuSample[] = [];
    for (let gpu = 0; gpu < 8; gpu++) for (let m = 0; m < 100 * 60; m++) samples.push(sample('vm-1', gpu, T0 + m * MIN, 50));
    let turned: boolean | null = null;
    const written = await store.writeMetrics(run('acct', 'metrics'), { from: T0, to: T0 + 100 * 60 * MIN }, oneBatchWatchingTurns(samples, (t) => (turned = t)));
    expect(written).toBe(samples.length);
    expect(turned).toBe(true);
  });
});

describe('a sync write gives way to the store’s reads (issue 16)', () => {
  let store: FleetStore;
  useTempStore({ now: () => new Date(T0 + 3 * 3600_000), cacheOverview: false }, async (temp) => {
    store = temp.store;
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 8 })]));
  });

  /**
   * Writes three batches with `write`; between the first two a session asks for the overview. Says
   * whether that read had finished by the time the write asked its source for the third batch.
   */
  async function readFinishedBeforeNextBatch<T>(batches: [T[], T[], T[]], write: (source: AsyncIterable<T[]>) => Promise<number>): Promise<boolean | null> {
    let read: Promise<unknown> | null = null;
    let readDone = false;
    let doneBeforeNextBatch: boolean | null = null;
    async function* source(): AsyncIterable<T[]> {
      yield batches[0];
      // A session asks while the write runs; the next batch would cost the event loop a turn of work.
      read = store.overview(new Date(T0), { clouds: [], regions: [], gpuModels: [] }).then(() => (readDone = true));
      yield batches[1];
      doneBeforeNextBatch = readDone;
      yield batches[2];
    }
    expect(await write(source())).toBe(batches.flat().length);
    await read;
    return doneBeforeNextBatch;
  }

  it('lets a read asked during a cost write finish before the source is asked for its next batch', async () => {
    const w = { from: Date.parse('2026-11-24T00:00:00Z'), to: Date.parse('2026-11-25T00:00:00Z') };
    const rows = ['1.00', '2.00', '3.00'].map((cost) => [costRow({ BilledCost: cost })]) as [FocusCostRow[], FocusCostRow[], FocusCostRow[]];
    expect(await readFinishedBeforeNextBatch(rows, (source) => store.writeCosts(run('acct', 'costs'), w, source))).toBe(true);
  });

  it('lets a read asked during a metrics write finish before the source is asked for its next batch', async () => {
    const minute = (m: number): GpuSample[] => Array.from({ length: 8 }, (_, gpu) => sample('vm-1', gpu, T0 + m * MIN, 40 + m));
    const w = { from: T0, to: T0 + 3 * MIN };
    expect(await readFinishedBeforeNextBatch([minute(0), minute(1), minute(2)], (source) => store.writeMetrics(run('acct', 'metrics'), w, source))).toBe(true);
  });
});

describe('ReadActivity', () => {
  it('resolves whenIdle once the last running read ends, or after its bound', async () => {
    const reads = new ReadActivity();
    await reads.whenIdle();
    reads.begin();
    reads.begin();
    let idle = false;
    const waited = reads.whenIdle(10_000).then(() => (idle = true));
    reads.end();
    await nextTurn();
    expect(idle).toBe(false);
    reads.end();
    await waited;
    expect(idle).toBe(true);
    reads.begin();
    const started = performance.now();
    await reads.whenIdle(20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    reads.end();
  });
});

describe('TurnBudget', () => {
  it('is due once its budget of synchronous work is used, and not again until after a turn', async () => {
    const turns = new TurnBudget(null, 5);
    expect(turns.due()).toBe(false);
    const until = performance.now() + 6;
    while (performance.now() < until) {
      // busy, as a loop over rows is
    }
    expect(turns.due()).toBe(true);
    let turned = false;
    setImmediate(() => (turned = true));
    await turns.maybeTurn();
    expect(turned).toBe(true);
    expect(turns.due()).toBe(false);
    await nextTurn();
  });
});

describe('TurnBudget.each', () => {
  it('runs the body on every item in order and gives a turn once the budget is used, reading the clock per stride', async () => {
    const turns = new TurnBudget(null, 5);
    const items = Array.from({ length: 4 * CLOCK_STRIDE + 3 }, (_, i) => i);
    const seen: number[] = [];
    let turned = false;
    setImmediate(() => (turned = true));
    const clock = vi.spyOn(performance, 'now');
    await turns.each(items, (i) => {
      seen.push(i);
      // The first stride uses the budget: the next look at the clock finds it due.
      if (i === 0) {
        const until = Date.now() + 6;
        while (Date.now() < until) {
          // busy, as a loop over rows is
        }
      }
    });
    const reads = clock.mock.calls.length;
    clock.mockRestore();
    expect(seen).toEqual(items);
    expect(turned).toBe(true);
    // One look per stride (5) and one after the turn, not one per item.
    expect(reads).toBeLessThanOrEqual(10);
    await nextTurn();
  });
});
