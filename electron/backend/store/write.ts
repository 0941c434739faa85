/**
 * The store's one write path. Every write of every area runs on a connection of its own inside one
 * transaction (BEGIN ... COMMIT, rolled back if the body throws), so a crash or a failing connector
 * leaves the previous state; writes never share a transaction.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { exec, inTransaction, retryOnWriteConflict, rows } from './db';
import { StoreReadOnlyError } from './errors';
import { quietGateOf } from './idle-memory';

export interface WriteOptions<P> {
  /**
   * Runs of the transaction when it loses a write-write conflict (db.retryOnWriteConflict). Only for a
   * body that can run again (its input in memory or on disk); default 1, no retry.
   */
  attempts?: number;
  /**
   * Work on the same connection before the transaction begins, run once (the FOCUS importer registers
   * the function that counts a file's empty cells here).
   */
  prepare?: (conn: DuckDBConnection) => Promise<P>;
  /**
   * Work on the same connection once the transaction has failed for good and rolled back, given the
   * error: it may throw a clearer one in its place (the FOCUS importer reads a refused file again here
   * to name its first bad row, which a failed statement's aborted transaction could not).
   */
  afterRollback?: (conn: DuckDBConnection, error: unknown) => Promise<void>;
}

/** Runs `body` in one transaction on a fresh connection; `prepared` is what `opts.prepare` returned. */
export type Write = <T, P = undefined>(
  body: (conn: DuckDBConnection, prepared: P) => Promise<T>,
  opts?: WriteOptions<P>,
) => Promise<T>;

/**
 * The store's write helper; its close (no checkpoint or upkeep may still run once the store closes);
 * and settle, which does the quiet-time upkeep now, to the end, then checkpoints and keeps the facts anew.
 */
export type StoreWrite = Write & { close(): Promise<void>; settle(): Promise<void> };

/**
 * Work a quiet store does in a transaction of its own before its checkpoint check, a step at a time
 * (fleet/sample-order.ts): whether the step changed any table, and whether more steps remain.
 */
export type QuietUpkeep = (conn: DuckDBConnection) => Promise<{ changed: boolean; more: boolean }>;

/**
 * Facts a store keeps up to date when quiet (fleet/kept-overview.ts): every write marks them stale in
 * its own transaction, and they are kept anew once writes pause as long as the upkeep waits for, and
 * as each minute begins.
 */
export interface KeptFacts {
  /** Run first in every write's transaction. */
  markStale(conn: DuckDBConnection): Promise<void>;
  /** Keeps them for now, in a transaction of its own. */
  refresh(conn: DuckDBConnection): Promise<void>;
  /** Whether anyone reads them lately; while not, quiet times leave them stale (default: always). */
  wanted?(): boolean;
}

/** How to keep committed rows from staying in memory, and when the upkeep may run (tests shrink these). */
export interface CheckpointOptions {
  /** Committed table data held in memory above which an idle store checkpoints. */
  aboveBytes: number;
  /** How long no write must have run before that check. */
  idleMs: number;
  /** How long no write must have run before the upkeep's first step or keeping the facts (default UPKEEP_QUIET_MS). */
  upkeepQuietMs?: number;
}

/** The write helper of a store over `instance`; a read-only store refuses every write. */
export function createWrite(
  instance: DuckDBInstance,
  readOnly: boolean,
  checkpoint: CheckpointOptions = { aboveBytes: CHECKPOINT_ABOVE_BYTES, idleMs: CHECKPOINT_IDLE_MS },
  upkeep?: QuietUpkeep,
  kept?: KeptFacts,
): StoreWrite {
  let running = 0;
  // Whether the kept facts may be stale: a write ended or a minute began since they were kept.
  let keptDue = kept !== undefined && !readOnly;
  let minuteTimer: ReturnType<typeof setTimeout> | null = null;
  let quietRunning = false;
  let idleTimer: ReturnType<typeof setTimeout> | null = null;
  let checkpointing: Promise<void> = Promise.resolve();
  let closed = false;
  // When the last write ended, and whether the upkeep may have work (a write since its last step
  // that found none).
  let lastWriteEnded = 0;
  let upkeepDue = false;
  const upkeepQuietMs = checkpoint.upkeepQuietMs ?? UPKEEP_QUIET_MS;
  const gate = quietGateOf(instance);
  const stopIdleTimer = (): void => {
    if (idleTimer !== null) clearTimeout(idleTimer);
    idleTimer = null;
  };
  // Once a burst of writes (a sync's streams, a backfill's windows) has been quiet for a while, not
  // between them: a checkpoint takes seconds after a backfill, and DuckDB refuses one while another
  // write transaction is open. Writes wait for what runs then (they await `checkpointing`).
  const armIdleTimer = (delayMs: number): void => {
    if (running !== 0 || closed) return;
    stopIdleTimer();
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (running === 0 && !closed) checkpointing = gate.around(quietWork);
    }, delayMs);
    idleTimer.unref?.();
  };
  // The upkeep's last step checkpoints whatever it left in memory, its deleted rows too.
  const checkpointAfter = (step: { changed: boolean; more: boolean }): Promise<void> =>
    checkpointWhenLarge(instance, step.changed && !step.more ? 0 : checkpoint.aboveBytes);
  const refreshKept = async (): Promise<void> => {
    if (kept === undefined || readOnly) return;
    keptDue = false;
    try {
      const conn = await instance.connect();
      try {
        await inTransaction(conn, () => kept.refresh(conn));
      } finally {
        conn.closeSync();
      }
    } catch {
      // Rolled back: the facts stay marked stale (readers compute). Tried again after the next write or
      // as the next minute begins, not at once: a refresh that keeps failing would otherwise spin.
    }
  };
  // As each minute begins the facts describe the one before: kept anew then, once no write runs.
  const armMinuteTimer = (): void => {
    if (kept === undefined || readOnly || closed) return;
    minuteTimer = setTimeout(() => {
      keptDue = true;
      if (kept.wanted?.() === false) return armMinuteTimer();
      // Quiet work running now arms the next itself, seeing the facts due.
      if (running === 0 && idleTimer === null && !quietRunning) armIdleTimer(Math.max(0, upkeepQuietMs - (Date.now() - lastWriteEnded)));
      armMinuteTimer();
    }, MINUTE_MS - (Date.now() % MINUTE_MS) + MINUTE_SLACK_MS);
    minuteTimer.unref?.();
  };
  armMinuteTimer();
  const quietWork = async (): Promise<void> => {
    quietRunning = true;
    try {
      await quietSteps();
    } finally {
      quietRunning = false;
    }
  };
  const quietSteps = async (): Promise<void> => {
    let step = { changed: false, more: false };
    const quietFor = Date.now() - lastWriteEnded;
    // As quiet as the upkeep needs: a sync's writes would wait for it. First, since the upkeep can
    // take seconds and the pane's next overview wants the facts.
    const wanted = kept?.wanted?.() !== false;
    const keepNow = keptDue && wanted && quietFor >= upkeepQuietMs;
    if (keepNow) await refreshKept();
    const stepNow = upkeep !== undefined && upkeepDue && quietFor >= upkeepQuietMs;
    if (stepNow) {
      try {
        const conn = await instance.connect();
        try {
          step = await inTransaction(conn, () => upkeep(conn));
        } finally {
          conn.closeSync();
        }
      } catch {
        // Rolled back: tried again after the next write, which is when the store is quiet again.
      }
      upkeepDue = step.more;
    }
    await checkpointAfter(step);
    // The next step soon, reads and writes coming first; the first once the store has been quiet long enough.
    if (step.more) armIdleTimer(UPKEEP_STEP_GAP_MS);
    // The facts again too if a minute began while they were kept.
    else if ((upkeepDue && !stepNow) || (keptDue && wanted)) armIdleTimer(Math.max(0, upkeepQuietMs - (Date.now() - lastWriteEnded)));
  };
  const write = async <T, P = undefined>(body: (conn: DuckDBConnection, prepared: P) => Promise<T>, opts: WriteOptions<P> = {}): Promise<T> => {
    if (readOnly) throw new StoreReadOnlyError();
    stopIdleTimer();
    running += 1;
    // Waits out a release of cached memory (idle-memory.ts), which never fails.
    const released = gate.enter();
    if (released !== null) await released;
    try {
      // A checkpoint started while the store was idle ends before this write begins.
      await checkpointing;
      const conn = await instance.connect();
      try {
        const prepared = (opts.prepare ? await opts.prepare(conn) : undefined) as P;
        try {
          return await retryOnWriteConflict(
            () =>
              inTransaction(conn, async () => {
                await kept?.markStale(conn);
                return body(conn, prepared);
              }),
            opts.attempts ?? 1,
          );
        } catch (error) {
          await opts.afterRollback?.(conn, error);
          throw error;
        }
      } finally {
        conn.closeSync();
      }
    } finally {
      gate.leave();
      running -= 1;
      lastWriteEnded = Date.now();
      upkeepDue = upkeep !== undefined;
      keptDue = kept !== undefined;
      armIdleTimer(checkpoint.idleMs);
    }
  };
  return Object.assign(write, {
    close: async (): Promise<void> => {
      closed = true;
      stopIdleTimer();
      if (minuteTimer !== null) clearTimeout(minuteTimer);
      await checkpointing;
    },
    settle: async (): Promise<void> => {
      if (readOnly) return;
      // Step by step as when quiet, with the same checkpoint check after each.
      if (upkeep !== undefined) {
        for (let more = true; more; ) {
          const step = await write((conn) => upkeep(conn));
          await gate.around(() => checkpointAfter(step));
          more = step.more;
        }
      }
      await gate.around(refreshKept);
    },
  });
}

/**
 * Committed table data held in memory, not yet checkpointed, above which an idle store checkpoints. A
 * steady one-minute sync's rows go through the WAL, and DuckDB's own checkpoint by WAL size clears them.
 */
export const CHECKPOINT_ABOVE_BYTES = 64 * 2 ** 20;
/** Quiet time after the last write before that check: longer than the gaps between a sync's writes. */
export const CHECKPOINT_IDLE_MS = 2_000;
/**
 * Quiet time after the last write before the upkeep starts: longer than the gaps between a backfill's
 * windows (its steps' memory then adds to no window's), shorter than what a one-minute sync leaves.
 */
export const UPKEEP_QUIET_MS = 15_000;
const MINUTE_MS = 60_000;
/** After the minute turns: a sync's writes due on the minute start first, and the facts wait for them. */
const MINUTE_SLACK_MS = 500;
/** Pause between the upkeep's steps, in which waiting reads and writes go first. */
const UPKEEP_STEP_GAP_MS = 100;

/**
 * Checkpoints when committed table data held in memory exceeds `aboveBytes`. DuckDB checkpoints on
 * its own once the WAL is large, but a large append writes its full row groups straight to the file
 * and leaves a small WAL, while the partly filled row groups of every table it touched stay in
 * memory, in whole uncompressed blocks, until some checkpoint: after a metrics backfill 150-200 MiB,
 * for as long as the store ran.
 */
async function checkpointWhenLarge(instance: DuckDBInstance, aboveBytes: number): Promise<void> {
  try {
    const conn = await instance.connect();
    try {
      const [held] = await rows<{ bytes: number }>(conn, `SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE AS bytes FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`);
      if (aboveBytes === 0 || (held?.bytes ?? 0) > aboveBytes) await exec(conn, 'CHECKPOINT');
    } finally {
      conn.closeSync();
    }
  } catch {
    // Only memory is at stake, and the next quiet time tries again.
  }
}
