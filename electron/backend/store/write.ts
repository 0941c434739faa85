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
export function createWrite(instance: DuckDBInstance, readOnly: boolean): Write {
  return async <T, P = undefined>(body: (conn: DuckDBConnection, prepared: P) => Promise<T>, opts: WriteOptions<P> = {}): Promise<T> => {
    if (readOnly) throw new StoreReadOnlyError();
    const conn = await instance.connect();
    try {
      const prepared = (opts.prepare ? await opts.prepare(conn) : undefined) as P;
      try {
        return await retryOnWriteConflict(() => inTransaction(conn, () => body(conn, prepared)), opts.attempts ?? 1);
      } catch (error) {
        await opts.afterRollback?.(conn, error);
        throw error;
      }
    } finally {
      conn.closeSync();
    }
  };
}
