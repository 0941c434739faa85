/**
 * Long synchronous loops (validating and appending a sync's rows) give the event loop a turn every
 * few milliseconds. Serve answers its sessions on the same event loop that runs the sync, and every
 * DuckDB result of a read waits for a turn: a 5,000-row batch handled in one go held it for half a
 * second to a second and a half, and an overview (several dependent queries) waited for several such
 * turns, 8 s at 10,000 GPUs and 38 s at 100,000 (issue 16).
 */
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';

/** Synchronous work between two turns of the event loop, at most (about). */
export const TURN_BUDGET_MS = 10;

/** Items TurnBudget.each handles between two reads of the clock (well under a millisecond of rows). */
export const CLOCK_STRIDE = 256;

/** Tracks the synchronous work done since the event loop last had a turn. */
export class TurnBudget {
  #since = performance.now();

  /** `reads`: the store's reads, which each turn lets finish first (bounded by READ_WAIT_MAX_MS). */
  constructor(
    private readonly reads: ReadActivity | null = null,
    private readonly budgetMs: number = TURN_BUDGET_MS,
  ) {}

  /** Whether the work since the last turn has used the budget (one clock read: a loop over rows uses each()). */
  due(): boolean {
    return performance.now() - this.#since >= this.budgetMs;
  }

  /** Lets waiting I/O and timers run (requests, DuckDB results), then starts a new budget. */
  async turn(): Promise<void> {
    await nextTurn();
    if (this.reads !== null) await this.reads.whenIdle();
    this.#since = performance.now();
  }

  /** Between two batches of a source: lets running reads finish before the source makes its next one. */
  async betweenBatches(): Promise<void> {
    await this.turn();
  }

  /** Gives the event loop a turn if the budget is used. */
  async maybeTurn(): Promise<void> {
    if (this.due()) await this.turn();
  }

  /**
   * Runs `body` on each item, giving the event loop a turn whenever the budget is used. The clock is
   * read once per CLOCK_STRIDE items, not per item: a read costs about 70 ns, a good part of what
   * staging one metrics sample costs, and a backfill stages millions of them.
   */
  async each<T>(items: readonly T[], body: (item: T) => void): Promise<void> {
    await this.eachIndex(items.length, (i) => body(items[i]!));
  }

  /** each() over the indices 0 to count - 1 (rows of columns). */
  async eachIndex(count: number, body: (i: number) => void): Promise<void> {
    for (let from = 0; from < count; from += CLOCK_STRIDE) {
      if (this.due()) await this.turn();
      const to = Math.min(count, from + CLOCK_STRIDE);
      for (let i = from; i < to; i++) body(i);
    }
  }
}

/** Longest a sync waits for the reads running before it takes its next turn of work. */
export const READ_WAIT_MAX_MS = 250;

/**
 * The store's reads running now (the reader pool counts them). A sync gives way to them: a read's
 * queries each need a turn of the event loop, and a sync turn between two of them delays the answer
 * by a whole page of the connector's work (the demo's 5,000 cost rows are about 300 ms).
 */
export class ReadActivity {
  #running = 0;
  #idle: (() => void)[] = [];

  /** Reads running now. */
  get running(): number {
    return this.#running;
  }

  /** A read starts (call `end` once it has finished, however it finished). */
  begin(): void {
    this.#running += 1;
  }

  end(): void {
    this.#running -= 1;
    if (this.#running > 0) return;
    // A read's next query starts a few microtasks after its last one ended: idle only if none has
    // started by the next turn.
    setImmediate(() => {
      if (this.#running > 0) return;
      const waiting = this.#idle;
      this.#idle = [];
      for (const wake of waiting) wake();
    });
  }

  /** Resolves once no read runs, or after `maxMs` (a sync must still progress under constant reads). */
  whenIdle(maxMs: number = READ_WAIT_MAX_MS): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        // Given up waiting: not left in the list, which constant reads would otherwise grow.
        this.#idle = this.#idle.filter((w) => w !== wake);
        resolve();
      }, maxMs);
      this.#idle.push(wake);
    });
  }
}

const activities = new WeakMap<object, ReadActivity>();

/** The read activity of the store over `instance` (one per instance, shared by its pool and writers). */
export function readActivityOf(instance: object): ReadActivity {
  let activity = activities.get(instance);
  if (activity === undefined) activities.set(instance, (activity = new ReadActivity()));
  return activity;
}
