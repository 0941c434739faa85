/**
 * The minute detail of rollups-only accounts (`metrics.storage: "rollups"`, table rollup_1m): written
 * with the 5-minute rollups from the same samples, and read back as rows shaped like the raw samples
 * the overview's windows need at their edges (state, 1 h and 24 h means, 1-minute series, derived
 * signals). Raw accounts have no rows here and rollups accounts none in gpu_sample, so every read takes
 * the union and no account is counted twice.
 *
 * Each row is [minute, minute + 1) of one GPU: `ts` is its newest sample, `samples`, `util_sum`,
 * `util_count`, `xid` and `fault` what its samples add up to. A window bound at a whole minute splits
 * no minute row when samples sit on whole minutes, as a Prometheus range query at a 60 s step returns
 * them (the connectors align start to the minute), so a window reads the same samples as from raw.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { exec, tsLiteral } from '../db';
import type { Window } from '../sync-run';
import { ceilTo, FIVE_MINUTES_MS, floorTo } from './rollups';

const MINUTE_MS = 60_000;

/** Columns of minuteRowsSql's rows: gpu_id, ts, samples, util_sum, util_count, xid, fault. */
export function minuteRowsSql(fromMs: number, toMs: number, where: string): string {
  // The minutes from `fromMs`'s on: `where` then bounds them exactly by ts.
  return `(SELECT gpu_id, ts, samples, util_sum, util_count, xid, fault FROM rollup_1m
    WHERE ts >= ${tsLiteral(floorTo(fromMs, MINUTE_MS))} AND ts <= ${tsLiteral(toMs)} AND ${where})`;
}

/**
 * Samples the minute detail is built from per statement: bounds the statement's grouping whatever the
 * window (a rollups-only window is rolled up whole, in one transaction). Not smaller: each statement's
 * rows are rewritten at the commit, so at 250,000 a 2M-sample window took 5 s instead of 1.8 and a
 * first backfill left 39% of the store file free instead of 16%. A 4M-sample window built in one
 * statement still fits the backend's 256 MB.
 */
const MINUTE_DETAIL_SLICE_SAMPLES = 1_000_000;

/**
 * Builds the minute detail of the 5-minute buckets `window` touches from the samples in `staging` (the
 * window's samples of the account's `gpuCount` GPUs, which start at a bucket boundary, so each bucket
 * is whole), a slice of whole buckets at a time, in time order. The metrics write has already deleted
 * those buckets' minute rows (for either storage mode, writer.ts).
 */
export async function refreshMinuteDetail(conn: DuckDBConnection, window: Window, staging: string, gpuCount: number): Promise<void> {
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  // One sample per GPU and minute: at least one bucket per slice, whatever the fleet.
  const sliceMs = Math.max(FIVE_MINUTES_MS, floorTo(Math.floor(MINUTE_DETAIL_SLICE_SAMPLES / Math.max(1, gpuCount)) * MINUTE_MS, FIVE_MINUTES_MS));
  for (let from = b0; from < b1; from += sliceMs) {
    await exec(
      conn,
      `INSERT INTO rollup_1m
       SELECT gpu_id, max(ts) AS ts, count(*)::INTEGER AS samples, coalesce(sum(util), 0) AS util_sum,
              count(util)::INTEGER AS util_count, coalesce(sum(xid), 0)::INTEGER AS xid, bool_or(fault) AS fault
       FROM ${staging}
       WHERE ts >= epoch_ms($from::BIGINT) AND ts < epoch_ms($to::BIGINT)
       GROUP BY gpu_id, time_bucket(INTERVAL 1 MINUTE, ts)
       ORDER BY ts, gpu_id`,
      { from, to: Math.min(b1, from + sliceMs) },
    );
  }
}

/**
 * SQL: the samples of `accountSql` (an SQL string literal) with ts in (fromExclusiveMs, toInclusiveMs]
 * as rows (resource_id, gpu_index, ts, xid): its raw samples, or for a rollups-only account its minute
 * rows (one per GPU and minute, xid summed), which answer min(ts), max(ts) and sum(xid) alike.
 */
export function accountSamplesSql(accountSql: string, fromExclusiveMs: number, toInclusiveMs: number): string {
  const range = `ts > ${tsLiteral(fromExclusiveMs)} AND ts <= ${tsLiteral(toInclusiveMs)}`;
  return `(SELECT resource_id, gpu_index, ts, xid FROM gpu_sample_by_name WHERE account = ${accountSql} AND ${range}
    UNION ALL
    SELECT g.resource_id, g.gpu_index, m.ts, m.xid
    FROM ${minuteRowsSql(fromExclusiveMs, toInclusiveMs, range)} m JOIN gpu g USING (gpu_id)
    WHERE g.account = ${accountSql})`;
}

