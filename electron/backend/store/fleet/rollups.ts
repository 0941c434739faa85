/**
 * Rollup maintenance. A metrics write rebuilds rollup_5m for every 5-minute bucket its window touches:
 * it deletes their rows, appends the sums of its samples as it stores them (rollup-partials.ts), and
 * merges the rows of a bucket that came apart (split between two slices of the write, or at the
 * window's edges with samples stored before). rollup_1h is recomputed from rollup_5m for every hour
 * touched (exact, because rollups hold sums and counts, and it still works for hours whose raw
 * samples have aged out).
 * fleet_5m and fleet_1h (per account, cloud, region, model and bucket: sum of GPU means, GPU count)
 * follow rollup_5m and rollup_1h. fleet_1m holds the same per minute, for the 1-hour chart: its rows
 * come from the write's samples (each GPU's minute mean), and SQL sums again from the stored samples
 * only the minutes at the window's edges and those whose samples came apart. Rollups are keyed by
 * gpu_id; the gpu table names the GPU.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { timestampValue } from '../row-appenders';
import { IDLE_THRESHOLD_PERCENT } from '../../../../shared/domain';
import { exec, type Params, tsLiteral } from '../db';
import { CHUNK_ROWS, TypedChunkAppender } from '../typed-chunks';
import type { Window } from '../sync-run';

export const MINUTE_MS = 60_000;
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
 * Inserts a fleet table's rows of the buckets `where` selects from its per-GPU rollup: per account,
 * cloud, region and GPU model, the sum of GPU bucket means and the number of GPUs measured.
 */
async function insertFleetRows(
  conn: DuckDBConnection,
  fleet: 'fleet_5m' | 'fleet_1h',
  rollup: 'rollup_5m' | 'rollup_1h',
  where: string,
  params: Params,
): Promise<void> {
  await exec(
    conn,
    `INSERT INTO ${fleet}
     SELECT g.account, g.cloud, g.region, g.gpu_model, f.bucket, sum(f.m), count(*)::INTEGER
     FROM (SELECT gpu_id, bucket, util_sum / util_count AS m FROM ${rollup} WHERE ${where} AND util_count > 0) f
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

/** Temporary tables of a rebuild (each write has its own connection), read qualified so no table shadows them. */
const SPLITS = 'rollup_split';
/** The table stageSplits fills, qualified: no table of the database can shadow it. */
export const SPLITS_TABLE = `temp.main.${SPLITS}`;
const MERGED = 'rollup_5m_merged';

/**
 * A metrics write's rebuild of the rollups of the periods its window touches: clearRollups before its
 * samples are stored, their rollup rows appended as they are (RollupPartials), refreshRollups after.
 */
export interface RollupRebuild {
  account: string;
  window: Window;
  /** The minutes [m0, m1), 5-minute buckets [b0, b1) and hours [h0, h1) the window touches (epoch ms). */
  m0: number;
  m1: number;
  b0: number;
  b1: number;
  h0: number;
  h1: number;
  /**
   * Buckets the window only partly covers whose other samples are stored in gpu_sample (raw
   * storage; a rollups-only account keeps none, its windows hold whole buckets): their rows are
   * summed again with those samples.
   */
  edgeBuckets: number[];
  /** Minutes the window only partly covers whose other samples are stored (raw storage): summed again in SQL. */
  edgeMinutes: number[];
  /** Hours the window only partly covers: summed again from rollup_5m, which holds their other buckets. */
  edgeHours: number[];
}

/** (gpu_id, period ms) pairs a write appended more than one rollup row for (RollupPartials). */
export interface Splits {
  gpuIds: number[];
  buckets: number[];
}

/** A fleet table's row as a write added it up: its group is an index into WrittenRollups.groups. */
export interface FleetRow {
  bucket: number;
  group: number;
  gpuMeanSum: number;
  gpus: number;
}

/** What a write appended while it stored its samples, and what SQL must sum again (RollupPartials.finish). */
export interface WrittenRollups {
  splits5m: Splits;
  splits1h: Splits;
  /**
   * The fleet rows of the periods the write added up completely, and the periods it did not (besides
   * the edges); null when SQL sums every period of the window.
   */
  fleet1m: { rows: FleetRow[]; again: number[] } | null;
  fleet5m: { rows: FleetRow[]; again: number[] } | null;
  fleet1h: { rows: FleetRow[]; again: number[] } | null;
  groups: readonly { cloud: string; region: string; gpuModel: string }[];
}

const OF_ACCOUNT = 'gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)';

/** Deletes the account's rollup rows of the periods `window` touches, which the write then appends. */
export async function clearRollups(
  conn: DuckDBConnection,
  account: string,
  window: Window,
  { edgesInGpuSample }: { edgesInGpuSample: boolean },
): Promise<RollupRebuild> {
  const m0 = floorTo(window.from, MINUTE_MS);
  const m1 = ceilTo(window.to, MINUTE_MS);
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  const h0 = floorTo(window.from, HOUR_MS);
  const h1 = ceilTo(window.to, HOUR_MS);
  const range = 'bucket >= epoch_ms($from::BIGINT) AND bucket < epoch_ms($to::BIGINT)';
  await exec(conn, `DELETE FROM rollup_5m WHERE ${OF_ACCOUNT} AND ${range}`, { account, from: b0, to: b1 });
  await exec(conn, `DELETE FROM rollup_1h WHERE ${OF_ACCOUNT} AND ${range}`, { account, from: h0, to: h1 });
  const edges = (start: number, end: number, step: number): number[] => {
    const out: number[] = [];
    if (start < window.from) out.push(start);
    if (window.to < end && !out.includes(end - step)) out.push(end - step);
    return out;
  };
  return {
    account,
    window,
    m0,
    m1,
    b0,
    b1,
    h0,
    h1,
    edgeBuckets: edgesInGpuSample ? edges(b0, b1, FIVE_MINUTES_MS) : [],
    edgeMinutes: edgesInGpuSample ? edges(m0, m1, MINUTE_MS) : [],
    edgeHours: edges(h0, h1, HOUR_MS),
  };
}

/**
 * The first and last of `periods`, by a loop: a write's split list can name every GPU's hours (late
 * samples of 100,000 GPUs, 600,000 pairs for 6 hours), and spreading over 120,000 or so values into
 * Math.min overflows the call stack.
 */
export function periodRange(periods: readonly number[]): { first: number; last: number } {
  let first = Infinity;
  let last = -Infinity;
  for (const p of periods) {
    if (p < first) first = p;
    if (p > last) last = p;
  }
  return { first, last };
}

/** Stages `splits` in a temporary table of distinct (gpu_id, bucket) pairs; false when there are none. */
export async function stageSplits(conn: DuckDBConnection, splits: Splits): Promise<boolean> {
  if (splits.gpuIds.length === 0) return false;
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
  // A pair can be listed twice (a bucket in three slices); a DELETE ... USING must match a row once.
  await exec(conn, `CREATE OR REPLACE TEMP TABLE ${SPLITS} AS SELECT DISTINCT gpu_id, bucket FROM ${SPLITS_TABLE}`);
  return true;
}

/**
 * Merges the rows of a GPU and bucket that came apart (a bucket's samples in two slices of the write,
 * or at the window's edges with the samples stored outside it, each edge as its own time range).
 */
async function mergeRollup5m(conn: DuckDBConnection, { account, window, b0, b1, edgeBuckets }: RollupRebuild, splits: Splits): Promise<void> {
  const parts: string[] = [];
  const deletes: string[] = [];
  if (edgeBuckets.length > 0) {
    const edges = `${OF_ACCOUNT} AND bucket IN (${edgeBuckets.map(tsLiteral).join(', ')})`;
    parts.push(`SELECT * FROM rollup_5m WHERE ${edges}`);
    deletes.push(`DELETE FROM rollup_5m WHERE ${edges}`);
    for (const [from, to] of [[b0, window.from], [window.to, b1]] as const) {
      if (from >= to) continue;
      parts.push(
        `SELECT s.gpu_id, time_bucket(INTERVAL 5 MINUTE, s.ts) AS bucket, ${SUMS_FROM_RAW}
         FROM gpu_sample s WHERE ${OF_ACCOUNT} AND s.ts >= ${tsLiteral(from)} AND s.ts < ${tsLiteral(to)}
         GROUP BY s.gpu_id, bucket`,
      );
    }
  }
  // Splits are never listed for edge buckets, so no row is in both parts.
  const split = await stageSplits(conn, splits);
  if (split) {
    const inWindow = `r.bucket >= ${tsLiteral(b0)} AND r.bucket < ${tsLiteral(b1)}`;
    parts.push(`SELECT r.* FROM rollup_5m r SEMI JOIN ${SPLITS_TABLE} USING (gpu_id, bucket) WHERE ${inWindow}`);
    deletes.push(`DELETE FROM rollup_5m r USING ${SPLITS_TABLE} p WHERE r.gpu_id = p.gpu_id AND r.bucket = p.bucket AND ${inWindow}`);
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
  if (split) await exec(conn, `DROP TABLE ${SPLITS_TABLE}`);
}

/** Sums again from rollup_5m the hours at the window's edges, and the (GPU, hour) rows that came apart. */
async function mergeRollup1h(conn: DuckDBConnection, { account, edgeHours }: RollupRebuild, splits: Splits): Promise<void> {
  const insert = (from: string, where: string, hour: string): string => `INSERT INTO rollup_1h
     SELECT r.gpu_id, ${hour} AS hour, ${SUMS_FROM_5M} FROM ${from} WHERE ${where} GROUP BY r.gpu_id, hour ORDER BY hour`;
  for (const h of edgeHours) {
    const inHour = `r.bucket >= ${tsLiteral(h)} AND r.bucket < ${tsLiteral(h + HOUR_MS)}`;
    await exec(conn, insert('rollup_5m r', `r.gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account) AND ${inHour}`, 'time_bucket(INTERVAL 1 HOUR, r.bucket)'), { account });
  }
  const hours = splits.buckets.filter((h) => !edgeHours.includes(h));
  if (hours.length === 0) return;
  // Splits of edge hours are not listed again: those hours were summed whole above.
  const others = { gpuIds: splits.gpuIds.filter((_, i) => !edgeHours.includes(splits.buckets[i]!)), buckets: hours };
  await stageSplits(conn, others);
  await exec(conn, `DELETE FROM rollup_1h r USING ${SPLITS_TABLE} p WHERE r.gpu_id = p.gpu_id AND r.bucket = p.bucket`);
  // Only the hours listed are read (zone maps skip the rest of the window).
  const { first, last } = periodRange(hours);
  const range = `r.bucket >= ${tsLiteral(first)} AND r.bucket < ${tsLiteral(last + HOUR_MS)}`;
  await exec(
    conn,
    insert(
      `rollup_5m r JOIN ${SPLITS_TABLE} p ON p.gpu_id = r.gpu_id AND r.bucket >= p.bucket AND r.bucket < p.bucket + INTERVAL 1 HOUR`,
      range,
      'p.bucket',
    ),
  );
  await exec(conn, `DROP TABLE ${SPLITS_TABLE}`);
}

/**
 * Rebuilds a fleet table's rows of [from, to): the write's own rows, then from the per-GPU rollup
 * the periods it did not add up (its edges, its splits), or every period when it added up none.
 */
async function refreshFleet(
  conn: DuckDBConnection,
  fleet: 'fleet_5m' | 'fleet_1h',
  rollup: 'rollup_5m' | 'rollup_1h',
  [from, to]: [number, number],
  edges: readonly number[],
  written: WrittenRollups['fleet5m'],
  groups: WrittenRollups['groups'],
  account: string,
): Promise<void> {
  const range = `bucket >= ${tsLiteral(from)} AND bucket < ${tsLiteral(to)}`;
  await exec(conn, `DELETE FROM ${fleet} WHERE account = $account AND ${range}`, { account });
  if (written === null) return insertFleetRows(conn, fleet, rollup, `${OF_ACCOUNT} AND ${range}`, { account });
  await appendFleetRows(conn, fleet, written.rows, groups, account);
  const again = [...new Set([...edges, ...written.again])];
  if (again.length > 0) {
    await insertFleetRows(conn, fleet, rollup, `${OF_ACCOUNT} AND bucket IN (${again.map(tsLiteral).join(', ')})`, { account });
  }
}

/** Appends the fleet rows a write added up (their groups index `groups`) to a fleet table. */
async function appendFleetRows(
  conn: DuckDBConnection,
  fleet: 'fleet_1m' | 'fleet_5m' | 'fleet_1h',
  rows: readonly FleetRow[],
  groups: WrittenRollups['groups'],
  account: string,
): Promise<void> {
  if (rows.length === 0) return;
  const appender = await conn.createAppender(fleet);
  try {
    for (const row of rows) {
      const group = groups[row.group]!;
      appender.appendVarchar(account);
      appender.appendVarchar(group.cloud);
      appender.appendVarchar(group.region);
      appender.appendVarchar(group.gpuModel);
      appender.appendTimestamp(timestampValue(row.bucket));
      appender.appendDouble(row.gpuMeanSum);
      appender.appendInteger(row.gpus);
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

/**
 * SQL: fleet_1m's rows of the account's minutes `minuteWhere` (over `bucket`) selects within
 * [from, to), from the samples stored: raw, or a rollups-only account's minute rows (rollup_1m, one
 * per GPU and minute). Each GPU's minute mean, summed per group.
 */
export function fleetMinutesSql(from: number, to: number, minuteWhere: string): string {
  const range = `ts >= ${tsLiteral(from)} AND ts < ${tsLiteral(to)}`;
  return `SELECT g.account, g.cloud, g.region, g.gpu_model, f.bucket, sum(f.m), count(*)::INTEGER
    FROM (
      SELECT gpu_id, bucket, sum(util_sum) / sum(util_count) AS m FROM (
        SELECT gpu_id, time_bucket(INTERVAL 1 MINUTE, ts) AS bucket, sum(util) AS util_sum, count(util) AS util_count
        FROM gpu_sample WHERE ${OF_ACCOUNT} AND ${range} AND util IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT gpu_id, time_bucket(INTERVAL 1 MINUTE, ts) AS bucket, util_sum, util_count
        FROM rollup_1m WHERE ${OF_ACCOUNT} AND ${range} AND util_count > 0
      ) WHERE ${minuteWhere} GROUP BY gpu_id, bucket
    ) f JOIN gpu g USING (gpu_id)
    GROUP BY g.account, g.cloud, g.region, g.gpu_model, f.bucket
    ORDER BY f.bucket`;
}

/**
 * Rewrites the account's fleet_1m rows of the minutes the window touches: the write's own, then from
 * the stored samples the minutes it could not add up (its edges, its splits), or all of them. Run
 * once the window's samples (or a rollups-only account's minute rows) are stored.
 */
export async function refreshFleetMinutes(conn: DuckDBConnection, { account, m0, m1, edgeMinutes }: RollupRebuild, written: WrittenRollups): Promise<void> {
  await exec(conn, `DELETE FROM fleet_1m WHERE account = $account AND bucket >= ${tsLiteral(m0)} AND bucket < ${tsLiteral(m1)}`, { account });
  const again = written.fleet1m === null ? null : [...new Set([...edgeMinutes, ...written.fleet1m.again])];
  if (written.fleet1m !== null) await appendFleetRows(conn, 'fleet_1m', written.fleet1m.rows, written.groups, account);
  if (again === null) {
    await exec(conn, `INSERT INTO fleet_1m ${fleetMinutesSql(m0, m1, 'true')}`, { account });
  } else if (again.length > 0) {
    for (const [from, to] of periodSpans(again, MINUTE_MS)) {
      const minutes = again.filter((m) => m >= from && m < to);
      await exec(conn, `INSERT INTO fleet_1m ${fleetMinutesSql(from, to, `bucket IN (${minutes.map(tsLiteral).join(', ')})`)}`, { account });
    }
  }
}

/** Runs of consecutive periods read at most one statement each; more than this many read one span. */
const MAX_PERIOD_RUNS = 8;

/**
 * The time ranges to read `periods` (starts, each `step` long) in: each run of consecutive periods,
 * so a window's two edge minutes do not read the hours between them; one span from first to last when
 * there are many runs.
 */
export function periodSpans(periods: Iterable<number>, step: number): [number, number][] {
  const runs: [number, number][] = [];
  for (const p of [...new Set(periods)].sort((a, b) => a - b)) {
    const last = runs[runs.length - 1];
    if (last !== undefined && p === last[1]) last[1] = p + step;
    else runs.push([p, p + step]);
  }
  return runs.length <= MAX_PERIOD_RUNS ? runs : [[runs[0]![0], runs[runs.length - 1]![1]]];
}

/**
 * Completes a rebuild once the write has appended its rollup rows: merges the rows that came apart
 * and sums the window's edges again, then writes the account's fleet tables for the periods touched.
 */
export async function refreshRollups(conn: DuckDBConnection, rebuild: RollupRebuild, written: WrittenRollups): Promise<void> {
  const { account, b0, b1, h0, h1 } = rebuild;
  await mergeRollup5m(conn, rebuild, written.splits5m);
  await mergeRollup1h(conn, rebuild, written.splits1h);
  await refreshFleet(conn, 'fleet_5m', 'rollup_5m', [b0, b1], rebuild.edgeBuckets, written.fleet5m, written.groups, account);
  await refreshFleet(conn, 'fleet_1h', 'rollup_1h', [h0, h1], rebuild.edgeHours, written.fleet1h, written.groups, account);
}
