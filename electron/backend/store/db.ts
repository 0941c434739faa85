/** Thin helpers over @duckdb/node-api: typed row reads, transactions, and a small reader pool. */
import { type DuckDBConnection, type DuckDBInstance, type DuckDBValue, JSDuckDBValueConverter } from '@duckdb/node-api';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { isWriteConflict, StoreClosedError } from './errors';
import { type ReadActivity, readActivityOf } from './event-loop-turns';
import { type QuietGate, quietGateOf } from './idle-memory';

export type Params = Record<string, DuckDBValue> | DuckDBValue[];
export type Row = Record<string, unknown>;

/**
 * Runs a query and returns its rows as plain JS objects (cast in SQL to get numbers or strings).
 * Rows are made a chunk (2,048 rows) at a time with a turn of the event loop between chunks: made all
 * at once, the 101,300 GPUs a metrics write reads at 100,000 GPUs held serve's event loop for 0.6 s.
 * The result is already whole in memory, so its chunks are taken as they are rather than fetched: a
 * fetch waits for a thread of Node's pool, which the pool's other queries hold while they run.
 */
export async function rows<T extends Row>(conn: DuckDBConnection, sql: string, params?: Params): Promise<T[]> {
  const result = await conn.run(sql, params);
  const names = result.deduplicatedColumnNames();
  const out: T[] = [];
  for (let i = 0; i < result.chunkCount; i++) {
    if (i > 0) await nextTurn();
    const chunk = result.getChunk(i);
    for (let r = 0; r < chunk.rowCount; r++) {
      const row: Row = {};
      chunk.visitRowValues(r, (value, _row, column, type) => {
        row[names[column]!] = JSDuckDBValueConverter(value, type, JSDuckDBValueConverter);
      });
      out.push(row as T);
    }
  }
  return out;
}

/**
 * Runs a query and returns its rows parsed from one JSON text DuckDB builds: for thousands of rows,
 * faster than reading them value by value (about 4 µs a row). Only for columns JSON keeps exact and
 * typed as rows() gives them: text, booleans, INTEGER and DOUBLE; cast DECIMAL and BIGINT to VARCHAR.
 * The text is parsed in one go, with no turn of the event loop: for tens of thousands of rows, rows()
 * (101,300 GPUs: a 171-247 ms stall here, 24-39 ms in rows()'s chunks).
 */
export async function jsonRows<T extends Row>(conn: DuckDBConnection, sql: string, params?: Params): Promise<T[]> {
  const [found] = await rows<{ json: string }>(conn, `SELECT ${jsonListSql(sql)} AS json`, params);
  return JSON.parse(found?.json ?? '[]') as T[];
}

/** SQL: a scalar subquery giving `sql`'s rows as one JSON array text ('[]' for none), jsonRows' way. */
export function jsonListSql(sql: string): string {
  return `(SELECT coalesce(to_json(list(q))::VARCHAR, '[]') FROM (${sql}) q)`;
}

/** Runs statements with no result. */
export async function exec(conn: DuckDBConnection, sql: string, params?: Params): Promise<void> {
  await conn.run(sql, params);
}

/** Runs `body` inside BEGIN ... COMMIT on `conn`; rolls back and rethrows if it throws. */
export async function inTransaction<T>(conn: DuckDBConnection, body: () => Promise<T>): Promise<T> {
  await conn.run('BEGIN TRANSACTION');
  try {
    const result = await body();
    await conn.run('COMMIT');
    return result;
  } catch (err) {
    try {
      await conn.run('ROLLBACK');
    } catch {
      // The transaction may already be aborted by DuckDB; the original error is what matters.
    }
    throw err;
  }
}

/**
 * Runs `body` (a whole transaction) again when it lost a write-write conflict: the conflict is
 * transient, the winner has committed, and the retry sees its rows. Other errors pass through.
 */
export async function retryOnWriteConflict<T>(body: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await body();
    } catch (error) {
      if (attempt >= attempts || !isWriteConflict(error)) throw error;
      // Jittered, so two losers of the same conflict do not meet again.
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * Math.random()));
    }
  }
}

/**
 * A fixed set of connections for reads. DuckDB runs queries on different connections in parallel,
 * so independent parts of the overview are asked at once.
 */
export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly waiting: { lend: (conn: DuckDBConnection) => void; refuse: (error: Error) => void }[] = [];
  private readonly all: DuckDBConnection[] = [];
  private closed = false;
  /** Called when the last lent connection comes back, once close() waits for it. */
  private drained: (() => void) | null = null;

  private constructor(
    private readonly activity: ReadActivity,
    private readonly gate: QuietGate,
  ) {}

  static async create(instance: DuckDBInstance, size: number): Promise<ConnectionPool> {
    const pool = new ConnectionPool(readActivityOf(instance), quietGateOf(instance));
    for (let i = 0; i < size; i++) {
      const conn = await instance.connect();
      pool.all.push(conn);
      pool.idle.push(conn);
    }
    return pool;
  }

  /** Lends a connection to `body` and takes it back afterwards. */
  async use<T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreClosedError();
    // Counted from the wait for a connection on: a sync's work gives way to reads (event-loop-turns.ts).
    this.activity.begin();
    // Waits out a release of cached memory (idle-memory.ts), which never fails.
    const released = this.gate.enterRead();
    if (released !== null) await released;
    try {
      if (this.closed) throw new StoreClosedError();
      const conn = this.idle.pop() ?? (await new Promise<DuckDBConnection>((lend, refuse) => this.waiting.push({ lend, refuse })));
      try {
        return await body(conn);
      } finally {
        const next = this.waiting.shift();
        if (next) next.lend(conn);
        else this.idle.push(conn);
        if (this.drained !== null && this.idle.length === this.all.length) this.drained();
      }
    } finally {
      this.gate.leaveRead();
      this.activity.end();
    }
  }

  /** Shorthand for one query on a pooled connection. */
  rows<T extends Row>(sql: string, params?: Params): Promise<T[]> {
    return this.use((conn) => rows<T>(conn, sql, params));
  }

  /** jsonRows on a pooled connection. */
  jsonRows<T extends Row>(sql: string, params?: Params): Promise<T[]> {
    return this.use((conn) => jsonRows<T>(conn, sql, params));
  }

  /**
   * Refuses new reads and those waiting for a connection, waits for the reads running, then closes
   * every connection. A connection closed under a running query hangs the process: the query's worker
   * thread gets the connection's last reference and waits for a lock it holds itself.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter.refuse(new StoreClosedError());
    if (this.idle.length < this.all.length) await new Promise<void>((resolve) => (this.drained = resolve));
    for (const conn of this.all) conn.closeSync();
    this.all.length = 0;
    this.idle.length = 0;
  }
}

/** DuckDB's own account of the memory it holds, by tag (duckdb_memory()), in bytes; idle tags left out. */
export async function duckdbMemoryByTag(conn: DuckDBConnection): Promise<Record<string, number>> {
  const found = await rows<{ tag: string; bytes: number }>(
    conn,
    'SELECT tag, (memory_usage_bytes + temporary_storage_bytes)::DOUBLE AS bytes FROM duckdb_memory() WHERE memory_usage_bytes + temporary_storage_bytes > 0',
  );
  return Object.fromEntries(found.map((r) => [r.tag, r.bytes]));
}

/**
 * Writes one line every `everyMs` with the process RSS, the JS heap and DuckDB's memory by tag, so a
 * bench (or an operator chasing growth) can see which part grows during a sync. Returns a stop function.
 * Its own connection: a busy read pool must not delay or skew the trace.
 */
export async function traceMemory(instance: DuckDBInstance, everyMs: number, log: (line: string) => void): Promise<() => void> {
  const conn = await instance.connect();
  // The event loop's longest stall since the last line: a stall delays every request at once.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    const loopMaxMs = loop.max / 1e6;
    loop.reset();
    duckdbMemoryByTag(conn)
      .then((tags) => log(`${memoryLine(tags)} loop_max_ms=${loopMaxMs.toFixed(0)}`))
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, everyMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    loop.disable();
    // A trace query still running finishes on its own; the connection closes with the instance.
    if (!busy) conn.closeSync();
  };
}

const MIB = 2 ** 20;

/** `fleetpane memory: rss=… heap=… heap_total=… duckdb=… BASE_TABLE=…` in MiB (what traceMemory writes). */
export function memoryLine(tags: Record<string, number>): string {
  const usage = process.memoryUsage();
  const total = Object.values(tags).reduce((n, b) => n + b, 0);
  const parts = Object.entries(tags)
    .sort((a, b) => b[1] - a[1])
    .map(([tag, bytes]) => `${tag}=${(bytes / MIB).toFixed(1)}`);
  return `fleetpane memory: rss=${(usage.rss / MIB).toFixed(1)} heap=${(usage.heapUsed / MIB).toFixed(1)} heap_total=${(usage.heapTotal / MIB).toFixed(1)} external=${(usage.external / MIB).toFixed(1)} duckdb=${(total / MIB).toFixed(1)} ${parts.join(' ')}`.trimEnd();
}

/** Quotes a string as an SQL literal (for the few values built into SQL text, such as filter lists). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** An SQL list literal of strings, e.g. ('a','b'). */
export function sqlList(values: readonly string[]): string {
  return `(${values.map(sqlString).join(',')})`;
}

/** A TIMESTAMP literal from epoch milliseconds (integers only, so it is safe to inline). */
export function tsLiteral(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new Error(`not an epoch millisecond: ${ms}`);
  return `epoch_ms(${ms}::BIGINT)`;
}
