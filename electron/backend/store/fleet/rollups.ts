/**
 * Rollup maintenance. rollup_5m is recomputed from raw samples for every 5-minute bucket a metrics
 * window touches; rollup_1h is recomputed from rollup_5m for every hour touched (exact, because
 * rollups hold sums and counts, and it still works for hours whose raw samples have aged out).
 * fleet_5m and fleet_1h (per account, cloud, region, model and bucket: sum of GPU means, GPU count)
 * follow rollup_5m and rollup_1h. Rollups are keyed by gpu_id; the gpu table names the GPU.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { IDLE_THRESHOLD_PERCENT } from '../../../../shared/domain';
import { exec, tsLiteral } from '../db';
import type { Window } from '../sync-run';
import { BATCH_FAULT_SQL } from './sample-appender';

export const FIVE_MINUTES_MS = 5 * 60_000;
export const HOUR_MS = 60 * 60_000;

export const floorTo = (ms: number, step: number): number => Math.floor(ms / step) * step;
export const ceilTo = (ms: number, step: number): number => Math.ceil(ms / step) * step;

/**
 * rollup_1h also counts its idle 5-minute buckets (measured, mean below the idle threshold), so idle
 * waste over today's whole hours reads one row per GPU and hour. The same float test as on rollup_5m.
 * (Migration v5 holds the copy it ran with; this is the live rule.)
 */
export const IDLE_BUCKETS_SQL = `count(*) FILTER (WHERE util_count > 0 AND util_sum / util_count < ${IDLE_THRESHOLD_PERCENT})::INTEGER`;

const SUMS_FROM_RAW = `
  count(*)::INTEGER, coalesce(sum(s.util), 0), count(s.util)::INTEGER, max(s.util), coalesce(sum(s.xid), 0)::INTEGER,
  coalesce(sum(s.mem_used_mib), 0), count(s.mem_used_mib)::INTEGER,
  coalesce(sum(s.power_w), 0), count(s.power_w)::INTEGER,
  coalesce(sum(s.temp_c), 0), count(s.temp_c)::INTEGER, count(*) FILTER (WHERE s.fault)::INTEGER`;

const SUMS_FROM_5M = `
  sum(sample_count)::INTEGER, sum(util_sum), sum(util_count)::INTEGER, max(util_max), sum(xid_sum)::INTEGER,
  sum(mem_sum), sum(mem_count)::INTEGER, sum(power_sum), sum(power_count)::INTEGER,
  sum(temp_sum), sum(temp_count)::INTEGER, ${IDLE_BUCKETS_SQL}`;

/**
 * Rebuilds a fleet table's buckets in `range` from its per-GPU rollup: per account, cloud, region and
 * GPU model, the sum of GPU bucket means and the number of GPUs measured.
 */
async function refreshFleet(
  conn: DuckDBConnection,
  fleet: 'fleet_5m' | 'fleet_1h',
  rollup: 'rollup_5m' | 'rollup_1h',
  ofAccount: string,
  range: string,
  params: Record<string, string | number>,
): Promise<void> {
  await exec(conn, `DELETE FROM ${fleet} WHERE account = $account AND ${range}`, params);
  await exec(
    conn,
    `INSERT INTO ${fleet}
     SELECT g.account, g.cloud, g.region, g.gpu_model, f.bucket, sum(f.m), count(*)::INTEGER
     FROM (SELECT gpu_id, bucket, util_sum / util_count AS m FROM ${rollup}
           WHERE ${ofAccount} AND ${range} AND util_count > 0) f
     JOIN gpu g USING (gpu_id)
     GROUP BY g.account, g.cloud, g.region, g.gpu_model, f.bucket
     ORDER BY f.bucket`,
    params,
  );
}

const RAW_COLUMNS = 'gpu_id, ts, util, xid, mem_used_mib, power_w, temp_c';

/** Samples a metrics write staged (sample-appender.ts), which its rollups sum instead of gpu_sample. */
export interface StagedSamples {
  /** A table of SAMPLE_BATCH_COLUMNS holding exactly the account's samples in the window. */
  table: string;
  /**
   * Whether the account's other samples are in gpu_sample (raw storage), so the bucket edges outside
   * the window are read from there; a rollups-only account keeps none, its windows hold whole buckets.
   */
  edgesInGpuSample: boolean;
}

/**
 * SQL: the account's raw samples in the buckets [b0, b1). With `staged`, those come from the staged
 * table, and (raw storage) only the bucket edges outside the window (a window not on 5-minute
 * boundaries) are read from gpu_sample, each edge as its own time range.
 */
function rawOfBuckets(b0: number, b1: number, window: Window, staged: StagedSamples | undefined): { sql: string; readsStored: boolean } {
  const ofAccount = 'gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)';
  const stored = (from: number, to: number): string =>
    `SELECT ${RAW_COLUMNS}, fault FROM gpu_sample WHERE ${ofAccount} AND ts >= ${tsLiteral(from)} AND ts < ${tsLiteral(to)}`;
  if (staged === undefined) return { sql: stored(b0, b1), readsStored: true };
  const parts = [`SELECT ${RAW_COLUMNS}, ${BATCH_FAULT_SQL} AS fault FROM ${staged.table}`];
  if (staged.edgesInGpuSample && b0 < window.from) parts.push(stored(b0, window.from));
  if (staged.edgesInGpuSample && window.to < b1) parts.push(stored(window.to, b1));
  return { sql: parts.join(' UNION ALL '), readsStored: parts.length > 1 };
}

/**
 * Recomputes the account's 5-minute and 1-hour rollups (and fleet tables) for the buckets `window`
 * touches, summing raw samples from gpu_sample, or from `staged`: what a metrics write just staged,
 * read whole without filters.
 */
export async function refreshRollups(conn: DuckDBConnection, account: string, window: Window, staged?: StagedSamples): Promise<void> {
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  const h0 = floorTo(window.from, HOUR_MS);
  const h1 = ceilTo(window.to, HOUR_MS);
  const ofAccount = 'gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)';
  const in5 = 'bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)';
  const in1h = 'bucket >= epoch_ms($h0::BIGINT) AND bucket < epoch_ms($h1::BIGINT)';
  await exec(conn, `DELETE FROM rollup_5m WHERE ${ofAccount} AND ${in5}`, { account, b0, b1 });
  const raw = rawOfBuckets(b0, b1, window, staged);
  await exec(
    conn,
    // Grouped by the integer GPU key and bucket alone: no strings hashed, no join.
    `INSERT INTO rollup_5m
     SELECT s.gpu_id, time_bucket(INTERVAL 5 MINUTE, s.ts) AS bucket, ${SUMS_FROM_RAW}
     FROM (${raw.sql}) s
     GROUP BY s.gpu_id, bucket
     ORDER BY bucket`,
    raw.readsStored ? { account } : {},
  );
  await refreshFleet(conn, 'fleet_5m', 'rollup_5m', ofAccount, in5, { account, b0, b1 });
  await exec(conn, `DELETE FROM rollup_1h WHERE ${ofAccount} AND ${in1h}`, { account, h0, h1 });
  await exec(
    conn,
    `INSERT INTO rollup_1h
     SELECT gpu_id, time_bucket(INTERVAL 1 HOUR, bucket) AS hour, ${SUMS_FROM_5M}
     FROM rollup_5m
     WHERE ${ofAccount} AND ${in1h}
     GROUP BY gpu_id, hour
     ORDER BY hour`,
    { account, h0, h1 },
  );
  await refreshFleet(conn, 'fleet_1h', 'rollup_1h', ofAccount, in1h, { account, h0, h1 });
}
