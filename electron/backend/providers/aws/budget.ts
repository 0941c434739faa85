/**
 * Our own request budget per account and region, on top of the SDK's adaptive retry: a token bucket
 * per scope, so a region AWS throttles slows only itself (its refill rate halves on each throttled
 * call and recovers step by step on success) while the other regions and accounts keep their pace.
 */

export interface BudgetOptions {
  /** Requests a scope may make at once (the burst). */
  capacity: number;
  /** Tokens a scope regains per second at full pace. */
  refillPerSecond: number;
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
  /** Waits `ms` (tests pass one that advances the fake clock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What the diagnostics show of one scope's budget. */
export interface BudgetState {
  scope: string;
  remaining: number;
  refillPerSecond: number;
  pacedRequests: number;
  observedAt: number | null;
}

interface Bucket {
  tokens: number;
  rate: number;
  at: number;
  paced: number;
  observedAt: number | null;
}

// EC2 documents a bucket of 100 Describe* requests refilled at 20 a second per account and region;
// we stay under it so another tool on the same account keeps some room.
export const DEFAULT_BUDGET: BudgetOptions = { capacity: 50, refillPerSecond: 10 };

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Token buckets keyed by scope ("account 123456789012 us-east-1"). */
export class RequestBudget {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(private readonly options: BudgetOptions = DEFAULT_BUDGET) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? abortableSleep;
  }

  private bucket(scope: string): Bucket {
    let b = this.buckets.get(scope);
    if (!b) {
      b = { tokens: this.options.capacity, rate: this.options.refillPerSecond, at: this.now(), paced: 0, observedAt: null };
      this.buckets.set(scope, b);
    }
    const t = this.now();
    b.tokens = Math.min(this.options.capacity, b.tokens + ((t - b.at) / 1000) * b.rate);
    b.at = t;
    return b;
  }

  /** Takes one request's token of the scope, waiting for it when the bucket is empty. */
  async take(scope: string, signal: AbortSignal): Promise<void> {
    let b = this.bucket(scope);
    if (b.tokens < 1) {
      b.paced++;
      await this.sleep(Math.ceil(((1 - b.tokens) / b.rate) * 1000), signal);
      b = this.bucket(scope);
    }
    b.tokens -= 1;
    b.observedAt = this.now();
  }

  /** AWS throttled the scope past the SDK's retries: empty its bucket and halve its pace (to a floor). */
  throttled(scope: string): void {
    const b = this.bucket(scope);
    b.tokens = 0;
    b.rate = Math.max(this.options.refillPerSecond / 16, b.rate / 2);
  }

  /** A call went through: the pace recovers a tenth of the full rate at a time. */
  succeeded(scope: string): void {
    const b = this.bucket(scope);
    b.rate = Math.min(this.options.refillPerSecond, b.rate + this.options.refillPerSecond / 10);
  }

  /** Every scope's budget left, sorted by scope. */
  state(): BudgetState[] {
    return [...this.buckets.keys()].sort().map((scope) => {
      const b = this.bucket(scope);
      return { scope, remaining: Math.floor(b.tokens), refillPerSecond: b.rate, pacedRequests: b.paced, observedAt: b.observedAt };
    });
  }
}
