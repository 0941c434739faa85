/**
 * Fleet utilisation over a window (asOf - length, asOf]: each GPU's mean (sum/count of all its
 * samples), then the mean over GPUs that have samples (the rule of domain/fleet-utilisation.ts). The
 * result equals a computation over raw samples alone.
 */
import type { FleetFilter } from '../../../../shared/contract';
import { fleetMeanOfSumsSql, fleetMeanSql } from '../../domain/fleet-utilisation';
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
 * around them from rollup_5m (split at the last hour boundary), and the partial buckets at the edges
 * from raw samples. Each range is its own scan, so zone maps skip the rest of its table.
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

/** What a window read may leave out of its SQL on a given store (planning it costs as much as running it). */
export interface WindowReadOptions {
  /** Whether rollups-only accounts have minute detail to read at the window edges (default true). */
  minuteDetail?: boolean;
  /** SQL over the resource table's columns: true for a resource counted (default countedOnceSql()). */
  counted?: string;
  /**
   * Whether the gpu table may name GPUs whose machine has left the inventory (default true). Without
   * any, the raw edges' inventory check is left out: it joined the fleet's GPUs to their machines by
   * text keys twice per overview, a third of the window means' work at 100,000 GPUs.
   */
  retiredGpus?: boolean;
}

/**
 * SQL with one row per GPU measured in any of the windows (asOf - length, asOf]: gpu_id, m0, m1, ...
 * (the GPU's mean in window i of `lengthsMs`: sum/count of all its samples there, NULL when it has
 * none), cloud, account, region, gpu_model. Everything is grouped by the integer gpu_id; the gpu table names the GPUs
 * of the (small) result.
 *
 * Each distinct part of the windows is summed per GPU once, then its sums count in every window it
 * belongs to: windows ending at the same minute share their newest buckets and raw edge. At 100,000
 * GPUs, reading those once and joining one row per GPU (not one per GPU and window) took about 15%
 * off the query's CPU. Counts are summed as DOUBLE (exact below 2^53) because integer sums
 * widen to 128 bits.
 */
export function gpuWindowMeansSql(
  toInclusiveMs: number,
  lengthsMs: readonly number[],
  filter: FleetFilter,
  { minuteDetail = true, counted = countedOnceSql(), retiredGpus = true }: WindowReadOptions = {},
): string {
  // Raw edges count only machines in the inventory now, as the rollups did when they were written;
  // that check runs over the gpu table, not per sample. One scan per range: an OR of time ranges
  // would defeat the zone maps and scan every raw sample.
  const live = 'SELECT g.gpu_id FROM gpu g SEMI JOIN resource r ON r.account = g.account AND r.id = g.resource_id';
  // Each part is summed per GPU on its own, then the parts per GPU: always one integer key, which
  // DuckDB groups with a perfect hash (an array). Grouping by (gpu_id, window) ran as a general hash
  // table, about twice the CPU at 100k GPUs; so did sharing a part as a CTE (its rows lose the
  // gpu_id range the perfect hash needs).
  const perGpu = (s: string, c: string, from: string): string => `SELECT gpu_id, sum(${s}) AS s, sum(${c}) AS c FROM ${from} GROUP BY gpu_id`;
  // Each distinct part once, with the windows it counts in (by its SQL, which names its range).
  const rollups = new Map<string, Set<number>>();
  const edges = new Map<string, Set<number>>();
  const add = (parts: Map<string, Set<number>>, sql: string, w: number): void => {
    parts.set(sql, (parts.get(sql) ?? new Set<number>()).add(w));
  };
  lengthsMs.forEach((length, w) => {
    for (const part of windowParts(toInclusiveMs - length, toInclusiveMs)) {
      if (part.source !== 'raw') {
        add(rollups, perGpu('util_sum', 'util_count::DOUBLE', `${part.source} WHERE ${part.range} AND util_count > 0`), w);
        continue;
      }
      add(edges, perGpu('util', '1::DOUBLE', `gpu_sample WHERE util IS NOT NULL AND ${part.range}`), w);
      // rollups-only accounts: the same partial bucket from the minute detail (minute-rows.ts)
      if (minuteDetail) {
        add(edges, perGpu('util_sum', 'util_count::DOUBLE', minuteRowsSql(part.fromMs ?? toInclusiveMs, part.toMs ?? toInclusiveMs, `util_count > 0 AND ${part.range}`)), w);
      }
    }
  });
  const columns = (windows: ReadonlySet<number>): string =>
    lengthsMs.map((_, w) => (windows.has(w) ? `s AS s${w}, c AS c${w}` : `0::DOUBLE AS s${w}, 0::DOUBLE AS c${w}`)).join(', ');
  const unionOf = (parts: Map<string, Set<number>>): string[] => [...parts].map(([sql, windows]) => `SELECT gpu_id, ${columns(windows)} FROM (${sql})`);
  const edgeUnion = unionOf(edges).join('\n UNION ALL \n');
  // The live check runs once, on the edges' per-GPU sums, not on every raw sample.
  const union = [...unionOf(rollups), retiredGpus ? `SELECT * FROM (${edgeUnion}) WHERE gpu_id IN (${live})` : edgeUnion].join('\n UNION ALL \n');
  const sums = lengthsMs.map((_, w) => `sum(s${w}) AS s${w}, sum(c${w}) AS c${w}`).join(', ');
  const means = lengthsMs.map((_, w) => `CASE WHEN f.c${w} > 0 THEN f.s${w} / f.c${w} END AS m${w}`).join(', ');
  return `
    SELECT f.gpu_id, ${means}, g.cloud, g.account, g.region, g.gpu_model
    FROM (SELECT gpu_id, ${sums} FROM (${union}) GROUP BY gpu_id) f
    JOIN gpu g USING (gpu_id)
    ${
      // A machine two accounts see counts once: the GPUs of the resource that yields are left out
      // (decided per resource, before the join fans out to GPUs). A store where every resource
      // counts skips the join on text keys.
      counted === 'TRUE'
        ? `WHERE ${filterSql(filter, 'g')}`
        : `LEFT JOIN (SELECT account, id, ${counted} AS counted FROM resource) r ON r.account = g.account AND r.id = g.resource_id
           WHERE ${filterSql(filter, 'g')} AND (r.id IS NULL OR r.counted)`
    }`;
}

/**
 * SQL: per overview entry (`keySql` over columns cloud and account), for each window (asOf - length,
 * asOf], the mean over GPUs (with samples in that window) of each GPU's mean over the window: columns
 * key, avg0, avg1, ...
 */
export function cloudWindowAveragesSql(
  toInclusiveMs: number,
  lengthsMs: readonly number[],
  filter: FleetFilter,
  keySql = 'cloud',
  options: WindowReadOptions = {},
): string {
  const avgs = lengthsMs.map((_, w) => `${fleetMeanSql(`m${w}`)} AS avg${w}`).join(', ');
  return `SELECT ${keySql} AS key, ${avgs} FROM (${gpuWindowMeansSql(toInclusiveMs, lengthsMs, filter, options)}) GROUP BY 1`;
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
