/** Errors the store throws with one clear line, so the CLI and the app can show them as they are. */

/** Another process holds the DuckDB file open for writing. */
export class StoreLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number | null,
  ) {
    super(`data dir ${dataDir} is in use by another Fleetpane process${pid === null ? '' : ` (pid ${pid})`}`);
    this.name = 'StoreLockedError';
  }
}

/** The file is not a DuckDB database we can read (damaged, or a different program's file). */
export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`store file ${file} cannot be opened: ${detail}`);
    this.name = 'StoreCorruptError';
  }
}

/** The store was written by a newer Fleetpane, or a read-only open found it not yet migrated. */
export class StoreVersionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreVersionError';
  }
}

/** A read was asked of a store that is closing or closed. */
export class StoreClosedError extends Error {
  constructor() {
    super('the store is closed');
    this.name = 'StoreClosedError';
  }
}

/** A write was attempted on a store opened read-only. */
export class StoreReadOnlyError extends Error {
  constructor() {
    super('the store is open read-only');
    this.name = 'StoreReadOnlyError';
  }
}

/**
 * True for DuckDB's optimistic-concurrency failures: two transactions wrote the same row (or key) and
 * the later commit lost. Nothing is wrong with the data; the same write succeeds when run again.
 */
export function isWriteConflict(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /Conflict on tuple|write-write conflict|TransactionContext Error/i.test(message);
}

/** Maps DuckDB's open errors to the errors above; returns the original error otherwise. */
export function classifyOpenError(err: unknown, dataDir: string, file: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/Could not set lock on file|Conflicting lock/i.test(message)) {
    const pid = /PID (\d+)/i.exec(message);
    return new StoreLockedError(dataDir, pid?.[1] ? Number(pid[1]) : null);
  }
  // A truncated file (a copy cut short, a full disk) fails on its first read past the end.
  if (/not a valid DuckDB database|Corrupt|checksum|database file.*(invalid|version)|Could not read enough bytes|Serialization Error/i.test(message)) {
    return new StoreCorruptError(file, message.split('\n')[0] ?? message);
  }
  return err instanceof Error ? err : new Error(message);
}
