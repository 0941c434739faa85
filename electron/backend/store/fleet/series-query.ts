/**
 * Utilisation time series. Each point is the mean, over GPUs with samples in the bucket, of each
 * GPU's mean in the bucket; buckets without data are null points. Steps per range: 1h -> 1 minute
 * from raw samples, 24h and 7d -> 5 minutes from rollup_5m, 30d -> 1 hour from rollup_1h (fleet-wide:
 * from fleet_1m, fleet_5m and fleet_1h). A step of the tables' own size is what lets the fleet-wide
 * series read the fleet tables: at 100,000 GPUs, 10-minute steps over 7 days meant summing 200M rollup
 * rows per GPU first (7.5 s), and the 1-hour chart grouped 6M raw samples per GPU and minute (1.2 s).
 * Every range stays within MAX_SERIES_POINTS.
 */
import { MAX_SERIES_POINTS, type Series, type TimeRange } from '../../../../shared/contract';
import { fleetMeanOfSumsSql, fleetMeanSql } from '../../domain/fleet-utilisation';
import type { ConnectionPool } from '../db';
import { sqlString, tsLiteral } from '../db';
import { minuteRowsSql } from './minute-rows';

const MINUTE_MS = 60_000;

interface RangeSpec {
  rangeMs: number;
  stepMs: number;
  source: 'raw' | 'rollup_5m' | 'rollup_1h';
}

export const RANGE_SPECS: Readonly<Record<TimeRange, RangeSpec>> = {
  '1h': { rangeMs: 60 * MINUTE_MS, stepMs: MINUTE_MS, source: 'raw' },
  '24h': { rangeMs: 24 * 60 * MINUTE_MS, stepMs: 5 * MINUTE_MS, source: 'rollup_5m' },
  '7d': { rangeMs: 7 * 24 * 60 * MINUTE_MS, stepMs: 5 * MINUTE_MS, source: 'rollup_5m' },
  '30d': { rangeMs: 30 * 24 * 60 * MINUTE_MS, stepMs: 60 * MINUTE_MS, source: 'rollup_1h' },
};

/**
 * Where and how to group. `where` is a condition over the columns account, resource_id, gpu_index,
 * cloud, region and gpu_model (of the gpu table); `key` an expression over the same columns naming the series.
 */
export interface SeriesScope {
  where: string;
  key: string;
  /** True when where and key use only account, cloud, region and gpu_model, so fleet_5m/fleet_1h can answer. */
  fleetLevel: boolean;
}

/** The first and last bucket start of a range ending at asOf. */
export function bucketsOf(range: TimeRange, asOfMs: number): { first: number; last: number; count: number } {
  const { rangeMs, stepMs } = RANGE_SPECS[range];
  const count = Math.min(MAX_SERIES_POINTS, rangeMs / stepMs);
  const last = Math.floor(asOfMs / stepMs) * stepMs;
  return { first: last - (count - 1) * stepMs, last, count };
}

/**
 * What lets a fleet-wide 1-hour series read fleet_1m: the minute from which fleet_1m is whole (null:
 * every minute), and the accounts with a GPU of a machine that left the inventory. Those are read from
 * raw samples, which count only machines in the inventory now; fleet_1m still counts the machine that left.
 */
interface FleetMinutes {
  fromMs: number | null;
  retiredAccounts: string[];
}

/** Reads what decides whether a fleet-wide 1-hour series can read fleet_1m. */
async function fleetMinutesOf(pool: ConnectionPool): Promise<FleetMinutes> {
  const [row] = await pool.rows<{ from_ms: number | null; retired: string[] | null }>(
    `SELECT (SELECT epoch_ms(min(from_ts))::DOUBLE FROM fleet_1m_coverage) AS from_ms,
            (SELECT list(account ORDER BY account) FROM gpu_retirement WHERE retired) AS retired`,
  );
  return { fromMs: row?.from_ms ?? null, retiredAccounts: row?.retired ?? [] };
}

function seriesSql(range: TimeRange, asOfMs: number, scope: SeriesScope, fleetMinutes: FleetMinutes | null): string {
  const { stepMs, source } = RANGE_SPECS[range];
  const { first, last } = bucketsOf(range, asOfMs);
  const step = `INTERVAL ${stepMs / MINUTE_MS} MINUTE`;
  // The GPUs in scope, named: the scope's where and key are over the gpu table's columns.
  const gpus = `(SELECT gpu_id, account, resource_id, gpu_index, cloud, region, gpu_model FROM gpu WHERE ${scope.where})`;
  /**
   * Per key, GPU and minute of [from, to] (GPUs of `gpuWhere` in scope), the GPU's mean from raw samples.
   * Raw samples count only machines in the inventory now (as the rollups did when they were written).
   */
  const rawMeans = (from: number, to: number, gpuWhere: string): string => {
    const inInventory = `(SELECT gpu_id, account, resource_id, gpu_index, cloud, region, gpu_model FROM gpu g
      WHERE ${scope.where} AND ${gpuWhere} AND EXISTS (SELECT 1 FROM resource r WHERE r.account = g.account AND r.id = g.resource_id))`;
    return `SELECT ${scope.key} AS k, gpu_id, t, m FROM (
        SELECT s.gpu_id, time_bucket(${step}, s.ts) AS t, avg(s.util) AS m
        FROM gpu_sample s
        WHERE s.ts >= ${tsLiteral(from)} AND s.ts <= ${tsLiteral(to)} AND s.util IS NOT NULL
        GROUP BY s.gpu_id, t
        UNION ALL
        -- rollups-only accounts: their minutes from the rollups' minute detail (minute-rows.ts)
        SELECT gpu_id, time_bucket(${step}, ts) AS t, sum(util_sum) / sum(util_count) AS m
        FROM ${minuteRowsSql(from, to, `ts >= ${tsLiteral(from)} AND ts <= ${tsLiteral(to)} AND util_count > 0`)}
        GROUP BY gpu_id, t
      ) JOIN ${inInventory} USING (gpu_id)`;
  };
  if (source === 'raw' && fleetMinutes !== null) {
    // fleet_1m's whole minutes before asOf; the minute of asOf holds only its samples at asOf itself
    // (raw, a few per GPU), and accounts fleet_1m cannot answer come from raw samples as below.
    const retired = fleetMinutes.retiredAccounts.map(sqlString);
    const notRetired = retired.length === 0 ? 'true' : `account NOT IN (${retired.join(', ')})`;
    const parts = [
      `SELECT ${scope.key} AS k, bucket AS t, gpu_mean_sum, gpus FROM fleet_1m
       WHERE bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(asOfMs)} AND ${scope.where} AND ${notRetired}`,
      `SELECT k, t, m, 1 FROM (${rawMeans(asOfMs, asOfMs, notRetired)})`,
    ];
    if (retired.length > 0) parts.push(`SELECT k, t, m, 1 FROM (${rawMeans(first, asOfMs, `account IN (${retired.join(', ')})`)})`);
    return `
      SELECT k, epoch_ms(t)::DOUBLE AS t, ${fleetMeanOfSumsSql('gpu_mean_sum', 'gpus')} AS v
      FROM (${parts.join(' UNION ALL ')}) GROUP BY k, t`;
  }
  if (source === 'raw') {
    return `SELECT k, epoch_ms(t)::DOUBLE AS t, ${fleetMeanSql('m')} AS v FROM (${rawMeans(first, asOfMs, 'true')}) GROUP BY k, t`;
  }
  const range5 = `bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(last + stepMs)} AND util_count > 0`;
  if (scope.fleetLevel) {
    const fleet = source === 'rollup_5m' ? 'fleet_5m' : 'fleet_1h';
    return `
      SELECT ${scope.key} AS k, epoch_ms(bucket)::DOUBLE AS t, ${fleetMeanOfSumsSql('gpu_mean_sum', 'gpus')} AS v
      FROM ${fleet} WHERE bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(last + stepMs)} AND ${scope.where}
      GROUP BY k, t`;
  }
  // One rollup row per GPU and bucket, so the mean over rows is the mean over GPUs.
  return `
    SELECT ${scope.key} AS k, epoch_ms(bucket)::DOUBLE AS t, ${fleetMeanSql('util_sum / util_count')} AS v
    FROM ${source} JOIN ${gpus} USING (gpu_id) WHERE ${range5}
    GROUP BY k, t`;
}

/**
 * Runs the series query and lays the values on the full bucket grid, one series per key in `keys`
 * (keys with data but not listed are appended).
 */
export async function querySeries(
  pool: ConnectionPool,
  range: TimeRange,
  asOfMs: number,
  scope: SeriesScope,
  keys: readonly { key: string; label: string }[],
  labelOf: (key: string) => string,
): Promise<{ stepMs: number; series: Series[] }> {
  const { stepMs } = RANGE_SPECS[range];
  const { first, count } = bucketsOf(range, asOfMs);
  // A fleet-wide 1-hour series reads fleet_1m when it holds every minute of the range.
  let fleetMinutes: FleetMinutes | null = null;
  if (RANGE_SPECS[range].source === 'raw' && scope.fleetLevel) {
    const read = await fleetMinutesOf(pool);
    if (read.fromMs === null || read.fromMs <= first) fleetMinutes = read;
  }
  const data = await pool.rows<{ k: string; t: number; v: number }>(seriesSql(range, asOfMs, scope, fleetMinutes));
  const byKey = new Map<string, Series>();
  const ensure = (key: string, label: string): Series => {
    let s = byKey.get(key);
    if (!s) {
      s = { key, label, points: Array.from({ length: count }, (_, i) => ({ t: first + i * stepMs, value: null })) };
      byKey.set(key, s);
    }
    return s;
  };
  for (const k of keys) ensure(k.key, k.label);
  for (const row of data) {
    const i = Math.round((row.t - first) / stepMs);
    const point = ensure(row.k, labelOf(row.k)).points[i];
    if (point) point.value = row.v;
  }
  return { stepMs, series: [...byKey.values()] };
}
