/**
 * Pure mapping from OCI payloads (validated by raw.ts) to the shared model: GPU instances, the MQL
 * query plan and per-GPU samples, FOCUS cost rows and incidents. No I/O here; most tests live beside
 * this file.
 */
import type { CatalogLookup } from '../../catalog/types';
import { decimalText } from '../../../../shared/decimal';
import type { FocusCostRow, GpuResource, GpuSample, HealthState, Incident, IncidentSeverity, PowerState } from '../../../../shared/domain';
import { plainText } from '../common/status-feed';
import type { OciGpuMetric } from './config';
import type { RawAnnouncement, RawInstance, RawMaintenanceEvent, RawMetricData, RawUsageSummary } from './raw';
import { categoryOfAmount, costColumns, periodColumns, regionColumns } from '../common/focus';
import { chooseUtilisation, clampPercent } from '../../domain/utilisation';

/** The parts of the GPU catalog the connector uses (electron/backend/catalog). */
export interface GpuCatalog {
  lookupInstance(cloud: 'oci', instanceType: string, region: string): CatalogLookup | null;
  normaliseGpuModel(raw: string, memoryMiB?: number | null): string;
}

/** The plugin of the Oracle Cloud Agent that writes gpu_infrastructure_health. */
export const GPU_MONITORING_PLUGIN = 'Compute RDMA GPU Monitoring';

/**
 * GPU shapes as Oracle documents them (compute shapes page, 2025-02-13): GPUs per shape, the
 * documented model text and total GPU memory. Used when the catalog and the instance's shapeConfig
 * do not say.
 */
const DOC_SHAPES: Readonly<Record<string, { gpus: number; model: string; memoryGbTotal: number }>> = {
  'BM.GPU2.2': { gpus: 2, model: 'NVIDIA Tesla P100 16 GB', memoryGbTotal: 32 },
  'BM.GPU3.8': { gpus: 8, model: 'NVIDIA Tesla V100 16 GB', memoryGbTotal: 128 },
  'BM.GPU4.8': { gpus: 8, model: 'NVIDIA A100 40 GB', memoryGbTotal: 320 },
  'BM.GPU.A10.4': { gpus: 4, model: 'NVIDIA A10 24 GB', memoryGbTotal: 96 },
  'BM.GPU.A100-v2.8': { gpus: 8, model: 'NVIDIA A100 80 GB', memoryGbTotal: 640 },
  'BM.GPU.H100.8': { gpus: 8, model: 'H100 80 GB', memoryGbTotal: 640 },
  'BM.GPU.MI300X.8': { gpus: 8, model: 'MI300X 192 GB', memoryGbTotal: 1536 },
  'BM.GPU.L40S.4': { gpus: 4, model: 'L40S 48 GB', memoryGbTotal: 192 },
  'BM.GPU.H200.8': { gpus: 8, model: 'NVIDIA H200 Tensor Core GPUs 141 GB', memoryGbTotal: 1128 },
  'VM.GPU2.1': { gpus: 1, model: 'NVIDIA Tesla P100 16 GB', memoryGbTotal: 16 },
  'VM.GPU3.1': { gpus: 1, model: 'NVIDIA Tesla V100 16 GB', memoryGbTotal: 16 },
  'VM.GPU3.2': { gpus: 2, model: 'NVIDIA Tesla V100 16 GB', memoryGbTotal: 32 },
  'VM.GPU3.4': { gpus: 4, model: 'NVIDIA Tesla V100 16 GB', memoryGbTotal: 64 },
  'VM.GPU.A10.1': { gpus: 1, model: 'NVIDIA A10 24 GB', memoryGbTotal: 24 },
  'VM.GPU.A10.2': { gpus: 2, model: 'NVIDIA A10 24 GB', memoryGbTotal: 48 },
};

/** True for GPU shapes: BM.GPU* and VM.GPU* (BM.GPU.H100.8, VM.GPU3.1, BM.GPU.A100-v2.8, ...). */
export function isGpuShape(shape: string): boolean {
  return /^(BM|VM)\.GPU/i.test(shape);
}

/** OCI lifecycle state -> power state and health; null for TERMINATED (not part of the fleet). */
export function lifecycleOf(state: string): { powerState: PowerState; health: HealthState; reason: string | null } | null {
  switch (state) {
    case 'RUNNING':
      return { powerState: 'running', health: 'ok', reason: null };
    case 'PROVISIONING':
    case 'STARTING':
      return { powerState: 'starting', health: 'ok', reason: null };
    case 'STOPPING':
    case 'TERMINATING':
    case 'CREATING_IMAGE':
      // Image capture reboots the instance; it does no GPU work meanwhile, but nothing is wrong.
      return { powerState: 'stopping', health: 'ok', reason: state === 'STOPPING' ? null : state };
    case 'STOPPED':
      return { powerState: 'stopped', health: 'ok', reason: null };
    case 'MOVING':
      // OCI moves an instance off a failing host (or on request); its GPUs are out of service meanwhile.
      return { powerState: 'unknown', health: 'degraded', reason: 'MOVING: the instance is being moved to another host' };
    case 'TERMINATED':
      return null;
    default:
      return { powerState: 'unknown', health: 'unknown', reason: `lifecycle state ${state}` };
  }
}

/** Whether the GPU monitoring plugin is enabled on the instance, as its agent config says. */
export function gpuPluginState(raw: RawInstance): 'enabled' | 'disabled' | 'unknown' {
  const agent = raw.agentConfig;
  if (!agent) return 'unknown';
  if (agent.areAllPluginsDisabled || agent.isMonitoringDisabled) return 'disabled';
  const plugin = agent.pluginsConfig?.find((p) => p.name === GPU_MONITORING_PLUGIN);
  if (!plugin) return 'unknown';
  return plugin.desiredState === 'ENABLED' ? 'enabled' : 'disabled';
}

/** Defined tags flattened to "Namespace.key", then freeform tags (which win on a clash). */
export function tagsOf(raw: RawInstance): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [ns, keys] of Object.entries(raw.definedTags ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      if (value === null || value === undefined) continue;
      out[`${ns}.${key}`] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return { ...out, ...(raw.freeformTags ?? {}) };
}

export interface InstanceContext {
  account: string;
  /** The region whose endpoint listed the instance (Instance.region says "iad"/"phx" for two regions). */
  region: string;
  compartmentName: string;
  catalog: GpuCatalog | null;
}

/** A compute instance -> GpuResource, or null when it has no GPU shape or is terminated. */
export function mapInstance(raw: RawInstance, ctx: InstanceContext): GpuResource | null {
  if (!isGpuShape(raw.shape)) return null;
  const state = lifecycleOf(raw.lifecycleState);
  if (!state) return null;
  const doc = DOC_SHAPES[raw.shape];
  const known = ctx.catalog?.lookupInstance('oci', raw.shape, ctx.region) ?? null;
  const count = raw.shapeConfig?.gpus ?? known?.gpuCount ?? doc?.gpus ?? countFromShapeName(raw.shape);
  if (!count || count <= 0) return null;
  const memoryGiB = known?.gpuMemoryGiB ?? (doc ? doc.memoryGbTotal / doc.gpus : null);
  const description = raw.shapeConfig?.gpuDescription ?? doc?.model ?? raw.shape;
  const model = known?.gpuModel ?? (ctx.catalog ? ctx.catalog.normaliseGpuModel(description, memoryGiB ? memoryGiB * 1024 : null) : description);
  const plugin = gpuPluginState(raw);
  const tags: Record<string, string> = {
    ...tagsOf(raw),
    'oci:compartment': ctx.compartmentName,
    'oci:compartmentId': raw.compartmentId,
    'oci:gpuMonitoring': plugin,
  };
  if (raw.faultDomain) tags['oci:faultDomain'] = raw.faultDomain;
  if (raw.timeMaintenanceRebootDue) tags['oci:maintenanceRebootDue'] = new Date(raw.timeMaintenanceRebootDue).toISOString();
  return {
    id: raw.id,
    account: ctx.account,
    cloud: 'oci',
    region: ctx.region,
    zone: raw.availabilityDomain,
    name: raw.displayName || raw.id,
    kind: raw.shape.toUpperCase().startsWith('BM.') ? 'bare-metal' : 'vm',
    instanceType: raw.shape,
    gpuModel: model,
    gpuCount: count,
    gpuMemoryGiB: memoryGiB,
    powerState: state.powerState,
    health: state.health,
    healthReason: state.reason,
    hourlyPrice: known?.hourlyPrice ?? null,
    currency: known?.currency ?? 'USD',
    tags,
    gpuUuids: Array.from({ length: count }, () => null),
    demo: false,
  };
}

/** "BM.GPU.H100.8" -> 8: OCI fixed GPU shapes end in their GPU count. */
function countFromShapeName(shape: string): number | null {
  const m = /\.(\d+)$/.exec(shape);
  return m ? Number(m[1]) : null;
}

/** Marks resources re-reported from an earlier listing because their compartment could not be read now. */
export function markStale(resources: readonly GpuResource[], since: Date, why: string): GpuResource[] {
  return resources.map((r) => ({ ...r, tags: { ...r.tags, 'oci:stale': 'true', 'oci:staleSince': since.toISOString(), 'oci:staleReason': why.slice(0, 300) } }));
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** One SummarizeMetricsData call: one metric, one compartment in one region, one time slice. */
export interface MetricCall {
  region: string;
  compartmentId: string;
  metric: OciGpuMetric;
  query: string;
  from: number;
  to: number;
  /** Instances the call covers (their GPUs are the call's streams). */
  resourceIds: string[];
}

export interface MetricLimits {
  maxPointsPerCall: number;
  maxStreamsPerCall: number;
}

const MINUTE = 60_000;
/** 1-minute data is kept 7 days; older minutes cannot be read at 1-minute resolution. */
export const ONE_MINUTE_RETENTION_MS = 7 * 24 * 60 * MINUTE;

/**
 * The MQL of one call: the metric at 1 minute, averaged on the server per (instance, GPU), so series
 * of one GPU whose other dimensions changed merge into one. A compartment with more GPUs than one
 * call may return is split by resourceId (fuzzy match, values OR'ed).
 */
export function metricQuery(metric: OciGpuMetric, resourceIds: readonly string[] | null): string {
  const filter = resourceIds && resourceIds.length > 0 ? `{resourceId =~ "${resourceIds.join('|')}"}` : '';
  // Fault is 0/1 per 10-second point: one faulted point makes the minute faulted, so max, not mean.
  // Grouping also merges its faultCode/pcieAddress series into one per GPU.
  return `${metric}[1m]${filter}.groupBy(resourceId, gpuId).${metric === 'Fault' ? 'max' : 'mean'}()`;
}

/**
 * Plans the calls for a window: running GPU instances grouped by region and compartment; a group's
 * instances split so the GPU streams stay under the stream limit; the window sliced so streams x
 * minutes stays under the point limit. Minutes older than 7 days are dropped (no 1-minute data).
 */
export function planMetricCalls(
  resources: readonly GpuResource[],
  metrics: readonly OciGpuMetric[],
  window: { from: number; to: number; now: number },
  limits: MetricLimits,
): MetricCall[] {
  const from = Math.max(window.from, Math.ceil((window.now - ONE_MINUTE_RETENTION_MS) / MINUTE) * MINUTE);
  if (from >= window.to) return [];
  const groups = new Map<string, { region: string; compartmentId: string; resources: GpuResource[] }>();
  for (const r of resources) {
    const compartmentId = r.tags['oci:compartmentId'];
    if (r.cloud !== 'oci' || !compartmentId || r.powerState !== 'running') continue;
    const key = `${r.region}\u0000${compartmentId}`;
    const g = groups.get(key) ?? { region: r.region, compartmentId, resources: [] };
    g.resources.push(r);
    groups.set(key, g);
  }
  const calls: MetricCall[] = [];
  for (const g of groups.values()) {
    const batches: GpuResource[][] = [];
    let batch: GpuResource[] = [];
    let streams = 0;
    for (const r of [...g.resources].sort((a, b) => a.id.localeCompare(b.id))) {
      if (batch.length > 0 && streams + r.gpuCount > limits.maxStreamsPerCall) {
        batches.push(batch);
        batch = [];
        streams = 0;
      }
      batch.push(r);
      streams += r.gpuCount;
    }
    if (batch.length > 0) batches.push(batch);
    const split = batches.length > 1;
    for (const b of batches) {
      const gpus = b.reduce((n, r) => n + r.gpuCount, 0);
      const sliceMinutes = Math.max(1, Math.floor(limits.maxPointsPerCall / Math.max(1, gpus)));
      const ids = b.map((r) => r.id);
      for (const metric of metrics) {
        const query = metricQuery(metric, split ? ids : null);
        for (let start = from; start < window.to; start += sliceMinutes * MINUTE) {
          calls.push({ region: g.region, compartmentId: g.compartmentId, metric, query, from: start, to: Math.min(window.to, start + sliceMinutes * MINUTE), resourceIds: ids });
        }
      }
    }
  }
  return calls;
}

interface Slot {
  resourceId: string;
  gpuIndex: number;
  ts: number;
  utilisation: number | null;
  memoryPercent: number | null;
  power: number | null;
  temperature: number | null;
  /** null: no Fault point this minute (not reported). */
  fault: boolean | null;
}

/**
 * Merges MetricData of several metrics into one GpuSample per GPU per minute. A GPU without a
 * stream gets no sample: not measured, never zero. `Fault` sets the sample's `fault` for that GPU
 * only (absent where the plugin published no Fault point that minute). `gpuId` is the GPU's index on the host when
 * numeric; otherwise the host's distinct ids are ordered and numbered.
 */
export class SampleMerger {
  private readonly slots = new Map<string, Slot>();
  private readonly gpuIds = new Map<string, Set<string>>();
  private readonly pending: Array<{ metric: OciGpuMetric; data: RawMetricData }> = [];
  /** Instances that had at least one stream. */
  readonly measured = new Set<string>();

  constructor(
    private readonly from: number,
    private readonly to: number,
    private readonly resources: ReadonlyMap<string, GpuResource>,
  ) {}

  /** Adds one MetricData stream of `metric`; streams of unknown instances are ignored. */
  add(metric: OciGpuMetric, data: RawMetricData): void {
    const id = data.dimensions.resourceId;
    if (!id || !this.resources.has(id)) return;
    const gpu = data.dimensions.gpuId ?? '0';
    const seen = this.gpuIds.get(id) ?? new Set<string>();
    seen.add(gpu);
    this.gpuIds.set(id, seen);
    this.pending.push({ metric, data });
  }

  private indexOf(resource: GpuResource, gpuId: string): number | null {
    if (/^\d+$/.test(gpuId)) {
      const i = Number(gpuId);
      return i < resource.gpuCount ? i : null;
    }
    const ordered = [...(this.gpuIds.get(resource.id) ?? [])].filter((g) => !/^\d+$/.test(g)).sort();
    const i = ordered.indexOf(gpuId);
    return i >= 0 && i < resource.gpuCount ? i : null;
  }

  /** Merged samples, ordered by resource, GPU and time. */
  samples(): GpuSample[] {
    for (const { metric, data } of this.pending) {
      const resource = this.resources.get(data.dimensions.resourceId as string) as GpuResource;
      const gpuIndex = this.indexOf(resource, data.dimensions.gpuId ?? '0');
      if (gpuIndex === null) continue;
      for (const p of data.aggregatedDatapoints) {
        if (!Number.isFinite(p.value)) continue;
        // A 1-minute aggregate is stamped at the start of its minute.
        const ts = Math.floor(p.timestamp / MINUTE) * MINUTE;
        if (ts < this.from || ts >= this.to) continue;
        const key = `${resource.id}#${gpuIndex}#${ts}`;
        let slot = this.slots.get(key);
        if (!slot) {
          slot = { resourceId: resource.id, gpuIndex, ts, utilisation: null, memoryPercent: null, power: null, temperature: null, fault: null };
          this.slots.set(key, slot);
        }
        if (metric === 'Fault') {
          // A fault stream alone does not make the GPU measured (no utilisation), but it is reported.
          slot.fault = (slot.fault ?? false) || p.value > 0;
          continue;
        }
        this.measured.add(resource.id);
        if (metric === 'GpuUtilization') slot.utilisation = p.value;
        else if (metric === 'GpuMemoryUtilization') slot.memoryPercent = clampPercent(p.value);
        else if (metric === 'GpuPowerDraw') slot.power = Math.max(0, p.value);
        else slot.temperature = p.value;
      }
    }
    this.pending.length = 0;
    const out: GpuSample[] = [];
    for (const s of this.slots.values()) {
      const memGiB = this.resources.get(s.resourceId)?.gpuMemoryGiB ?? null;
      out.push({
        resourceId: s.resourceId,
        gpuIndex: s.gpuIndex,
        ts: s.ts,
        // OCI reports no DCGM series: its own metric is the only source (glossary order).
        ...chooseUtilisation({ provider: s.utilisation }),
        memoryUsedMiB: s.memoryPercent !== null && memGiB !== null ? (s.memoryPercent / 100) * memGiB * 1024 : null,
        powerWatts: s.power,
        temperatureC: s.temperature,
        xidErrors: 0,
        ...(s.fault === null ? {} : { fault: s.fault }),
      });
    }
    return out.sort((a, b) => a.resourceId.localeCompare(b.resourceId) || a.gpuIndex - b.gpuIndex || a.ts - b.ts);
  }
}


/** A running GPU instance that published no GPU metric in the window, and the likely reason. */
export interface UnmeasuredInstance {
  resourceId: string;
  name: string;
  region: string;
  compartment: string;
  reason: string;
}

/** Running GPU instances of `resources` without any stream: their GPUs are "not measured". */
export function unmeasuredInstances(resources: readonly GpuResource[], measured: ReadonlySet<string>, namespace: string): UnmeasuredInstance[] {
  return resources
    .filter((r) => r.cloud === 'oci' && r.powerState === 'running' && !measured.has(r.id))
    .map((r) => {
      const plugin = r.tags['oci:gpuMonitoring'];
      const reason =
        plugin === 'disabled'
          ? `the Oracle Cloud Agent plugin "${GPU_MONITORING_PLUGIN}" is disabled`
          : plugin === 'enabled'
            ? `the "${GPU_MONITORING_PLUGIN}" plugin is enabled but published nothing to ${namespace} (check the agent and the dynamic-group policy "use metrics")`
            : `no ${namespace} data: enable the Oracle Cloud Agent plugin "${GPU_MONITORING_PLUGIN}"`;
      return { resourceId: r.id, name: r.name, region: r.region, compartment: r.tags['oci:compartment'] ?? '', reason };
    });
}

// ---------------------------------------------------------------------------------------------
// Spend

// Amounts become exact decimal text in shared/decimal (wire digits kept; numbers at their shortest
// round-trip text); the name stays for this connector's callers.
export { decimalText };

export interface CostContext {
  tenancyId: string;
  tenancyName: string | null;
  /** Compartment names by OCID, for SubAccountName. */
  compartmentNames: ReadonlyMap<string, string>;
}

/** One summarized usage (resource + SKU + day) -> a FOCUS row; null for forecasts and rows without amount. */
export function mapUsage(u: RawUsageSummary, ctx: CostContext): FocusCostRow | null {
  if (u.isForecast) return null;
  if (u.computedAmount === null || u.computedAmount === undefined) return null;
  const currency = (u.currency ?? '').trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return null;
  const cost = decimalText(u.computedAmount);
  const quantity = u.computedQuantity === null || u.computedQuantity === undefined ? null : decimalText(u.computedQuantity);
  const resourceId = u.resourceId && u.resourceId.length > 0 ? u.resourceId : null;
  const isInstance = resourceId?.startsWith('ocid1.instance.') ?? false;
  const compartmentId = u.compartmentId ?? null;
  return {
    BillingAccountId: u.tenantId ?? ctx.tenancyId,
    BillingAccountName: u.tenantName ?? ctx.tenancyName,
    SubAccountId: compartmentId,
    SubAccountName: u.compartmentName ?? (compartmentId ? (ctx.compartmentNames.get(compartmentId) ?? null) : null),
    BillingCurrency: currency,
    ...costColumns(cost),
    ...periodColumns(u.timeUsageStarted, u.timeUsageEnded),
    ChargeCategory: categoryOfAmount(cost),
    ChargeClass: null,
    ChargeDescription: u.skuName ?? null,
    ProviderName: 'Oracle Cloud Infrastructure',
    PublisherName: 'Oracle',
    InvoiceIssuerName: 'Oracle',
    ServiceName: u.service ?? null,
    ServiceCategory: u.service === 'Compute' || u.service === 'COMPUTE' ? 'Compute' : null,
    ...regionColumns(u.region ?? null),
    AvailabilityZone: u.ad ?? null,
    ResourceId: resourceId,
    ResourceName: u.resourceName ?? null,
    ResourceType: isInstance ? 'Compute instance' : null,
    SkuId: u.skuPartNumber ?? null,
    PricingQuantity: quantity,
    PricingUnit: u.unit ?? null,
    ConsumedQuantity: quantity,
    ConsumedUnit: u.unit ?? null,
    Tags: {},
  };
}

// ---------------------------------------------------------------------------------------------
// Incidents

const ANNOUNCEMENT_SEVERITY: Readonly<Record<string, IncidentSeverity>> = {
  PRODUCTION_EVENT_NOTIFICATION: 'major',
  EMERGENCY_MAINTENANCE: 'major',
  EMERGENCY_MAINTENANCE_EXTENDED: 'major',
  EMERGENCY_MAINTENANCE_RESCHEDULED: 'major',
  EMERGENCY_CHANGE: 'major',
  ACTION_REQUIRED: 'minor',
  SCHEDULED_MAINTENANCE: 'maintenance',
  PLANNED_CHANGE: 'maintenance',
  PLANNED_CHANGE_EXTENDED: 'maintenance',
  PLANNED_CHANGE_RESCHEDULED: 'maintenance',
};

/** Announcement types that report something already over. */
const COMPLETE_TYPES = new Set(['EMERGENCY_MAINTENANCE_COMPLETE', 'PLANNED_CHANGE_COMPLETE']);

export interface AnnouncementFilter {
  account: string;
  /** Regions the fleet uses. */
  regions: ReadonlySet<string>;
  /** GPU resources by id, to link affected resources. */
  resources: ReadonlyMap<string, GpuResource>;
  now: Date;
  endedWithinDays: number;
}

/** The OCI console page of an announcement. */
export function announcementUrl(id: string): string {
  return `https://cloud.oracle.com/announcements/${encodeURIComponent(id)}`;
}

/** True when an announcement touches a region of the fleet (one naming no region touches all). */
export function touchesFleet(a: RawAnnouncement, regions: ReadonlySet<string>): boolean {
  const affected = a.affectedRegions ?? [];
  return affected.length === 0 || affected.some((r) => regions.has(r));
}

/** timeOneType values that name when the event or window starts (SDK BaseAnnouncement.TimeOneType). */
const START_TYPES: ReadonlySet<string> = new Set(['START_TIME', 'NEW_START_TIME', 'TIME_DETECTED']);
/** timeTwoType values that name when it ends (SDK BaseAnnouncement.TimeTwoType). */
const END_TYPES: ReadonlySet<string> = new Set(['END_TIME', 'NEW_END_TIME', 'ESTIMATED_END_TIME']);

/**
 * The window an announcement names, from its typed times: a start only from a start type (or an
 * untyped timeOne); ACTION_REQUIRED_BY is the deadline, which is when an action-required notice
 * takes effect; REPORT_DATE and ORIGINAL_END_TIME are no start. The end from an end type (or an
 * untyped timeTwo). Null where the announcement does not say.
 */
export function announcementWindow(a: RawAnnouncement): { start: number | null; end: number | null; estimatedEnd: boolean } {
  const oneType = a.timeOneType ?? null;
  const twoType = a.timeTwoType ?? null;
  const startsAt = oneType === null || START_TYPES.has(oneType) || oneType === 'ACTION_REQUIRED_BY';
  const endsAt = twoType === null || END_TYPES.has(twoType);
  return {
    start: startsAt ? (a.timeOneValue ?? null) : null,
    end: endsAt ? (a.timeTwoValue ?? null) : null,
    estimatedEnd: twoType === 'ESTIMATED_END_TIME',
  };
}

/**
 * Announcements -> Incidents: those touching a fleet region, ongoing while ACTIVE and not of a
 * "complete" type; ended ones kept `endedWithinDays`. Affected resources (from GetAnnouncement) link
 * the GPUs; informational and action-recommended notices are not incidents.
 * An incident starts at the window the announcement names (days ahead for announced maintenance:
 * a future start stays future, never the date it was posted); maintenance ends at its window's end.
 */
export function mapAnnouncements(raw: readonly RawAnnouncement[], f: AnnouncementFilter): Incident[] {
  const out: Incident[] = [];
  const oldest = f.now.getTime() - f.endedWithinDays * 86_400_000;
  for (const a of raw) {
    const severity = ANNOUNCEMENT_SEVERITY[a.announcementType] ?? (COMPLETE_TYPES.has(a.announcementType) ? 'maintenance' : null);
    if (!severity) continue;
    if (!touchesFleet(a, f.regions)) continue;
    const updated = a.timeUpdated ?? a.timeCreated ?? a.timeOneValue ?? f.now.getTime();
    const window = announcementWindow(a);
    const ended = a.lifecycleState !== 'ACTIVE' || COMPLETE_TYPES.has(a.announcementType);
    // Announced maintenance is over when its window is, even while the notice stays ACTIVE; an
    // outage's estimated end is only an estimate, so it stays open.
    const plannedEnd = severity === 'maintenance' && !window.estimatedEnd ? window.end : null;
    const endedAt = ended ? (window.end !== null && window.end <= f.now.getTime() ? window.end : updated) : plannedEnd;
    if (endedAt !== null && endedAt < oldest) continue;
    const startedAt = window.start ?? a.timeCreated ?? updated;
    const resourceIds = (a.affectedResources ?? []).map((r) => r.resourceId).filter((id) => f.resources.has(id));
    const summary = plainText(a.description ?? a.summary);
    out.push({
      id: `oci-announcement:${a.id}`,
      account: f.account,
      cloud: 'oci',
      source: severity === 'maintenance' ? 'maintenance' : 'service-health',
      severity,
      title: `${a.referenceTicketNumber ? `${a.referenceTicketNumber}: ` : ''}${a.summary}`.slice(0, 300),
      summary,
      status: ended ? 'resolved' : startedAt > f.now.getTime() ? 'planned' : a.announcementType.toLowerCase().replaceAll('_', ' '),
      regions: (a.affectedRegions ?? []).filter((r) => f.regions.has(r)),
      services: a.services ?? [],
      resourceIds,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: endedAt === null ? null : new Date(Math.max(endedAt, startedAt)).toISOString(),
      updatedAt: new Date(updated).toISOString(),
      url: announcementUrl(a.id),
      updates: [],
      demo: false,
    });
  }
  return out;
}

const MAINTENANCE_OPEN = new Set(['SCHEDULED', 'STARTED', 'PROCESSING']);

/** Instance maintenance events -> maintenance incidents linked to the instance's GPUs. */
export function mapMaintenanceEvents(
  events: readonly RawMaintenanceEvent[],
  f: { account: string; resources: ReadonlyMap<string, GpuResource>; now: Date; endedWithinDays: number },
): Incident[] {
  const oldest = f.now.getTime() - f.endedWithinDays * 86_400_000;
  const out: Incident[] = [];
  for (const e of events) {
    const r = f.resources.get(e.instanceId);
    if (!r) continue;
    const open = MAINTENANCE_OPEN.has(e.lifecycleState);
    const endedAt = open ? null : (e.timeFinished ?? e.timeStarted ?? e.timeWindowStart);
    if (endedAt !== null && endedAt < oldest) continue;
    const failed = e.lifecycleState === 'FAILED';
    const startedAt = e.timeStarted ?? e.timeWindowStart;
    const what = [e.maintenanceCategory, e.maintenanceReason].filter(Boolean).join(' / ') || 'maintenance';
    out.push({
      id: `oci-maintenance:${e.id}`,
      account: f.account,
      cloud: 'oci',
      source: 'maintenance',
      severity: failed ? 'major' : 'maintenance',
      title: `${r.name}: ${what}${e.instanceAction ? ` (${e.instanceAction.toLowerCase().replaceAll('_', ' ')})` : ''}`,
      summary: e.description ?? `${r.gpuCount} x ${r.gpuModel} in ${r.zone ?? r.region}: ${what}, window from ${new Date(e.timeWindowStart).toISOString()}.`,
      status: e.lifecycleState.toLowerCase(),
      regions: [r.region],
      services: ['Compute'],
      resourceIds: [r.id],
      startedAt: new Date(startedAt).toISOString(),
      endedAt: endedAt === null ? null : new Date(Math.max(endedAt, startedAt)).toISOString(),
      updatedAt: new Date(e.timeFinished ?? e.timeStarted ?? e.timeCreated).toISOString(),
      url: null,
      updates: [],
      demo: false,
    });
  }
  return out;
}

/** Instances whose lifecycle means trouble (MOVING, an unknown state) -> resource-health incidents. */
export function lifecycleIncidents(resources: readonly GpuResource[], account: string, now: Date): Incident[] {
  const at = now.toISOString();
  return resources
    .filter((r) => r.cloud === 'oci' && (r.health === 'degraded' || r.health === 'unavailable') && r.tags['oci:stale'] !== 'true')
    .map((r) => ({
      id: `oci-lifecycle:${r.id}`,
      account,
      cloud: 'oci' as const,
      source: 'resource-health' as const,
      severity: r.health === 'unavailable' ? ('major' as const) : ('minor' as const),
      title: `${r.name}: ${r.healthReason ?? r.health}`,
      summary: `${r.gpuCount} x ${r.gpuModel} in ${r.zone ?? r.region} (compartment ${r.tags['oci:compartment'] ?? '?'}) reported ${r.healthReason ?? r.health} by OCI.`,
      status: r.health,
      regions: [r.region],
      services: ['Compute'],
      resourceIds: [r.id],
      // The instance list has no start time for the state: it is observed as of this sync.
      startedAt: at,
      endedAt: null,
      updatedAt: at,
      url: null,
      updates: [],
      demo: false,
    }));
}
