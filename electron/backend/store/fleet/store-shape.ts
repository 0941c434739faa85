/** What the overview's SQL may leave out on a given store, asked before it is planned. */
import { type ConnectionPool, sqlString } from '../db';
import { countedOnceSql, machineKeySql } from './resource-rows';

/** What the overview's SQL may leave out on this store. */
export interface StoreShape {
  /** Whether rollups-only accounts keep minute detail (else those reads are left out). */
  minuteDetail: boolean;
  /** SQL over the resource table (`alias` qualifies its columns): true for a resource counted (countedOnceSql's rule). */
  counted: (alias?: string) => string;
  /** Whether any GPU's machine has left the inventory (its gpu row stays: history names it). */
  retiredGpus: boolean;
}

/** Above this many resources yielding to another account's, the rule stays in SQL rather than a list. */
const YIELDING_LIST_MAX = 200;

/**
 * Asks what the overview's SQL may leave out: planning a part costs DuckDB about as much as running it
 * on 10,000 GPUs, and most stores have no rollups-only account and no machine two accounts see.
 */
export async function loadStoreShape(read: Pick<ConnectionPool, 'rows'>): Promise<StoreShape> {
  // Retired GPUs as the inventory writes record them (fleet/writer.ts syncGpuRetirement).
  const [probe] = await read.rows<{ minute_detail: boolean; shared: boolean; retired: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM rollup_1m) AS minute_detail,
            EXISTS (SELECT 1 FROM resource WHERE ${machineKeySql()} IS NOT NULL) AS shared,
            EXISTS (SELECT 1 FROM gpu_retirement WHERE retired) AS retired`,
  );
  const minuteDetail = probe?.minute_detail ?? true;
  const retiredGpus = probe?.retired ?? true;
  if (probe?.shared === false) return { minuteDetail, retiredGpus, counted: () => 'TRUE' };
  const yielding = await read.rows<{ account: string; id: string }>(
    `SELECT account, id FROM resource WHERE NOT ${countedOnceSql()} LIMIT ${YIELDING_LIST_MAX + 1}`,
  );
  if (yielding.length > YIELDING_LIST_MAX) return { minuteDetail, retiredGpus, counted: (alias) => countedOnceSql(alias) };
  if (yielding.length === 0) return { minuteDetail, retiredGpus, counted: () => 'TRUE' };
  return {
    minuteDetail,
    retiredGpus,
    counted: (alias) => {
      const col = (name: string): string => (alias === undefined ? name : `${alias}.${name}`);
      return `NOT (${yielding.map((r) => `(${col('account')} = ${sqlString(r.account)} AND ${col('id')} = ${sqlString(r.id)})`).join(' OR ')})`;
    },
  };
}
