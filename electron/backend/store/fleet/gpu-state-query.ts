/**
 * GPU state as the glossary defines it, over the samples in (asOf - 30 min, asOf]: the precedence
 * and thresholds are domain/gpu-state.ts (stopped > unhealthy > unknown > busy > idle).
 * Every GPU of a machine counts, whether or not it reported.
 */
import { type CoverageGap, type GpuState, STATE_WINDOW_MS } from '../../../../shared/domain';
import { gpuStateCaseSql } from '../../domain/gpu-state';
import { tsLiteral } from '../db';
import { minuteRowsSql } from './minute-rows';

/** SQL: true when the coverage_gaps JSON value `column` holds a gap of this kind. */
export function hasGapSql(column: string, kind: CoverageGap['kind']): string {
  return `coalesce(list_contains(json_extract_string(${column}, '$[*].kind'), '${kind}'), false)`;
}

/**
 * SQL yielding one row per GPU of the resources matching `resourceWhere` (over resource columns):
 * account, resource_id, gpu_index, cloud, region, gpu_model, util_mean, util_n, xid, last_ms, state, and
 * metrics_gap / placement_gap (the machine's connector says it cannot be measured / placed).
 */
export function gpuStateSql(asOfMs: number, resourceWhere: string, options: { fewMachines?: boolean } = {}): string {
  // For a few machines (a page of the machine table), read only their GPUs' samples rather than
  // aggregating the whole fleet's window and joining most of it away.
  const onlyTheirGpus =
    options.fewMachines === true
      ? `AND gpu_id IN (SELECT k.gpu_id FROM gpu k SEMI JOIN (SELECT account, id FROM resource WHERE ${resourceWhere}) r
           ON k.account = r.account AND k.resource_id = r.id)`
      : '';
  return `
    WITH w AS (
      SELECT gpu_id, avg(util) AS util_mean, count(util) AS util_n, sum(xid) AS xid, bool_or(fault) AS fault, max(ts) AS last_ts
      FROM gpu_sample
      WHERE ts > ${tsLiteral(asOfMs - STATE_WINDOW_MS)} AND ts <= ${tsLiteral(asOfMs)} ${onlyTheirGpus}
      GROUP BY gpu_id
      UNION ALL
      -- Rollups-only accounts: the same window over the 5-minute buckets' minute detail. A window
      -- edge mid-bucket would change the answer if read from whole buckets (a bucket's early minutes
      -- may lie before asOf - 30 min, the newest bucket may run past asOf); the minute rows split
      -- there as the raw samples do, so freshness (a sample in the window) and the mean are exact.
      SELECT gpu_id, sum(util_sum) / nullif(sum(util_count), 0), sum(util_count), sum(xid), bool_or(fault), max(ts)
      FROM ${minuteRowsSql(asOfMs - STATE_WINDOW_MS, asOfMs, `ts > ${tsLiteral(asOfMs - STATE_WINDOW_MS)} AND ts <= ${tsLiteral(asOfMs)}`)}
      GROUP BY gpu_id
    ), m AS (
      SELECT account, id, cloud, region, gpu_model, power_state, health, coverage_gaps, unnest(range(gpu_count)) AS gpu_index
      FROM resource WHERE ${resourceWhere}
    ), g AS (
      SELECT m.*, k.gpu_id FROM m
      LEFT JOIN gpu k ON k.account = m.account AND k.resource_id = m.id AND k.gpu_index = m.gpu_index
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
           ${hasGapSql('g.coverage_gaps', 'metrics')} AS metrics_gap,
           ${hasGapSql('g.coverage_gaps', 'placement')} AS placement_gap
    FROM g LEFT JOIN w ON w.gpu_id = g.gpu_id`;
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
