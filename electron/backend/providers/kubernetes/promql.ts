/** PromQL built for the server to aggregate, and steps that keep every query under its point limit. */

/** The dcgm-exporter queries one metrics window needs; `by` merges pod-label variants of a GPU. */
export interface DcgmQueries {
  prof: string;
  dev: string;
  fbUsed: string;
  power: string;
  temp: string;
  xidChanges: string;
  xidLast: string;
}

/** Builds the per-GPU queries: averages over each step window, grouped by node label, UUID and index. */
export function dcgmQueries(stepSeconds: number, nodeLabels: readonly string[], selector: string): DcgmQueries {
  const by = `by (${[...nodeLabels, 'UUID', 'gpu'].join(', ')})`;
  // MIG instances stay apart (GPU_I_*), so the connector can weigh them by slices into their GPU.
  const byInstance = `by (${[...nodeLabels, 'UUID', 'gpu', 'GPU_I_PROFILE', 'GPU_I_ID'].join(', ')})`;
  const sel = selector.trim() ? `{${selector.trim()}}` : '';
  const w = `[${stepSeconds}s]`;
  const avg = (metric: string) => `avg ${by} (avg_over_time(${metric}${sel}${w}))`;
  return {
    // GR_ENGINE_ACTIVE is a 0-1 ratio; x100 to a percentage. It is MIG-aware: one series per instance.
    prof: `avg ${byInstance} (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE${sel}${w})) * 100`,
    dev: avg('DCGM_FI_DEV_GPU_UTIL'),
    // A MIG instance reports its own framebuffer; the connector sums instances into the GPU.
    fbUsed: `max ${byInstance} (avg_over_time(DCGM_FI_DEV_FB_USED${sel}${w}))`,
    power: `max ${by} (avg_over_time(DCGM_FI_DEV_POWER_USAGE${sel}${w}))`,
    temp: `max ${by} (max_over_time(DCGM_FI_DEV_GPU_TEMP${sel}${w}))`,
    // The XID gauge holds the last XID; a change is a new error. Changes across step boundaries are
    // found client-side from consecutive last values (a sparse scrape has one sample per step).
    xidChanges: `max ${by} (changes(DCGM_FI_DEV_XID_ERRORS${sel}${w}))`,
    xidLast: `max ${by} (last_over_time(DCGM_FI_DEV_XID_ERRORS${sel}${w}))`,
  };
}

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
