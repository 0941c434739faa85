/**
 * GPU state as the glossary defines it, over the samples in (asOf - 30 min, asOf]: the precedence
 * and thresholds are domain/gpu-state.ts (stopped > unhealthy > unknown > busy > idle).
 * Every GPU of a machine counts, whether or not it reported.
 */
import { type CoverageGap, type GpuState, STATE_WINDOW_MS } from '../../../../shared/domain';
import { gpuStateCaseSql } from '../../domain/gpu-state';
import { tsLiteral } from '../db';
import { minuteRowsSql } from './minute-rows';
import { wholeBuckets } from './utilisation-query';

/** SQL: true when the coverage_gaps JSON value `column` holds a gap of this kind. */
export function hasGapSql(column: string, kind: CoverageGap['kind']): string {
  return `coalesce(list_contains(json_extract_string(${column}, '$[*].kind'), '${kind}'), false)`;
}

/**
 * SQL: per gpu_id, the state facts over (asOf - 30 min, asOf]: util_sum, util_n (samples with a
 * utilisation), xid, fault. Whole 5-minute buckets come from rollup_5m, only the partial buckets at the
 * two edges from raw samples (each edge its own time range, so zone maps skip the rest) or, for
 * rollups-only accounts, from the minute detail (minute-rows.ts), which splits at the edges as the raw
 * samples do. All of them sum the same samples, so the facts equal a scan of the raw window.
 * `gpuWhere` (over gpu_id) narrows every part to some GPUs. Without `minuteDetail` (no rollups-only
 * account has any) the minute detail is left out of the SQL, which then plans in a fraction of the time.
 */
export function stateFactsSql(asOfMs: number, gpuWhere = 'TRUE', minuteDetail = true): string {
  const from = asOfMs - STATE_WINDOW_MS;
  const { first, end } = wholeBuckets(from, asOfMs);
  const edge = (fromMs: number, toMs: number, range: string): string =>
    `SELECT gpu_id, coalesce(util, 0) AS util_sum, (util IS NOT NULL)::INTEGER AS util_n, xid, coalesce(fault, false) AS fault
     FROM gpu_sample WHERE ${range} AND ${gpuWhere}` +
    (minuteDetail
      ? ` UNION ALL
     SELECT gpu_id, util_sum, util_count AS util_n, xid, coalesce(fault, false) AS fault
     FROM ${minuteRowsSql(fromMs, toMs, `${range} AND ${gpuWhere}`)}`
      : '');
  return `
    SELECT gpu_id, sum(util_sum) AS util_sum, sum(util_n) AS util_n, sum(xid) AS xid, bool_or(fault) AS fault
    FROM (
      SELECT gpu_id, util_sum, util_count AS util_n, xid_sum AS xid, fault_count > 0 AS fault
      FROM rollup_5m WHERE bucket >= ${tsLiteral(first)} AND bucket < ${tsLiteral(end)} AND ${gpuWhere}
      UNION ALL ${edge(from, first, `ts > ${tsLiteral(from)} AND ts < ${tsLiteral(first)}`)}
      UNION ALL ${edge(end, asOfMs, `ts >= ${tsLiteral(end)} AND ts <= ${tsLiteral(asOfMs)}`)}
    ) GROUP BY gpu_id`;
}

/**
 * SQL yielding one row per GPU of the resources matching `resourceWhere` (over resource columns):
 * account, resource_id, gpu_index, cloud, region, gpu_model, util_mean, util_n, xid, last_ms, state, and
 * metrics_gap / placement_gap (the machine's connector says it cannot be measured / placed).
 * last_ms (the GPU's last sample in the window) is read only when `lastSample` is asked (the overview
 * does not need it); `minuteDetail: false` leaves out the minute detail (stateFactsSql).
 */
export function gpuStateSql(
  asOfMs: number,
  resourceWhere: string,
  {
    lastSample = true,
    fewMachines = false,
    minuteDetail = true,
  }: { lastSample?: boolean; fewMachines?: boolean; minuteDetail?: boolean } = {},
): string {
  // For a few machines (a page of the machine table), read only their GPUs' samples rather than
  // aggregating the whole fleet's window and joining most of it away.
  const gpuWhere = fewMachines
    ? `gpu_id IN (SELECT k.gpu_id FROM gpu k SEMI JOIN (SELECT account, id FROM resource WHERE ${resourceWhere}) r
         ON k.account = r.account AND k.resource_id = r.id)`
    : 'TRUE';
  const from = asOfMs - STATE_WINDOW_MS;
  const inWindow = `ts > ${tsLiteral(from)} AND ts <= ${tsLiteral(asOfMs)} AND ${gpuWhere}`;
  // A minute row's ts is its newest sample, so max(ts) over minute rows is the last sample's time.
  const last = lastSample
    ? `SELECT gpu_id, max(ts) AS last_ts FROM (
         SELECT gpu_id, ts FROM gpu_sample WHERE ${inWindow}
         UNION ALL SELECT gpu_id, ts FROM ${minuteRowsSql(from, asOfMs, inWindow)}
       ) GROUP BY gpu_id`
    : 'SELECT NULL::INTEGER AS gpu_id, NULL::TIMESTAMP AS last_ts WHERE false';
  return `
    WITH f AS (${stateFactsSql(asOfMs, gpuWhere, minuteDetail)}), l AS (${last}), w AS (
      SELECT gpu_id, CASE WHEN f.util_n > 0 THEN f.util_sum / f.util_n END AS util_mean, f.util_n, f.xid, f.fault, l.last_ts
      FROM f LEFT JOIN l USING (gpu_id)
    ), m AS (
      -- The connector's gaps are read once per machine, not once per GPU (each read parses JSON).
      SELECT account, id, cloud, region, gpu_model, power_state, health,
             ${hasGapSql('coverage_gaps', 'metrics')} AS metrics_gap, ${hasGapSql('coverage_gaps', 'placement')} AS placement_gap, gpu_count
      FROM resource WHERE ${resourceWhere}
    ), g AS (
      -- The gpu table holds every GPU of every machine in the inventory (the inventory write adds
      -- the new ones, writer.ts syncGpuDimension), so a machine's GPUs are its gpu rows below its
      -- GPU count: the machines are the hash table's side, not one row per GPU keyed by three columns.
      SELECT m.* EXCLUDE (gpu_count), k.gpu_index, k.gpu_id FROM m
      JOIN gpu k ON k.account = m.account AND k.resource_id = m.id AND k.gpu_index < m.gpu_count
    )
    SELECT g.account, g.id AS resource_id, g.gpu_index::INTEGER AS gpu_index, g.cloud, g.region, g.gpu_model,
           w.util_mean, coalesce(w.util_n, 0)::INTEGER AS util_n, coalesce(w.xid, 0)::INTEGER AS xid,
           epoch_ms(w.last_ts)::DOUBLE AS last_ms,
           ${gpuStateCaseSql({
             powerState: 'g.power_state',
             health: 'g.health',
             xidErrors: 'w.xid',
             fault: 'w.fault',
             samples: 'w.util_n',
             meanUtilisation: 'w.util_mean',
           })} AS state,
           g.metrics_gap, g.placement_gap
    FROM g LEFT JOIN w ON w.gpu_id = g.gpu_id`;
}

/**
 * SQL: the GPUs of the resources matching `resourceWhere` counted by cloud, account, region, gpu_model
 * and state, with how many of each count lack metrics (not stopped, and no sample or the machine's
 * connector says it cannot be measured: without_metrics) or placement (unplaced). The same states as
 * gpuStateSql, but each GPU carries only its machine's row number and the two columns its state
 * needs: the names are joined per machine after the GPUs are counted, which at 100,000 GPUs took
 * about 8% off the query's time.
 */
export function gpuStateCountsSql(asOfMs: number, resourceWhere: string, { minuteDetail = true }: { minuteDetail?: boolean } = {}): string {
  const state = gpuStateCaseSql({
    powerState: 'g.power_state',
    health: 'g.health',
    xidErrors: 'f.xid',
    fault: 'f.fault',
    samples: 'f.util_n',
    meanUtilisation: 'f.util_sum / f.util_n',
  });
  return `
    WITH f AS (${stateFactsSql(asOfMs, 'TRUE', minuteDetail)}), g AS (
      SELECT m.machine, m.power_state, m.health, k.gpu_id
      FROM (SELECT rowid AS machine, account, id, power_state, health, gpu_count FROM resource WHERE ${resourceWhere}) m
      JOIN gpu k ON k.account = m.account AND k.resource_id = m.id AND k.gpu_index < m.gpu_count
    ), s AS (
      SELECT g.machine, ${state} AS state, count(*) AS n, count(*) FILTER (WHERE coalesce(f.util_n, 0) = 0) AS silent
      FROM g LEFT JOIN f ON f.gpu_id = g.gpu_id GROUP BY g.machine, state
    )
    SELECT r.cloud, r.account, r.region, r.gpu_model, s.state, sum(s.n)::INTEGER AS n,
           sum(CASE WHEN s.state = 'stopped' THEN 0 WHEN r.metrics_gap THEN s.n ELSE s.silent END)::INTEGER AS without_metrics,
           sum(CASE WHEN r.placement_gap THEN s.n ELSE 0 END)::INTEGER AS unplaced
    FROM s JOIN (
      -- The connector's gaps are read once per machine, not once per GPU (each read parses JSON).
      SELECT rowid AS machine, cloud, account, region, gpu_model,
             ${hasGapSql('coverage_gaps', 'metrics')} AS metrics_gap, ${hasGapSql('coverage_gaps', 'placement')} AS placement_gap
      FROM resource
    ) r USING (machine)
    GROUP BY r.cloud, r.account, r.region, r.gpu_model, s.state`;
}

/** What a machine's row says of its GPUs: how many in each state, and the mean over measured GPUs of each GPU's mean. */
export function machineGpuSummary(gpus: readonly { state: GpuState; util_mean: number | null; util_n: number }[]): {
  states: Record<GpuState, number>;
  utilisation30m: number | null;
} {
  const states: Record<GpuState, number> = { busy: 0, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 };
  let sum = 0;
  let measured = 0;
  for (const g of gpus) {
    states[g.state]++;
    if (g.util_n > 0 && g.util_mean !== null) {
      sum += g.util_mean;
      measured++;
    }
  }
  return { states, utilisation30m: measured === 0 ? null : sum / measured };
}

/** Rows of gpuStateSql grouped by machine (account, resource id), in one pass. */
export function gpusByMachine<T extends { account: string; resource_id: string }>(gpus: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const g of gpus) {
    const key = machineKey(g.account, g.resource_id);
    const list = out.get(key);
    if (list) list.push(g);
    else out.set(key, [g]);
  }
  return out;
}

/** The key gpusByMachine groups under. */
export const machineKey = (account: string, resourceId: string): string => `${account}\u0000${resourceId}`;
