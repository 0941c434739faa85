/**
 * A counting semaphore: at most `limit` holders at once, waiters served in arrival order. The sync
 * engine caps accounts synced at once with it, a connector its requests in flight to one source.
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
  acquire(signal?: AbortSignal): Promise<() => void> {
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
      };
      this.waiters.push(waiter);
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
  async run<T>(body: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
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
