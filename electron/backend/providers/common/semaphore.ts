/**
 * A counting semaphore: at most `limit` holders at once, waiters served in arrival order, except that
 * a waiter asking to go `first` is served before every plain waiter (after the `first` ones before
 * it). The sync engine caps accounts synced at once with it, a connector its requests in flight to one
 * source; a machine page's queries go first, so they do not wait behind a backfill's.
 */

/** Why a wait ended: the signal's reason, or an AbortError. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('stopped while waiting for a turn');
  error.name = 'AbortError';
  return error;
}

interface Waiter {
  grant: () => void;
  first: boolean;
}

/** How a permit is waited for. */
export interface WaitOptions {
  /** Served before every plain waiter (someone is waiting on the answer, e.g. a machine page). */
  first?: boolean;
}

export class Semaphore {
  private held = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${limit}`);
  }

  /** How many permits are held right now. */
  get inUse(): number {
    return this.held;
  }

  /** Waits for a permit; resolves to its release function (idempotent). Rejects if `signal` aborts first. */
  acquire(signal?: AbortSignal, { first = false }: WaitOptions = {}): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    const free = this.tryAcquire();
    if (free !== null) return Promise.resolve(free);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        if (signal) reject(abortReason(signal));
      };
      const waiter: Waiter = {
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
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
    return this.releaser();
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

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // Hand the permit straight to the next waiter so a newcomer cannot overtake it.
      if (next) next.grant();
      else this.held -= 1;
    };
  }
}
