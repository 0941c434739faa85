/**
 * Fleet utilisation over a window (asOf - length, asOf]: each GPU's mean (sum/count of all its
 * samples), then the mean over GPUs that have samples (the rule of domain/fleet-utilisation.ts). The
 * result equals a computation over raw samples alone.
 */
import type { FleetFilter } from '../../../../shared/contract';
import { fleetMeanOfSumsSql, fleetMeanSql, gpuMeanSql } from '../../domain/fleet-utilisation';
import { tsLiteral } from '../db';
import { minuteRowsSql } from './minute-rows';
import { countedOnceSql, filterSql } from './resource-rows';
import { ceilTo, FIVE_MINUTES_MS, floorTo, HOUR_MS } from './rollups';

/** Bucket bounds: whole buckets are [firstBucket, endBucket); raw covers the rest of the window. */
export function wholeBuckets(fromExclusiveMs: number, toInclusiveMs: number): { first: number; end: number } {
  const first = floorTo(fromExclusiveMs, FIVE_MINUTES_MS) + FIVE_MINUTES_MS;
  const end = Math.max(first, floorTo(toInclusiveMs, FIVE_MINUTES_MS));
  return { first, end };
}

/** One time range of one source that a window's per-GPU sums read. */
interface WindowPart {
  source: 'rollup_5m' | 'rollup_1h' | 'raw';
  /** SQL condition on the part's time column. */
  range: string;
  /** Raw parts: the instants the range lies in, so the minute detail reads only the buckets around it. */
  fromMs?: number;
  toMs?: number;
}

/**
 * The parts of (fromExclusive, toInclusive]: whole hours from rollup_1h, the whole 5-minute buckets
 * around them from rollup_5m (split at the last hour boundary, so windows ending at the same instant
 * share that part), and the partial buckets at the edges from raw samples.
 */
function windowParts(fromExclusiveMs: number, toInclusiveMs: number): WindowPart[] {
  const { first, end } = wholeBuckets(fromExclusiveMs, toInclusiveMs);
  const h0 = ceilTo(first, HOUR_MS);
  const h1 = Math.max(first, floorTo(end, HOUR_MS));
  const parts: WindowPart[] = [];
  const rollup = (source: 'rollup_5m' | 'rollup_1h', from: number, to: number): void => {
    if (from < to) parts.push({ source, range: `bucket >= ${tsLiteral(from)} AND bucket < ${tsLiteral(to)}` });
  };
  if (h0 < h1) {
    rollup('rollup_5m', first, h0);
    rollup('rollup_1h', h0, h1);
  } else {
    rollup('rollup_5m', first, h1);
  }
  rollup('rollup_5m', h1, end);
  parts.push(
    { source: 'raw', range: `ts > ${tsLiteral(fromExclusiveMs)} AND ts < ${tsLiteral(first)}`, fromMs: fromExclusiveMs, toMs: first },
    { source: 'raw', range: `ts >= ${tsLiteral(end)} AND ts <= ${tsLiteral(toInclusiveMs)}`, fromMs: end, toMs: toInclusiveMs },
  );
  return parts;
}

/**
 * SQL with one row per GPU measured in any of the windows (asOf - length, asOf]: gpu_id, cloud, account and
 * m0, m1, ... (each window's GPU mean: sum/count of all its samples in the window; NULL when the GPU
 * has none there). Parts the windows share are read once; everything is grouped by the integer
 * gpu_id, and the gpu table names the GPUs of the (small) result.
 */
export function gpuWindowMeansSql(toInclusiveMs: number, lengthsMs: readonly number[], filter: FleetFilter): string {
  const filtered = filterSql(filter);
  const ofFilter = filtered === 'TRUE' ? 'TRUE' : `gpu_id IN (SELECT gpu_id FROM gpu WHERE ${filtered})`;
  // Raw edges count only machines in the inventory now, as the rollups did when they were written;
  // that check runs over the gpu table, not per sample. One scan per range: an OR of time ranges
  // would defeat the zone maps and scan every raw sample.
  const live = `SELECT g.gpu_id FROM gpu g SEMI JOIN resource r ON r.account = g.account AND r.id = g.resource_id
                WHERE ${filterSql(filter, 'g')}`;
  const windowsOf = new Map<string, { part: WindowPart; windows: Set<number> }>();
  lengthsMs.forEach((length, w) => {
    for (const part of windowParts(toInclusiveMs - length, toInclusiveMs)) {
      const key = `${part.source} ${part.range}`;
      const entry = windowsOf.get(key) ?? { part, windows: new Set<number>() };
      entry.windows.add(w);
      windowsOf.set(key, entry);
    }
  });
  const flags = (windows: Set<number>): string => lengthsMs.map((_, w) => `${windows.has(w)} AS w${w}`).join(', ');
  const selects = [...windowsOf.values()].map(({ part, windows }) =>
    part.source === 'raw'
      ? `SELECT gpu_id, util AS util_sum, 1 AS util_count, ${flags(windows)} FROM gpu_sample
         WHERE util IS NOT NULL AND ${part.range} AND gpu_id IN (${live})
         UNION ALL
         -- rollups-only accounts: the same partial bucket from the minute detail (minute-rows.ts)
         SELECT gpu_id, util_sum, util_count, ${flags(windows)}
         FROM ${minuteRowsSql(part.fromMs ?? toInclusiveMs, part.toMs ?? toInclusiveMs, `util_count > 0 AND ${part.range}`)}
         WHERE gpu_id IN (${live})`
      : `SELECT gpu_id, util_sum, util_count, ${flags(windows)} FROM ${part.source}
         WHERE ${part.range} AND util_count > 0 AND ${ofFilter}`,
  );
  const means = lengthsMs
    .map((_, w) => `${gpuMeanSql('util_sum', 'util_count', `w${w}`)} AS m${w}`)
    .join(', ');
  return `
    SELECT m.*, g.cloud, g.account FROM (
      SELECT gpu_id, ${means}
      FROM (${selects.join('\n UNION ALL \n')})
      GROUP BY gpu_id
    ) m JOIN gpu g USING (gpu_id)
    -- A machine two accounts see counts once: the GPUs of the resource that yields are left out.
    WHERE NOT EXISTS (SELECT 1 FROM resource r WHERE r.account = g.account AND r.id = g.resource_id AND NOT ${countedOnceSql('r')})`;
}

/**
 * SQL: per overview entry (`keySql` over columns cloud and account), for each window (asOf - length,
 * asOf], the mean over GPUs (with samples in that window) of each GPU's mean over the window: columns
 * key, avg0, avg1, ...
 */
export function cloudWindowAveragesSql(toInclusiveMs: number, lengthsMs: readonly number[], filter: FleetFilter, keySql = 'cloud'): string {
  const avgs = lengthsMs.map((_, w) => `${fleetMeanSql(`m${w}`)} AS avg${w}`).join(', ');
  return `SELECT ${keySql} AS key, ${avgs} FROM (${gpuWindowMeansSql(toInclusiveMs, lengthsMs, filter)}) GROUP BY 1`;
}

/**
 * SQL: per overview entry (`keySql` over columns cloud and account), the 95th percentile of the
 * fleet's 5-minute utilisation series (each bucket's value being the mean over GPUs of their bucket
 * means) over the whole buckets in the window: columns key, p95.
 */
export function cloudP95Sql(fromExclusiveMs: number, toInclusiveMs: number, filter: FleetFilter, keySql = 'cloud'): string {
  const { first, end } = wholeBuckets(fromExclusiveMs, toInclusiveMs);
  return `
    SELECT key, quantile_cont(v, 0.95) AS p95 FROM (
      SELECT ${keySql} AS key, bucket, ${fleetMeanOfSumsSql('gpu_mean_sum', 'gpus')} AS v
      FROM fleet_5m
      WHERE bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(end)} AND ${filterSql(filter)}
      GROUP BY 1, bucket
    ) GROUP BY key`;
}
