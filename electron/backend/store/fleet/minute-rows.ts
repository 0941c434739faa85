/**
 * The minute detail of rollups-only accounts (`metrics.storage: "rollups"`, table rollup_5m_minutes):
 * written with the 5-minute rollups from the same samples, and read back as rows shaped like the raw
 * samples the overview's windows need at their edges (state, 1 h and 24 h means, 1-minute series,
 * derived signals). Raw accounts have no rows here and rollups accounts none in gpu_sample, so every
 * read takes the union and no account is counted twice.
 *
 * Each minute row is [minute, minute + 1) of one GPU: `ts` is its newest sample, `samples`, `util_sum`,
 * `util_count`, `xid` and `fault` what its samples add up to. A window bound at a whole minute splits
 * no minute row when samples sit on whole minutes, as a Prometheus range query at a 60 s step returns
 * them (the connectors align start to the minute), so a window reads the same samples as from raw.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { exec, tsLiteral } from '../db';
import type { Window } from '../sync-run';
import { ceilTo, FIVE_MINUTES_MS, floorTo } from './rollups';

/** Columns of minuteRowsSql's rows: gpu_id, ts, samples, util_sum, util_count, xid, fault. */
export function minuteRowsSql(fromMs: number, toMs: number, where: string): string {
  return `(SELECT * FROM (
      SELECT gpu_id, m.ts AS ts, m.samples AS samples, m.util_sum AS util_sum, m.util_count AS util_count,
             m.xid AS xid, m.fault AS fault
      FROM (SELECT gpu_id, unnest(minutes) AS m FROM rollup_5m_minutes
            WHERE bucket >= ${tsLiteral(floorTo(fromMs, FIVE_MINUTES_MS))} AND bucket <= ${tsLiteral(toMs)})
    ) WHERE ${where})`;
}

/**
 * Samples the minute detail is built from per statement. Its rows are lists built in order, an
 * aggregate DuckDB holds whole until the statement ends: a 6-hour window of 2,000 GPUs (720,000
 * samples) built in one statement ran out of the backend's 256 MB.
 */
const MINUTE_DETAIL_SLICE_SAMPLES = 100_000;

/**
 * Rebuilds the account's minute detail for the 5-minute buckets `window` touches from the samples in
 * `staging` (the window's samples of the account's `gpuCount` GPUs, which start at a bucket boundary,
 * so each bucket is whole), a slice of whole buckets at a time.
 */
export async function refreshMinuteDetail(conn: DuckDBConnection, account: string, window: Window, staging: string, gpuCount: number): Promise<void> {
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  await exec(
    conn,
    `DELETE FROM rollup_5m_minutes WHERE gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)
       AND bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)`,
    { account, b0, b1 },
  );
  // One sample per GPU and minute: at least one bucket per slice, whatever the fleet.
  const sliceMs = Math.max(FIVE_MINUTES_MS, floorTo(Math.floor(MINUTE_DETAIL_SLICE_SAMPLES / Math.max(1, gpuCount)) * 60_000, FIVE_MINUTES_MS));
  for (let from = b0; from < b1; from += sliceMs) {
    await exec(
      conn,
      `INSERT INTO rollup_5m_minutes
       SELECT gpu_id, bucket,
              list(struct_pack(ts := ts, samples := samples, util_sum := util_sum, util_count := util_count, xid := xid, fault := fault) ORDER BY ts)
       FROM (
         SELECT s.gpu_id, time_bucket(INTERVAL 5 MINUTE, s.ts) AS bucket, time_bucket(INTERVAL 1 MINUTE, s.ts) AS minute,
                max(s.ts) AS ts, count(*)::INTEGER AS samples, coalesce(sum(s.util), 0) AS util_sum,
                count(s.util)::INTEGER AS util_count, coalesce(sum(s.xid), 0)::INTEGER AS xid, bool_or(s.fault) AS fault
         FROM ${staging} s
         WHERE s.ts >= epoch_ms($from::BIGINT) AND s.ts < epoch_ms($to::BIGINT)
         GROUP BY s.gpu_id, bucket, minute
       )
       GROUP BY gpu_id, bucket
       ORDER BY bucket`,
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
