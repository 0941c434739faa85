/** PromQL built for the server to aggregate, and steps that keep every query under its point limit. */

// The per-GPU DCGM queries are the common kit's (shared with Azure Managed Prometheus).
export { dcgmQueries, type DcgmQueries } from '../common/dcgm';

/** GPUs reporting per node and model in each hour (for run-rate estimates from GPU-hours). */
export function gpuCountQuery(nodeLabels: readonly string[], selector: string, stepSeconds: number): string {
  const sel = selector.trim() ? `{${selector.trim()}}` : '';
  const nodes = nodeLabels.join(', ');
  return `count by (${nodes}, modelName) (max by (${nodes}, modelName, UUID) (last_over_time(DCGM_FI_DEV_GPU_TEMP${sel}[${stepSeconds}s])))`;
}

/**
 * The smallest step (a whole number of minutes, at least one) that keeps `[from, to)` within
 * `maxPoints` points per series.
 */
export function stepFor(fromMs: number, toMs: number, maxPoints: number): number {
  const minutes = Math.max(1, Math.ceil((toMs - fromMs) / 60_000 / (maxPoints - 1)));
  return minutes * 60;
}

/** Splits a window into query chunks of at most `steps` steps each (aligned to the step). */
export function chunkWindow(fromMs: number, toMs: number, stepSeconds: number, steps: number): Array<{ from: number; to: number }> {
  const span = stepSeconds * 1000 * steps;
  const out: Array<{ from: number; to: number }> = [];
  for (let f = fromMs; f < toMs; f += span) out.push({ from: f, to: Math.min(toMs, f + span) });
  return out;
}

/**
 * Each GPU's identity (`UUID`, `gpu` index) per node over the last hour at `atSeconds`; MIG series
 * name their parent GPU, so the distinct parents are the node's physical GPUs.
 */
export function gpuParentsQuery(nodeLabels: readonly string[], selector: string): string {
  const names = '__name__=~"DCGM_FI_PROF_GR_ENGINE_ACTIVE|DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_GPU_TEMP"';
  const sel = selector.trim() ? `{${names},${selector.trim()}}` : `{${names}}`;
  return `group by (${[...nodeLabels, 'UUID', 'gpu'].join(', ')}) (last_over_time(${sel}[1h]))`;
}
