/**
 * The store's one write path. Every write of every area runs on a connection of its own inside one
 * transaction (BEGIN ... COMMIT, rolled back if the body throws), so a crash or a failing connector
 * leaves the previous state; writes never share a transaction.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { inTransaction, retryOnWriteConflict } from './db';
import { StoreReadOnlyError } from './errors';

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

/** The write helper of a store over `instance`; a read-only store refuses every write. */
export function createWrite(instance: DuckDBInstance, readOnly: boolean, checkpointAboveBytes = CHECKPOINT_ABOVE_BYTES): Write {
  let running = 0;
  return async <T, P = undefined>(body: (conn: DuckDBConnection, prepared: P) => Promise<T>, opts: WriteOptions<P> = {}): Promise<T> => {
    if (readOnly) throw new StoreReadOnlyError();
    const conn = await instance.connect();
    running += 1;
    try {
      const prepared = (opts.prepare ? await opts.prepare(conn) : undefined) as P;
      let result: T;
      try {
        result = await retryOnWriteConflict(() => inTransaction(conn, () => body(conn, prepared)), opts.attempts ?? 1);
      } catch (error) {
        await opts.afterRollback?.(conn, error);
        throw error;
      }
      // DuckDB refuses a checkpoint while another write transaction is open: the last write running does it.
      if (running === 1) await checkpointWhenLarge(conn, checkpointAboveBytes);
      return result;
    } finally {
      running -= 1;
      conn.closeSync();
    }
  };
}

/**
 * Committed table data held in memory, not yet checkpointed, above which the last write running
 * checkpoints. A steady one-minute sync stays below it (its rows go through the WAL, and DuckDB's own
 * checkpoint by WAL size clears them), so only backfills and large imports pay for a checkpoint.
 */
export const CHECKPOINT_ABOVE_BYTES = 64 * 2 ** 20;

/**
 * Checkpoints when committed table data held in memory exceeds `aboveBytes`. DuckDB checkpoints on
 * its own once the WAL is large, but a large append writes its full row groups straight to the file
 * and leaves a small WAL, while the partly filled row groups of every table it touched stay in
 * memory, in whole uncompressed blocks, until some checkpoint: after a metrics backfill 150-200 MiB,
 * for as long as the store ran. A checkpoint that fails (a write began meanwhile) waits for the next write.
 */
async function checkpointWhenLarge(conn: DuckDBConnection, aboveBytes: number): Promise<void> {
  try {
    const held = await conn.runAndReadAll(`SELECT coalesce(sum(memory_usage_bytes), 0)::DOUBLE FROM duckdb_memory() WHERE tag = 'IN_MEMORY_TABLE'`);
    if (Number(held.getRows()[0]?.[0] ?? 0) > aboveBytes) await conn.run('CHECKPOINT');
  } catch {
    // Only memory is at stake, and the next write tries again.
  }
}
