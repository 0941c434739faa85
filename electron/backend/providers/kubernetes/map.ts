/** Pure mapping from Kubernetes objects and Prometheus series to Fleetpane's model. */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { divideDecimalByInteger, formatDecimal, multiplyDecimalByInteger, parseDecimal, rescaleDecimal, sumDecimals } from '../../../../shared/decimal';
import { MACHINE_KEY_TAG, type CloudId, type FocusCostRow, type GpuResource, type GpuSample, type HealthState } from '../../../../shared/domain';
import { lookupGpuClass, lookupInstance, modelMemoryGiB, normaliseGpuModel } from '../../catalog';
import { machineKeyOfProviderId } from '../common/machine-key';
import { migLayoutFromLabels, type MigLayout } from '../common/mig';
import { mapDcgmSeries as mapCommonDcgmSeries, type DcgmQueries, type DcgmSeriesSet, type PlaceSeries } from '../common/dcgm';
import { chunkWindow } from '../common/dcgm-window-read';
import { sendSeries, type MatrixSink } from '../common/prom-matrix';
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

  /**
   * Adds points 0 to count - 1 of `node` in the window to their days: `timeOf(i)` is point i's
   * evaluation time (s), or null for a point to leave out (it opens no day); `make` makes a day the
   * first time one of its points comes.
   */
  addPoints(node: string, count: number, timeOf: (i: number) => number | null, make: (day: number) => T, add: (entry: T, i: number) => void): void {
    let days = this.#byNode.get(node);
    if (days === undefined) this.#byNode.set(node, (days = new Map()));
    for (let i = 0; i < count; i++) {
      const t = timeOf(i);
      if (t === null) continue;
      const hourStart = t * 1000 - 3_600_000;
      if (hourStart < this.fromMs || hourStart >= this.toMs) continue;
      const day = dayStart(hourStart);
      let entry = days.get(day);
      if (entry === undefined) {
        entry = make(day);
        days.set(day, entry);
        this.#inOrder.push(entry);
      }
      add(entry, i);
    }
  }

  /** The days' cost rows, made by `row`, COST_BATCH_ROWS at a time. */
  *rows(row: (entry: T) => FocusCostRow): Generator<FocusCostRow[]> {
    for (let from = 0; from < this.#inOrder.length; from += COST_BATCH_ROWS) yield this.#inOrder.slice(from, from + COST_BATCH_ROWS).map(row);
  }
}

/** A cluster's spend per node and day, summed as its answers come: the nodes it knows, and where the others go. */
abstract class ClusterSpendDays<T> {
  protected readonly byName: ReadonlyMap<string, GpuResource>;
  protected readonly days: NodeDays<T>;

  /** Spend of `account`'s nodes over [fromMs, toMs); a node not among `resources` goes to `fallbackCloud`. */
  constructor(
    resources: readonly GpuResource[],
    protected readonly account: string,
    protected readonly fallbackCloud: CloudId,
    fromMs: number,
    toMs: number,
  ) {
    this.byName = new Map(resources.map((r) => [r.name, r]));
    this.days = new NodeDays(fromMs, toMs);
  }
}

/** One node's GPU-hours on one UTC day, and the price the first series to reach it set. */
interface EstimateDay {
  node: string;
  day: number;
  gpuHours: number;
  price: string;
  divisor: number;
  currency: string;
  model: string;
  resource: GpuResource | undefined;
  cloud: CloudId;
}

/** What a GPU-hour of one node's series costs, and where its rows go. */
type NodePrice = Omit<EstimateDay, 'node' | 'day' | 'gpuHours'>;

/**
 * Run-rate estimates, summed as the hourly GPU counts are read (a MatrixSink, so no answer is held
 * whole: 35 days of a 12,500-node cluster are 10.5M points): GPU-hours per node and day x the
 * catalog's per-GPU price (the first series to reach a node and day sets its price). A count that
 * is no number (NaN, +Inf) is left out. Every row says "estimate:" and carries the tag
 * fleetpane.estimate=true, so the pane can keep it apart from billed spend.
 */
export class EstimateCostDays extends ClusterSpendDays<EstimateDay> implements MatrixSink {
  readonly #priced = new Map<string, NodePrice | null>();

  /** Estimates of the nodes its series name by `nodeLabels`. */
  constructor(resources: readonly GpuResource[], private readonly nodeLabels: readonly string[], account: string, fallbackCloud: CloudId, fromMs: number, toMs: number) {
    super(resources, account, fallbackCloud, fromMs, toMs);
  }

  /** Adds one series' hourly GPU counts (as a range's answer is read). */
  series(metric: Readonly<Record<string, string>>, times: Float64Array, values: Float64Array, count: number): void {
    const node = nodeOfSeries(metric, this.nodeLabels);
    if (!node) return;
    // Looked up once per node and GPU model, not once per range the window is asked for in.
    const key = `${node}\u0000${metric.modelName ?? ''}`;
    let priced = this.#priced.get(key);
    if (priced === undefined) this.#priced.set(key, (priced = this.#price(node, metric)));
    if (priced === null) return;
    const { price, divisor, currency, model, resource, cloud } = priced;
    this.days.addPoints(
      node,
      count,
      (i) => (Number.isFinite(values[i]) ? (times[i] as number) : null),
      (day) => ({ node, day, gpuHours: 0, price, divisor, currency, model, resource, cloud }),
      (e, i) => (e.gpuHours += values[i] as number),
    );
  }

  /** What a GPU-hour of `node`'s series costs, or null when neither the node nor the catalog prices it. */
  #price(node: string, metric: Readonly<Record<string, string>>): NodePrice | null {
    const resource = this.byName.get(node);
    const cloud = resource?.cloud ?? this.fallbackCloud;
    const model = resource?.gpuModel ?? normaliseGpuModel(metric.modelName ?? 'Unknown GPU');
    if (resource?.hourlyPrice) {
      // The node's price covers all its GPUs.
      return { price: resource.hourlyPrice, divisor: resource.gpuCount, currency: resource.currency ?? 'USD', model, resource, cloud };
    }
    const cls = lookupGpuClass(metric.modelName ?? model, cloud, resource?.region ?? '*');
    return cls?.hourlyPrice ? { price: cls.hourlyPrice, divisor: 1, currency: cls.currency, model, resource, cloud } : null;
  }

  /** The rows, COST_BATCH_ROWS at a time, once every answer has been read. */
  *rows(): Generator<FocusCostRow[]> {
    yield* this.days.rows((e) => {
      const gpuHours = Math.round(e.gpuHours);
      // (price x GPU-hours) / GPUs the price covers, exactly.
      const total = multiplyDecimalByInteger(e.price, gpuHours);
      const cost = e.divisor > 1 ? divideDecimal(total, e.divisor) : total;
      return costRow({
        account: this.account,
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
}

/** EstimateCostDays over answers already read whole, in batches of COST_BATCH_ROWS. */
export function* estimateCostRows(
  counts: readonly MatrixSeries[],
  resources: readonly GpuResource[],
  nodeLabels: readonly string[],
  account: string,
  fallbackCloud: CloudId,
  fromMs: number,
  toMs: number,
): Generator<FocusCostRow[]> {
  const estimate = new EstimateCostDays(resources, nodeLabels, account, fallbackCloud, fromMs, toMs);
  sendSeries(counts, estimate);
  yield* estimate.rows();
}

/**
 * Evaluation ranges [start, end] (s) of at most `points` points each that cover start, start + step,
 * ... up to `end` once: a long window asked for in range queries of bounded size.
 */
export function pointRanges(startSec: number, endSec: number, stepSec: number, points: number): Array<[number, number]> {
  // The metrics windows' chunks of whole steps, [from, to), each read as its points from `from` to the step before `to`.
  return chunkWindow(startSec * 1000, (endSec + stepSec) * 1000, stepSec, Math.max(1, Math.floor(points))).map(({ from, to }) => [from / 1000, to / 1000 - stepSec]);
}

/** Exact decimal / small integer, rounded half away from zero to 6 decimal places. */
export function divideDecimal(value: string, divisor: number): string {
  return divideDecimalByInteger(value, divisor, 6);
}

/** One node's billed hours on one UTC day: their sum in micro-units, and how many were readable. */
interface BilledDay {
  node: string;
  day: number;
  micro: bigint;
  hours: number;
}

/**
 * Spend from a billing metric, summed as each range's answer is added: each hourly point is the
 * node's cost per hour, so a day's cost is the sum of its hourly values, each rounded to 6 places
 * from its text (never a float). A value that is not a plain number (NaN, +Inf) is left out and
 * opens no day. Only the sums are kept, not the hours (35 days of 12,500 nodes are 10.5M of them).
 */
export class BillingCostDays extends ClusterSpendDays<BilledDay> {
  #series = 0;

  /** Spend in `currency` of the nodes its series name by `nodeLabel`. */
  constructor(resources: readonly GpuResource[], private readonly nodeLabel: string, private readonly currency: string, account: string, fallbackCloud: CloudId, fromMs: number, toMs: number) {
    super(resources, account, fallbackCloud, fromMs, toMs);
  }

  /** Series the answers held, with a node label or not: none means the cluster has no billing metric. */
  get series(): number {
    return this.#series;
  }

  /** Adds one answer's series. */
  add(series: readonly MatrixSeries[]): void {
    for (const s of series) {
      this.#series += 1;
      const node = s.metric[this.nodeLabel];
      if (!node) continue;
      const values = s.values;
      this.days.addPoints(
        node,
        values.length,
        (i) => {
          const [t, v] = values[i] as readonly [number, string];
          return PLAIN_NUMBER.test(v) ? t : null;
        },
        (day) => ({ node, day, micro: 0n, hours: 0 }),
        (e, i) => {
          e.micro += rescaleDecimal(parseDecimal((values[i] as readonly [number, string])[1]), 6).units;
          e.hours += 1;
        },
      );
    }
  }

  /** The rows, COST_BATCH_ROWS at a time, once every answer has been added. */
  *rows(): Generator<FocusCostRow[]> {
    yield* this.days.rows((e) => {
      const resource = this.byName.get(e.node);
      return costRow({
        account: this.account,
        cloud: resource?.cloud ?? this.fallbackCloud,
        currency: this.currency,
        day: e.day,
        cost: formatDecimal({ units: e.micro, scale: 6 }),
        node: e.node,
        resource,
        description: `billing metric: ${e.hours} hour(s) of node cost`,
        quantity: String(e.hours),
        unit: 'Hours',
        tags: { 'fleetpane.source': 'billing-metric' },
      });
    });
  }
}

/** A plain decimal number as Prometheus writes one (not NaN, +Inf or -Inf). */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?(e-?\d+)?$/i;

/** BillingCostDays over one answer read whole, in batches of COST_BATCH_ROWS. */
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
  const billing = new BillingCostDays(resources, nodeLabel, currency, account, fallbackCloud, fromMs, toMs);
  billing.add(series);
  yield* billing.rows();
}
