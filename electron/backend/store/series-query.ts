/**
 * Utilisation time series. Each point is the mean, over GPUs with samples in the bucket, of each
 * GPU's mean in the bucket; buckets without data are null points. Steps per range: 1h -> 1 minute
 * from raw samples, 24h -> 5 minutes from rollup_5m, 7d -> 10 minutes from rollup_5m (per GPU first,
 * then across GPUs), 30d -> 1 hour from rollup_1h. Every range stays under MAX_SERIES_POINTS.
 */
import { MAX_SERIES_POINTS, type Series, type TimeRange } from '../../../shared/contract';
import type { ConnectionPool } from './db';
import { tsLiteral } from './db';

const MINUTE_MS = 60_000;

interface RangeSpec {
  rangeMs: number;
  stepMs: number;
  source: 'raw' | 'rollup_5m' | 'rollup_1h';
}

export const RANGE_SPECS: Readonly<Record<TimeRange, RangeSpec>> = {
  '1h': { rangeMs: 60 * MINUTE_MS, stepMs: MINUTE_MS, source: 'raw' },
  '24h': { rangeMs: 24 * 60 * MINUTE_MS, stepMs: 5 * MINUTE_MS, source: 'rollup_5m' },
  '7d': { rangeMs: 7 * 24 * 60 * MINUTE_MS, stepMs: 10 * MINUTE_MS, source: 'rollup_5m' },
  '30d': { rangeMs: 30 * 24 * 60 * MINUTE_MS, stepMs: 60 * MINUTE_MS, source: 'rollup_1h' },
};

/**
 * Where and how to group. `where` is a condition over the columns account, resource_id, cloud,
 * region and gpu_model; `key` an expression over the same columns naming the series.
 */
export interface SeriesScope {
  where: string;
  key: string;
  /** True when where and key use only cloud, region and gpu_model, so fleet_5m can answer. */
  fleetLevel: boolean;
}

/** The first and last bucket start of a range ending at asOf. */
export function bucketsOf(range: TimeRange, asOfMs: number): { first: number; last: number; count: number } {
  const { rangeMs, stepMs } = RANGE_SPECS[range];
  const count = Math.min(MAX_SERIES_POINTS, rangeMs / stepMs);
  const last = Math.floor(asOfMs / stepMs) * stepMs;
  return { first: last - (count - 1) * stepMs, last, count };
}

function seriesSql(range: TimeRange, asOfMs: number, scope: SeriesScope): string {
  const { stepMs, source } = RANGE_SPECS[range];
  const { first, last } = bucketsOf(range, asOfMs);
  const step = `INTERVAL ${stepMs / MINUTE_MS} MINUTE`;
  if (source === 'raw') {
    return `
      SELECT k, epoch_ms(t)::DOUBLE AS t, avg(m) AS v FROM (
        SELECT ${scope.key} AS k, account, resource_id, gpu_index, time_bucket(${step}, ts) AS t, avg(util) AS m
        FROM (SELECT s.*, r.cloud, r.region, r.gpu_model FROM gpu_sample s
              JOIN resource r ON r.account = s.account AND r.id = s.resource_id)
        WHERE ts >= ${tsLiteral(first)} AND ts <= ${tsLiteral(asOfMs)} AND util IS NOT NULL AND ${scope.where}
        GROUP BY k, account, resource_id, gpu_index, t
      ) GROUP BY k, t`;
  }
  const range5 = `bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(last + stepMs)} AND util_count > 0`;
  if (range === '7d') {
    return `
      SELECT k, epoch_ms(t)::DOUBLE AS t, avg(m) AS v FROM (
        SELECT ${scope.key} AS k, account, resource_id, gpu_index, time_bucket(${step}, bucket) AS t,
               sum(util_sum) / sum(util_count) AS m
        FROM rollup_5m WHERE ${range5} AND ${scope.where}
        GROUP BY k, account, resource_id, gpu_index, t
      ) GROUP BY k, t`;
  }
  if (source === 'rollup_5m' && scope.fleetLevel) {
    return `
      SELECT ${scope.key} AS k, epoch_ms(bucket)::DOUBLE AS t, sum(gpu_mean_sum) / sum(gpus) AS v
      FROM fleet_5m WHERE bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(last + stepMs)} AND ${scope.where}
      GROUP BY k, t`;
  }
  // One rollup row per GPU and bucket, so the mean over rows is the mean over GPUs.
  return `
    SELECT ${scope.key} AS k, epoch_ms(bucket)::DOUBLE AS t, avg(util_sum / util_count) AS v
    FROM ${source} WHERE ${range5} AND ${scope.where}
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
  const data = await pool.rows<{ k: string; t: number; v: number }>(seriesSql(range, asOfMs, scope));
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
