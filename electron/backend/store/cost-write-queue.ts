/**
 * One queue per store for the writes that replace cost rows: FOCUS imports (CLI, the app, serve's
 * uploads) and connectors' cost syncs. DuckDB's optimistic concurrency lets two transactions that
 * both insert the same billing period commit (the bill doubles), and fails the second of two that
 * delete the same rows (`Conflict on tuple deletion`); one at a time, each sees the one before it.
 */
import type { DuckDBInstance } from '@duckdb/node-api';

const tails = new WeakMap<DuckDBInstance, Promise<unknown>>();

/** Runs `body` after every cost write queued before it on the same store; a failure does not block the next. */
export function queueCostWrite<T>(instance: DuckDBInstance, body: () => Promise<T>): Promise<T> {
  const before = tails.get(instance) ?? Promise.resolve();
  const result = before.then(body, body);
  tails.set(
    instance,
    result.then(
      () => undefined,
      () => undefined,
    ),
  );
  return result;
}
