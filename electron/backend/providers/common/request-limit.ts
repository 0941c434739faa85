/**
 * Fanning windowed queries out in parallel while keeping their results in order. The cap on
 * requests in flight to one source is the client's Semaphore (semaphore.ts).
 */
import { setMaxListeners } from 'node:events';

/**
 * Runs `fetch(item)` for each item with up to `ahead` running before their turn, and yields the
 * results in item order, so a consumer sees a deterministic stream while at most `ahead` answers
 * are held. Stopping early (or a failure) aborts the ones still running.
 */
export async function* inOrderAhead<I, O>(
  items: readonly I[],
  ahead: number,
  fetch: (item: I, signal: AbortSignal) => Promise<O>,
  signal: AbortSignal,
): AsyncGenerator<O> {
  const stop = new AbortController();
  const linked = AbortSignal.any([signal, stop.signal]);
  // Every fetch ahead (and every request waiting for a slot) listens for the abort: many, not a leak.
  setMaxListeners(0, linked);
  const pending: Array<Promise<O>> = [];
  let next = 0;
  const fill = (): void => {
    while (next < items.length && pending.length < Math.max(1, ahead)) {
      const p = fetch(items[next] as I, linked);
      // Awaited in turn below; this only keeps a failure ahead of its turn from being "unhandled".
      p.catch(() => undefined);
      pending.push(p);
      next += 1;
    }
  };
  try {
    fill();
    while (pending.length > 0) {
      const result = await (pending.shift() as Promise<O>);
      fill();
      yield result;
    }
  } finally {
    stop.abort();
  }
}
