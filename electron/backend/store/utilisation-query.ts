/**
 * Fleet utilisation over a window (asOf - length, asOf]: each GPU's mean (sum/count of all its
 * samples), then the mean over GPUs that have samples. The result equals a computation over raw
 * samples alone.
 */
import type { FleetFilter } from '../../../shared/contract';
import { tsLiteral } from './db';
import { filterSql } from './resource-rows';
import { ceilTo, FIVE_MINUTES_MS, floorTo, HOUR_MS } from './rollups';

/** Bucket bounds: whole buckets are [firstBucket, endBucket); raw covers the rest of the window. */
export function wholeBuckets(fromExclusiveMs: number, toInclusiveMs: number): { first: number; end: number } {
  const first = floorTo(fromExclusiveMs, FIVE_MINUTES_MS) + FIVE_MINUTES_MS;
  const end = Math.max(first, floorTo(toInclusiveMs, FIVE_MINUTES_MS));
  return { first, end };
}

/**
 * SQL with one row per GPU measured in the window: gpu_id, account, resource_id, gpu_index, cloud, gpu_mean.
 * Whole hours come from rollup_1h, the whole 5-minute buckets around them from rollup_5m, and the
 * partial buckets at the edges from raw samples: exact, and far fewer rows than 5-minute buckets alone.
 * Everything is grouped by the integer gpu_id; the gpu table names the GPUs of the (small) result.
 */
export function gpuWindowMeansSql(fromExclusiveMs: number, toInclusiveMs: number, filter: FleetFilter): string {
  const { first, end } = wholeBuckets(fromExclusiveMs, toInclusiveMs);
  const h0 = ceilTo(first, HOUR_MS);
  const h1 = floorTo(end, HOUR_MS);
  const filtered = filterSql(filter);
  const ofFilter = filtered === 'TRUE' ? 'TRUE' : `gpu_id IN (SELECT gpu_id FROM gpu WHERE ${filtered})`;
  const rollup = (table: string, from: number, to: number): string =>
    from >= to
      ? ''
      : `SELECT gpu_id, util_sum, util_count FROM ${table}
         WHERE bucket >= ${tsLiteral(from)} AND bucket < ${tsLiteral(to)} AND util_count > 0 AND ${ofFilter}`;
  // Raw edges count only machines in the inventory now, as the rollups did when they were written;
  // that check runs over the gpu table, not per sample. One scan per edge: an OR of the two time
  // ranges would defeat the zone maps and scan every raw sample.
  const live = `SELECT g.gpu_id FROM gpu g SEMI JOIN resource r ON r.account = g.account AND r.id = g.resource_id
                WHERE ${filterSql(filter, 'g')}`;
  const raw = (from: string, to: string): string =>
    `SELECT s.gpu_id, s.util AS util_sum, 1 AS util_count FROM gpu_sample s
     WHERE s.util IS NOT NULL AND s.ts ${from} AND s.ts ${to} AND s.gpu_id IN (${live})`;
  const parts =
    h0 < h1
      ? [rollup('rollup_5m', first, h0), rollup('rollup_1h', h0, h1), rollup('rollup_5m', h1, end)]
      : [rollup('rollup_5m', first, end)];
  parts.push(
    raw(`> ${tsLiteral(fromExclusiveMs)}`, `< ${tsLiteral(first)}`),
    raw(`>= ${tsLiteral(end)}`, `<= ${tsLiteral(toInclusiveMs)}`),
  );
  return `
    SELECT m.gpu_id, g.account, g.resource_id, g.gpu_index, g.cloud, m.gpu_mean FROM (
      SELECT gpu_id, sum(util_sum) / sum(util_count) AS gpu_mean
      FROM (${parts.filter((p) => p !== '').join('\n UNION ALL \n')})
      GROUP BY gpu_id
    ) m JOIN gpu g USING (gpu_id)`;
}

/** SQL: per cloud, the mean over GPUs of each GPU's mean over the window (cloud, avg). */
export function cloudWindowAverageSql(fromExclusiveMs: number, toInclusiveMs: number, filter: FleetFilter): string {
  return `SELECT cloud, avg(gpu_mean) AS avg
          FROM (${gpuWindowMeansSql(fromExclusiveMs, toInclusiveMs, filter)}) GROUP BY cloud`;
}

/**
 * SQL: per cloud, the 95th percentile of the fleet's 5-minute utilisation series (each bucket's
 * value being the mean over GPUs of their bucket means) over the whole buckets in the window.
 */
export function cloudP95Sql(fromExclusiveMs: number, toInclusiveMs: number, filter: FleetFilter): string {
  const { first, end } = wholeBuckets(fromExclusiveMs, toInclusiveMs);
  return `
    SELECT cloud, quantile_cont(v, 0.95) AS p95 FROM (
      SELECT cloud, bucket, sum(gpu_mean_sum) / sum(gpus) AS v
      FROM fleet_5m
      WHERE bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(end)} AND ${filterSql(filter)}
      GROUP BY cloud, bucket
    ) GROUP BY cloud`;
}
