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
 * Each GPU's identity (`UUID`, `gpu` index) per node over the last hour at `atSeconds`; MIG series
 * name their parent GPU, so the distinct parents are the node's physical GPUs.
 */
export function gpuParentsQuery(nodeLabels: readonly string[], selector: string): string {
  const names = '__name__=~"DCGM_FI_PROF_GR_ENGINE_ACTIVE|DCGM_FI_DEV_GPU_UTIL|DCGM_FI_DEV_GPU_TEMP"';
  const sel = selector.trim() ? `{${names},${selector.trim()}}` : `{${names}}`;
  return `group by (${[...nodeLabels, 'UUID', 'gpu'].join(', ')}) (last_over_time(${sel}[1h]))`;
}
