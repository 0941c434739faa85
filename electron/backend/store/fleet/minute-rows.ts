/**
 * The minute detail of rollups-only accounts (`metrics.storage: "rollups"`, table rollup_1m): written
 * with the 5-minute rollups from the same samples, and read back as rows shaped like the raw samples
 * the overview's windows need at their edges (state, 1 h and 24 h means, 1-minute series, derived
 * signals). Raw accounts have no rows here and rollups accounts none in gpu_sample, so every read takes
 * the union and no account is counted twice.
 *
 * Each row is [minute, minute + 1) of one GPU (minute-detail.ts writes them): `ts` is its newest sample, `samples`, `util_sum`,
 * `util_count`, `xid` and `fault` what its samples add up to. A window bound at a whole minute splits
 * no minute row when samples sit on whole minutes, as a Prometheus range query at a 60 s step returns
 * them (the connectors align start to the minute), so a window reads the same samples as from raw.
 */
import { tsLiteral } from '../db';
import { floorTo, MINUTE_MS } from './rollups';

/** Columns of minuteRowsSql's rows: gpu_id, ts, samples, util_sum, util_count, xid, fault. */
export function minuteRowsSql(fromMs: number, toMs: number, where: string): string {
  // The minutes from `fromMs`'s on: `where` then bounds them exactly by ts.
  return `(SELECT gpu_id, ts, samples, util_sum, util_count, xid, fault FROM rollup_1m
    WHERE ts >= ${tsLiteral(floorTo(fromMs, MINUTE_MS))} AND ts <= ${tsLiteral(toMs)} AND ${where})`;
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

