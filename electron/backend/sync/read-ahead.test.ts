import { describe, expect, it } from 'vitest';
import { TurnBudget } from '../store/event-loop-turns';
import { countTurns } from '../store/test-support';
import { ReadAhead } from './read-ahead';

/** A source of `batches` batches of `size` numbers that counts what was pulled from it. */
function source(batches: number, size: number, fail?: Error) {
  const state = { pulled: 0, closed: false };
  const iterable = (async function* () {
    try {
      for (let b = 0; b < batches; b++) {
        state.pulled += size;
        yield Array.from({ length: size }, (_, i) => b * size + i);
      }
      if (fail) throw fail;
    } finally {
      state.closed = true;
    }
  })();
  return { iterable, state };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ReadAhead', () => {
  it('reads ahead no more than its cap (plus the batch that crossed it) while nobody consumes', async () => {
    const { iterable, state } = source(100, 30);
    let ended = 0;
    const ahead = new ReadAhead(iterable, 100, new AbortController(), () => (ended += 1));
    await settle();
    // 4 batches of 30: the fourth crossed 100, then reading waits for the consumer.
    expect(state.pulled).toBe(120);
    expect(ahead.buffered).toEqual({ now: 120, peak: 120 });

    const seen: number[] = [];
    for await (const batch of ahead) {
      seen.push(...batch);
      expect(ahead.buffered.now).toBeLessThan(100 + 30);
      await settle();
    }
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(ahead.buffered.peak).toBeLessThan(100 + 30);
    expect(ended).toBe(1);
    expect(state.closed).toBe(true);
  });

  it('gives the event loop its turns while it fills, even from a source that never waits', async () => {
    const turns = countTurns();
    const turnAtBatch: number[] = [];
    const source = (async function* () {
      for (let b = 0; b < 20; b++) {
        turnAtBatch.push(turns.count());
        yield [b];
      }
    })();
    // A budget always used: a turn after every batch.
    const ahead = new ReadAhead(source, 1000, new AbortController(), () => undefined, new TurnBudget(null, 0));
    const seen: number[] = [];
    for await (const batch of ahead) seen.push(...batch);
    turns.stop();
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Every batch after the first was pulled on a later turn than the one before it.
    for (let b = 1; b < 20; b++) expect(turnAtBatch[b]).toBeGreaterThan(turnAtBatch[b - 1]!);
  });

  it("gives the source's error after the batches that came before it", async () => {
    const { iterable } = source(3, 2, new Error('connection reset'));
    const ahead = new ReadAhead(iterable, 1_000, new AbortController());
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const batch of ahead) seen.push(...batch);
      })(),
    ).rejects.toThrow('connection reset');
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stops the source when cancelled or when its consumer stops early', async () => {
    const first = source(100, 10);
    const stop = new AbortController();
    let ended = 0;
    const cancelled = new ReadAhead(first.iterable, 20, stop, () => (ended += 1));
    await settle();
    await cancelled.cancel();
    expect(stop.signal.aborted).toBe(true);
    expect(first.state.closed).toBe(true);
    expect(ended).toBe(1);
    expect(cancelled.buffered.now).toBe(0);

    const second = source(100, 10);
    const early = new ReadAhead(second.iterable, 20, new AbortController());
    for await (const batch of early) if (batch[0] === 10) break;
    await settle();
    expect(second.state.closed).toBe(true);
    expect(second.state.pulled).toBeLessThan(100 * 10);
  });
});
