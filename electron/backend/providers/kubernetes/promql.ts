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

const HEX = '0123456789abcdef';

/**
 * Label matchers that split a fleet's dcgm series into `count` (1 or 16) disjoint shards by the last
 * character of `UUID`, so every series of one GPU lands in one shard (its merge stays whole) and
 * together they cover every series: shard 0 also takes an empty UUID and one ending in a non-hex
 * character. One shard is no matcher at all.
 */
export function uuidShards(count: 1 | 16): string[] {
  if (count === 1) return [''];
  return [...HEX].map((c, i) => {
    const cls = /[a-f]/.test(c) ? `[${c}${c.toUpperCase()}]` : `[${c}]`;
    return i === 0 ? `UUID=~"|.*${cls}|.*[^0-9a-fA-F]"` : `UUID=~".*${cls}"`;
  });
}

/** Joins the account's selector and a shard matcher into one selector body. */
export function withShard(selector: string, shard: string): string {
  const s = selector.trim();
  return s && shard ? `${s},${shard}` : s || shard;
}

/** How one metrics window is split into range queries: time chunks of `steps` steps, times UUID shards. */
export interface QueryPlan {
  chunks: Array<{ from: number; to: number }>;
  shards: string[];
}

/**
 * Splits `[fromMs, toMs)` so no answer holds more than about `pointsPerRequest` points (GPUs x steps):
 * a small fleet asks for the whole window at once; a large one asks for 16 UUID shards, each over
 * time chunks short enough, so answers stay a few MB and can be fetched in parallel.
 */
export function planMetricsQueries(fromMs: number, toMs: number, stepSeconds: number, gpus: number, maxSteps: number, pointsPerRequest: number): QueryPlan {
  const windowSteps = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / stepSeconds));
  const want = Math.min(windowSteps, maxSteps);
  const shardCount: 1 | 16 = gpus * want <= pointsPerRequest ? 1 : 16;
  const perShard = Math.max(1, Math.ceil(gpus / shardCount));
  const steps = Math.max(1, Math.min(maxSteps, Math.floor(pointsPerRequest / perShard)));
  return { chunks: chunkWindow(fromMs, toMs, stepSeconds, steps), shards: uuidShards(shardCount) };
}
