/**
 * Pure mapping of AWS answers (the SDK's parsed shapes) to the shared domain: EC2 instances with their
 * instance type's GPUs or Neuron devices to GpuResource, status checks to health, scheduled events and
 * AWS Health events to incidents, the CloudWatch agent's NVIDIA series to per-GPU minute samples.
 */
import type { Metric, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import type { CapacityReservation, Instance, InstanceStatus, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { AffectedEntity, Event as HealthEvent } from '@aws-sdk/client-health';
import { MACHINE_KEY_TAG, type CoverageGap, type GpuResource, type GpuSample, type HealthState, type Incident, type IncidentSeverity, type PowerState } from '../../../../shared/domain';
import type { CatalogLookup } from '../../catalog';
import { escapeRegex, quotedLabelValue } from '../common/dcgm';
import { ec2MachineKey } from '../common/machine-key';
import type { MatrixSink } from '../common/prom-matrix';
import type { MetricSeries } from './client';
import { partitionLabel, slicedModel } from '../../domain/gpu-partition';

/** The catalog functions the mapping uses (injectable so tests can take it away). */
export interface GpuCatalog {
  lookupInstance(cloud: 'aws', instanceType: string, region: string): CatalogLookup | null;
  normaliseGpuModel(raw: string, memoryMiB?: number | null): string;
}

/** What a machine of an instance type holds: GPUs or Neuron devices. */
export interface Accelerators {
  model: string;
  count: number;
  memoryGiB: number | null;
  kind: 'gpu' | 'neuron';
  /** The share of one physical GPU each device is (g6f: 1/8, 1/4, 1/2 of an L4); absent for whole GPUs. */
  partition?: number;
}


/**
 * The accelerators of an instance type: the catalog's facts first (the one home of GPU model facts),
 * else DescribeInstanceTypes `GpuInfo`, else `NeuronInfo` (Trainium and Inferentia devices, named with
 * their memory); null for a type with neither.
 */
export function acceleratorsOf(type: string, info: InstanceTypeInfo | undefined, region: string, catalog: GpuCatalog | null): Accelerators | null {
  const known = catalog?.lookupInstance('aws', type, region) ?? null;
  if (known) return { model: known.gpuModel, count: known.gpuCount, memoryGiB: known.gpuMemoryGiB, kind: 'gpu' };
  const gpus = info?.GpuInfo?.Gpus ?? [];
  // A fractional GPU (GpuPartitionSize < 1, g6f) is one device the instance sees, a slice of one
  // physical GPU: EC2 may report its Count as 0, so count its logical devices, and name the slice
  // in the model so slices never merge with whole GPUs of the same kind.
  const sliced = gpus.find((g) => g.GpuPartitionSize !== undefined && g.GpuPartitionSize > 0 && g.GpuPartitionSize < 1);
  if (sliced) {
    const partition = sliced.GpuPartitionSize as number;
    const devices = Math.max(1, Math.round(sliced.LogicalGpuCount ?? sliced.Count ?? 1));
    const mib = sliced.MemoryInfo?.SizeInMiB ?? (info?.GpuInfo?.TotalGpuMemoryInMiB ? info.GpuInfo.TotalGpuMemoryInMiB / devices : null);
    const name = [sliced.Manufacturer, sliced.Name].filter(Boolean).join(' ') || type;
    // The whole GPU's memory names the model (an L4 slice of 2.8 GiB is still an L4 24GB).
    const whole = catalog ? catalog.normaliseGpuModel(name, mib ? mib / partition : null) : name;
    return { model: slicedModel(whole, partition), count: devices, memoryGiB: mib ? Math.round((mib / 1024) * 10) / 10 : null, kind: 'gpu', partition };
  }
  const gpuCount = gpus.reduce((n, g) => n + (g.Count ?? 0), 0);
  if (gpuCount > 0) {
    const first = gpus[0];
    const mib = first?.MemoryInfo?.SizeInMiB ?? (info?.GpuInfo?.TotalGpuMemoryInMiB ? info.GpuInfo.TotalGpuMemoryInMiB / gpuCount : null);
    const name = [first?.Manufacturer, first?.Name].filter(Boolean).join(' ') || type;
    return { model: catalog ? catalog.normaliseGpuModel(name, mib) : name, count: gpuCount, memoryGiB: mib ? Math.round((mib / 1024) * 10) / 10 : null, kind: 'gpu' };
  }
  const neuron = info?.NeuronInfo?.NeuronDevices ?? [];
  const neuronCount = neuron.reduce((n, d) => n + (d.Count ?? 0), 0);
  if (neuronCount > 0) {
    const first = neuron[0];
    const mib = first?.MemoryInfo?.SizeInMiB ?? null;
    const gib = mib ? Math.round(mib / 1024) : null;
    return { model: `${first?.Name ?? 'Neuron'}${gib ? ` ${gib}GB` : ''}`, count: neuronCount, memoryGiB: gib, kind: 'neuron' };
  }
  return null;
}

/** EC2 instance state name -> power state; null for machines the pane does not show. */
export function powerStateOf(state: string | undefined): PowerState | null {
  switch (state) {
    case 'running': return 'running';
    case 'pending': return 'starting';
    case 'stopping':
    case 'shutting-down': return 'stopping';
    case 'stopped': return 'stopped';
    case 'terminated': return null;
    default: return 'unknown';
  }
}

/** Health from the status checks: an impaired system or instance check makes the machine unavailable. */
export function healthOf(status: InstanceStatus | undefined, power: PowerState): { health: HealthState; reason: string | null } {
  if (!status || power !== 'running') return { health: power === 'running' ? 'unknown' : 'ok', reason: null };
  const sys = status.SystemStatus?.Status;
  const inst = status.InstanceStatus?.Status;
  const failed = (s: InstanceStatus['SystemStatus']) => (s?.Details ?? []).filter((d) => d.Status === 'failed').map((d) => d.Name).join(', ');
  if (sys === 'impaired') return { health: 'unavailable', reason: `system status check impaired${failed(status.SystemStatus) ? ` (${failed(status.SystemStatus)} failed)` : ''}: AWS hardware or network problem` };
  if (inst === 'impaired') return { health: 'unavailable', reason: `instance status check impaired${failed(status.InstanceStatus) ? ` (${failed(status.InstanceStatus)} failed)` : ''}` };
  if (sys === 'insufficient-data' || inst === 'insufficient-data') return { health: 'unknown', reason: 'status checks have insufficient data' };
  return { health: 'ok', reason: null };
}

/** Why a Neuron machine is "not measured" where its metrics are not read (CloudWatch source). */
export const NEURON_NOT_READ =
  "Neuron device utilisation is read only from an Amazon Managed Service for Prometheus workspace (neuron-monitor's neuroncore_utilization_ratio, package aws-neuron-tools, scraped there); the CloudWatch agent's NVIDIA metrics do not cover it";

export interface InstanceContext {
  account: string;
  accountId: string;
  accountName: string;
  region: string;
  catalog: GpuCatalog | null;
  typeInfo: ReadonlyMap<string, InstanceTypeInfo>;
  /** Types DescribeInstanceTypes could not be asked about (its reason), so a catalog miss is flagged. */
  typesUnavailable: string | null;
  statuses: ReadonlyMap<string, InstanceStatus>;
  /** Why DescribeInstanceStatus could not be read in this account and region (denied, unsupported); null when it was. */
  statusesUnavailable?: string | null;
}

/** One EC2 instance as a GpuResource; null for terminated machines and types without accelerators. */
export function mapInstance(raw: Instance, ctx: InstanceContext): GpuResource | null {
  const id = raw.InstanceId;
  const type = raw.InstanceType;
  if (!id || !type) return null;
  const power = powerStateOf(raw.State?.Name);
  if (!power) return null;
  const acc = acceleratorsOf(type, ctx.typeInfo.get(type), ctx.region, ctx.catalog);
  if (!acc) return null;
  const known = ctx.catalog?.lookupInstance('aws', type, ctx.region) ?? null;
  const tags: Record<string, string> = {};
  for (const t of raw.Tags ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  const name = tags['Name'] || id;
  tags['aws:accountId'] = ctx.accountId;
  // The same machine as an EKS node of a configured cluster: counted once (common/machine-key.ts).
  tags[MACHINE_KEY_TAG] = ec2MachineKey(id);
  tags['aws:accountName'] = ctx.accountName;
  if (raw.CapacityReservationId) tags['aws:capacityReservationId'] = raw.CapacityReservationId;
  if (raw.CapacityBlockId) tags['aws:capacityBlockId'] = raw.CapacityBlockId;
  if (raw.InstanceLifecycle) tags['aws:lifecycle'] = raw.InstanceLifecycle;
  // The OS host name is usually the private DNS name: metric series name the machine by it.
  if (raw.PrivateDnsName) tags['aws:privateDnsName'] = raw.PrivateDnsName;
  if (raw.PrivateIpAddress) tags['aws:privateIp'] = raw.PrivateIpAddress;
  if (acc.kind === 'neuron') {
    tags['aws:accelerator'] = 'neuron';
    // neuron-monitor reports per NeuronCore: this maps a core to its device.
    const cores = ctx.typeInfo.get(type)?.NeuronInfo?.NeuronDevices?.[0]?.CoreInfo?.Count;
    if (cores) tags['aws:neuronCoresPerDevice'] = String(cores);
  }
  if (acc.partition !== undefined) tags['aws:gpuPartition'] = partitionLabel(acc.partition);
  // Status checks that could not be read say nothing: unknown, never ok.
  const { health, reason } = ctx.statusesUnavailable ? { health: 'unknown' as const, reason: `status checks not read: ${ctx.statusesUnavailable}` } : healthOf(ctx.statuses.get(id), power);
  const coverageGaps: CoverageGap[] = [];
  const hourlyPrice = known?.hourlyPrice ?? null;
  if (hourlyPrice === null) coverageGaps.push({ kind: 'price', reason: `no hourly price for ${type} in ${ctx.region}: the GPU catalog does not list it` });
  if (acc.kind === 'neuron') coverageGaps.push({ kind: 'metrics', reason: NEURON_NOT_READ });
  return {
    id,
    account: ctx.account,
    cloud: 'aws',
    region: ctx.region,
    zone: raw.Placement?.AvailabilityZone ?? null,
    name,
    kind: type.includes('.metal') ? 'bare-metal' : 'vm',
    instanceType: type,
    gpuModel: acc.model,
    gpuCount: acc.count,
    gpuMemoryGiB: acc.memoryGiB,
    powerState: power,
    health,
    healthReason: reason,
    hourlyPrice,
    currency: known?.currency ?? 'USD',
    tags,
    gpuUuids: Array.from({ length: acc.count }, () => null),
    demo: false,
    ...(coverageGaps.length > 0 ? { coverageGaps } : {}),
  };
}

/**
 * The reservation each machine runs in, as tags the machine page shows: its kind (On-Demand Capacity
 * Reservation or Capacity Block for ML), start and end (absent end: open-ended).
 */
export function withReservations(resources: readonly GpuResource[], reservations: readonly CapacityReservation[]): GpuResource[] {
  const byId = new Map(reservations.filter((r) => r.CapacityReservationId).map((r) => [r.CapacityReservationId as string, r]));
  return resources.map((r) => {
    const cr = byId.get(r.tags['aws:capacityReservationId'] ?? '');
    if (!cr) return r;
    const tags: Record<string, string> = { ...r.tags, 'aws:capacityReservationType': cr.ReservationType === 'capacity-block' ? 'capacity-block' : 'on-demand-reservation' };
    if (cr.StartDate) tags['aws:capacityReservationStart'] = cr.StartDate.toISOString();
    if (cr.EndDate) tags['aws:capacityReservationEnd'] = cr.EndDate.toISOString();
    if (cr.CapacityBlockId) tags['aws:capacityBlockId'] = cr.CapacityBlockId;
    if (cr.State) tags['aws:capacityReservationState'] = cr.State;
    return { ...r, tags };
  });
}

// ---------------------------------------------------------------------------------------------
// Scheduled events

const EVENT_TITLES: Record<string, string> = {
  'instance-retirement': 'Instance retirement',
  'instance-stop': 'Instance stop',
  'system-reboot': 'System reboot',
  'instance-reboot': 'Instance reboot',
  'system-maintenance': 'System maintenance',
};

/**
 * Scheduled events (DescribeInstanceStatus `Events`) as maintenance incidents with their window
 * [NotBefore, NotAfter] (planned before it, active inside it); a "[Completed]" or "[Canceled]" event
 * is left out; an event with no NotAfter (retirement) stays open from NotBefore on.
 */
export function scheduledEventIncidents(statuses: Iterable<InstanceStatus>, ctx: { account: string; region: string; resources: ReadonlyMap<string, GpuResource> }): Incident[] {
  const out: Incident[] = [];
  for (const s of statuses) {
    const r = s.InstanceId ? ctx.resources.get(s.InstanceId) : undefined;
    if (!r) continue;
    for (const e of s.Events ?? []) {
      if (!e.Code || !e.NotBefore) continue;
      // AWS keeps a finished or called-off event listed a while, its description prefixed: not an incident.
      if (/^\s*\[(Completed|Canceled|Cancelled)\]/i.test(e.Description ?? '')) continue;
      const start = e.NotBefore.toISOString();
      const end = e.NotAfter ? e.NotAfter.toISOString() : null;
      out.push({
        id: `aws-scheduled-event:${r.id}:${e.InstanceEventId ?? `${e.Code}@${start}`}`,
        account: ctx.account,
        cloud: 'aws',
        source: 'maintenance',
        severity: 'maintenance',
        title: `${EVENT_TITLES[e.Code] ?? e.Code} of ${r.name}`,
        summary: e.Description ?? e.Code,
        status: 'scheduled',
        regions: [ctx.region],
        services: ['EC2'],
        resourceIds: [r.id],
        startedAt: start,
        // Its window's end: the pane counts it active only inside [NotBefore, NotAfter], planned before.
        endedAt: end,
        updatedAt: start,
        url: null,
        updates: [],
        demo: false,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// AWS Health

function severityOf(e: HealthEvent): IncidentSeverity {
  if (e.eventTypeCategory === 'scheduledChange') return 'maintenance';
  if (e.eventTypeCategory === 'accountNotification' || e.eventTypeCategory === 'investigation') return 'info';
  return e.eventScopeCode === 'PUBLIC' ? 'major' : 'minor';
}

/**
 * AWS Health events in the fleet's regions (or global) as incidents, linked to the instances
 * DescribeAffectedEntities names; closed events ended more than `endedWithinDays` ago are left out.
 */
export function healthIncidents(
  events: readonly HealthEvent[],
  entities: readonly AffectedEntity[],
  ctx: { account: string; regions: ReadonlySet<string>; resources: ReadonlyMap<string, GpuResource>; now: Date; endedWithinDays: number },
): Incident[] {
  const byEvent = new Map<string, string[]>();
  for (const en of entities) {
    const id = en.entityValue;
    if (!en.eventArn || !id || !ctx.resources.has(id)) continue;
    byEvent.set(en.eventArn, [...(byEvent.get(en.eventArn) ?? []), id]);
  }
  const horizon = ctx.now.getTime() - ctx.endedWithinDays * 86_400_000;
  const out: Incident[] = [];
  for (const e of events) {
    if (!e.arn || !e.startTime) continue;
    const region = e.region ?? 'global';
    if (region !== 'global' && !ctx.regions.has(region)) continue;
    const end = e.statusCode === 'closed' ? (e.endTime ?? e.lastUpdatedTime ?? e.startTime) : (e.endTime && e.endTime.getTime() <= ctx.now.getTime() && e.statusCode !== 'open' ? e.endTime : null);
    if (end && end.getTime() < horizon) continue;
    const code = e.eventTypeCode ?? 'AWS_EVENT';
    out.push({
      id: `aws-health:${e.arn}`,
      account: ctx.account,
      cloud: 'aws',
      source: (byEvent.get(e.arn)?.length ?? 0) > 0 ? 'resource-health' : 'service-health',
      severity: severityOf(e),
      title: `${e.service ?? 'AWS'}: ${code.replace(/^AWS_[A-Z0-9]+_/, '').replaceAll('_', ' ').toLowerCase()}`,
      summary: `${code} in ${region}`,
      status: e.statusCode ?? 'unknown',
      regions: region === 'global' ? [] : [region],
      services: e.service ? [e.service] : [],
      resourceIds: byEvent.get(e.arn) ?? [],
      startedAt: e.startTime.toISOString(),
      endedAt: end ? end.toISOString() : null,
      updatedAt: (e.lastUpdatedTime ?? e.startTime).toISOString(),
      url: `https://health.aws.amazon.com/health/home#/account/event-log?eventID=${encodeURIComponent(e.arn)}`,
      updates: [],
      demo: false,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// CloudWatch agent metrics

/** The CloudWatch agent's NVIDIA metrics read, and the sample field each fills. */
export const AGENT_METRICS = {
  nvidia_smi_utilization_gpu: 'utilisation',
  nvidia_smi_memory_used: 'memoryUsedMiB',
  nvidia_smi_power_draw: 'powerWatts',
  nvidia_smi_temperature_gpu: 'temperatureC',
} as const;
export type AgentMetric = keyof typeof AGENT_METRICS;
export const AGENT_METRIC_NAMES = Object.keys(AGENT_METRICS) as AgentMetric[];

/** One series the CloudWatch agent publishes for one GPU: instance, GPU index, metric, its dimensions. */
export interface GpuSeries {
  resourceId: string;
  gpuIndex: number;
  metric: AgentMetric;
  metric$: Metric;
}

/** Which instance a host name names: one, several (then none is taken), or none. */
export type HostMatch = { kind: 'one'; resource: GpuResource } | { kind: 'ambiguous'; candidates: string[] } | { kind: 'none' };

const firstLabel = (h: string) => h.split('.')[0] ?? h;

/**
 * Finds the instance a series' host names, among the instances of one account and region: the OS
 * host name is usually the private DNS name, often only its first label, sometimes a custom name
 * (then the `hostTag` tag, `Name` by default). Tried in that order, case-insensitive; a `:port` (the
 * Prometheus `instance` label) and a private IP are understood. A host two instances answer to at the
 * first tier that answers names neither: a wrong machine is worse than "not measured".
 */
export function hostMatcher(resources: Iterable<GpuResource>, hostTag = 'Name'): (host: string) => HostMatch {
  const tiers = [new Map<string, GpuResource[]>(), new Map<string, GpuResource[]>(), new Map<string, GpuResource[]>()];
  const put = (tier: Map<string, GpuResource[]>, key: string | undefined, r: GpuResource) => {
    if (!key) return;
    const k = key.toLowerCase();
    const list = tier.get(k) ?? [];
    if (!list.includes(r)) tier.set(k, [...list, r]);
  };
  for (const r of resources) {
    const dns = r.tags['aws:privateDnsName'];
    put(tiers[0] as Map<string, GpuResource[]>, dns, r);
    put(tiers[0] as Map<string, GpuResource[]>, r.tags['aws:privateIp'], r);
    put(tiers[1] as Map<string, GpuResource[]>, dns ? firstLabel(dns) : undefined, r);
    put(tiers[2] as Map<string, GpuResource[]>, r.tags[hostTag], r);
  }
  return (raw) => {
    const host = raw.trim().toLowerCase().replace(/:\d+$/, '');
    if (!host) return { kind: 'none' };
    const keys = [[host], [firstLabel(host)], [host, firstLabel(host)]];
    for (let t = 0; t < tiers.length; t++) {
      const found = new Set<GpuResource>();
      for (const k of keys[t] as string[]) for (const r of (tiers[t] as Map<string, GpuResource[]>).get(k) ?? []) found.add(r);
      if (found.size === 1) return { kind: 'one', resource: [...found][0] as GpuResource };
      if (found.size > 1) return { kind: 'ambiguous', candidates: [...found].map((r) => r.id).sort() };
    }
    return { kind: 'none' };
  };
}

/**
 * Selectors narrowing a workspace's dcgm-exporter series to those hostMatcher could give to `r`: a
 * `Hostname` that is one of its names (any case, with a domain after a short name, with a port), and
 * for series without `Hostname`, an `instance` that is. A superset: the matcher places what they read.
 * Null for an instance with no name to match (no private DNS name, IP or host tag).
 */
export function machineHostSelectors(r: GpuResource, hostTag = 'Name'): { byHostname: string; byInstance: string } | null {
  const dns = r.tags['aws:privateDnsName'];
  const whole = [dns, r.tags['aws:privateIp']].filter((v): v is string => typeof v === 'string' && v !== '');
  const short = [dns ? firstLabel(dns) : undefined, r.tags[hostTag]].filter((v): v is string => typeof v === 'string' && v !== '');
  const alternatives = [...whole.map(escapeRegex), ...short.map((v) => `${escapeRegex(v)}(\\..*)?`)];
  if (alternatives.length === 0) return null;
  const names = `(?i)(${alternatives.join('|')})(:[0-9]+)?`;
  return { byHostname: `Hostname=~${quotedLabelValue(names)}`, byInstance: `Hostname="", instance=~${quotedLabelValue(names)}` };
}

/** Series the matcher could not give to a GPU of the fleet, counted for the diagnostics. */
export interface IgnoredSeries {
  /** Hosts that name several instances, with those instances. */
  ambiguousHosts: Map<string, string[]>;
  /** Series whose `index` is not a GPU of the machine (or is missing). */
  badIndex: number;
  /** Series of machines that are not in the fleet (another account, a terminated or non-GPU machine). */
  foreign: number;
}

/**
 * Series of the fleet's instances among ListMetrics' answer. The agent's `nvidia_gpu` section
 * publishes one per GPU with `host`, `index` and `name`, plus `InstanceId` only where
 * append_dimensions adds it: InstanceId first, then the host (hostMatcher). Every series of a GPU
 * is kept (two dimension sets of one GPU are averaged per minute by SampleMerger, never added).
 */
export function matchAgentSeries(listed: readonly Metric[], metric: AgentMetric, resources: ReadonlyMap<string, GpuResource>, hostTag = 'Name'): { series: GpuSeries[]; ignored: IgnoredSeries } {
  let matcher: ((host: string) => HostMatch) | null = null;
  // Built on the first series named by host only (none where every agent appends InstanceId).
  const byHost = (host: string) => (matcher ??= hostMatcher(resources.values(), hostTag))(host);
  const ignored: IgnoredSeries = { ambiguousHosts: new Map(), badIndex: 0, foreign: 0 };
  const out: GpuSeries[] = [];
  const seen = new Set<string>();
  for (const m of listed) {
    const dims = new Map((m.Dimensions ?? []).map((d) => [d.Name ?? '', d.Value ?? '']));
    const id = dims.get('InstanceId');
    const host = dims.get('host') ?? '';
    let r: GpuResource | undefined;
    if (id) {
      r = resources.get(id);
    } else {
      const found = byHost(host);
      if (found.kind === 'ambiguous') {
        ignored.ambiguousHosts.set(host, found.candidates);
        continue;
      }
      r = found.kind === 'one' ? found.resource : undefined;
    }
    if (!r) {
      ignored.foreign++;
      continue;
    }
    const rawIndex = dims.get('index') ?? dims.get('gpu_index');
    const index = rawIndex === undefined || rawIndex.trim() === '' ? Number.NaN : Number(rawIndex);
    if (!Number.isInteger(index) || index < 0 || index >= r.gpuCount) {
      ignored.badIndex++;
      continue;
    }
    // ListMetrics lists a metric once per dimension set; a repeat in its pages is the same series.
    const key = [...dims.entries()].map(([k, v]) => `${k}=${v}`).sort().join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ resourceId: r.id, gpuIndex: index, metric, metric$: m });
  }
  return { series: out, ignored };
}

/** The series of matchAgentSeries alone (series named by InstanceId or host). */
export function gpuSeries(listed: readonly Metric[], metric: AgentMetric, resources: ReadonlyMap<string, GpuResource>, hostTag = 'Name'): GpuSeries[] {
  return matchAgentSeries(listed, metric, resources, hostTag).series;
}

/** GetMetricData queries in calls of at most `perCall` (500 is CloudWatch's limit); ids map back. */
export function planQueries(series: readonly GpuSeries[], perCall = 500): { queries: MetricDataQuery[]; byId: Map<string, GpuSeries> }[] {
  const calls: { queries: MetricDataQuery[]; byId: Map<string, GpuSeries> }[] = [];
  for (let i = 0; i < series.length; i += perCall) {
    const byId = new Map<string, GpuSeries>();
    const queries = series.slice(i, i + perCall).map((s, k) => {
      const id = `m${i + k}`;
      byId.set(id, s);
      return { Id: id, MetricStat: { Metric: s.metric$, Period: 60, Stat: 'Average' }, ReturnData: true } satisfies MetricDataQuery;
    });
    calls.push({ queries, byId });
  }
  return calls;
}

/** PromQL: each NeuronCore's mean utilisation in percent over the step before each evaluation. */
export function neuronCoreQuery(stepSeconds: number, selector = ''): string {
  const sel = selector === '' ? '' : `{${selector}}`;
  return `avg by (instance_id, neuroncore) (avg_over_time(neuroncore_utilization_ratio${sel}[${stepSeconds}s])) * 100`;
}

/**
 * neuron-monitor's per-core series (neuronCoreQuery) folded into one sample per Neuron device and
 * minute: the mean of its cores (`aws:neuronCoresPerDevice` of the instance type), named by
 * `instance_id`. The evaluation at t covers (t - step, t] and is the sample of the minute starting at
 * t - step. A range-query answer's sink: series are added as they are read.
 */
export class NeuronCoreFold implements MatrixSink {
  readonly #acc = new Map<string, { resourceId: string; gpuIndex: number; ts: number; sum: number; n: number }>();

  constructor(
    private readonly resources: ReadonlyMap<string, GpuResource>,
    private readonly stepSeconds: number,
    private readonly fromMs: number,
    private readonly toMs: number,
  ) {}

  series(metric: Readonly<Record<string, string>>, times: Float64Array, values: Float64Array, count: number): void {
    const r = this.resources.get(metric['instance_id'] ?? '');
    const core = Number(metric['neuroncore']);
    const perDevice = Number(r?.tags['aws:neuronCoresPerDevice'] ?? 0);
    if (!r || r.tags['aws:accelerator'] !== 'neuron' || !Number.isInteger(core) || core < 0 || !(perDevice > 0)) return;
    const device = Math.floor(core / perDevice);
    if (device >= r.gpuCount) return;
    for (let j = 0; j < count; j++) {
      const x = values[j] as number;
      const ts = (times[j] as number) * 1000 - this.stepSeconds * 1000;
      if (!Number.isFinite(x) || ts < this.fromMs || ts >= this.toMs) continue;
      const key = `${r.id}\u0000${device}\u0000${ts}`;
      const a = this.#acc.get(key) ?? { resourceId: r.id, gpuIndex: device, ts, sum: 0, n: 0 };
      a.sum += Math.min(100, Math.max(0, x));
      a.n += 1;
      this.#acc.set(key, a);
    }
  }

  /** One sample per device and minute folded so far, in time order. */
  samples(): GpuSample[] {
    return [...this.#acc.values()]
      .map((a) => ({ resourceId: a.resourceId, gpuIndex: a.gpuIndex, ts: a.ts, utilisation: a.sum / a.n, utilSource: 'provider' as const, memoryUsedMiB: null, powerWatts: null, temperatureC: null, xidErrors: 0 }))
      .sort((a, b) => a.ts - b.ts || a.resourceId.localeCompare(b.resourceId) || a.gpuIndex - b.gpuIndex);
  }
}

/**
 * Merges the series of several metrics into one sample per GPU and minute in [from, to); two series
 * of one GPU (two dimension sets) give the mean of their readings in the minute, never a second GPU.
 */
export class SampleMerger {
  private readonly samples = new Map<string, GpuSample>();
  private readonly readings = new Map<string, number>();
  readonly measured = new Set<string>();
  /** `resourceId\u0000gpuIndex` of every GPU with a utilisation reading. */
  readonly measuredGpus = new Set<string>();
  constructor(
    private readonly from: number,
    private readonly to: number,
  ) {}

  add(s: GpuSeries, data: MetricSeries): void {
    const field = AGENT_METRICS[s.metric];
    for (let i = 0; i < data.timestamps.length; i++) {
      const ts = Math.floor((data.timestamps[i] as number) / 60_000) * 60_000;
      const v = data.values[i] as number;
      if (ts < this.from || ts >= this.to || !Number.isFinite(v)) continue;
      const key = `${s.resourceId}\u0000${s.gpuIndex}\u0000${ts}`;
      const sample = this.samples.get(key) ?? {
        resourceId: s.resourceId,
        gpuIndex: s.gpuIndex,
        ts,
        utilisation: null,
        utilSource: null,
        memoryUsedMiB: null,
        powerWatts: null,
        temperatureC: null,
        xidErrors: 0,
      };
      if (field === 'utilisation') {
        const n = this.readings.get(key) ?? 0;
        const x = Math.min(100, Math.max(0, v));
        sample.utilisation = n === 0 || sample.utilisation === null ? x : (sample.utilisation * n + x) / (n + 1);
        this.readings.set(key, n + 1);
        // The agent reads nvidia-smi's utilization.gpu: the provider's own number, not DCGM.
        sample.utilSource = 'provider';
        this.measured.add(s.resourceId);
        this.measuredGpus.add(`${s.resourceId}\u0000${s.gpuIndex}`);
      } else if (field === 'temperatureC') {
        sample.temperatureC = v;
      } else {
        sample[field] = Math.max(0, v);
      }
      this.samples.set(key, sample);
    }
  }

  result(): GpuSample[] {
    return [...this.samples.values()].sort((a, b) => a.ts - b.ts || a.resourceId.localeCompare(b.resourceId) || a.gpuIndex - b.gpuIndex);
  }
}
