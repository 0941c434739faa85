/**
 * Raw samples of a metrics window larger than the writer stages at once go in as slices of GPUs, each
 * in time order (writer.ts), so every row group of the window spans a long stretch of it and a read
 * of a few minutes (the overview's window edges, the GPU states) reads a row group of every slice.
 * A rollups-only account's minute rows (rollup_1m) are written slice by slice too, and sorted alike.
 * The writer records such windows; once the store is quiet, they are rewritten in time order, a chunk
 * per transaction. The samples stay the same, so the rollups built from them stay right.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { exec, rows } from '../db';
import type { Window } from '../sync-run';

/**
 * Samples rewritten per transaction. At 100,000 GPUs and DuckDB's 256 MB, 3 hours (18M samples) took
 * 5.9 s in steps of 500,000 and 5.0 s in steps of 2M, whose sorts held 110 MiB in DuckDB: the process
 * peaked at 543-545 MiB against 566-618 (346-379 before). A write waits for at most one step (36
 * steps in 5.9 s: about 0.16 s each).
 */
export const SORT_CHUNK_SAMPLES = 500_000;

const MINUTE_MS = 60_000;

/** Records that gpu_sample's or rollup_1m's rows in `window` are not in time order (in the write's transaction). */
export async function recordOutOfOrder(conn: DuckDBConnection, window: Window): Promise<void> {
  // A window written again is pending once.
  await exec(
    conn,
    `INSERT INTO sample_order_pending SELECT epoch_ms($from::BIGINT), epoch_ms($to::BIGINT)
     WHERE NOT EXISTS (SELECT 1 FROM sample_order_pending WHERE from_ts = epoch_ms($from::BIGINT) AND to_ts = epoch_ms($to::BIGINT))`,
    {
      from: window.from,
      to: window.to,
    },
  );
}

/** Nothing before `cutMs` is pending any more: rewritten in order, or deleted by raw retention. */
export async function clearPendingBefore(conn: DuckDBConnection, cutMs: number): Promise<void> {
  await exec(conn, 'DELETE FROM sample_order_pending WHERE to_ts <= epoch_ms($cut::BIGINT)', { cut: cutMs });
  await exec(conn, 'UPDATE sample_order_pending SET from_ts = epoch_ms($cut::BIGINT) WHERE from_ts < epoch_ms($cut::BIGINT)', { cut: cutMs });
}

/** What one call of sortPendingSamples did. */
export interface SampleOrderStep {
  /** Samples rewritten in time order (0 when nothing was pending). */
  sorted: number;
  /** Whether samples are still pending after this step. */
  more: boolean;
}

/**
 * Rewrites in time order the first chunk of the earliest range pending, in the caller's transaction:
 * whole minutes, about `chunkSamples` samples at the fleet's size. What any pending range held in
 * that chunk is done, so ranges that overlap (two windows of the same hours) are each sorted once.
 */
export async function sortPendingSamples(conn: DuckDBConnection, chunkSamples = SORT_CHUNK_SAMPLES): Promise<SampleOrderStep> {
  const [first] = await rows<{ from_ms: number; to_ms: number; gpus: number }>(
    conn,
    `SELECT epoch_ms(from_ts)::DOUBLE AS from_ms, epoch_ms(to_ts)::DOUBLE AS to_ms, (SELECT count(*) FROM gpu)::DOUBLE AS gpus
     FROM sample_order_pending ORDER BY from_ts LIMIT 1`,
  );
  if (first === undefined) return { sorted: 0, more: false };
  const minutes = Math.max(1, Math.floor(chunkSamples / Math.max(1, first.gpus)));
  const range = { from: first.from_ms, to: Math.min(first.to_ms, first.from_ms + minutes * MINUTE_MS) };
  const inRange = 'ts >= epoch_ms($from::BIGINT) AND ts < epoch_ms($to::BIGINT)';
  let sorted = 0;
  // Raw samples, and the minute rows of rollups-only accounts (written in slices the same way).
  for (const table of ['gpu_sample', 'rollup_1m']) {
    // The rows in time order first (a temporary table: the chunk's own rows are deleted next); then
    // appended in that order, so each row group holds a few minutes of the whole fleet.
    await exec(conn, `CREATE OR REPLACE TEMP TABLE sample_chunk_sorted AS SELECT * FROM ${table} WHERE ${inRange} ORDER BY ts, gpu_id`, range);
    const [chunk] = await rows<{ n: number }>(conn, 'SELECT count(*)::DOUBLE AS n FROM sample_chunk_sorted');
    sorted += chunk?.n ?? 0;
    if ((chunk?.n ?? 0) > 0) {
      await exec(conn, `DELETE FROM ${table} WHERE ${inRange}`, range);
      await exec(conn, `INSERT INTO ${table} SELECT * FROM sample_chunk_sorted`);
    }
    await exec(conn, 'DROP TABLE sample_chunk_sorted');
  }
  await clearPendingBefore(conn, range.to);
  const [left] = await rows<{ n: number }>(conn, 'SELECT count(*)::INTEGER AS n FROM sample_order_pending');
  return { sorted, more: (left?.n ?? 0) > 0 };
}
