/**
 * The overview's GPU facts kept for one minute: each counted GPU's 1-hour and 24-hour means, the
 * GPUs counted by state per cloud, account, region and model, each machine's idle 5-minute buckets of
 * today (its idle waste), and the fleet folded for the incidents open then. At 100,000 GPUs computing
 * them reads about five million rollup and sample rows (most of a cold overview's time); kept, a
 * filter nobody asked for yet reads a hundred thousand rows instead.
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
import { type ConnectionPool, exec, jsonListSql, type Params, type Row, rows, tsLiteral } from '../db';
import { gpuStateCountsSql } from './gpu-state-query';
import { filterSql } from './resource-rows';
import { loadStoreShape } from './store-shape';
import { gpuWindowMeansSql } from './utilisation-query';
import { idleBucketsTodaySql, idleWasteSql, type IdleWasteRow } from '../spend/spend-query';
import { foldedFleetSql, OPEN_AT_SQL } from '../incident-query';
import type { FleetMachine } from '../../domain/incident-fleet';

const HOUR_MS = 3_600_000;
/** The overview's windows, in the order of its averages' columns (avg0, avg1). */
export const OVERVIEW_WINDOWS_MS: readonly number[] = [HOUR_MS, 24 * HOUR_MS];

/** Per overview entry: the mean over measured GPUs of their 1-hour (avg0) and 24-hour (avg1) means. */
export type EntryAverages = {
  key: string;
  avg0: number | null;
  avg1: number | null;
};

/**
 * GPUs of one cloud, account and model in one state, with how many lack metrics or placement. Rows
 * may repeat a key (the kept ones come one per region, the grouping left to the overview's sums).
 */
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
  const tables = ['store_write', 'overview_kept', 'overview_kept_gpu', 'overview_kept_state', 'overview_kept_idle', 'overview_kept_fleet', 'overview_kept_named'];
  for (const table of tables) {
    await exec(conn, `DELETE FROM ${table}`);
  }
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
  await exec(conn, `INSERT INTO overview_kept_idle ${idleBucketsTodaySql(asOfMs)}`);
  const open = { asOf: String(asOfMs) };
  await exec(conn, `INSERT INTO overview_kept_named SELECT DISTINCT unnest(from_json(resource_ids, '["VARCHAR"]')) FROM incident WHERE ${OPEN_AT_SQL}`, open);
  await exec(conn, `INSERT INTO overview_kept_fleet ${foldedFleetSql('SELECT id FROM overview_kept_named')}`);
  await exec(conn, `INSERT INTO overview_kept VALUES (${tsLiteral(asOfMs)})`);
}

/** What keptOverviewFacts reads for one overview. */
export interface KeptOverviewFacts {
  averages: EntryAverages[];
  states: StateCount[];
  idle: IdleWasteRow[];
  /** The fleet folded for the machines named by the incidents open at the kept minute (`named`). */
  fleet: { machines: FleetMachine[]; named: ReadonlySet<string> };
}

/**
 * The overview's averages (per entry, `keySql` over cloud and account), state counts and idle waste
 * rows for `filter`, and the folded fleet, from the facts kept for the minute `asOfMs`; or null when
 * none are kept for it or a write came since.
 */
export async function keptOverviewFacts(
  pool: ConnectionPool,
  asOfMs: number,
  filter: FleetFilter,
  keySql: string,
): Promise<KeptOverviewFacts | null> {
  const where = filterSql(filter);
  // The states go ungrouped: the overview sums them anyway, and a grouping of some 30 rows cost 0.9 ms.
  // One statement, so one snapshot: the check and the reads see the same writes. Each read comes back
  // as one JSON text (jsonRows' rule: its columns are text, INTEGER and DOUBLE); one round trip, where
  // a transaction of four statements waited four times for a turn on a busy pool.
  const [found] = await pool.rows<{ kept: boolean; averages: string; states: string; idle: string; fleet: string; named: string }>(
    `WITH kept AS (
       SELECT 1 FROM overview_kept WHERE minute = ${tsLiteral(asOfMs)} AND NOT EXISTS (SELECT 1 FROM store_write)
     )
     SELECT EXISTS (SELECT 1 FROM kept) AS kept,
       ${jsonListSql(`SELECT ${keySql} AS key, ${fleetMeanSql('mean_1h')} AS avg0, ${fleetMeanSql('mean_24h')} AS avg1
                 FROM overview_kept_gpu WHERE EXISTS (SELECT 1 FROM kept) AND ${where} GROUP BY 1`)} AS averages,
       ${jsonListSql(`SELECT cloud, account, gpu_model, state, n, without_metrics, unplaced
                 FROM overview_kept_state WHERE EXISTS (SELECT 1 FROM kept) AND ${where}`)} AS states,
       ${jsonListSql(idleWasteSql('SELECT account, resource_id, n FROM overview_kept_idle WHERE EXISTS (SELECT 1 FROM kept)', filter))} AS idle,
       ${jsonListSql(`SELECT account, id, cloud, region, gpu_model AS "gpuModel", gpu_count AS "gpuCount", power_state AS "powerState",
                        hourly_price AS "hourlyPrice", currency, demo
                 FROM overview_kept_fleet WHERE EXISTS (SELECT 1 FROM kept)`)} AS fleet,
       ${jsonListSql('SELECT id FROM overview_kept_named WHERE EXISTS (SELECT 1 FROM kept)')} AS named`,
  );
  if (found?.kept !== true) return null;
  return {
    averages: JSON.parse(found.averages) as EntryAverages[],
    states: JSON.parse(found.states) as StateCount[],
    idle: JSON.parse(found.idle) as IdleWasteRow[],
    fleet: { machines: JSON.parse(found.fleet) as FleetMachine[], named: new Set((JSON.parse(found.named) as { id: string }[]).map((n) => n.id)) },
  };
}
