/**
 * The overview's GPU facts kept for one minute: each counted GPU's 1-hour and 24-hour means, and the
 * GPUs counted by state per cloud, account, region and model. At 100,000 GPUs computing them reads
 * about five million rollup and sample rows (most of a cold overview's time); kept, a filter nobody
 * asked for yet reads a hundred thousand rows instead.
 *
 * They are what the overview's own SQL computes for that minute, with no filter, so they are exact.
 * The store keeps them anew when quiet (write.ts): after a burst of writes, and as each minute
 * begins. Every write adds a row to store_write in its own transaction, and keeping them anew
 * empties it: a reader that finds a row there, in the same snapshot as the facts, computes instead,
 * so facts older than the data are never read, even after a crash or by another process.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FleetFilter } from '../../../../shared/contract';
import type { CloudId, GpuState } from '../../../../shared/domain';
import { fleetMeanSql } from '../../domain/fleet-utilisation';
import { type ConnectionPool, exec, type Params, type Row, rows, tsLiteral } from '../db';
import { gpuStateCountsSql } from './gpu-state-query';
import { filterSql } from './resource-rows';
import { loadStoreShape } from './store-shape';
import { gpuWindowMeansSql } from './utilisation-query';

const HOUR_MS = 3_600_000;
/** The overview's windows, in the order of its averages' columns (avg0, avg1). */
export const OVERVIEW_WINDOWS_MS: readonly number[] = [HOUR_MS, 24 * HOUR_MS];

/** Per overview entry: the mean over measured GPUs of their 1-hour (avg0) and 24-hour (avg1) means. */
export type EntryAverages = {
  key: string;
  avg0: number | null;
  avg1: number | null;
};

/** GPUs of one cloud, account and model in one state, with how many lack metrics or placement. */
export type StateCount = {
  cloud: CloudId;
  account: string;
  gpu_model: string;
  state: GpuState;
  n: number;
  without_metrics: number;
  unplaced: number;
};

/** Records, inside a write's transaction, that the kept facts may no longer hold. */
export async function markWritten(conn: DuckDBConnection): Promise<void> {
  await exec(conn, 'INSERT INTO store_write VALUES (current_timestamp::TIMESTAMP)');
}

/** Keeps the facts of the minute `asOfMs` in place of those kept before (in the caller's transaction). */
export async function keepOverviewFacts(conn: DuckDBConnection, asOfMs: number): Promise<void> {
  const read = { rows: <T extends Row>(sql: string, params?: Params): Promise<T[]> => rows<T>(conn, sql, params) };
  const { minuteDetail, counted, retiredGpus } = await loadStoreShape(read);
  for (const table of ['store_write', 'overview_kept', 'overview_kept_gpu', 'overview_kept_state']) await exec(conn, `DELETE FROM ${table}`);
  const all: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
  await exec(
    conn,
    `INSERT INTO overview_kept_gpu SELECT gpu_id, cloud, account, region, gpu_model, m0, m1
     FROM (${gpuWindowMeansSql(asOfMs, OVERVIEW_WINDOWS_MS, all, { minuteDetail, counted: counted(), retiredGpus })})`,
  );
  await exec(
    conn,
    `INSERT INTO overview_kept_state SELECT cloud, account, region, gpu_model, state, n, without_metrics, unplaced
     FROM (${gpuStateCountsSql(asOfMs, counted(), { minuteDetail })})`,
  );
  await exec(conn, `INSERT INTO overview_kept VALUES (${tsLiteral(asOfMs)})`);
}

/**
 * The overview's averages (per entry, `keySql` over cloud and account) and state counts for `filter`
 * from the facts kept for the minute `asOfMs`, or null when none are kept for it or a write came since.
 */
export async function keptOverviewFacts(
  pool: ConnectionPool,
  asOfMs: number,
  filter: FleetFilter,
  keySql: string,
): Promise<{ averages: EntryAverages[]; states: StateCount[] } | null> {
  return pool.use(async (conn) => {
    // One snapshot: the check and the reads see the same writes.
    await exec(conn, 'BEGIN TRANSACTION');
    try {
      const [kept] = await rows<{ minute: number }>(
        conn,
        'SELECT epoch_ms(minute)::DOUBLE AS minute FROM overview_kept WHERE NOT EXISTS (SELECT 1 FROM store_write)',
      );
      if (kept?.minute !== asOfMs) return null;
      const where = filterSql(filter);
      const averages = await rows<EntryAverages>(
        conn,
        `SELECT ${keySql} AS key, ${fleetMeanSql('mean_1h')} AS avg0, ${fleetMeanSql('mean_24h')} AS avg1
         FROM overview_kept_gpu WHERE ${where} GROUP BY 1`,
      );
      const states = await rows<StateCount>(
        conn,
        `SELECT cloud, account, gpu_model, state, sum(n)::INTEGER AS n,
                sum(without_metrics)::INTEGER AS without_metrics, sum(unplaced)::INTEGER AS unplaced
         FROM overview_kept_state WHERE ${where} GROUP BY cloud, account, gpu_model, state`,
      );
      return { averages, states };
    } finally {
      await exec(conn, 'ROLLBACK');
    }
  });
}
