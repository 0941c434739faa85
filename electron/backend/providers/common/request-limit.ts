/**
 * A per-source cap on requests in flight: a metrics backfill fans windowed queries out in parallel,
 * and this keeps one Prometheus (or any one endpoint) from seeing more than `limit` of them at once.
 */
import { setMaxListeners } from 'node:events';

/** Runs bodies with at most `limit` of them in flight; waiters start in arrival order. */
export class RequestLimit {
  private active = 0;
  /** The most bodies ever in flight at once (what a test of the limit reads). */
  maxActive = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`request limit must be a positive integer, got ${limit}`);
  }

  /** Runs `body` once a slot is free; an abort while waiting rejects without running it. */
  async run<T>(body: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    try {
      return await body();
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.active < this.limit) {
      this.taken();
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.taken();
        resolve();
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortError(signal));
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private taken(): void {
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}

function abortError(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('request aborted');
  error.name = 'AbortError';
  return error;
}

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
