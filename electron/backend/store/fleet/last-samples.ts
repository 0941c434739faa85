/**
 * The last sample of each of an account's GPUs that went quiet, for the derived signals' silent rule
 * (which looks back six hours, and calls a GPU silent after 30 minutes without a sample). Grouping six
 * hours of a 100,000-GPU fleet's raw samples (36M) by GPU, and handing all 101,000 GPUs back, took
 * 280-540 ms after every metrics write. The rollups say where each GPU's last sample lies: raw samples
 * are read for the newest minutes, rollup_5m for the buckets of the hour before, rollup_1h for the
 * hours before that, and the exact last sample of a GPU quiet longer comes from the raw samples of its
 * last bucket only. GPUs that reported in the newest minutes are left out: they are not silent.
 * A rollups-only account's minute rows (rollup_1m, `ts` its newest sample in the minute) stand for
 * its raw samples.
 */
import { tsLiteral, type ConnectionPool } from '../db';
import { minuteRowsSql } from './minute-rows';
import { floorTo, FIVE_MINUTES_MS, HOUR_MS, periodSpans } from './rollups';

/** One GPU's last sample: its machine, its index and when (epoch ms). */
export interface LastSampleRow {
  resource_id: string;
  gpu_index: number;
  last: number;
}

/**
 * SQL: the newest sample per gpu_id of the GPUs `gpus` (an SQL list or subquery) with ts in
 * [fromMs, toMs), or [fromMs, toMs] when `toInclusive`, and after `afterMs`.
 */
function newestSql(gpus: string, fromMs: number, toMs: number, toInclusive: boolean, afterMs: number): string {
  const range = `ts >= ${tsLiteral(fromMs)} AND ts ${toInclusive ? '<=' : '<'} ${tsLiteral(toMs)} AND ts > ${tsLiteral(afterMs)}`;
  return `SELECT gpu_id, max(ts) AS last FROM (
      SELECT gpu_id, ts FROM gpu_sample WHERE ${range}
      UNION ALL
      SELECT gpu_id, ts FROM ${minuteRowsSql(fromMs, toMs, range)}
    ) WHERE gpu_id IN ${gpus} GROUP BY gpu_id`;
}

/** GPUs named one by one in a query at most; more are read as the account's (a sync that fell behind). */
const MAX_LISTED_GPUS = 2_000;

/**
 * The last sample of each GPU of `account` with ts in (fromExclusiveMs, toInclusiveMs], but for GPUs
 * with a sample in the 5 to 10 minutes before toInclusiveMs, which are left out.
 */
export async function accountQuietGpus(pool: ConnectionPool, account: string, fromExclusiveMs: number, toInclusiveMs: number): Promise<LastSampleRow[]> {
  // Raw samples from `recentFrom` (5 to 10 minutes), rollup_5m's buckets back to the hour, rollup_1h's hours before.
  const recentFrom = Math.max(floorTo(toInclusiveMs, FIVE_MINUTES_MS) - FIVE_MINUTES_MS, fromExclusiveMs);
  const hourFrom = Math.max(floorTo(recentFrom, HOUR_MS), floorTo(fromExclusiveMs, FIVE_MINUTES_MS));
  const firstHour = floorTo(fromExclusiveMs, HOUR_MS);
  const gpus = '(SELECT gpu_id FROM gpu WHERE account = $account)';
  const quiet = await pool.rows<{ gpu_id: number; resource_id: string; gpu_index: number; bucket: number | null; hour: number | null }>(
    `WITH recent AS (${newestSql(gpus, recentFrom, toInclusiveMs, true, fromExclusiveMs)}),
     buckets AS (SELECT gpu_id, max(bucket) AS bucket FROM rollup_5m
       WHERE bucket >= ${tsLiteral(hourFrom)} AND bucket < ${tsLiteral(recentFrom)} AND sample_count > 0 AND gpu_id IN ${gpus} GROUP BY gpu_id),
     hours AS (SELECT gpu_id, max(bucket) AS hour FROM rollup_1h
       WHERE bucket >= ${tsLiteral(firstHour)} AND bucket < ${tsLiteral(hourFrom)} AND sample_count > 0 AND gpu_id IN ${gpus} GROUP BY gpu_id)
     SELECT g.gpu_id, g.resource_id, g.gpu_index::INTEGER AS gpu_index, epoch_ms(b.bucket)::DOUBLE AS bucket, epoch_ms(h.hour)::DOUBLE AS hour
     FROM gpu g ANTI JOIN recent r USING (gpu_id) LEFT JOIN buckets b USING (gpu_id) LEFT JOIN hours h USING (gpu_id)
     WHERE g.account = $account AND (b.bucket IS NOT NULL OR h.hour IS NOT NULL)`,
    { account },
  );
  const out: LastSampleRow[] = [];
  // Per quiet GPU, the bucket its last sample lies in, once known.
  const bucketOf = new Map<number, number>();
  const hourOf = new Map<number, number>();
  const named = new Map<number, { resource_id: string; gpu_index: number }>();
  for (const q of quiet) {
    named.set(q.gpu_id, q);
    if (q.bucket !== null) bucketOf.set(q.gpu_id, q.bucket);
    else if (q.hour !== null) hourOf.set(q.gpu_id, q.hour);
  }
  const listed = (ids: Map<number, number>): string => (ids.size <= MAX_LISTED_GPUS ? `(${[...ids.keys()].join(', ')})` : gpus);
  const paramsOf = (ids: Map<number, number>): { account: string } | undefined => (ids.size <= MAX_LISTED_GPUS ? undefined : { account });
  // A GPU silent for over an hour: its last bucket within its last hour (it has none after it).
  if (hourOf.size > 0) {
    for (const [from, to] of periodSpans(hourOf.values(), HOUR_MS)) {
      const rows = await pool.rows<{ gpu_id: number; bucket: number }>(
        `SELECT gpu_id, epoch_ms(max(bucket))::DOUBLE AS bucket FROM rollup_5m
         WHERE bucket >= ${tsLiteral(from)} AND bucket < ${tsLiteral(to)} AND sample_count > 0 AND gpu_id IN ${listed(hourOf)} GROUP BY gpu_id`,
        paramsOf(hourOf),
      );
      for (const r of rows) if (hourOf.has(r.gpu_id)) bucketOf.set(r.gpu_id, Math.max(bucketOf.get(r.gpu_id) ?? -Infinity, r.bucket));
    }
  }
  // The exact last sample, from the raw samples of each silent GPU's last bucket (none after the
  // lookback's start: the GPU then has no sample within it).
  const last = new Map<number, number>();
  for (const [from, to] of periodSpans(bucketOf.values(), FIVE_MINUTES_MS)) {
    const rows = await pool.rows<{ gpu_id: number; last: number }>(
      `SELECT gpu_id, epoch_ms(last)::DOUBLE AS last FROM (${newestSql(listed(bucketOf), from, to, false, fromExclusiveMs)})`,
      paramsOf(bucketOf),
    );
    for (const r of rows) if (bucketOf.has(r.gpu_id)) last.set(r.gpu_id, Math.max(last.get(r.gpu_id) ?? -Infinity, r.last));
  }
  for (const [gpuId, ms] of last) {
    const g = named.get(gpuId)!;
    out.push({ resource_id: g.resource_id, gpu_index: g.gpu_index, last: ms });
  }
  return out;
}
