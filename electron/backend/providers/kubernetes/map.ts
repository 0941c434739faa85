/** Pure mapping from Kubernetes objects and Prometheus series to Fleetpane's model. */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { divideDecimalByInteger, multiplyDecimalByInteger, roundDecimal, sumDecimals } from '../../../../shared/decimal';
import { MACHINE_KEY_TAG, type CloudId, type FocusCostRow, type GpuResource, type GpuSample, type HealthState } from '../../../../shared/domain';
import { lookupGpuClass, lookupInstance, modelMemoryGiB, normaliseGpuModel } from '../../catalog';
import { machineKeyOfProviderId } from '../common/machine-key';
import { migLayoutFromLabels, type MigLayout } from '../common/mig';
import { mapDcgmSeries as mapCommonDcgmSeries, type DcgmQueries, type DcgmSeriesSet, type PlaceSeries } from '../common/dcgm';
import type { MatrixSeries } from './client';
import { costColumns, periodColumns, regionColumns } from '../common/focus';

const GPU_RESOURCE = 'nvidia.com/gpu';

/** Which cloud runs a node: providerID scheme first, then managed-service and CoreWeave labels. */
export function detectCloud(providerId: string | undefined, labels: Readonly<Record<string, string>>): CloudId {
  const keys = Object.keys(labels);
  const has = (prefix: string) => keys.some((k) => k.startsWith(prefix));
  const pid = (providerId ?? '').toLowerCase();
  if (pid.includes('coreweave') || has('node.coreweave.cloud/') || has('gpu.nvidia.com/') || has('ethernet.coreweave.cloud/')) return 'coreweave';
  if (pid.startsWith('azure://')) return 'azure';
  if (pid.startsWith('gce://')) return 'gcp';
  if (pid.startsWith('aws://')) return 'aws';
  if (pid.startsWith('oci://') || pid.startsWith('ocid1.')) return 'oci';
  if (has('kubernetes.azure.com/')) return 'azure';
  if (has('cloud.google.com/gke-')) return 'gcp';
  if (has('eks.amazonaws.com/')) return 'aws';
  if (has('oci.oraclecloud.com/')) return 'oci';
  return 'other';
}

function positiveInt(value: string | undefined): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value);
  return n > 0 ? n : null;
}

/** What a node's labels and capacity say about its GPUs (physical GPUs, not time-slice replicas or MIG devices). */
export interface NodeGpuFacts {
  count: number;
  model: string;
  memoryGiB: number | null;
  classLabel: string | null;
  /** The MIG layout when any GPU is MIG-partitioned (its `gpus` is `count`). */
  mig: MigLayout | null;
  /** Why `count` is only a lower bound; null when the labels tell it. */
  placementGap: string | null;
}

/** Reads GPU model, memory and the physical GPU count from GFD (or legacy CoreWeave) labels and capacity. */
export function nodeGpuFacts(labels: Readonly<Record<string, string>>, capacity: Readonly<Record<string, string>> | undefined): NodeGpuFacts | null {
  const product = labels['nvidia.com/gpu.product'];
  const classLabel = labels['gpu.nvidia.com/class'] ?? null;
  const vramGb = positiveInt(labels['gpu.nvidia.com/vram']);
  const mig = migLayoutFromLabels(labels, capacity);
  if (mig) {
    // Under MIG, nvidia.com/gpu.memory is one MIG device's memory: the model's own memory is the GPU's.
    const raw = mig.physicalProduct ?? classLabel ?? labels['gpu.nvidia.com/model'];
    const model = raw ? normaliseGpuModel(raw) : 'Unknown GPU';
    return { count: mig.gpus, model, memoryGiB: modelMemoryGiB(model) ?? vramGb, classLabel, mig, placementGap: mig.uncertain };
  }
  const memoryMiB = positiveInt(labels['nvidia.com/gpu.memory']);
  const replicas = positiveInt(labels['nvidia.com/gpu.replicas']) ?? 1;
  const capacityGpus = positiveInt(capacity?.[GPU_RESOURCE]);
  const count =
    positiveInt(labels['nvidia.com/gpu.count']) ??
    positiveInt(labels['gpu.nvidia.com/count']) ??
    (capacityGpus !== null ? Math.max(1, Math.floor(capacityGpus / replicas)) : null);
  if (count === null || (capacityGpus === null && !product && !classLabel)) return null;
  const raw = product ?? classLabel ?? labels['gpu.nvidia.com/model'];
  const model = raw ? normaliseGpuModel(raw, memoryMiB) : 'Unknown GPU';
  const memoryGiB = memoryMiB !== null ? Math.round((memoryMiB / 1024) * 10) / 10 : vramGb;
  return { count, model, memoryGiB, classLabel, mig: null, placementGap: null };
}

/** Node conditions to health: Ready False/Unknown is unavailable, pressure conditions degrade. */
export function nodeHealth(node: V1Node): { health: HealthState; reason: string | null } {
  const conditions = node.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) return { health: 'unknown', reason: 'node reports no Ready condition' };
  if (ready.status !== 'True') {
    const why = ready.status === 'Unknown' ? 'kubelet stopped posting status' : 'node is NotReady';
    return { health: 'unavailable', reason: [why, ready.reason, ready.message].filter(Boolean).join(': ') };
  }
  const pressure = conditions.filter((c) => c.type !== 'Ready' && c.status === 'True' && /Pressure|Unavailable/.test(c.type));
  if (pressure.length) return { health: 'degraded', reason: pressure.map((c) => c.type).join(', ') };
  return { health: 'ok', reason: null };
}

export interface NodeWorkload {
  gpus: number;
  namespaces: Set<string>;
  teams: Set<string>;
}

function podGpus(pod: V1Pod): number {
  let n = 0;
  for (const c of pod.spec?.containers ?? []) {
    const req = c.resources?.limits?.[GPU_RESOURCE] ?? c.resources?.requests?.[GPU_RESOURCE];
    n += positiveInt(req === undefined ? undefined : String(req)) ?? 0;
  }
  return n;
}

/** GPU-requesting pods per node, with their namespaces and team labels (team attribution). */
export function gpuWorkloadByNode(pods: readonly V1Pod[], teamLabel: string): Map<string, NodeWorkload> {
  const out = new Map<string, NodeWorkload>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    const gpus = podGpus(pod);
    if (!node || gpus === 0) continue;
    const w = out.get(node) ?? { gpus: 0, namespaces: new Set<string>(), teams: new Set<string>() };
    w.gpus += gpus;
    if (pod.metadata?.namespace) w.namespaces.add(pod.metadata.namespace);
    const team = pod.metadata?.labels?.[teamLabel];
    if (team) w.teams.add(team);
    out.set(node, w);
  }
  return out;
}

// Exact decimal arithmetic lives in shared/decimal; these names stay for this connector's callers.
export { multiplyDecimalByInteger as multiplyDecimal, sumDecimals as addDecimals };

function nodePoolOf(labels: Readonly<Record<string, string>>): string | undefined {
  return (
    labels['kubernetes.azure.com/agentpool'] ??
    labels['agentpool'] ??
    labels['cloud.google.com/gke-nodepool'] ??
    labels['eks.amazonaws.com/nodegroup'] ??
    labels['oci.oraclecloud.com/node-pool-id'] ??
    labels['lke.linode.com/pool-id'] ??
    labels['vks.vmware.com/nodepool']
  );
}

export interface NodeMapOptions {
  account: string;
  cloud?: CloudId | undefined;
  defaultRegion: string;
  /** The config's `site`: names a cluster outside every known cloud on the pane. */
  site?: string | undefined;
}

/** One GPU node as a GpuResource; null for nodes without GPUs. */
export function nodeToResource(node: V1Node, workload: NodeWorkload | undefined, opts: NodeMapOptions): GpuResource | null {
  const labels = node.metadata?.labels ?? {};
  const name = node.metadata?.name;
  if (!name) return null;
  const facts = nodeGpuFacts(labels, node.status?.capacity);
  if (!facts) return null;
  const cloud = opts.cloud ?? detectCloud(node.spec?.providerID, labels);
  const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? opts.defaultRegion;
  const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? null;
  const instanceType =
    labels['node.kubernetes.io/instance-type'] ?? labels['beta.kubernetes.io/instance-type'] ?? labels['node.coreweave.cloud/type'] ?? facts.classLabel ?? labels['nvidia.com/gpu.product'] ?? 'unknown';
  const { health, reason } = nodeHealth(node);
  // A GPU class or product label names one GPU (CoreWeave prices it per GPU-hour), not the machine.
  const namesOneGpu = instanceType === facts.classLabel || instanceType === labels['nvidia.com/gpu.product'];
  const instance = namesOneGpu ? null : lookupInstance(cloud, instanceType, region);
  // Where MIG labels cannot tell the physical GPUs, the instance type the cloud sells can.
  let gpuCount = facts.count;
  let placementGap = facts.placementGap;
  let countedBy = facts.mig ? (placementGap ? 'estimate' : 'labels') : null;
  if (placementGap && instance && instance.gpuCount > 0) {
    gpuCount = instance.gpuCount;
    placementGap = null;
    countedBy = 'instance-type';
  }

  let hourlyPrice: string | null = null;
  let currency = 'USD';
  if (instance?.hourlyPrice) {
    hourlyPrice = instance.hourlyPrice;
    currency = instance.currency;
  } else if (cloud === 'coreweave') {
    // CoreWeave prices GPUs per GPU-hour by class.
    const perGpu = lookupGpuClass(facts.classLabel ?? labels['nvidia.com/gpu.product'] ?? facts.model, 'coreweave', region);
    if (perGpu?.hourlyPrice) {
      hourlyPrice = multiplyDecimalByInteger(perGpu.hourlyPrice, gpuCount);
      currency = perGpu.currency;
    }
  }

  const tags: Record<string, string> = { 'k8s.node': name };
  // The cloud's own view of this machine (an EC2 instance) carries the same key: counted once.
  const machine = machineKeyOfProviderId(node.spec?.providerID);
  if (machine) tags[MACHINE_KEY_TAG] = machine;
  const pool = nodePoolOf(labels);
  if (pool) tags['k8s.node-pool'] = pool;
  if (node.spec?.unschedulable) tags['k8s.cordoned'] = 'true';
  if (labels['nvidia.com/mig.strategy'] && labels['nvidia.com/mig.config'] && labels['nvidia.com/mig.config'] !== 'all-disabled') {
    tags['nvidia.mig'] = labels['nvidia.com/mig.config'];
  }
  if (facts.mig && countedBy) {
    tags['nvidia.mig.strategy'] = facts.mig.strategy;
    tags['nvidia.mig.devices'] = Object.entries(facts.mig.devices)
      .map(([p, n]) => `${n}x${p}`)
      .join(',');
    tags['nvidia.mig.gpus-counted-by'] = countedBy;
  }
  if (workload) {
    tags['k8s.gpus-requested'] = String(workload.gpus);
    tags.namespace = [...workload.namespaces].sort().join(',');
    if (workload.teams.size) tags.team = [...workload.teams].sort().join(',');
  }
  const allocatable = node.status?.allocatable?.[GPU_RESOURCE];
  if (allocatable !== undefined) tags['k8s.gpus-allocatable'] = String(allocatable);

  return {
    id: `k8s-node:${name}`,
    account: opts.account,
    cloud,
    region,
    zone,
    name,
    kind: 'node',
    instanceType,
    gpuModel: facts.model,
    gpuCount,
    gpuMemoryGiB: facts.memoryGiB,
    powerState: 'running',
    health,
    healthReason: reason ?? (node.spec?.unschedulable ? 'cordoned (unschedulable)' : null),
    hourlyPrice,
    currency,
    tags,
    gpuUuids: Array.from({ length: gpuCount }, () => null),
    demo: false,
    ...(cloud === 'other' && opts.site ? { site: opts.site } : {}),
    ...(placementGap ? { coverageGaps: [{ kind: 'placement' as const, reason: placementGap }] } : {}),
  };
}

/**
 * Settles MIG nodes whose labels could not tell their physical GPUs from dcgm-exporter series: MIG
 * series carry their parent GPU's `UUID` and `gpu` index, so the distinct parents are the GPUs.
 * Nodes without series keep their lower bound and their placement gap.
 */
export function settleMigFromDcgm(resources: readonly GpuResource[], parents: readonly MatrixSeries[], nodeLabels: readonly string[]): GpuResource[] {
  const byNode = new Map<string, Set<string>>();
  for (const s of parents) {
    const node = nodeOfSeries(s.metric, nodeLabels);
    const parent = s.metric.UUID || (s.metric.gpu ? `index:${s.metric.gpu}` : '');
    if (!node || !parent) continue;
    const set = byNode.get(node.toLowerCase()) ?? new Set<string>();
    set.add(parent);
    byNode.set(node.toLowerCase(), set);
  }
  return resources.map((r) => {
    if (!r.coverageGaps?.some((g) => g.kind === 'placement') || r.tags['nvidia.mig.gpus-counted-by'] !== 'estimate') return r;
    const seen = byNode.get(r.name.toLowerCase()) ?? byNode.get(r.name.split('.')[0]?.toLowerCase() ?? '');
    if (!seen?.size) return r;
    const gpuCount = seen.size;
    const perGpu = r.cloud === 'coreweave' && r.hourlyPrice !== null ? divideDecimalByInteger(r.hourlyPrice, r.gpuCount, 6) : null;
    const gaps = r.coverageGaps.filter((g) => g.kind !== 'placement');
    const { coverageGaps: _dropped, ...rest } = r;
    return {
      ...rest,
      gpuCount,
      gpuUuids: Array.from({ length: gpuCount }, () => null),
      // CoreWeave prices per GPU-hour: the node's price follows its GPU count.
      hourlyPrice: perGpu !== null ? multiplyDecimalByInteger(perGpu, gpuCount) : r.hourlyPrice,
      tags: { ...r.tags, 'nvidia.mig.gpus-counted-by': 'dcgm' },
      ...(gaps.length ? { coverageGaps: gaps } : {}),
    };
  });
}

/** Finds the node a series belongs to from the first non-empty node label. */
function nodeOfSeries(metric: Readonly<Record<string, string>>, nodeLabels: readonly string[]): string | null {
  for (const l of nodeLabels) {
    const v = metric[l];
    if (v) return v;
  }
  return null;
}

export type SeriesSet = DcgmSeriesSet;
export type { DcgmQueries };

/**
 * Where a dcgm series lives among `resources`: the node its first non-empty node label names (exact,
 * lower-cased, or short host name) and the GPU its `gpu` label numbers.
 */
export function placeOnNodes(resources: readonly GpuResource[], nodeLabels: readonly string[]): PlaceSeries {
  const byName = new Map<string, GpuResource>();
  for (const r of resources) {
    byName.set(r.name, r);
    byName.set(r.name.toLowerCase(), r);
    byName.set(r.name.split('.')[0]?.toLowerCase() ?? r.name, r);
  }
  return (metric) => {
    const node = nodeOfSeries(metric, nodeLabels);
    const res = node ? (byName.get(node) ?? byName.get(node.toLowerCase()) ?? byName.get(node.split('.')[0]?.toLowerCase() ?? '')) : undefined;
    const idx = Number(metric.gpu);
    if (!res || !Number.isInteger(idx) || idx < 0) return null;
    return { resourceId: res.id, gpuIndex: idx };
  };
}

/** Turns one chunk of per-GPU series into samples (common/dcgm.ts), each series placed by placeOnNodes. */
export function mapDcgmSeries(
  set: SeriesSet,
  resources: readonly GpuResource[],
  nodeLabels: readonly string[],
  stepSeconds: number,
  fromMs: number,
): GpuSample[] {
  return mapCommonDcgmSeries(set, placeOnNodes(resources, nodeLabels), stepSeconds, fromMs);
}

const dayStart = (ms: number) => ms - (ms % 86_400_000);

function costRow(base: {
  account: string;
  cloud: CloudId;
  currency: string;
  day: number;
  cost: string;
  node: string;
  resource: GpuResource | undefined;
  description: string;
  quantity: string | null;
  unit: string | null;
  tags: Record<string, string>;
}): FocusCostRow {
  const r = base.resource;
  return {
    BillingAccountId: base.account,
    BillingAccountName: base.account,
    SubAccountId: null,
    SubAccountName: null,
    BillingCurrency: base.currency,
    ...costColumns(base.cost, base.cost),
    ...periodColumns(base.day, base.day + 86_400_000),
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: base.description,
    ProviderName: base.cloud === 'coreweave' ? 'CoreWeave' : 'Kubernetes',
    PublisherName: null,
    InvoiceIssuerName: null,
    ServiceName: 'Kubernetes GPU nodes',
    ServiceCategory: 'Compute',
    ...regionColumns(r?.region ?? null),
    AvailabilityZone: r?.zone ?? null,
    ResourceId: r?.id ?? `k8s-node:${base.node}`,
    ResourceName: base.node,
    ResourceType: 'Kubernetes node',
    SkuId: r?.instanceType ?? null,
    PricingQuantity: base.quantity,
    PricingUnit: base.unit,
    ConsumedQuantity: base.quantity,
    ConsumedUnit: base.unit,
    Tags: { ...(r?.tags.team ? { team: r.tags.team } : {}), ...(r?.tags.namespace ? { namespace: r.tags.namespace } : {}), ...base.tags },
  };
}

/** Cost rows per batch of a cluster's spend: each batch is built in one go (a 100,000-GPU cluster has 12,500 nodes a day). */
export const COST_BATCH_ROWS = 2000;

/**
 * A cluster's spend per node and UTC day, in the order first met: each hourly point (at t, the hour
 * before t) inside [fromMs, toMs) is added to its node's day, and each day becomes one cost row.
 * Looked up per node, then per day: no key text is made per point.
 */
class NodeDays<T> {
  readonly #byNode = new Map<string, Map<number, T>>();
  readonly #inOrder: T[] = [];

  constructor(
    private readonly fromMs: number,
    private readonly toMs: number,
  ) {}

  /** Adds each point of `node` in the window to its day with `add`, the day made by `make` the first time. */
  addPoints(node: string, points: readonly (readonly [number, string])[], make: (day: number) => T, add: (entry: T, value: string) => void): void {
    let days = this.#byNode.get(node);
    if (days === undefined) this.#byNode.set(node, (days = new Map()));
    for (const [t, v] of points) {
      const hourStart = t * 1000 - 3_600_000;
      if (hourStart < this.fromMs || hourStart >= this.toMs) continue;
      const day = dayStart(hourStart);
      let entry = days.get(day);
      if (entry === undefined) {
        entry = make(day);
        days.set(day, entry);
        this.#inOrder.push(entry);
      }
      add(entry, v);
    }
  }

  /** The days' cost rows, made by `row`, COST_BATCH_ROWS at a time. */
  *rows(row: (entry: T) => FocusCostRow): Generator<FocusCostRow[]> {
    for (let from = 0; from < this.#inOrder.length; from += COST_BATCH_ROWS) yield this.#inOrder.slice(from, from + COST_BATCH_ROWS).map(row);
  }
}

/**
 * Run-rate estimates: GPU-hours per node and day (from hourly GPU counts) x the catalog's per-GPU
 * price, in batches of COST_BATCH_ROWS (the first series to reach a node and day sets its price).
 * Every row says "estimate:" and carries the tag fleetpane.estimate=true, so the pane can keep it
 * apart from billed spend.
 */
export function* estimateCostRows(
  counts: readonly MatrixSeries[],
  resources: readonly GpuResource[],
  nodeLabels: readonly string[],
  account: string,
  fallbackCloud: CloudId,
  fromMs: number,
  toMs: number,
): Generator<FocusCostRow[]> {
  const byName = new Map(resources.map((r) => [r.name, r]));
  type NodeDay = { node: string; day: number; gpuHours: number; price: string; divisor: number; currency: string; model: string; resource: GpuResource | undefined; cloud: CloudId };
  const nodeDays = new NodeDays<NodeDay>(fromMs, toMs);
  for (const s of counts) {
    const node = nodeOfSeries(s.metric, nodeLabels);
    if (!node) continue;
    const resource = byName.get(node);
    const cloud = resource?.cloud ?? fallbackCloud;
    const model = resource?.gpuModel ?? normaliseGpuModel(s.metric.modelName ?? 'Unknown GPU');
    let perGpu: string | null = null;
    let divisor = 1;
    let currency = resource?.currency ?? 'USD';
    if (resource?.hourlyPrice) {
      // The node's price covers all its GPUs.
      perGpu = resource.hourlyPrice;
      divisor = resource.gpuCount;
    } else {
      const cls = lookupGpuClass(s.metric.modelName ?? model, cloud, resource?.region ?? '*');
      if (cls?.hourlyPrice) {
        perGpu = cls.hourlyPrice;
        currency = cls.currency;
      }
    }
    if (perGpu === null) continue;
    const price = perGpu;
    nodeDays.addPoints(
      node,
      s.values,
      (day) => ({ node, day, gpuHours: 0, price, divisor, currency, model, resource, cloud }),
      (e, v) => (e.gpuHours += Number(v)),
    );
  }
  yield* nodeDays.rows((e) => {
    const gpuHours = Math.round(e.gpuHours);
    // (price x GPU-hours) / GPUs the price covers, exactly.
    const total = multiplyDecimalByInteger(e.price, gpuHours);
    const cost = e.divisor > 1 ? divideDecimal(total, e.divisor) : total;
    return costRow({
      account,
      cloud: e.cloud,
      currency: e.currency,
      day: e.day,
      cost,
      node: e.node,
      resource: e.resource,
      description: `estimate: ${gpuHours} GPU-hours of ${e.model} x catalog price`,
      quantity: String(gpuHours),
      unit: 'GPU-hours',
      tags: { 'fleetpane.estimate': 'true' },
    });
  });
}

/** Exact decimal / small integer, rounded half away from zero to 6 decimal places. */
export function divideDecimal(value: string, divisor: number): string {
  return divideDecimalByInteger(value, divisor, 6);
}

/**
 * Spend from a billing metric: each hourly point is the node's cost per hour, so a day's cost is
 * the sum of its hourly values (rounded to 6 places, as text). In batches of COST_BATCH_ROWS.
 */
export function* billingCostRows(
  series: readonly MatrixSeries[],
  resources: readonly GpuResource[],
  nodeLabel: string,
  currency: string,
  account: string,
  fallbackCloud: CloudId,
  fromMs: number,
  toMs: number,
): Generator<FocusCostRow[]> {
  const byName = new Map(resources.map((r) => [r.name, r]));
  const nodeDays = new NodeDays<{ node: string; day: number; values: string[] }>(fromMs, toMs);
  for (const s of series) {
    const node = s.metric[nodeLabel];
    if (!node) continue;
    // An hour whose value is not a plain number (NaN, +Inf) is left out, and opens no day.
    const readable = s.values.filter(([, v]) => /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v));
    nodeDays.addPoints(
      node,
      readable,
      (day) => ({ node, day, values: [] }),
      // Prometheus sends sample values as text; round that text, never a float, to the micro-unit.
      (e, v) => e.values.push(roundDecimal(v, 6)),
    );
  }
  yield* nodeDays.rows((e) => {
    const resource = byName.get(e.node);
    return costRow({
      account,
      cloud: resource?.cloud ?? fallbackCloud,
      currency,
      day: e.day,
      cost: sumDecimals(e.values),
      node: e.node,
      resource,
      description: `billing metric: ${e.values.length} hour(s) of node cost`,
      quantity: String(e.values.length),
      unit: 'Hours',
      tags: { 'fleetpane.source': 'billing-metric' },
    });
  });
}
