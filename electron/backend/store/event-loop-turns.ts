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

/** Tracks the synchronous work done since the event loop last had a turn. */
export class TurnBudget {
  #since = performance.now();

  constructor(private readonly budgetMs: number = TURN_BUDGET_MS) {}

  /** Whether the work since the last turn has used the budget (cheap enough to ask per row). */
  due(): boolean {
    return performance.now() - this.#since >= this.budgetMs;
  }

  /** Lets waiting I/O and timers run (requests, DuckDB results), then starts a new budget. */
  async turn(): Promise<void> {
    await nextTurn();
    this.#since = performance.now();
  }

  /** Gives the event loop a turn if the budget is used. */
  async maybeTurn(): Promise<void> {
    if (this.due()) await this.turn();
  }
}
