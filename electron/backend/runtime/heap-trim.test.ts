import { describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import { createHeapTrim, exposedGc } from './heap-trim';

const batch: AppEvent = { type: 'sync-progress', account: 'lab', stream: 'costs', phase: 'batch', rows: 5000, error: null };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * A trim over a pretend heap that starts at `used`; each collection leaves `survives` in use. `grow`
 * sets the heap in use and reports a sync batch, then lets a turn pass; it returns the collections so far.
 */
function pretendHeap(used: number, survives: number): { grow: (to: number) => Promise<number> } {
  let collected = 0;
  const trim = createHeapTrim({
    slackBytes: 50,
    heapUsed: () => used,
    collect: () => {
      collected += 1;
      used = survives;
    },
  });
  return {
    grow: async (to) => {
      used = to;
      trim.onEvent(batch);
      await nextTurn();
      expect(trim.collections).toBe(collected);
      return collected;
    },
  };
}

describe('heap trim', () => {
  it('collects once the heap grew past the slack during a sync, on the next turn, then measures from there', async () => {
    let used = 10;
    let collected = 0;
    const trim = createHeapTrim({ slackBytes: 50, heapUsed: () => used, collect: () => {
      collected += 1;
      used = 20;
    } });
    used = 40;
    trim.onEvent(batch);
    await nextTurn();
    expect(collected).toBe(0);
    used = 70;
    trim.onEvent(batch);
    trim.onEvent(batch);
    // Not inside the emitter: the batch that grew the heap is still on its stack.
    expect(collected).toBe(0);
    await nextTurn();
    expect(collected).toBe(1);
    // The new baseline is what survived (20): 60 is within the slack.
    used = 60;
    trim.onEvent(batch);
    await nextTurn();
    expect(trim.collections).toBe(1);
  });

  it('waits for the heap to double when more than the slack survived the last collection', async () => {
    const heap = pretendHeap(100, 300);
    // 60 past a baseline of 100: past the slack, not past what survived.
    expect(await heap.grow(160)).toBe(0);
    expect(await heap.grow(200)).toBe(1);
    // 300 survived: the next collection waits for 600.
    expect(await heap.grow(599)).toBe(1);
    expect(await heap.grow(600)).toBe(2);
  });

  it('ignores events that are not a sync’s', async () => {
    let used = 0;
    let collected = 0;
    const trim = createHeapTrim({ slackBytes: 1, heapUsed: () => used, collect: () => void (collected += 1) });
    used = 1000;
    trim.onEvent({ type: 'alerts-changed', firing: 1 });
    await nextTurn();
    expect(collected).toBe(0);
    trim.onEvent({ type: 'data-changed', account: 'lab', streams: ['costs'] });
    await nextTurn();
    expect(collected).toBe(1);
  });

  it('gives garbage back with V8’s own collector', async () => {
    const gc = exposedGc();
    // 64 MiB of garbage: allocated and dropped at once.
    let junk: number[][] | null = Array.from({ length: 64 }, () => new Array<number>(128 * 1024).fill(1));
    expect(junk.length).toBe(64);
    junk = null;
    const before = process.memoryUsage().heapUsed;
    gc();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 32 * 2 ** 20);
  });
});
