/**
 * dcgm-exporter series read through PromQL (Azure Managed Prometheus, a cluster's own Prometheus):
 * the queries per window, and the mapping of their matrices to one GpuSample per GPU per step. The
 * utilisation rule itself (source order, merge by UUID) is the domain's; MIG weighting is mig.ts's.
 */
import type { GpuSample } from '../../../../shared/domain';
import { chooseUtilisation, uuidHomes, type GpuHome } from '../../domain/utilisation';
import { migInstanceWeight } from './mig';

/** One series of a Prometheus range-query answer (`data.result[]` of a matrix). */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** The dcgm-exporter queries one metrics window needs, by what each reads. */
export const DCGM_FIELDS = ['prof', 'dev', 'fbUsed', 'power', 'temp', 'xidChanges', 'xidLast'] as const;
export type DcgmField = (typeof DCGM_FIELDS)[number];
export type DcgmQueries = Record<DcgmField, string>;
/** Range-query answers per field; a field not queried counts as no series. */
export type DcgmSeriesSet = Partial<Record<DcgmField, readonly MatrixSeries[]>>;

/**
 * Builds the per-GPU queries for a range query of step `stepSeconds`, grouped by `groupLabels` (the
 * node or host label), UUID and index, so pod-label variants of one GPU are merged on the server.
 *
 * Why `avg_over_time(x[step])` and not an instant `avg(x)`: an instant selector at t returns the last
 * raw scrape at or before t (within Prometheus's 5-minute lookback), so a minute's "utilisation"
 * would be one 15-30 s reading, and a GPU that stopped reporting would repeat its last value for five
 * more minutes. `avg_over_time` over a range equal to the step averages every scrape in (t - step, t]:
 * the utilisation in that minute, which is what the glossary's per-window mean of samples needs, the
 * windows tile the query range without overlap or gap, and a minute without scrapes has no point
 * ("not measured", never a stale number). The evaluation at t is the sample of the minute starting
 * at t - step (see mapDcgmSeries).
 */
export function dcgmQueries(stepSeconds: number, groupLabels: readonly string[], selector: string): DcgmQueries {
  const by = `by (${[...groupLabels, 'UUID', 'gpu'].join(', ')})`;
  // MIG instances stay apart (GPU_I_*), so they can be weighed by slices into their GPU.
  const byInstance = `by (${[...groupLabels, 'UUID', 'gpu', 'GPU_I_PROFILE', 'GPU_I_ID'].join(', ')})`;
  const sel = selector.trim() ? `{${selector.trim()}}` : '';
  const w = `[${stepSeconds}s]`;
  return {
    // GR_ENGINE_ACTIVE is a 0-1 ratio; x100 to a percentage. It is MIG-aware: one series per instance.
    prof: `avg ${byInstance} (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE${sel}${w})) * 100`,
    dev: `avg ${by} (avg_over_time(DCGM_FI_DEV_GPU_UTIL${sel}${w}))`,
    // A MIG instance reports its own framebuffer; instances are summed into the GPU.
    fbUsed: `max ${byInstance} (avg_over_time(DCGM_FI_DEV_FB_USED${sel}${w}))`,
    power: `max ${by} (avg_over_time(DCGM_FI_DEV_POWER_USAGE${sel}${w}))`,
    temp: `max ${by} (max_over_time(DCGM_FI_DEV_GPU_TEMP${sel}${w}))`,
    // The XID gauge holds the last XID; a change is a new error. Changes across step boundaries are
    // found from consecutive last values (a sparse scrape has one sample per step). Only steps with a
    // change are returned (no change reads as 0 either way): a fleet-wide minute answers with the few
    // GPUs that had one, not 100k zeros.
    xidChanges: `max ${by} (changes(DCGM_FI_DEV_XID_ERRORS${sel}${w})) > 0`,
    xidLast: `max ${by} (last_over_time(DCGM_FI_DEV_XID_ERRORS${sel}${w}))`,
  };
}

/** One GPU-minute being summed from its series. */
interface Acc extends GpuHome {
  ts: number;
  // Running sums, not arrays: a backfill makes millions of these, and each array is garbage to collect.
  /** Sum of PROF values x their MIG instance weights (GI slices; 1 without MIG), and of the weights. */
  profSum: number;
  profWeight: number;
  devSum: number;
  devCount: number;
  /**
   * Framebuffer used per MIG instance (GPU_I_ID; '' without MIG): a GPU's is the sum of its
   * instances'. The first instance is held inline (the common case, one per GPU-minute, allocates
   * no Map); `fbMore` holds the others in the order they reported. `fbFirst` null until one reports.
   */
  fbFirst: string | null;
  fbFirstValue: number;
  fbMore: Map<string, number> | null;
  /** Highest power and temperature in the step; null until one reports. */
  power: number | null;
  temp: number | null;
  xid: number;
}

/** One GPU's minutes, and its XID change counts by evaluation time (from the xidChanges series). */
interface GpuMinutes extends GpuHome {
  minutes: Map<number, Acc>;
  /** The minute last touched (most series points of one GPU fall in the same minute as the last). */
  last: Acc | null;
  xidChanges: Map<number, number> | null;
}

/** Framebuffer of one MIG instance into the GPU-minute: the highest reading per instance. */
function addFramebuffer(a: Acc, instance: string, x: number): void {
  if (a.fbFirst === null) {
    a.fbFirst = instance;
    a.fbFirstValue = Math.max(0, x);
  } else if (a.fbFirst === instance) {
    a.fbFirstValue = Math.max(a.fbFirstValue, x);
  } else {
    a.fbMore ??= new Map();
    a.fbMore.set(instance, Math.max(a.fbMore.get(instance) ?? 0, x));
  }
}

/** The GPU's framebuffer in the minute: its instances' readings summed in the order they reported. */
function framebufferOf(a: Acc): number | null {
  if (a.fbFirst === null) return null;
  let sum = 0 + a.fbFirstValue;
  if (a.fbMore) for (const v of a.fbMore.values()) sum += v;
  return Math.max(0, sum);
}

// localeCompare's own order (the default locale's collation), without its per-call cost.
const byResourceId = new Intl.Collator().compare;

/**
 * Turns one range query's per-GPU series (queries of `dcgmQueries` at `stepSeconds`) into samples.
 * `place` is the provider's reading of a series' host and index labels; series of the same UUID merge
 * into the GPU where the UUID was first placed. Each evaluation at t covers (t - step, t] and becomes
 * the sample of the minute starting at t - step; points before `fromMs` only seed the XID comparison.
 */
export function mapDcgmSeries(
  set: DcgmSeriesSet,
  place: (metric: Readonly<Record<string, string>>) => GpuHome | null,
  stepSeconds: number,
  fromMs: number,
): GpuSample[] {
  const home = uuidHomes();
  // Per GPU, its minutes. A 100k-GPU minute is 700k series: the GPU is found by the home object
  // (a UUID's home is one object) before its text key is built, and each point costs one numeric lookup.
  const byHome = new Map<GpuHome, GpuMinutes>();
  const byKey = new Map<string, GpuMinutes>();
  const gpuOf = (h: GpuHome): GpuMinutes => {
    let g = byHome.get(h);
    if (g) return g;
    const k = `${h.resourceId}\u0000${h.gpuIndex}`;
    g = byKey.get(k);
    if (!g) {
      g = { resourceId: h.resourceId, gpuIndex: h.gpuIndex, minutes: new Map(), last: null, xidChanges: null };
      byKey.set(k, g);
    }
    byHome.set(h, g);
    return g;
  };
  // First pass over every series, in field order, so UUID homes are known before any merge (a UUID's
  // home is where it was first placed and never moves); each series' GPU is kept for the passes below.
  const gpuOfSeries = {} as Record<DcgmField, Array<GpuMinutes | null>>;
  for (const f of DCGM_FIELDS) {
    gpuOfSeries[f] = (set[f] ?? []).map((s) => {
      const h = home(s.metric.UUID, () => place(s.metric));
      return h ? gpuOf(h) : null;
    });
  }

  const stepMs = stepSeconds * 1000;
  const stamps = new Set<number>();
  const slot = (g: GpuMinutes, evalSec: number): Acc | null => {
    const ts = evalSec * 1000 - stepMs;
    if (ts < fromMs) return null;
    // The minute last touched first: a steady sync's GPUs have one minute, read by every field.
    if (g.last !== null && g.last.ts === ts) return g.last;
    let a = g.minutes.get(ts);
    if (!a) {
      a = { resourceId: g.resourceId, gpuIndex: g.gpuIndex, ts, profSum: 0, profWeight: 0, devSum: 0, devCount: 0, fbFirst: null, fbFirstValue: 0, fbMore: null, power: null, temp: null, xid: 0 };
      g.minutes.set(ts, a);
      stamps.add(ts);
    }
    g.last = a;
    return a;
  };
  const collect = (field: DcgmField, put: (a: Acc, x: number, metric: Readonly<Record<string, string>>) => void) => {
    const series = set[field] ?? [];
    const homes = gpuOfSeries[field];
    for (let i = 0; i < series.length; i++) {
      const g = homes[i];
      const s = series[i];
      if (!g || !s) continue;
      for (const [t, v] of s.values) {
        const x = Number(v);
        if (!Number.isFinite(x)) continue;
        const a = slot(g, t);
        if (a) put(a, x, s.metric);
      }
    }
  };
  // A MIG instance's GR_ENGINE_ACTIVE covers its own slices: weigh it by them into the parent GPU.
  collect('prof', (a, x, m) => {
    const k = migInstanceWeight(m);
    a.profSum += x * k;
    a.profWeight += k;
  });
  collect('dev', (a, x) => {
    a.devSum += x;
    a.devCount += 1;
  });
  collect('fbUsed', (a, x, m) => addFramebuffer(a, m.GPU_I_ID ?? '', x));
  collect('power', (a, x) => (a.power = a.power === null ? x : Math.max(a.power, x)));
  collect('temp', (a, x) => (a.temp = a.temp === null ? x : Math.max(a.temp, x)));

  const changes = set.xidChanges ?? [];
  for (let i = 0; i < changes.length; i++) {
    const g = gpuOfSeries.xidChanges[i];
    const s = changes[i];
    if (!g || !s) continue;
    const byTime = (g.xidChanges ??= new Map<number, number>());
    for (const [t, v] of s.values) byTime.set(t, Number(v) || 0);
  }
  const lasts = set.xidLast ?? [];
  for (let i = 0; i < lasts.length; i++) {
    const g = gpuOfSeries.xidLast[i];
    const s = lasts[i];
    if (!g || !s) continue;
    const byTime = g.xidChanges;
    let prev: number | null = null;
    for (const [t, v] of s.values) {
      const last = Number(v);
      const within = byTime?.get(t) ?? 0;
      // A change between the previous step's last value and this step's first one.
      const across = within === 0 && prev !== null && last !== prev && last !== 0 ? 1 : 0;
      prev = last;
      const a = slot(g, t);
      if (a) a.xid += within + across;
    }
  }
  // Ordered by (ts, resource id by localeCompare, GPU index): GPUs are ranked once and each minute
  // walks them in rank order, so the millions of samples of a backfill are never comparison-sorted.
  const gpus = [...byKey.values()].sort((x, y) => byResourceId(x.resourceId, y.resourceId) || x.gpuIndex - y.gpuIndex);
  const out: GpuSample[] = [];
  for (const ts of [...stamps].sort((x, y) => x - y)) {
    for (const g of gpus) {
      const a = g.minutes.get(ts);
      if (!a) continue;
      const prof = a.profWeight > 0 ? a.profSum / a.profWeight : null;
      const u = chooseUtilisation({ prof, dev: a.devCount > 0 ? a.devSum / a.devCount : null });
      out.push({
        resourceId: a.resourceId,
        gpuIndex: a.gpuIndex,
        ts: a.ts,
        utilisation: u.utilisation,
        utilSource: u.utilSource,
        memoryUsedMiB: framebufferOf(a),
        powerWatts: a.power === null ? null : Math.max(0, a.power),
        temperatureC: a.temp,
        xidErrors: Math.max(0, Math.round(a.xid)),
      });
    }
  }
  return out;
}

/**
 * `selector` narrowed to one machine, so a drill-down reads that machine's series only: by its GPU
 * UUIDs where the inventory knows them (dcgm-exporter always sets `UUID`), else by `hostLabel="host"`.
 */
export function machineSelector(selector: string, gpuUuids: readonly (string | null)[], hostLabel: string, host: string): string {
  const quoted = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const escapeRegex = (v: string): string => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // Only when every GPU's UUID is known: one unknown would leave that GPU out of the drill-down.
  const uuids = gpuUuids.filter((u): u is string => u !== null && u !== '');
  const byUuid = uuids.length > 0 && uuids.length === gpuUuids.length;
  const own = byUuid ? `UUID=~${quoted(uuids.map(escapeRegex).join('|'))}` : `${hostLabel}=${quoted(host)}`;
  return selector.trim() === '' ? own : `${selector.trim()}, ${own}`;
}

/** How a drill-down names a Prometheus-compatible source: its kind and host, never a path, query or credential. */
export function sourceName(kind: string, url: string): string {
  try {
    return `${kind} at ${new URL(url).host}`;
  } catch {
    return kind;
  }
}
