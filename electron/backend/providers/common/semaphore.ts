/**
 * A counting semaphore: at most `limit` holders at once, waiters served in arrival order, except that
 * a waiter asking to go `first` is served before every plain waiter (after the `first` ones before
 * it). The sync engine caps accounts synced at once with it, a connector its requests in flight to one
 * source; a machine page's queries go first, so they do not wait behind a backfill's. A semaphore may
 * also hold permits back for `first` holders alone: with every plain permit taken by a backfill's
 * queries, each answering in seconds, a machine page's would otherwise wait for one of them to end.
 */

/**
 * Requests a metrics source takes beyond its `concurrency` for a machine page's queries alone: a
 * backfill keeps every permit busy, each query answering in seconds at fleet scale.
 */
export const MACHINE_PAGE_LANES = 1;

/** Why a wait ended: the signal's reason, or an AbortError. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('stopped while waiting for a turn');
  error.name = 'AbortError';
  return error;
}

/** Which permits a holder took: the plain ones, or those held back for `first` holders. */
type Lane = 'plain' | 'reserved';

interface Waiter {
  grant: (lane: Lane) => void;
  first: boolean;
}

/** How a permit is waited for. */
export interface WaitOptions {
  /** Served before every plain waiter (someone is waiting on the answer, e.g. a machine page). */
  first?: boolean;
}

export class Semaphore {
  private held = 0;
  private heldReserved = 0;
  private readonly waiters: Waiter[] = [];

  /** `limit` permits for anyone, and `reservedForFirst` more that only `first` holders take. */
  constructor(
    readonly limit: number,
    readonly reservedForFirst = 0,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
    if (!Number.isInteger(reservedForFirst) || reservedForFirst < 0) {
      throw new RangeError(`semaphore reserve must be a non-negative integer, got ${reservedForFirst}`);
    }
  }

  /** How many permits are held right now. */
  get inUse(): number {
    return this.held + this.heldReserved;
  }

  /** Waits for a permit; resolves to its release function (idempotent). Rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal, { first = false }: WaitOptions = {}): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const free = this.tryAcquire() ?? (first ? this.tryReserved() : null);
    if (free !== null) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (signal) reject(abortReason(signal));
      };
      const waiter: Waiter = {
        grant: (lane) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser(lane));
        },
        first,
      };
      if (first) {
        const after = this.waiters.findIndex((w) => !w.first);
        this.waiters.splice(after < 0 ? this.waiters.length : after, 0, waiter);
      } else this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Takes a permit only if one is free now (no waiting); its release function, or null. */
  tryAcquire(): (() => void) | null {
    if (this.held >= this.limit) return null;
    this.held += 1;
    return this.releaser('plain');
  }

  /** A permit held back for `first` holders, if one is free now. */
  private tryReserved(): (() => void) | null {
    if (this.heldReserved >= this.reservedForFirst) return null;
    this.heldReserved += 1;
    return this.releaser('reserved');
  }

  /** Runs `body` holding a permit, released however it ends; an abort while waiting rejects without running it. */
  async run<T>(body: () => Promise<T>, signal?: AbortSignal, options: WaitOptions = {}): Promise<T> {
    const release = await this.acquire(signal, options);
    try {
      return await body();
    } finally {
      release();
    }
  }

  private releaser(lane: Lane): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the permit straight to the next waiter so a newcomer cannot overtake it; a held-back
      // permit only to a `first` one (they wait ahead of the plain ones).
      const next = lane === 'plain' || this.waiters[0]?.first === true ? this.waiters.shift() : undefined;
      if (next) next.grant(lane);
      else if (lane === 'plain') this.held -= 1;
      else this.heldReserved -= 1;
    };
  }
}
