/**
 * Rollup maintenance. A metrics write rebuilds rollup_5m for every 5-minute bucket its window touches:
 * it deletes their rows, appends the sums of its samples as it stores them (rollup-partials.ts), and
 * merges the rows of a bucket that came apart (split between two slices of the write, or at the
 * window's edges with samples stored before). rollup_1h is recomputed from rollup_5m for every hour
 * touched (exact, because rollups hold sums and counts, and it still works for hours whose raw
 * samples have aged out).
 * fleet_5m and fleet_1h (per account, cloud, region, model and bucket: sum of GPU means, GPU count)
 * follow rollup_5m and rollup_1h. Rollups are keyed by gpu_id; the gpu table names the GPU.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { IDLE_THRESHOLD_PERCENT } from '../../../../shared/domain';
import { exec, type Params, tsLiteral } from '../db';
import { CHUNK_ROWS, TypedChunkAppender } from '../typed-chunks';
import type { Window } from '../sync-run';

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

/** Sums of rollup_5m rows of the same GPU and bucket (rollup_5m's columns after gpu_id and bucket). */
const SUMS_OF_5M_ROWS = `
  sum(sample_count)::INTEGER, sum(util_sum), sum(util_count)::INTEGER, max(util_max), sum(xid_sum)::INTEGER,
  sum(mem_sum), sum(mem_count)::INTEGER, sum(power_sum), sum(power_count)::INTEGER,
  sum(temp_sum), sum(temp_count)::INTEGER, sum(fault_count)::INTEGER`;

/** Temporary tables of a merge (each write has its own connection), read qualified so no table shadows them. */
const SPLITS = 'rollup_5m_split';
const MERGED = 'rollup_5m_merged';

/**
 * A metrics write's rebuild of the rollups of the buckets its window touches: clearRollups5m before
 * its samples are stored, their rollup_5m rows appended as they are (RollupPartials), refreshRollups after.
 */
export interface RollupRebuild {
  account: string;
  window: Window;
  /**
   * Buckets the window only partly covers whose other samples are stored in gpu_sample (raw
   * storage; a rollups-only account keeps none, its windows hold whole buckets): their rows are
   * summed again with those samples.
   */
  edgeBuckets: number[];
}

/** (gpu_id, bucket ms) pairs a write appended more than one rollup_5m row for (RollupPartials.splits). */
export interface Splits {
  gpuIds: number[];
  buckets: number[];
}

/** Deletes the account's rollup_5m rows of the buckets `window` touches, which the write then appends. */
export async function clearRollups5m(
  conn: DuckDBConnection,
  account: string,
  window: Window,
  { edgesInGpuSample }: { edgesInGpuSample: boolean },
): Promise<RollupRebuild> {
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  await exec(
    conn,
    `DELETE FROM rollup_5m WHERE gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)
       AND bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)`,
    { account, b0, b1 },
  );
  const edgeBuckets: number[] = [];
  if (edgesInGpuSample && b0 < window.from) edgeBuckets.push(b0);
  if (edgesInGpuSample && window.to < b1 && !edgeBuckets.includes(b1 - FIVE_MINUTES_MS)) edgeBuckets.push(b1 - FIVE_MINUTES_MS);
  return { account, window, edgeBuckets };
}

/**
 * Merges the rows of a GPU and bucket that came apart (a bucket's samples in two slices of the write,
 * or at the window's edges with the samples stored outside it, each edge as its own time range).
 */
async function mergeRollup5m(conn: DuckDBConnection, { account, window, edgeBuckets }: RollupRebuild, splits: Splits): Promise<void> {
  const ofAccount = 'gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)';
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  const parts: string[] = [];
  const deletes: string[] = [];
  if (edgeBuckets.length > 0) {
    const edges = `${ofAccount} AND bucket IN (${edgeBuckets.map(tsLiteral).join(', ')})`;
    parts.push(`SELECT * FROM rollup_5m WHERE ${edges}`);
    deletes.push(`DELETE FROM rollup_5m WHERE ${edges}`);
    for (const [from, to] of [[b0, window.from], [window.to, b1]] as const) {
      if (from >= to) continue;
      parts.push(
        `SELECT s.gpu_id, time_bucket(INTERVAL 5 MINUTE, s.ts) AS bucket, ${SUMS_FROM_RAW}
         FROM gpu_sample s WHERE ${ofAccount} AND s.ts >= ${tsLiteral(from)} AND s.ts < ${tsLiteral(to)}
         GROUP BY s.gpu_id, bucket`,
      );
    }
  }
  if (splits.gpuIds.length > 0) {
    await exec(conn, `CREATE OR REPLACE TEMP TABLE ${SPLITS} (gpu_id INTEGER, bucket TIMESTAMP)`);
    const appender = await conn.createAppender(SPLITS, 'main', 'temp');
    try {
      const pairs = new TypedChunkAppender(appender, ['integer', 'timestamp'], [false, false]);
      for (let from = 0; from < splits.gpuIds.length; from += CHUNK_ROWS) {
        const rows = Math.min(CHUNK_ROWS, splits.gpuIds.length - from);
        for (let r = 0; r < rows; r++) {
          pairs.int32(0)[r] = splits.gpuIds[from + r]!;
          pairs.float64(1)[r] = splits.buckets[from + r]!;
        }
        pairs.append(rows);
      }
      pairs.flush();
    } finally {
      appender.closeSync();
    }
    const inWindow = `r.bucket >= ${tsLiteral(b0)} AND r.bucket < ${tsLiteral(b1)}`;
    parts.push(`SELECT r.* FROM rollup_5m r SEMI JOIN temp.main.${SPLITS} USING (gpu_id, bucket) WHERE ${inWindow}`);
    deletes.push(`DELETE FROM rollup_5m r USING temp.main.${SPLITS} p WHERE r.gpu_id = p.gpu_id AND r.bucket = p.bucket AND ${inWindow}`);
  }
  if (parts.length === 0) return;
  const params: Params = edgeBuckets.length > 0 ? { account } : {};
  // The first part is rollup_5m rows, so the union has their column names.
  await exec(
    conn,
    `CREATE OR REPLACE TEMP TABLE ${MERGED} AS
     SELECT gpu_id, bucket, ${SUMS_OF_5M_ROWS} FROM (${parts.join(' UNION ALL ')}) GROUP BY gpu_id, bucket`,
    params,
  );
  for (const sql of deletes) await exec(conn, sql, sql.includes('$account') ? params : {});
  await exec(conn, `INSERT INTO rollup_5m SELECT * FROM temp.main.${MERGED} ORDER BY bucket`);
  await exec(conn, `DROP TABLE temp.main.${MERGED}`);
  if (splits.gpuIds.length > 0) await exec(conn, `DROP TABLE temp.main.${SPLITS}`);
}

/**
 * Completes a rebuild once the write has appended its rollup_5m rows: merges the rows that came
 * apart, then recomputes the account's 1-hour rollups and fleet tables for the buckets touched.
 */
export async function refreshRollups(conn: DuckDBConnection, rebuild: RollupRebuild, splits: Splits): Promise<void> {
  const { account, window } = rebuild;
  await mergeRollup5m(conn, rebuild, splits);
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  const h0 = floorTo(window.from, HOUR_MS);
  const h1 = ceilTo(window.to, HOUR_MS);
  const ofAccount = 'gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)';
  const in5 = 'bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)';
  const in1h = 'bucket >= epoch_ms($h0::BIGINT) AND bucket < epoch_ms($h1::BIGINT)';
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
