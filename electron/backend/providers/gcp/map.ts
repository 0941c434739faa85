/**
 * Pure mapping from Google Cloud payloads (validated by raw.ts) to the shared model: GPU resources,
 * per-GPU samples, FOCUS cost rows and incidents. No I/O here; most tests live beside this file.
 */
import { modelMemoryGiB, normaliseGpuModel } from '../../catalog';
import type { CatalogLookup } from '../../catalog/types';
import { addDecimals, multiplyDecimalByInteger } from '../../../../shared/decimal';
import { costColumns, periodColumns, regionColumns } from '../common/focus';
import type { FocusCostRow, GpuResource, GpuSample, HealthState, Incident, IncidentSeverity, PowerState } from '../../../../shared/domain';
import { chooseUtilisation } from '../../domain/utilisation';
import type { BillingQueryRow, RawInstance, RawPoint, RawServiceHealthEvent, RawStatusIncident, RawTimeSeries, RawTpuNode } from './raw';

/** The parts of the GPU catalog the connector uses (electron/backend/catalog). */
export interface GpuCatalog {
  lookupInstance(cloud: 'gcp', instanceType: string, region: string): CatalogLookup | null;
  normaliseGpuModel(raw: string, memoryMiB?: number | null): string;
  /** Price of a machine type without GPUs of its own (N1 taking attached GPUs). */
  lookupMachine?(cloud: 'gcp', machineType: string, region: string): { hourlyPrice: string; currency: string } | null;
}

interface GpuShape {
  model: string;
  count: number;
  memoryGiB: number;
  kind: GpuResource['kind'];
  /**
   * How Compute Engine bills the GPUs: `machine` when they come with the machine type (a2, a3, a4,
   * g2, TPU VMs: one price for the whole machine), `per-gpu` when they are attached to an N1 machine
   * (each GPU billed on top of the machine).
   */
  pricing: 'machine' | 'per-gpu';
  /** The accelerator type attached to an N1 machine (per-gpu pricing only). */
  accelerator: string | null;
}

/**
 * Model and per-GPU memory of a Compute Engine accelerator type ("nvidia-b200", "nvidia-tesla-t4"):
 * the GPU catalog's (electron/backend/catalog), the one home of GPU model facts. Memory 0 for a type
 * the catalog does not name.
 */
function acceleratorFacts(acceleratorType: string): { model: string; memoryGiB: number } {
  const model = normaliseGpuModel(acceleratorType);
  return { model, memoryGiB: modelMemoryGiB(model) ?? 0 };
}

/** Machine-type families whose GPUs come with the machine (the count is in the type name). */
const BUILT_IN: ReadonlyArray<{ pattern: RegExp; accelerator: string; count: (m: RegExpExecArray) => number }> = [
  { pattern: /^a2-(?:highgpu|megagpu)-(\d+)g$/, accelerator: 'nvidia-tesla-a100', count: (m) => Number(m[1]) },
  { pattern: /^a2-ultragpu-(\d+)g$/, accelerator: 'nvidia-a100-80gb', count: (m) => Number(m[1]) },
  { pattern: /^a3-(?:highgpu|edgegpu)-(\d+)g(?:-nolssd)?$/, accelerator: 'nvidia-h100-80gb', count: (m) => Number(m[1]) },
  { pattern: /^a3-megagpu-(\d+)g$/, accelerator: 'nvidia-h100-mega-80gb', count: (m) => Number(m[1]) },
  { pattern: /^a3-ultragpu-(\d+)g(?:-lssd)?$/, accelerator: 'nvidia-h200-141gb', count: (m) => Number(m[1]) },
  { pattern: /^a4-highgpu-(\d+)g$/, accelerator: 'nvidia-b200', count: (m) => Number(m[1]) },
  { pattern: /^a4x-highgpu-(\d+)g(?:-nolssd)?$/, accelerator: 'nvidia-gb200', count: (m) => Number(m[1]) },
  // g2: 1 L4 up to 16 vCPUs and for 32; 2 at 24; 4 at 48; 8 at 96.
  { pattern: /^g2-standard-(\d+)$/, accelerator: 'nvidia-l4', count: (m) => ({ 24: 2, 48: 4, 96: 8 })[Number(m[1])] ?? 1 },
];

/** TPU VM machine types (GKE TPU node pools): chips per VM and the model (its per-chip HBM is the catalog's). */
const TPU_MACHINES: ReadonlyArray<{ pattern: RegExp; model: string }> = [
  { pattern: /^ct3p?-hightpu-(\d+)t$/, model: 'TPU v3' },
  { pattern: /^ct4p-hightpu-(\d+)t$/, model: 'TPU v4' },
  { pattern: /^ct5lp-hightpu-(\d+)t$/, model: 'TPU v5e' },
  { pattern: /^ct5p-hightpu-(\d+)t$/, model: 'TPU v5p' },
  { pattern: /^ct6e-standard-(\d+)t$/, model: 'TPU v6e' },
];

/** Cloud TPU accelerator types: generation prefix -> model, and whether the suffix counts cores (2 per chip). */
const TPU_TYPES: ReadonlyArray<{ prefix: string; model: string; suffixIsCores: boolean }> = [
  { prefix: 'v2-', model: 'TPU v2', suffixIsCores: true },
  { prefix: 'v3-', model: 'TPU v3', suffixIsCores: true },
  { prefix: 'v4-', model: 'TPU v4', suffixIsCores: true },
  { prefix: 'v5p-', model: 'TPU v5p', suffixIsCores: true },
  { prefix: 'v5litepod-', model: 'TPU v5e', suffixIsCores: false },
  { prefix: 'v6e-', model: 'TPU v6e', suffixIsCores: false },
];

/** Last path segment of a Compute Engine URL ("…/machineTypes/a3-highgpu-8g" -> "a3-highgpu-8g"). */
export function lastSegment(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1);
}

/** The region of a zone ("us-central1-a" -> "us-central1"). */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

/** Only N1 machines take attached GPUs (N1 predefined types and N1 custom types, "custom-8-30720"). */
export function takesAttachedGpus(machineType: string): boolean {
  return /^n1-|^custom-\d/.test(machineType);
}

/**
 * GPUs of a Compute Engine instance. Accelerator-optimized types (a2, a3, a4, g2, ...) list their
 * built-in GPUs in `guestAccelerators` too, so what decides the pricing is the machine type: only N1
 * takes attached GPUs. Any other machine that reports accelerators has them built in.
 */
export function gpuShapeOf(machineType: string, accelerators: RawInstance['guestAccelerators']): GpuShape | null {
  const reported = (accelerators ?? []).filter((a) => a.acceleratorCount > 0);
  const reportedCount = reported.reduce((n, a) => n + a.acceleratorCount, 0);
  // Mixed accelerator types on one VM do not exist today; count them all, named after the first.
  const reportedType = reported[0] ? lastSegment(reported[0].acceleratorType) : null;
  if (reportedType !== null && takesAttachedGpus(machineType)) {
    return { ...acceleratorFacts(reportedType), count: reportedCount, kind: 'vm', pricing: 'per-gpu', accelerator: reportedType };
  }
  for (const b of BUILT_IN) {
    const m = b.pattern.exec(machineType);
    if (m) {
      // The instance's own list is what it has; the type name is the fallback.
      return { ...acceleratorFacts(reportedType ?? b.accelerator), count: reportedCount > 0 ? reportedCount : b.count(m), kind: 'vm', pricing: 'machine', accelerator: null };
    }
  }
  for (const t of TPU_MACHINES) {
    const m = t.pattern.exec(machineType);
    if (m) return { model: t.model, count: Number(m[1]), memoryGiB: modelMemoryGiB(t.model) ?? 0, kind: 'tpu-vm', pricing: 'machine', accelerator: null };
  }
  if (reportedType !== null) {
    // A machine family we do not know yet (not N1) that reports GPUs: built in, priced as the machine.
    return { ...acceleratorFacts(reportedType), count: reportedCount, kind: 'vm', pricing: 'machine', accelerator: null };
  }
  return null;
}

/** Chips of a Cloud TPU node: from the topology ("2x4" = 8) or else from the accelerator type. */
export function tpuShapeOf(acceleratorType: string, topology: string | null | undefined): GpuShape | null {
  const t = TPU_TYPES.find((x) => acceleratorType.startsWith(x.prefix));
  if (!t) return null;
  let chips: number | null = null;
  if (topology && /^\d+(x\d+)+$/.test(topology)) chips = topology.split('x').reduce((n, d) => n * Number(d), 1);
  if (chips === null) {
    const n = Number(acceleratorType.slice(t.prefix.length));
    if (!Number.isInteger(n) || n <= 0) return null;
    chips = t.suffixIsCores ? Math.max(1, n / 2) : n;
  }
  return { model: t.model, count: chips, memoryGiB: modelMemoryGiB(t.model) ?? 0, kind: 'tpu-vm', pricing: 'machine', accelerator: null };
}

/** Compute Engine status -> power state, health and why. */
export function instanceState(status: string, statusMessage?: string | null): { powerState: PowerState; health: HealthState; reason: string | null } {
  switch (status) {
    case 'RUNNING':
      return { powerState: 'running', health: 'ok', reason: null };
    case 'PROVISIONING':
    case 'STAGING':
      return { powerState: 'starting', health: 'ok', reason: null };
    case 'STOPPING':
    case 'SUSPENDING':
    case 'PENDING_STOP':
      return { powerState: 'stopping', health: 'ok', reason: null };
    case 'TERMINATED':
    case 'STOPPED':
    case 'SUSPENDED':
      return { powerState: 'stopped', health: 'ok', reason: null };
    case 'REPAIRING':
      // The host failed; Compute Engine is moving the VM. Its GPUs do no work until it is back.
      return { powerState: 'running', health: 'unavailable', reason: statusMessage ?? 'REPAIRING: Compute Engine is repairing the instance after a host error' };
    default:
      return { powerState: 'unknown', health: 'unknown', reason: `status ${status}` };
  }
}

/** Cloud TPU node state -> power state, health and why. */
export function tpuState(state: string, health: string | null | undefined, description: string | null | undefined): { powerState: PowerState; health: HealthState; reason: string | null } {
  const power: PowerState =
    state === 'READY' || state === 'REPAIRING' ? 'running'
      : state === 'CREATING' || state === 'STARTING' || state === 'RESTARTING' ? 'starting'
        : state === 'STOPPING' || state === 'DELETING' ? 'stopping'
          : state === 'STOPPED' || state === 'PREEMPTED' || state === 'TERMINATED' || state === 'SUSPENDED' ? 'stopped'
            : 'unknown';
  if (state === 'REPAIRING') return { powerState: power, health: 'unavailable', reason: description ?? 'REPAIRING' };
  if (health && health !== 'HEALTHY' && health !== 'HEALTH_UNSPECIFIED' && power === 'running') {
    return { powerState: power, health: health === 'UNHEALTHY_MAINTENANCE' ? 'degraded' : 'unavailable', reason: description ?? health };
  }
  return { powerState: power, health: power === 'unknown' ? 'unknown' : 'ok', reason: state === 'PREEMPTED' ? 'PREEMPTED' : null };
}

/** The GpuResource id of a Compute Engine instance; the billing export's resource.global_name has this form. */
export function instanceResourceId(project: string, zone: string, instanceId: string): string {
  return `//compute.googleapis.com/projects/${project}/zones/${zone}/instances/${instanceId}`;
}

/** The GpuResource id of a Cloud TPU node. */
export function tpuResourceId(project: string, zone: string, node: string): string {
  return `//tpu.googleapis.com/projects/${project}/locations/${zone}/nodes/${node}`;
}

// Exact decimal arithmetic lives in shared/decimal; these names stay for this connector's callers.
export { addDecimals, multiplyDecimalByInteger as multiplyDecimal };

export interface MapContext {
  account: string;
  project: string;
  catalog: GpuCatalog | null;
}

interface Priced {
  model: string;
  /** Memory per GPU, the catalog's where it knows the machine type. */
  memoryGiB: number;
  hourlyPrice: string | null;
  currency: string;
  /** Why the machine has no (or only a partial) price, naming the type and region. */
  gap: string | null;
}

/**
 * Model name and hourly price from the catalog. GPUs that come with the machine type are priced as
 * that machine type (its catalog entry); GPUs attached to an N1 machine are priced per GPU (the
 * accelerator type's entry) plus the N1 machine. A machine that cannot be priced says why.
 */
function priced(ctx: MapContext, machineType: string, shape: GpuShape, region: string): Priced {
  const catalog = ctx.catalog;
  if (!catalog) return { model: shape.model, memoryGiB: shape.memoryGiB, hourlyPrice: null, currency: 'USD', gap: `no GPU catalog to price ${machineType} in ${region}` };
  const normalised = catalog.normaliseGpuModel(shape.model, shape.memoryGiB > 0 ? shape.memoryGiB * 1024 : null);
  if (shape.pricing === 'machine') {
    const machine = catalog.lookupInstance('gcp', machineType, region);
    const named = machine ? { model: machine.gpuModel, memoryGiB: machine.gpuMemoryGiB } : { model: normalised, memoryGiB: shape.memoryGiB };
    if (!machine) return { ...named, hourlyPrice: null, currency: 'USD', gap: `machine type ${machineType} (GPUs built in) is not in the GPU catalog, so it has no price in ${region}` };
    if (machine.hourlyPrice === null) return { ...named, hourlyPrice: null, currency: machine.currency, gap: `the GPU catalog has no price for machine type ${machineType} in ${region}` };
    return { ...named, hourlyPrice: machine.hourlyPrice, currency: machine.currency, gap: null };
  }
  const accelerator = shape.accelerator ?? shape.model;
  const gpu = catalog.lookupInstance('gcp', accelerator, region);
  const named = { model: gpu?.gpuModel ?? normalised, memoryGiB: gpu?.gpuMemoryGiB ?? shape.memoryGiB };
  if (!gpu?.hourlyPrice) {
    return { ...named, hourlyPrice: null, currency: gpu?.currency ?? 'USD', gap: `no per-GPU price for accelerator ${accelerator} in ${region} (attached to ${machineType})` };
  }
  const gpus = multiplyDecimalByInteger(gpu.hourlyPrice, shape.count);
  const machine = catalog.lookupMachine?.('gcp', machineType, region) ?? null;
  if (!machine || machine.currency !== gpu.currency) {
    // The GPUs are the bulk of the bill: keep their price, and say the machine part is missing.
    return { ...named, hourlyPrice: gpus, currency: gpu.currency, gap: `price counts the ${shape.count} x ${accelerator} only: no price for machine type ${machineType} in ${region}` };
  }
  return { ...named, hourlyPrice: addDecimals(gpus, machine.hourlyPrice), currency: gpu.currency, gap: null };
}

/** A Compute Engine instance -> GpuResource, or null when it has no GPU or TPU. */
export function mapInstance(raw: RawInstance, ctx: MapContext): GpuResource | null {
  const machineType = lastSegment(raw.machineType);
  const shape = gpuShapeOf(machineType, raw.guestAccelerators);
  if (!shape) return null;
  const zone = lastSegment(raw.zone);
  const region = regionOfZone(zone);
  const state = instanceState(raw.status, raw.statusMessage);
  const price = priced(ctx, machineType, shape, region);
  const tags: Record<string, string> = { ...(raw.labels ?? {}), 'gcp:project': ctx.project };
  if (raw.scheduling?.preemptible || raw.scheduling?.provisioningModel === 'SPOT') tags['gcp:provisioning'] = 'spot';
  Object.assign(tags, signalTags(raw));
  return {
    id: instanceResourceId(ctx.project, zone, raw.id),
    account: ctx.account,
    cloud: 'gcp',
    region,
    zone,
    name: raw.name,
    kind: shape.kind,
    instanceType: machineType,
    gpuModel: price.model,
    gpuCount: shape.count,
    gpuMemoryGiB: price.memoryGiB > 0 ? price.memoryGiB : null,
    powerState: state.powerState,
    health: state.health,
    healthReason: state.reason,
    hourlyPrice: price.hourlyPrice,
    currency: price.currency,
    tags,
    gpuUuids: Array.from({ length: shape.count }, () => null),
    demo: false,
    ...(price.gap ? { coverageGaps: [{ kind: 'price' as const, reason: price.gap }] } : {}),
  };
}

/**
 * The instance-level signals the incidents stream needs, carried on the resource's tags (`gcp:`
 * prefix) so that stream works from the stored inventory without listing instances again.
 */
function signalTags(raw: RawInstance): Record<string, string> {
  const tags: Record<string, string> = {};
  const policy = raw.scheduling?.onHostMaintenance;
  if (policy) tags[TAG.onHostMaintenance] = policy;
  // Compute Engine preempts a Spot VM into TERMINATED (or deletes it); note when it stopped.
  const spot = raw.scheduling?.preemptible === true || raw.scheduling?.provisioningModel === 'SPOT';
  if (spot && raw.status === 'TERMINATED') tags[TAG.spotTerminated] = raw.lastStopTimestamp ?? '';
  const m = raw.resourceStatus?.upcomingMaintenance ?? raw.upcomingMaintenance;
  if (m?.windowStartTime) {
    tags[TAG.maintenanceStart] = m.windowStartTime;
    if (m.windowEndTime) tags[TAG.maintenanceEnd] = m.windowEndTime;
    if (m.maintenanceStatus) tags[TAG.maintenanceStatus] = m.maintenanceStatus;
    if (m.type) tags[TAG.maintenanceType] = m.type;
    if (m.maintenanceReasons && m.maintenanceReasons.length > 0) tags[TAG.maintenanceReasons] = m.maintenanceReasons.join(',');
  }
  return tags;
}

/** Tag keys of the instance-level signals (see signalTags). */
export const TAG = {
  onHostMaintenance: 'gcp:on-host-maintenance',
  /** Set on a TERMINATED Spot VM: when it stopped (lastStopTimestamp), or '' when not given. */
  spotTerminated: 'gcp:spot-terminated-at',
  maintenanceStart: 'gcp:maintenance-window-start',
  maintenanceEnd: 'gcp:maintenance-window-end',
  maintenanceStatus: 'gcp:maintenance-status',
  maintenanceType: 'gcp:maintenance-type',
  maintenanceReasons: 'gcp:maintenance-reasons',
} as const;

/** A Cloud TPU node -> GpuResource (one TPU chip counts as one GPU), or null for unknown types. */
export function mapTpuNode(raw: RawTpuNode, ctx: MapContext): GpuResource | null {
  const [, project = ctx.project, , zone = '', , name = ''] = raw.name.split('/');
  const shape = tpuShapeOf(raw.acceleratorType, raw.acceleratorConfig?.topology);
  if (!shape) return null;
  const region = regionOfZone(zone);
  const state = tpuState(raw.state, raw.health, raw.healthDescription);
  const price = priced(ctx, raw.acceleratorType, shape, region);
  return {
    id: tpuResourceId(project, zone, name),
    account: ctx.account,
    cloud: 'gcp',
    region,
    zone,
    name,
    kind: 'tpu-vm',
    instanceType: raw.acceleratorType,
    gpuModel: price.model,
    gpuCount: shape.count,
    gpuMemoryGiB: price.memoryGiB > 0 ? price.memoryGiB : shape.memoryGiB,
    powerState: state.powerState,
    health: state.health,
    healthReason: state.reason,
    hourlyPrice: price.hourlyPrice,
    currency: price.currency,
    tags: { ...(raw.labels ?? {}), 'gcp:project': project },
    gpuUuids: Array.from({ length: shape.count }, () => null),
    demo: false,
    ...(price.gap ? { coverageGaps: [{ kind: 'price' as const, reason: price.gap }] } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** What a metric series measures, in the glossary's order of preference for utilisation. */
export type SeriesRole = 'util-prof' | 'util-dev' | 'util-provider' | 'memory-bytes';

/** The value of a point as a number; int64 values arrive as strings. Null when the point has no numeric value. */
export function pointValue(point: RawPoint): number | null {
  if (point.value.doubleValue !== undefined && point.value.doubleValue !== null) return point.value.doubleValue;
  if (point.value.int64Value !== undefined && point.value.int64Value !== null) return Number(point.value.int64Value);
  return null;
}

/** Epoch ms of a {seconds, nanos} timestamp. */
export function timestampMs(t: { seconds: string; nanos?: number | null }): number {
  return Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** Finds the GPU resource and index a series belongs to. */
export interface SeriesResolver {
  /** Learns the GPU UUIDs of GKE nodes from a whole answer before its series are resolved. */
  learn(series: readonly RawTimeSeries[]): void;
  resolve(series: RawTimeSeries): { resourceId: string; gpuIndex: number } | null;
}

/** Resolves series of gce_instance, k8s_node and tpu_worker resources against the inventory of one project. */
export function seriesResolver(project: string, resources: readonly GpuResource[]): SeriesResolver {
  const byId = new Map(resources.map((r) => [r.id, r]));
  const byNodeName = new Map<string, GpuResource>();
  for (const r of resources) if (r.tags['gcp:project'] === project) byNodeName.set(`${r.zone}/${r.name}`, r);
  const index = (raw: string | undefined, count: number, offset = 0): number | null => {
    if (raw === undefined || !/^\d+$/.test(raw)) return null;
    const i = Number(raw) + offset;
    return i < count ? i : null;
  };
  // Per GKE node, the GPU UUIDs its duty-cycle series named, sorted: GCE does not list UUIDs, so a
  // UUID's position among the node's sorted UUIDs is its index (stable while the node keeps its GPUs).
  const uuidsByNode = new Map<string, string[]>();
  const gpuIndexOfUuid = (res: GpuResource, uuid: string | undefined): number | null => {
    if (!uuid) return null;
    const known = res.gpuUuids.indexOf(uuid);
    if (known >= 0) return known;
    const i = (uuidsByNode.get(res.id) ?? []).indexOf(uuid);
    return i >= 0 && i < res.gpuCount ? i : null;
  };
  return {
    learn(series) {
      const seen = new Map<string, Set<string>>();
      for (const s of series) {
        if (s.resource.type !== 'k8s_node') continue;
        const labels = s.resource.labels ?? {};
        const res = byNodeName.get(`${labels.location}/${labels.node_name}`);
        const uuid = s.metric.labels?.accelerator_id;
        if (!res || !uuid || /^\d+$/.test(uuid)) continue;
        const set = seen.get(res.id) ?? new Set<string>();
        set.add(uuid);
        seen.set(res.id, set);
      }
      for (const [id, set] of seen) uuidsByNode.set(id, [...set].sort());
    },
    resolve(series) {
      const labels = series.resource.labels ?? {};
      const metric = series.metric.labels ?? {};
      let res: GpuResource | undefined;
      let gpu: number | null = null;
      switch (series.resource.type) {
        case 'gce_instance': {
          if (!labels.zone || !labels.instance_id) return null;
          res = byId.get(instanceResourceId(project, labels.zone, labels.instance_id));
          if (res) gpu = index(metric.gpu_number, res.gpuCount);
          break;
        }
        case 'k8s_node': {
          res = byNodeName.get(`${labels.location}/${labels.node_name}`);
          // TPU chips are numbered; a GPU's accelerator_id is its UUID (GPU-...), placed by gpuIndexOfUuid.
          if (res) gpu = index(metric.accelerator_id, res.gpuCount) ?? gpuIndexOfUuid(res, metric.accelerator_id);
          break;
        }
        case 'tpu_worker': {
          if (!labels.zone || !labels.node_id) return null;
          res = byId.get(tpuResourceId(project, labels.zone, labels.node_id));
          // Multi-host slices: each worker holds 4 chips, numbered from 0 on every worker.
          if (res) gpu = index(metric.accelerator_id, res.gpuCount, Number(labels.worker_id ?? '0') * 4);
          break;
        }
        default:
          return null;
      }
      return res && gpu !== null ? { resourceId: res.id, gpuIndex: gpu } : null;
    },
  };
}

interface SampleSlot {
  resourceId: string;
  gpuIndex: number;
  ts: number;
  prof: number | null;
  dev: number | null;
  provider: number | null;
  memoryBytes: number | null;
}

/**
 * Collects aligned points from several metric types and merges them into one GpuSample per GPU per
 * minute. A GPU with no series gets no sample at all: missing means "not measured", never zero.
 */
export class SampleMerger {
  private readonly slots = new Map<string, SampleSlot>();

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly alignmentMs: number,
  ) {}

  /** Adds every point of a series; returns how many points were kept. */
  add(role: SeriesRole, target: { resourceId: string; gpuIndex: number }, series: RawTimeSeries): number {
    let kept = 0;
    for (const p of series.points ?? []) {
      const value = pointValue(p);
      if (value === null || !Number.isFinite(value)) continue;
      // An aligned point covers (end - period, end]; store it at the start of its minute.
      const ts = timestampMs(p.interval.endTime) - this.alignmentMs;
      if (ts < this.from || ts >= this.to) continue;
      const key = `${target.resourceId}#${target.gpuIndex}#${ts}`;
      let slot = this.slots.get(key);
      if (!slot) {
        slot = { ...target, ts, prof: null, dev: null, provider: null, memoryBytes: null };
        this.slots.set(key, slot);
      }
      // DCGM's GR_ENGINE_ACTIVE is a 0-1 ratio; the others are percentages.
      if (role === 'util-prof') slot.prof = value * 100;
      else if (role === 'util-dev') slot.dev = value;
      else if (role === 'util-provider') slot.provider = value;
      else slot.memoryBytes = Math.max(0, value);
      kept++;
    }
    return kept;
  }

  /** Merged samples, ordered by resource, GPU and time. */
  samples(): GpuSample[] {
    const out: GpuSample[] = [];
    for (const s of this.slots.values()) {
      out.push({
        resourceId: s.resourceId,
        gpuIndex: s.gpuIndex,
        ts: s.ts,
        ...chooseUtilisation({ prof: s.prof, dev: s.dev, provider: s.provider }),
        memoryUsedMiB: s.memoryBytes === null ? null : s.memoryBytes / (1024 * 1024),
        powerWatts: null,
        temperatureC: null,
        xidErrors: 0,
      });
    }
    return out.sort((a, b) => a.resourceId.localeCompare(b.resourceId) || a.gpuIndex - b.gpuIndex || a.ts - b.ts);
  }
}


// ---------------------------------------------------------------------------------------------
// Spend

const CHARGE_CATEGORY: Readonly<Record<string, string>> = {
  regular: 'Usage',
  tax: 'Tax',
  adjustment: 'Adjustment',
  rounding_error: 'Adjustment',
};

/** Labels exported as `[{key, value}]` JSON -> a tag record (bad JSON yields no tags, not an error). */
export function labelsOf(json: string | null): Record<string, string> {
  if (!json) return {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (!Array.isArray(parsed)) return {};
    const out: Record<string, string> = {};
    for (const item of parsed) {
      if (item && typeof item === 'object' && typeof (item as { key?: unknown }).key === 'string') {
        const value = (item as { value?: unknown }).value;
        out[(item as { key: string }).key] = typeof value === 'string' ? value : '';
      }
    }
    return out;
  } catch {
    return {};
  }
}

/** One grouped billing export row (resource + SKU + UTC day) -> a FOCUS row, net of credits. */
export function mapBillingRow(row: BillingQueryRow): FocusCostRow {
  const net = addDecimals(row.cost, row.credits ?? '0');
  const day = Date.parse(`${row.charge_day}T00:00:00Z`);
  const month = row.invoice_month ?? row.charge_day.slice(0, 7).replace('-', '');
  const isInstance = row.resource_global_name?.startsWith('//compute.googleapis.com/') && row.resource_global_name.includes('/instances/');
  return {
    BillingAccountId: row.billing_account_id,
    BillingAccountName: null,
    SubAccountId: row.project_id,
    SubAccountName: row.project_name,
    BillingCurrency: row.currency,
    ...costColumns(net),
    // The invoice month, which may differ from the charge day's month (late usage, adjustments).
    ...periodColumns(day, day + 86_400_000, Date.UTC(Number(month.slice(0, 4)), Number(month.slice(4, 6)) - 1, 1)),
    ChargeCategory: CHARGE_CATEGORY[row.cost_type ?? 'regular'] ?? 'Adjustment',
    ChargeClass: null,
    ChargeDescription: row.sku_description,
    ProviderName: 'Google Cloud',
    PublisherName: 'Google Cloud',
    InvoiceIssuerName: 'Google',
    ServiceName: row.service_name,
    ServiceCategory: row.service_name === 'Compute Engine' || row.service_name === 'Cloud TPU' ? 'Compute' : null,
    ...regionColumns(row.region),
    AvailabilityZone: row.zone,
    ResourceId: row.resource_global_name,
    ResourceName: row.resource_name,
    ResourceType: isInstance ? 'Compute Engine instance' : row.resource_global_name?.startsWith('//tpu.googleapis.com/') ? 'Cloud TPU node' : null,
    SkuId: row.sku_id,
    PricingQuantity: row.pricing_quantity,
    PricingUnit: row.pricing_unit,
    ConsumedQuantity: row.usage_quantity,
    ConsumedUnit: row.usage_unit,
    Tags: labelsOf(row.labels_json),
  };
}

// ---------------------------------------------------------------------------------------------
// Incidents

const STATUS_URL = 'https://status.cloud.google.com/';

function severityOf(impact: string | null | undefined): IncidentSeverity {
  if (impact === 'SERVICE_OUTAGE') return 'critical';
  if (impact === 'SERVICE_DISRUPTION') return 'major';
  return 'minor';
}

function isoOrNull(text: string | null | undefined): string | null {
  if (!text) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

export interface IncidentFilter {
  account: string;
  /** Regions the fleet uses. */
  regions: ReadonlySet<string>;
  /** Product ids or titles the fleet depends on. */
  products: readonly string[];
  now: Date;
  endedWithinDays: number;
  /** Base of incident links (the status dashboard, or its override). */
  baseUrl?: string;
}

/**
 * Status-feed incidents -> Incidents, keeping those that touch a product and a region the fleet
 * uses (an incident with no location is global and touches every region). Ongoing while `end` is absent.
 */
export function mapStatusIncidents(raw: readonly RawStatusIncident[], f: IncidentFilter): Incident[] {
  const wanted = new Set(f.products.map((p) => p.toLowerCase()));
  const oldest = f.now.getTime() - f.endedWithinDays * 86_400_000;
  const out: Incident[] = [];
  for (const inc of raw) {
    const products = inc.affected_products ?? [];
    if (!products.some((p) => wanted.has(p.id.toLowerCase()) || (p.title && wanted.has(p.title.toLowerCase())))) continue;
    const endedAt = isoOrNull(inc.end);
    if (endedAt !== null && Date.parse(endedAt) < oldest) continue;
    const locations = [...(inc.currently_affected_locations ?? []), ...(inc.previously_affected_locations ?? [])].map((l) => l.id);
    const regions = [...new Set(locations)];
    if (regions.length > 0 && !regions.some((r) => f.regions.has(r) || r === 'global')) continue;
    const startedAt = isoOrNull(inc.begin);
    if (startedAt === null) continue;
    const updates = (inc.updates ?? [])
      .map((u) => ({ at: isoOrNull(u.when ?? u.created), status: u.status ?? '', body: u.text ?? '' }))
      .filter((u): u is { at: string; status: string; body: string } => u.at !== null);
    const summary = (inc.external_desc ?? '').trim();
    out.push({
      id: `gcp-status:${inc.id}`,
      account: f.account,
      cloud: 'gcp',
      source: 'status-page',
      severity: severityOf(inc.status_impact),
      title: summary.split('\n')[0]?.slice(0, 200) || `Google Cloud incident ${inc.id}`,
      summary,
      status: endedAt ? 'resolved' : (inc.most_recent_update?.status ?? inc.status_impact ?? 'ongoing'),
      regions: regions.filter((r) => r !== 'global'),
      services: products.map((p) => p.title ?? p.id),
      resourceIds: [],
      startedAt,
      endedAt,
      updatedAt: isoOrNull(inc.modified) ?? endedAt ?? startedAt,
      url: new URL(inc.uri ?? `incidents/${inc.id}`, f.baseUrl ?? STATUS_URL).toString(),
      updates,
      demo: false,
    });
  }
  return out;
}

/** Instance-level signals: a GPU machine Compute Engine reports as repairing or unhealthy. */
export function resourceIncidents(resources: readonly GpuResource[], account: string, now: Date): Incident[] {
  // Floored to the minute: the pane judges "open" as of a minute-floored instant, and a condition
  // first seen at 12:00:48 must count on the 12:00 pane.
  const at = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  return resources
    .filter((r) => r.cloud === 'gcp' && (r.health === 'unavailable' || r.health === 'degraded'))
    .map((r) => ({
      id: `gcp-resource:${r.id}`,
      account,
      cloud: 'gcp' as const,
      source: 'resource-health' as const,
      severity: r.health === 'unavailable' ? ('major' as const) : ('minor' as const),
      title: `${r.name}: ${r.healthReason ?? r.health}`,
      summary: `${r.gpuCount} x ${r.gpuModel} in ${r.zone ?? r.region} reported ${r.health} by Google Cloud.`,
      status: r.health,
      regions: [r.region],
      services: [r.kind === 'tpu-vm' ? 'Cloud TPU' : 'Google Compute Engine'],
      resourceIds: [r.id],
      // The instance list has no start time for the condition: it is observed as of this sync.
      startedAt: at,
      endedAt: null,
      updatedAt: at,
      url: consoleUrl(r),
      updates: [],
      demo: false,
    }));
}

/** The Cloud console page of a machine (Compute Engine instance or Cloud TPU node). */
export function consoleUrl(r: GpuResource): string | null {
  const project = r.tags['gcp:project'];
  if (!project || !r.zone) return null;
  const q = `?project=${encodeURIComponent(project)}`;
  if (r.id.startsWith('//tpu.googleapis.com/')) return `https://console.cloud.google.com/compute/tpus/details/${r.zone}/${encodeURIComponent(r.name)}${q}`;
  return `https://console.cloud.google.com/compute/instancesDetail/zones/${r.zone}/instances/${encodeURIComponent(r.name)}${q}`;
}

function isoAt(text: string | undefined): string | null {
  return text === undefined ? null : isoOrNull(text);
}

/**
 * Planned host maintenance of GPU machines (`resourceStatus.upcomingMaintenance`, carried on the
 * resource's tags) -> `maintenance` incidents, one per machine, spanning the announced window: it
 * starts at `windowStartTime` (often days ahead: a future start is planned maintenance, never
 * "started" at the sync that saw it) and ends at `windowEndTime`. GPU VMs cannot live-migrate
 * (onHostMaintenance TERMINATE), so the window is downtime for their GPUs. Maintenance still ONGOING
 * past its window stays open; the tracker ends it on the first sync that no longer lists it.
 */
export function maintenanceIncidents(resources: readonly GpuResource[], account: string, now: Date): Incident[] {
  const out: Incident[] = [];
  for (const r of resources) {
    if (r.cloud !== 'gcp') continue;
    const start = isoAt(r.tags[TAG.maintenanceStart]);
    if (start === null) continue;
    const end = isoAt(r.tags[TAG.maintenanceEnd]);
    const policy = r.tags[TAG.onHostMaintenance] ?? 'TERMINATE';
    const status = (r.tags[TAG.maintenanceStatus] ?? 'PENDING').toLowerCase();
    const type = r.tags[TAG.maintenanceType]?.toLowerCase() ?? 'scheduled';
    const reasons = r.tags[TAG.maintenanceReasons];
    // Past its window but still in progress: the window end no longer says when it ends.
    const overrun = status === 'ongoing' && end !== null && Date.parse(end) <= now.getTime();
    const impact = policy === 'MIGRATE' ? 'live-migrated (brief pause)' : 'stopped and restarted: its GPUs are down for the window';
    out.push({
      id: `gcp-maintenance:${r.id}`,
      account,
      cloud: 'gcp',
      source: 'maintenance',
      severity: 'maintenance',
      title: `${r.name}: ${type} host maintenance ${status === 'ongoing' ? 'in progress' : `planned from ${start}`}`,
      summary:
        `${r.gpuCount} x ${r.gpuModel} in ${r.zone ?? r.region}: Compute Engine host maintenance window ${start}` +
        `${end ? ` to ${end}` : ''}; onHostMaintenance ${policy}, so the VM is ${impact}.` +
        (reasons ? ` Reasons: ${reasons}.` : ''),
      status,
      regions: [r.region],
      services: ['Google Compute Engine'],
      resourceIds: [r.id],
      startedAt: start,
      endedAt: end !== null && !overrun && Date.parse(end) > Date.parse(start) ? end : null,
      updatedAt: new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString(),
      url: consoleUrl(r),
      updates: [],
      demo: false,
    });
  }
  return out;
}

/**
 * Spot (or legacy preemptible) GPU VMs that Compute Engine stopped: `TERMINATED` with provisioning
 * model SPOT -> `resource-health` incidents from `lastStopTimestamp`, open until the VM runs again
 * or is deleted. The instance list does not tell a preemption from a stop by the user; the title
 * says so rather than guess.
 */
export function preemptionIncidents(resources: readonly GpuResource[], account: string, now: Date): Incident[] {
  const floor = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  return resources
    .filter((r) => r.cloud === 'gcp' && r.tags[TAG.spotTerminated] !== undefined)
    .map((r) => {
      const stopped = isoAt(r.tags[TAG.spotTerminated] || undefined) ?? floor;
      return {
        id: `gcp-preempted:${r.id}`,
        account,
        cloud: 'gcp' as const,
        source: 'resource-health' as const,
        severity: 'major' as const,
        title: `${r.name}: Spot VM preempted (stopped)`,
        summary: `${r.gpuCount} x ${r.gpuModel} in ${r.zone ?? r.region}: Spot VM TERMINATED since ${stopped}; Compute Engine reclaims Spot capacity without notice beyond 30 s. A Spot VM stopped by hand looks the same in the instance list.`,
        status: 'preempted',
        regions: [r.region],
        services: ['Google Compute Engine'],
        resourceIds: [r.id],
        startedAt: stopped,
        endedAt: null,
        updatedAt: floor,
        url: consoleUrl(r),
        updates: [],
        demo: false,
      };
    });
}

export interface ServiceHealthFilter {
  account: string;
  /** The project the events were listed for (for the console link). */
  project: string;
  /** Regions the fleet uses. */
  regions: ReadonlySet<string>;
  /** Product names (as the status feed titles them) the fleet depends on. */
  products: readonly string[];
  now: Date;
  endedWithinDays: number;
}

/** "Google Compute Engine", "Compute Engine" and "compute-engine" name one product. */
function productKey(name: string): string {
  return name.toLowerCase().replace(/^google\s+(cloud\s+)?/, '').replaceAll(/[^a-z0-9]/g, '');
}

const PSH_SKIP: ReadonlySet<string> = new Set(['MERGED', 'FALSE_POSITIVE']);

/**
 * Personalized Service Health events -> `service-health` incidents, kept when one impact names a
 * product the fleet depends on in a region it uses (or `global`). The incident names the product as
 * the status feed titles it, so the triage merge joins it with the public incident of the same
 * outage (same product and region, starts within the merge window). Ongoing while `endTime` is absent.
 */
export function mapServiceHealthEvents(raw: readonly RawServiceHealthEvent[], f: ServiceHealthFilter): Incident[] {
  const wanted = new Map(f.products.map((p) => [productKey(p), p]));
  const oldest = f.now.getTime() - f.endedWithinDays * 86_400_000;
  const out: Incident[] = [];
  for (const e of raw) {
    if (e.category && e.category !== 'INCIDENT') continue;
    if (e.detailedState && PSH_SKIP.has(e.detailedState)) continue;
    const startedAt = isoOrNull(e.startTime);
    if (startedAt === null) continue;
    const endedAt = isoOrNull(e.endTime) ?? (e.state === 'CLOSED' ? isoOrNull(e.updateTime) ?? startedAt : null);
    if (endedAt !== null && Date.parse(endedAt) < oldest) continue;
    const services = new Set<string>();
    const regions = new Set<string>();
    let touches = false;
    for (const impact of e.eventImpacts ?? []) {
      const name = impact.product?.productName ?? '';
      const product = wanted.get(productKey(name));
      const location = impact.location?.locationName ?? 'global';
      if (product === undefined) continue;
      const inFleet = location === 'global' || f.regions.has(location);
      if (!inFleet) continue;
      touches = true;
      services.add(product);
      if (name && name !== product) services.add(name);
      if (location !== 'global') regions.add(location);
    }
    if (!touches) continue;
    const eventId = e.name.slice(e.name.lastIndexOf('/') + 1);
    const updates = (e.updates ?? [])
      .map((u) => ({
        at: isoOrNull(u.updateTime),
        status: u.title ?? '',
        body: [u.description, u.symptom ? `Symptom: ${u.symptom}` : '', u.workaround ? `Workaround: ${u.workaround}` : ''].filter(Boolean).join('\n'),
      }))
      .filter((u): u is { at: string; status: string; body: string } => u.at !== null);
    const title = (e.title ?? '').trim();
    out.push({
      id: `gcp-psh:${eventId}`,
      account: f.account,
      cloud: 'gcp',
      source: 'service-health',
      severity: e.detailedState === 'EMERGING' ? 'minor' : 'major',
      title: title.slice(0, 200) || `Google Cloud service health event ${eventId}`,
      summary: (e.description ?? title).trim(),
      status: endedAt ? 'resolved' : (e.detailedState ?? e.state ?? 'ACTIVE').toLowerCase(),
      regions: [...regions].sort(),
      services: [...services].sort(),
      resourceIds: [],
      startedAt,
      endedAt,
      updatedAt: isoOrNull(e.updateTime) ?? endedAt ?? startedAt,
      // The project's Service Health dashboard lists the event.
      url: `https://console.cloud.google.com/servicehealth?project=${encodeURIComponent(f.project)}`,
      updates,
      demo: false,
    });
  }
  return out;
}
