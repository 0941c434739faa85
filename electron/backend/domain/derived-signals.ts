/**
 * Derived signals: incidents Fleetpane raises from the data itself, each with one rule and its
 * thresholds (documented here and nowhere else). Pure functions over what the store holds after a
 * commit; the runner (analytics/triage-watcher.ts) feeds them and writes what they return.
 *
 * - node-down: a machine that is not stopped and that the provider or the node reports `unavailable`.
 * - xid: a machine with at least XID_MIN_ERRORS XID errors on any GPU in the last XID_WINDOW_MS.
 * - silent: GPUs of a running, not-unavailable machine that reported within SILENT_LOOKBACK_MS but
 *   not in the last SILENT_AFTER_MS, while the account's metrics sync itself is fresh (if the sync is
 *   failing, the silence is ours: a data problem, not a signal). One incident per account and region.
 * - utilisation-collapse: a region's fleet utilisation over the last COLLAPSE_RECENT_MS is at most
 *   COLLAPSE_RATIO of its own baseline (COLLAPSE_BASELINE_FROM_MS .. COLLAPSE_BASELINE_TO_MS before
 *   now), and COLLAPSE_MIN_DROP points lower, where the baseline is at least COLLAPSE_MIN_BASELINE %
 *   and at least COLLAPSE_MIN_GPUS GPUs were measured recently.
 * - failing sync (dataProblems): FAILING_SYNC_RUNS or more failed runs in a row of one stream. It is a
 *   data problem, never an outage, never an incident.
 */
import { STATE_WINDOW_MS, type CloudId, type GpuResource, type Incident, type ProviderId, type StreamId, type SyncError } from '../../../shared/domain';
import type { DataProblem } from '../../../shared/contract-triage';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const XID_WINDOW_MS = STATE_WINDOW_MS;
export const XID_MIN_ERRORS = 1;
/** How far back the start of an ongoing XID burst is looked for. */
export const XID_LOOKBACK_MS = 6 * HOUR_MS;
export const SILENT_AFTER_MS = STATE_WINDOW_MS;
export const SILENT_LOOKBACK_MS = 6 * HOUR_MS;
export const COLLAPSE_RECENT_MS = 30 * MINUTE_MS;
export const COLLAPSE_BASELINE_FROM_MS = 24 * HOUR_MS;
export const COLLAPSE_BASELINE_TO_MS = 1 * HOUR_MS;
export const COLLAPSE_RATIO = 0.5;
export const COLLAPSE_MIN_DROP = 15;
export const COLLAPSE_MIN_BASELINE = 20;
export const COLLAPSE_MIN_GPUS = 4;
export const FAILING_SYNC_RUNS = 3;

/** Every derived id starts with this; the runner opens and closes only these. */
export const DERIVED_PREFIX = 'derived:signal:';

export type SignalKind = 'node-down' | 'xid' | 'silent' | 'utilisation-collapse';

/** XID errors of one GPU within XID_LOOKBACK_MS. */
export interface XidHits {
  resourceId: string;
  gpuIndex: number;
  firstMs: number;
  lastMs: number;
  errors: number;
}

/** The last sample of one GPU within SILENT_LOOKBACK_MS. */
export interface GpuLastSeen {
  resourceId: string;
  gpuIndex: number;
  lastMs: number;
}

/** One 5-minute bucket of a region's fleet utilisation: the sum of GPU means and the GPU count. */
export interface RegionBucket {
  cloud: CloudId;
  region: string;
  bucketMs: number;
  gpuMeanSum: number;
  gpus: number;
}

export interface SignalInput {
  account: string;
  asOfMs: number;
  resources: readonly GpuResource[];
  xid: readonly XidHits[];
  /**
   * Each GPU's last sample within SILENT_LOOKBACK_MS; a GPU that reported within the last SILENT_AFTER_MS
   * may be left out (it is not silent, and at 100,000 GPUs listing every one was most of the read).
   */
  lastSeen: readonly GpuLastSeen[];
  /** True when the account's metrics stream synced successfully within twice its interval. */
  metricsFresh: boolean;
  buckets: readonly RegionBucket[];
}

/** A signal that fires: `key` identifies the condition, `startedAt` its first minute. */
export interface Signal {
  key: string;
  incident: Omit<Incident, 'id'>;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;

function signal(kind: SignalKind, account: string, subject: string, fields: Omit<Incident, 'id' | 'account' | 'source' | 'endedAt' | 'url' | 'updates'>): Signal {
  return {
    key: `${DERIVED_PREFIX}${kind}:${account}:${subject}`,
    incident: { ...fields, account, source: 'derived', endedAt: null, url: null, updates: [] },
  };
}

/** node-down: not stopped, reported unavailable. */
export function detectNodeDown(input: SignalInput): Signal[] {
  const at = iso(floorMinute(input.asOfMs));
  return input.resources
    .filter((r) => r.powerState !== 'stopped' && r.health === 'unavailable')
    .map((r) =>
      signal('node-down', input.account, r.id, {
        cloud: r.cloud,
        severity: 'major',
        title: `${r.name} is down (${r.gpuCount} x ${r.gpuModel})`,
        summary: `${r.kind === 'node' ? 'The node' : 'The provider'} reports ${r.name} unavailable${r.healthReason ? `: ${r.healthReason}` : ''}.`,
        status: 'down',
        regions: [r.region],
        services: [],
        resourceIds: [r.id],
        startedAt: at,
        updatedAt: at,
        demo: r.demo,
      }),
    );
}

/** xid: at least XID_MIN_ERRORS XID errors in the last XID_WINDOW_MS on any GPU of a machine. */
export function detectXid(input: SignalInput): Signal[] {
  const byId = new Map(input.resources.map((r) => [r.id, r]));
  const recentFrom = input.asOfMs - XID_WINDOW_MS;
  const perResource = new Map<string, XidHits[]>();
  for (const h of input.xid) perResource.set(h.resourceId, [...(perResource.get(h.resourceId) ?? []), h]);
  const out: Signal[] = [];
  for (const [resourceId, hits] of perResource) {
    const r = byId.get(resourceId);
    if (!r || r.powerState === 'stopped') continue;
    const recent = hits.filter((h) => h.lastMs > recentFrom);
    if (recent.reduce((n, h) => n + h.errors, 0) < XID_MIN_ERRORS) continue;
    const gpus = [...new Set(recent.map((h) => h.gpuIndex))].sort((a, b) => a - b);
    const first = Math.min(...hits.map((h) => h.firstMs));
    const total = hits.reduce((n, h) => n + h.errors, 0);
    out.push(
      signal('xid', input.account, r.id, {
        cloud: r.cloud,
        severity: 'minor',
        title: `XID errors on ${r.name} (GPU ${gpus.join(', ')})`,
        summary: `${total} XID error(s) since ${iso(first)} on ${r.gpuModel} GPU ${gpus.join(', ')}; the GPU may need a reset or the machine a drain.`,
        status: 'active',
        regions: [r.region],
        services: [],
        resourceIds: [r.id],
        startedAt: iso(floorMinute(first)),
        updatedAt: iso(Math.max(...hits.map((h) => h.lastMs))),
        demo: r.demo,
      }),
    );
  }
  return out;
}

/** silent: GPUs that reported recently and then stopped, while the metrics sync itself is fresh. */
export function detectSilent(input: SignalInput): Signal[] {
  if (!input.metricsFresh) return [];
  // By machine, then GPU index: one key per machine, not one string built per GPU (101,300 at 100k GPUs).
  const seen = new Map<string, number[]>();
  for (const s of input.lastSeen) {
    let gpus = seen.get(s.resourceId);
    if (gpus === undefined) seen.set(s.resourceId, (gpus = []));
    gpus[s.gpuIndex] = s.lastMs;
  }
  const silentSince = input.asOfMs - SILENT_AFTER_MS;
  const byRegion = new Map<string, { resources: GpuResource[]; gpus: number; lastMs: number }>();
  for (const r of input.resources) {
    if (r.powerState !== 'running' || r.health === 'unavailable') continue;
    let gpus = 0;
    let lastMs = Number.POSITIVE_INFINITY;
    const lastOf = seen.get(r.id) ?? [];
    for (let g = 0; g < r.gpuCount; g++) {
      const last = lastOf[g];
      if (last !== undefined && last <= silentSince) {
        gpus++;
        lastMs = Math.min(lastMs, last);
      }
    }
    if (gpus === 0) continue;
    const k = `${r.cloud}\u0000${r.region}`;
    const entry = byRegion.get(k) ?? { resources: [], gpus: 0, lastMs: Number.POSITIVE_INFINITY };
    entry.resources.push(r);
    entry.gpus += gpus;
    entry.lastMs = Math.min(entry.lastMs, lastMs);
    byRegion.set(k, entry);
  }
  return [...byRegion.values()].map(({ resources, gpus, lastMs }) => {
    const r = resources[0]!;
    return signal('silent', input.account, `${r.cloud}:${r.region}`, {
      cloud: r.cloud,
      severity: 'major',
      title: `${gpus} GPU${gpus === 1 ? '' : 's'} in ${r.region} stopped reporting`,
      summary: `${gpus} GPU(s) on ${resources.length} running machine(s) in ${r.region} sent no sample since ${iso(lastMs)} while the account's metrics sync is current: the machines or their exporters went quiet.`,
      status: 'silent',
      regions: [r.region],
      services: [],
      resourceIds: resources.map((m) => m.id).sort(),
      startedAt: iso(floorMinute(lastMs) + MINUTE_MS),
      updatedAt: iso(floorMinute(input.asOfMs)),
      demo: resources.every((m) => m.demo),
    });
  });
}

function windowMean(buckets: readonly RegionBucket[], from: number, to: number): { mean: number | null; gpus: number } {
  let sum = 0;
  let n = 0;
  let maxGpus = 0;
  for (const b of buckets) {
    if (b.bucketMs < from || b.bucketMs >= to) continue;
    sum += b.gpuMeanSum;
    n += b.gpus;
    maxGpus = Math.max(maxGpus, b.gpus);
  }
  return { mean: n === 0 ? null : sum / n, gpus: maxGpus };
}

/** utilisation-collapse: a region far below its own recent baseline. */
export function detectUtilisationCollapse(input: SignalInput): Signal[] {
  const groups = new Map<string, RegionBucket[]>();
  for (const b of input.buckets) {
    const k = `${b.cloud}\u0000${b.region}`;
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [b]);
    else group.push(b);
  }
  const out: Signal[] = [];
  for (const buckets of groups.values()) {
    const { cloud, region } = buckets[0]!;
    const recent = windowMean(buckets, input.asOfMs - COLLAPSE_RECENT_MS, input.asOfMs);
    const baseline = windowMean(buckets, input.asOfMs - COLLAPSE_BASELINE_FROM_MS, input.asOfMs - COLLAPSE_BASELINE_TO_MS);
    if (recent.mean === null || baseline.mean === null) continue;
    if (recent.gpus < COLLAPSE_MIN_GPUS || baseline.mean < COLLAPSE_MIN_BASELINE) continue;
    if (recent.mean > baseline.mean * COLLAPSE_RATIO || baseline.mean - recent.mean < COLLAPSE_MIN_DROP) continue;
    const machines = input.resources.filter((r) => r.cloud === cloud && r.region === region && r.powerState === 'running');
    out.push(
      signal('utilisation-collapse', input.account, `${cloud}:${region}`, {
        cloud,
        severity: 'major',
        title: `Utilisation collapse in ${region}: ${recent.mean.toFixed(0)}% against a baseline of ${baseline.mean.toFixed(0)}%`,
        summary: `Fleet utilisation in ${region} over the last 30 minutes is ${recent.mean.toFixed(1)}%, down from ${baseline.mean.toFixed(1)}% over the day before (rule: at most ${COLLAPSE_RATIO * 100}% of the baseline and ${COLLAPSE_MIN_DROP} points lower).`,
        status: 'active',
        regions: [region],
        services: [],
        resourceIds: machines.map((m) => m.id).sort(),
        startedAt: iso(floorMinute(input.asOfMs - COLLAPSE_RECENT_MS)),
        updatedAt: iso(floorMinute(input.asOfMs)),
        demo: machines.length > 0 && machines.every((m) => m.demo),
      }),
    );
  }
  return out;
}

/** Every derived signal that fires for one account at asOf. */
export function detectSignals(input: SignalInput): Signal[] {
  return [...detectNodeDown(input), ...detectXid(input), ...detectSilent(input), ...detectUtilisationCollapse(input)];
}

/** One sync run as the failing-sync rule needs it, newest first per stream. */
export interface RunOutcome {
  account: string;
  provider: ProviderId;
  stream: StreamId;
  finishedMs: number;
  status: 'ok' | 'error';
  error: SyncError | null;
}

/** failing sync: FAILING_SYNC_RUNS or more failed runs in a row (newest first) of one stream. */
export function detectDataProblems(runs: readonly RunOutcome[]): DataProblem[] {
  const streams = new Map<string, RunOutcome[]>();
  for (const r of runs) {
    const k = `${r.account}\u0000${r.stream}`;
    streams.set(k, [...(streams.get(k) ?? []), r]);
  }
  const out: DataProblem[] = [];
  for (const list of streams.values()) {
    const sorted = [...list].sort((a, b) => b.finishedMs - a.finishedMs);
    const firstOk = sorted.findIndex((r) => r.status === 'ok');
    const failing = firstOk === -1 ? sorted : sorted.slice(0, firstOk);
    if (failing.length < FAILING_SYNC_RUNS) continue;
    const newest = failing[0]!;
    const oldest = failing[failing.length - 1]!;
    out.push({
      account: newest.account,
      provider: newest.provider,
      stream: newest.stream,
      consecutiveFailures: failing.length,
      failingSince: iso(oldest.finishedMs),
      lastSuccessAt: firstOk === -1 ? null : iso(sorted[firstOk]!.finishedMs),
      lastError: newest.error ?? { kind: 'internal', message: 'failed', retryAfterMs: null },
    });
  }
  return out.sort((a, b) => a.account.localeCompare(b.account) || a.stream.localeCompare(b.stream));
}
