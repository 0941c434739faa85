/**
 * Pure functions from Azure payloads (as the official SDKs deserialize them) to the shared model.
 * Each payload is checked with zod first, so a response that changed shape fails loudly, naming the
 * API and the field, instead of turning into wrong numbers on the pane.
 */
import { z } from 'zod';
import type { CatalogLookup } from '../../catalog/types';
import { decimalText } from '../../../../shared/decimal';
import type {
  CloudId,
  CoverageGap,
  FocusCostRow,
  GpuResource,
  HealthState,
  Incident,
  IncidentSeverity,
  PowerState,
} from '../../../../shared/domain';
import { MalformedResponseError } from '../types';
import { categoryOfAmount, costColumns, periodColumns, regionColumns } from '../common/focus';
import type { RssItem } from '../common/status-feed';
import type { PlaceSeries } from '../common/dcgm';
import { partitionLabel, slicedModel } from '../../domain/gpu-partition';

/** The part of the GPU catalog the connector uses (electron/backend/catalog). */
export interface GpuCatalog {
  lookupInstance(cloud: CloudId, instanceType: string, region: string): CatalogLookup | null;
  normaliseGpuModel(raw: string): string;
}

/** Parses `value` with `schema`, or throws MalformedResponseError naming the API and the field. */
export function parseResponse<T>(schema: z.ZodType<T>, value: unknown, api: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
  throw new MalformedResponseError(`${api}: unexpected response at ${field}: ${issue?.message ?? 'invalid'}`, {
    cause: parsed.error,
  });
}

// core-client deserializes date-time fields into Date; the newer clients leave strings.
const TimeLike = z.union([z.date(), z.string()]);
function iso(value: Date | string | undefined | null): string | null {
  if (value === undefined || value === null || value === '') return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const Statuses = z.array(z.looseObject({ code: z.string().optional() })).optional();
// osProfile is absent on VMs attached from a specialized disk; the guest agent may still report the name.
const OsProfile = z.looseObject({ computerName: z.string().optional() }).optional();
const InstanceView = z.looseObject({ statuses: Statuses, computerName: z.string().optional() }).optional();

/** A VM as `virtualMachines.listAll` returns it (properties flattened by the SDK). */
export const VmPayload = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  location: z.string().min(1),
  tags: z.record(z.string(), z.string()).optional(),
  zones: z.array(z.string()).optional(),
  hardwareProfile: z.looseObject({ vmSize: z.string().min(1) }),
  osProfile: OsProfile,
  instanceView: InstanceView,
});
export type VmPayload = z.infer<typeof VmPayload>;

/** A VM as `virtualMachines.listAll({ statusOnly: 'true' })` returns it: id and instance view only. */
export const VmStatusPayload = z.looseObject({
  id: z.string().min(1),
  instanceView: InstanceView,
});
export type VmStatusPayload = z.infer<typeof VmStatusPayload>;

export const ScaleSetPayload = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  location: z.string().min(1),
  sku: z.looseObject({ name: z.string().optional(), capacity: z.number().optional() }).optional(),
  orchestrationMode: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  virtualMachineProfile: z
    .looseObject({ osProfile: z.looseObject({ computerNamePrefix: z.string().optional() }).optional() })
    .optional(),
});
export type ScaleSetPayload = z.infer<typeof ScaleSetPayload>;

/** A Uniform scale set's VM with `$expand=instanceView`. */
export const ScaleSetVmPayload = z.looseObject({
  id: z.string().min(1),
  name: z.string().min(1),
  location: z.string().min(1),
  instanceId: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  zones: z.array(z.string()).optional(),
  sku: z.looseObject({ name: z.string().optional() }).optional(),
  hardwareProfile: z.looseObject({ vmSize: z.string().optional() }).optional(),
  osProfile: OsProfile,
  instanceView: InstanceView,
  // Flexible scale sets return thin entries pointing at a standalone VM (listed by listAll already).
  virtualMachineResourceId: z.string().optional(),
});
export type ScaleSetVmPayload = z.infer<typeof ScaleSetVmPayload>;

export const ResourceSkuPayload = z.looseObject({
  resourceType: z.string().optional(),
  name: z.string().optional(),
  family: z.string().optional(),
  locations: z.array(z.string()).optional(),
  capabilities: z.array(z.looseObject({ name: z.string().optional(), value: z.string().optional() })).optional(),
});
export type ResourceSkuPayload = z.infer<typeof ResourceSkuPayload>;

export const AvailabilityStatusPayload = z.looseObject({
  id: z.string().min(1),
  location: z.string().optional(),
  properties: z
    .looseObject({
      availabilityState: z.string().optional(),
      title: z.string().optional(),
      summary: z.string().optional(),
      detailedStatus: z.string().optional(),
      reasonType: z.string().optional(),
      occuredTime: TimeLike.optional(),
      reportedTime: TimeLike.optional(),
      recentlyResolved: z
        .looseObject({
          unavailableOccuredTime: TimeLike.optional(),
          resolvedTime: TimeLike.optional(),
          unavailableSummary: z.string().optional(),
        })
        .optional(),
    })
    .optional(),
});
export type AvailabilityStatusPayload = z.infer<typeof AvailabilityStatusPayload>;

export const ServiceHealthEventPayload = z.looseObject({
  id: z.string().optional(),
  name: z.string().min(1),
  eventType: z.string().optional(),
  status: z.string().optional(),
  title: z.string().optional(),
  summary: z.string().optional(),
  level: z.string().optional(),
  impactStartTime: TimeLike.optional(),
  impactMitigationTime: TimeLike.optional(),
  lastUpdateTime: TimeLike.optional(),
  impact: z
    .array(
      z.looseObject({
        impactedService: z.string().optional(),
        impactedRegions: z
          .array(z.looseObject({ impactedRegion: z.string().optional(), status: z.string().optional() }))
          .optional(),
      }),
    )
    .optional(),
});
export type ServiceHealthEventPayload = z.infer<typeof ServiceHealthEventPayload>;

export const CostQueryPayload = z.looseObject({
  columns: z.array(z.looseObject({ name: z.string(), type: z.string().optional() })),
  rows: z.array(z.array(z.unknown())),
  nextLink: z.string().nullable().optional(),
});
export type CostQueryPayload = z.infer<typeof CostQueryPayload>;

/** Power state from instance-view statuses (`PowerState/deallocated` counts as stopped). */
export function powerStateOf(statuses: readonly { code?: string | undefined }[] | undefined): PowerState {
  const code = statuses?.find((s) => s.code?.startsWith('PowerState/'))?.code?.slice('PowerState/'.length);
  switch (code?.toLowerCase()) {
    case 'running':
      return 'running';
    case 'starting':
      return 'starting';
    case 'stopping':
    case 'deallocating':
      return 'stopping';
    case 'stopped':
    case 'deallocated':
      return 'stopped';
    default:
      return 'unknown';
  }
}

/** ARM region names as ids: "West US" and "westus" are the same region. */
export function normaliseRegion(region: string): string {
  return region.toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * Azure's partial-GPU sizes and the share of one physical GPU each holds (the NVadsA10 v5 size page:
 * from 1/6 of an A10 with 4 GiB of framebuffer). Resource SKUs give them a `GPUs` capability of 1, as
 * they give the whole-GPU NV36ads, so only the size says a VM holds a slice.
 */
const PARTIAL_GPU_SIZES: ReadonlyMap<string, number> = new Map([
  ['standard_nv6ads_a10_v5', 1 / 6],
  ['standard_nv12ads_a10_v5', 1 / 3],
  ['standard_nv18ads_a10_v5', 1 / 2],
]);

/** Tag naming the share of one physical GPU a partial-GPU VM holds ("1/6"). */
export const GPU_PARTITION_TAG = 'azure:gpuPartition';

/** GPU facts of one VM size in one region, from resource SKUs. */
export interface SkuGpuFacts {
  gpus: number;
  family: string | null;
}

/** Indexes virtual-machine SKUs that have GPUs by `size|region` (both lower case). */
export function indexGpuSkus(skus: readonly ResourceSkuPayload[]): Map<string, SkuGpuFacts> {
  const index = new Map<string, SkuGpuFacts>();
  for (const sku of skus) {
    if (sku.resourceType !== 'virtualMachines' || !sku.name) continue;
    const gpus = Number(sku.capabilities?.find((c) => c.name === 'GPUs')?.value ?? '0');
    if (!Number.isFinite(gpus) || gpus <= 0) continue;
    for (const loc of sku.locations ?? []) {
      index.set(skuKey(sku.name, loc), { gpus: Math.round(gpus), family: sku.family ?? null });
    }
  }
  return index;
}

function skuKey(size: string, region: string): string {
  return `${size.toLowerCase()}|${normaliseRegion(region)}`;
}

// Size-name tokens and SKU families that name the GPU when the catalog does not know the size.
const MODEL_TOKENS: readonly [RegExp, string][] = [
  [/MI300X/i, 'MI300X'],
  [/GB200/i, 'GB200'],
  [/H200/i, 'H200'],
  [/H100/i, 'H100'],
  [/A100/i, 'A100'],
  [/A10(?!\d)/i, 'A10'],
  [/T4/i, 'T4'],
  [/V710/i, 'V710'],
  [/V620/i, 'V620'],
];
const FAMILY_MODELS: readonly [RegExp, string][] = [
  [/NCSv3|NCv3|NDSv2|NDv2/i, 'V100'],
  [/NCSv2|NCv2/i, 'P100'],
  [/NDS(?!v)|standardNDSFamily/i, 'P40'],
  [/NVSv3|NVv3|standardNVFamily/i, 'M60'],
];

/** Best raw GPU model name from the size and SKU family, for sizes the catalog lacks. */
export function guessGpuModel(vmSize: string, family: string | null): string | null {
  for (const [re, model] of MODEL_TOKENS) if (re.test(vmSize)) return model;
  if (family) for (const [re, model] of FAMILY_MODELS) if (re.test(family)) return model;
  return null;
}

/** What the inventory knows about one machine before it becomes a GpuResource. */
export interface MachineFacts {
  id: string;
  name: string;
  location: string;
  zones: readonly string[] | undefined;
  vmSize: string;
  tags: Record<string, string> | undefined;
  powerState: PowerState;
  /** The OS host name dcgm-exporter reports (`osProfile.computerName` or the guest agent's), null when Azure does not say. */
  computerName: string | null;
}

/**
 * Tag that carries a machine's OS host name through the store to the metrics stream, which matches
 * DCGM series by it (the `gcp:` tags do the same for GCP). Never a tag a user can set by accident.
 */
export const COMPUTER_NAME_TAG = 'azure:computerName';

/** Why an optional call left part of the inventory unknown; passed to toGpuResource. */
export interface InventoryGaps {
  /** Set when resource SKUs could not be read: sizes the catalog lacks get a placement gap. */
  skusUnavailable?: string;
}

/** Every Azure GPU size is an N-series size (NC, ND, NV, NG); asked only when resource SKUs could not be read. */
export function isNSeriesSize(vmSize: string): boolean {
  return /^Standard_N[A-Z]/i.test(vmSize);
}

/** Health of a resource from its Resource Health availability status. */
export interface ResourceHealthFacts {
  health: HealthState;
  reason: string | null;
}

/** Resource id of an availability status (`<resourceId>/providers/Microsoft.ResourceHealth/...`). */
export function resourceIdOfStatus(statusId: string): string {
  const at = statusId.toLowerCase().indexOf('/providers/microsoft.resourcehealth/');
  return at >= 0 ? statusId.slice(0, at) : statusId;
}

/** Indexes availability statuses by lower-case resource id. */
export function indexHealth(statuses: readonly AvailabilityStatusPayload[]): Map<string, ResourceHealthFacts> {
  const index = new Map<string, ResourceHealthFacts>();
  for (const s of statuses) {
    const state = s.properties?.availabilityState?.toLowerCase();
    const health: HealthState =
      state === 'available' ? 'ok' : state === 'degraded' ? 'degraded' : state === 'unavailable' ? 'unavailable' : 'unknown';
    const reason = health === 'ok' ? null : (s.properties?.summary ?? s.properties?.detailedStatus ?? null);
    index.set(resourceIdOfStatus(s.id).toLowerCase(), { health, reason });
  }
  return index;
}

/**
 * One machine -> GpuResource, or null when its size has no GPU. The catalog gives model, count,
 * memory and price; resource SKUs' `GPUs` capability is the fallback for the count.
 */
export function toGpuResource(
  account: string,
  m: MachineFacts,
  skus: ReadonlyMap<string, SkuGpuFacts>,
  health: ReadonlyMap<string, ResourceHealthFacts>,
  catalog: GpuCatalog,
  gaps: InventoryGaps = {},
): GpuResource | null {
  const region = normaliseRegion(m.location);
  const known = catalog.lookupInstance('azure', m.vmSize, region);
  const sku = skus.get(skuKey(m.vmSize, region));
  const coverageGaps: CoverageGap[] = [];
  let gpuCount = known?.gpuCount ?? sku?.gpus ?? 0;
  if (gpuCount <= 0 && gaps.skusUnavailable && isNSeriesSize(m.vmSize)) {
    // A GPU size we cannot count is kept (counted as one GPU) and flagged, never silently dropped.
    gpuCount = 1;
    coverageGaps.push({
      kind: 'placement',
      reason: `GPU count of ${m.vmSize} in ${region} unknown: resource SKUs not read (${gaps.skusUnavailable}) and the GPU catalog does not list the size; counted as 1 GPU`,
    });
  }
  if (gpuCount <= 0) return null;
  const hourlyPrice = known?.hourlyPrice ?? null;
  if (hourlyPrice === null) {
    coverageGaps.push({ kind: 'price', reason: `no hourly price for ${m.vmSize} in ${region}: the GPU catalog does not list it` });
  }
  const rawModel = known?.gpuModel ?? guessGpuModel(m.vmSize, sku?.family ?? null);
  const h = health.get(m.id.toLowerCase()) ?? { health: 'unknown' as const, reason: null };
  const tags = { ...(m.tags ?? {}) };
  if (m.computerName) tags[COMPUTER_NAME_TAG] = m.computerName;
  let gpuModel = rawModel ? catalog.normaliseGpuModel(rawModel) : 'Unknown GPU';
  // A slice is one device the VM sees, counted under its own model line, never as a whole GPU.
  const partition = PARTIAL_GPU_SIZES.get(m.vmSize.toLowerCase());
  if (partition !== undefined) {
    gpuCount = 1;
    gpuModel = slicedModel(gpuModel, partition);
    tags[GPU_PARTITION_TAG] = partitionLabel(partition);
  }
  return {
    id: m.id,
    account,
    cloud: 'azure',
    region,
    zone: m.zones?.[0] ?? null,
    name: m.name,
    kind: 'vm',
    instanceType: m.vmSize,
    gpuModel,
    gpuCount,
    gpuMemoryGiB: known?.gpuMemoryGiB ?? null,
    powerState: m.powerState,
    health: h.health,
    healthReason: h.reason,
    hourlyPrice,
    currency: known?.currency ?? 'USD',
    tags,
    gpuUuids: Array.from({ length: gpuCount }, () => null),
    demo: false,
    ...(coverageGaps.length > 0 ? { coverageGaps } : {}),
  };
}

/** Joins the `listAll` model pages with the `statusOnly` pages into machine facts. */
export function vmFacts(vms: readonly VmPayload[], statuses: readonly VmStatusPayload[]): MachineFacts[] {
  const power = new Map(statuses.map((s) => [s.id.toLowerCase(), powerStateOf(s.instanceView?.statuses)]));
  const agentName = new Map(statuses.map((s) => [s.id.toLowerCase(), s.instanceView?.computerName]));
  return vms.map((vm) => ({
    id: vm.id,
    name: vm.name,
    location: vm.location,
    zones: vm.zones,
    vmSize: vm.hardwareProfile.vmSize,
    tags: vm.tags,
    powerState: vm.instanceView ? powerStateOf(vm.instanceView.statuses) : (power.get(vm.id.toLowerCase()) ?? 'unknown'),
    computerName: nonEmpty(vm.osProfile?.computerName) ?? nonEmpty(vm.instanceView?.computerName) ?? nonEmpty(agentName.get(vm.id.toLowerCase())),
  }));
}

function nonEmpty(s: string | undefined | null): string | null {
  const t = s?.trim();
  return t ? t : null;
}

/**
 * The computer name Azure gives a Uniform scale-set VM: `computerNamePrefix` + the instance id in
 * base 36, upper case, zero-padded to six digits (prefix "nsgvmss", instance 85 -> "nsgvmss00002D").
 */
export function scaleSetComputerName(prefix: string, instanceId: string): string | null {
  if (!/^\d+$/.test(instanceId)) return null;
  return `${prefix}${Number(instanceId).toString(36).toUpperCase().padStart(6, '0')}`;
}

/** A Uniform scale set's VM -> machine facts; null for Flexible entries (listed as standalone VMs). */
export function scaleSetVmFacts(vm: ScaleSetVmPayload, scaleSet: ScaleSetPayload): MachineFacts | null {
  if (vm.virtualMachineResourceId) return null;
  const vmSize = vm.sku?.name ?? vm.hardwareProfile?.vmSize ?? scaleSet.sku?.name;
  if (!vmSize) return null;
  return {
    id: vm.id,
    name: vm.name,
    location: vm.location,
    zones: vm.zones,
    vmSize,
    tags: { ...(scaleSet.tags ?? {}), ...(vm.tags ?? {}) },
    powerState: powerStateOf(vm.instanceView?.statuses),
    computerName: nonEmpty(vm.osProfile?.computerName) ?? nonEmpty(vm.instanceView?.computerName) ?? derivedComputerName(vm, scaleSet),
  };
}

function derivedComputerName(vm: ScaleSetVmPayload, scaleSet: ScaleSetPayload): string | null {
  const prefix = nonEmpty(scaleSet.virtualMachineProfile?.osProfile?.computerNamePrefix);
  const instanceId = vm.instanceId ?? /\/virtualMachines\/(\d+)$/i.exec(vm.id)?.[1];
  return prefix && instanceId ? scaleSetComputerName(prefix, instanceId) : null;
}

/** The OS host name the inventory recorded for a machine (lower case), or null. */
export function computerNameOf(resource: Pick<GpuResource, 'tags'>): string | null {
  return nonEmpty(resource.tags[COMPUTER_NAME_TAG])?.toLowerCase() ?? null;
}

/**
 * Host names a machine's DCGM series may carry, most trusted first, lower case (host names are
 * case-insensitive): its OS computer name, its VM name, and for a scale-set VM whose computer name
 * Azure did not report, the name derived from the scale-set name (AKS uses it as the prefix).
 */
export function hostNamesOf(resource: Pick<GpuResource, 'id' | 'name' | 'tags'>): string[] {
  const names: string[] = [];
  const add = (n: string | undefined) => {
    const h = n?.trim().toLowerCase();
    if (h && !names.includes(h)) names.push(h);
  };
  const computerName = computerNameOf(resource);
  add(computerName ?? undefined);
  add(resource.name);
  const m = /\/virtualMachineScaleSets\/([^/]+)\/virtualMachines\/(\d+)$/i.exec(resource.id);
  if (!computerName && m?.[1] && m[2]) add(scaleSetComputerName(m[1], m[2]) ?? undefined);
  return names;
}

/**
 * Where a DCGM series' GPU is: the machine whose OS host name (or else VM name) is the series'
 * `hostLabel` value, and its `gpu` index; null for a series of no machine in `resources`.
 */
export function placeOnHosts(resources: readonly GpuResource[], hostLabel: string): PlaceSeries {
  const byHost = new Map<string, GpuResource>();
  // A computer name wins over another machine's VM name: the OS host name is what dcgm-exporter reports.
  for (const r of resources) {
    const computerName = computerNameOf(r);
    for (const h of hostNamesOf(r)) if (h !== computerName && !byHost.has(h)) byHost.set(h, r);
  }
  for (const r of resources) {
    const computerName = computerNameOf(r);
    if (computerName) byHost.set(computerName, r);
  }
  return (labels) => {
    const host = (labels[hostLabel] ?? '').toLowerCase().replace(/:\d+$/, '');
    const resource = byHost.get(host) ?? byHost.get(host.split('.')[0] ?? '');
    const index = Number(labels.gpu);
    if (!resource || !Number.isInteger(index) || index < 0 || index >= resource.gpuCount) return null;
    return { resourceId: resource.id, gpuIndex: index };
  };
}

/** A running GPU machine none of whose GPUs matched a DCGM series, and why. */
export interface UnmatchedMachine {
  resource: GpuResource;
  reason: string;
}

/**
 * Running GPU machines of the inventory that no sample was matched to: their GPUs are "not measured"
 * (unknown), and the reason names the host names that were looked for under `hostLabel`.
 */
export function unmatchedMachines(resources: readonly GpuResource[], matchedIds: ReadonlySet<string>, hostLabel: string): UnmatchedMachine[] {
  return resources
    .filter((r) => r.powerState === 'running' && !matchedIds.has(r.id))
    .map((r) => {
      const names = hostNamesOf(r);
      return { resource: r, reason: `no DCGM series with ${hostLabel} = ${names.join(' or ')}` };
    });
}

/** A JSON number as an exact decimal string (the digits JSON carried, without exponent notation). */
export function numberToDecimal(n: number): string {
  if (!Number.isFinite(n)) throw new MalformedResponseError(`expected a finite amount, got ${n}`);
  return decimalText(n);
}

const COST_COLUMNS = ['Cost', 'PreTaxCost', 'CostUSD'];

/** Context of a cost query: whose rows these are. */
export interface CostScope {
  subscriptionId: string;
  subscriptionName: string | null;
}

/**
 * Cost Management query rows (daily, grouped by ResourceId and Meter) -> FOCUS rows. Amounts keep
 * the digits of the response; a charge without a resource (support, marketplace) keeps a null id.
 */
export function toFocusRows(page: CostQueryPayload, scope: CostScope): FocusCostRow[] {
  const col = (names: readonly string[]) => page.columns.findIndex((c) => names.some((n) => n.toLowerCase() === c.name.toLowerCase()));
  const costAt = col(COST_COLUMNS);
  const dateAt = col(['UsageDate']);
  const currencyAt = col(['Currency', 'BillingCurrency']);
  const resourceAt = col(['ResourceId']);
  const meterAt = col(['Meter']);
  const locationAt = col(['ResourceLocation']);
  if (costAt < 0) throw new MalformedResponseError('Cost Management query: no Cost/PreTaxCost column in columns[]');
  if (dateAt < 0) throw new MalformedResponseError('Cost Management query: no UsageDate column in columns[]');
  if (currencyAt < 0) throw new MalformedResponseError('Cost Management query: no Currency column in columns[]');
  return page.rows.map((row, i) => {
    const amount = row[costAt];
    const cost = typeof amount === 'number' ? numberToDecimal(amount) : typeof amount === 'string' && /^-?\d+(\.\d+)?$/.test(amount) ? amount : null;
    if (cost === null) throw new MalformedResponseError(`Cost Management query: rows[${i}][${costAt}] is not an amount`);
    const day = parseUsageDate(row[dateAt]);
    if (!day) throw new MalformedResponseError(`Cost Management query: rows[${i}][${dateAt}] (UsageDate) is not a date`);
    const currency = row[currencyAt];
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      throw new MalformedResponseError(`Cost Management query: rows[${i}][${currencyAt}] (Currency) is not a currency code`);
    }
    const resourceId = resourceAt >= 0 && typeof row[resourceAt] === 'string' && row[resourceAt] !== '' ? (row[resourceAt] as string) : null;
    const meter = meterAt >= 0 && typeof row[meterAt] === 'string' ? (row[meterAt] as string) : null;
    const location = locationAt >= 0 && typeof row[locationAt] === 'string' ? normaliseRegion(row[locationAt] as string) : null;
    const namespace = resourceId ? /\/providers\/([^/]+\/[^/]+)/i.exec(resourceId)?.[1] ?? null : null;
    return {
      BillingAccountId: scope.subscriptionId,
      BillingAccountName: scope.subscriptionName,
      SubAccountId: scope.subscriptionId,
      SubAccountName: scope.subscriptionName,
      BillingCurrency: currency,
      ...costColumns(cost),
      ...periodColumns(day.getTime(), day.getTime() + 86_400_000),
      ChargeCategory: categoryOfAmount(cost),
      ChargeClass: null,
      ChargeDescription: meter,
      ProviderName: 'Microsoft',
      PublisherName: 'Microsoft',
      InvoiceIssuerName: 'Microsoft',
      ServiceName: namespace ? serviceNameOf(namespace) : null,
      ServiceCategory: namespace?.toLowerCase().startsWith('microsoft.compute/') ? 'Compute' : null,
      ...regionColumns(location),
      AvailabilityZone: null,
      ResourceId: resourceId,
      ResourceName: resourceId ? (resourceId.split('/').pop() ?? null) : null,
      ResourceType: namespace,
      SkuId: null,
      PricingQuantity: null,
      PricingUnit: null,
      ConsumedQuantity: null,
      ConsumedUnit: null,
      Tags: {},
    };
  });
}

function serviceNameOf(namespace: string): string {
  const n = namespace.toLowerCase();
  if (n === 'microsoft.compute/virtualmachines' || n === 'microsoft.compute/virtualmachinescalesets') return 'Virtual Machines';
  if (n.startsWith('microsoft.compute/')) return 'Compute';
  return namespace;
}

/** UsageDate is a number yyyymmdd in the query API, or an ISO date string in some api-versions. */
export function parseUsageDate(v: unknown): Date | null {
  if (typeof v === 'number' && Number.isInteger(v)) {
    const y = Math.floor(v / 10_000);
    const m = Math.floor((v % 10_000) / 100);
    const d = v % 100;
    if (y < 2000 || m < 1 || m > 12 || d < 1 || d > 31) return null;
    return new Date(Date.UTC(y, m - 1, d));
  }
  if (typeof v === 'string') {
    const t = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(v);
    if (!t) return null;
    return new Date(Date.UTC(Number(t[1]), Number(t[2]) - 1, Number(t[3])));
  }
  return null;
}

/** Resource Health statuses of GPU machines that are not available -> incidents (plus recent recoveries). */
export function resourceHealthIncidents(
  account: string,
  statuses: readonly AvailabilityStatusPayload[],
  resources: readonly GpuResource[],
  now: Date,
): Incident[] {
  const byId = new Map(resources.map((r) => [r.id.toLowerCase(), r]));
  const out: Incident[] = [];
  for (const s of statuses) {
    const resource = byId.get(resourceIdOfStatus(s.id).toLowerCase());
    if (!resource) continue;
    const p = s.properties ?? {};
    const state = p.availabilityState?.toLowerCase();
    const base = {
      account,
      cloud: 'azure' as const,
      source: 'resource-health' as const,
      regions: [resource.region],
      services: ['Virtual Machines'],
      resourceIds: [resource.id],
      url: null,
      updates: [],
      demo: false,
    };
    if (state === 'unavailable' || state === 'degraded') {
      // A VM the customer stopped is "unavailable" to Resource Health but is no outage.
      if (resource.powerState === 'stopped' && p.reasonType?.toLowerCase() !== 'unplanned') continue;
      const started = iso(p.occuredTime) ?? now.toISOString();
      out.push({
        ...base,
        id: `resource-health:${resource.id.toLowerCase()}:${started}`,
        severity: state === 'unavailable' ? 'major' : 'minor',
        title: `${resource.name}: ${p.title ?? p.availabilityState ?? 'Unavailable'}`,
        summary: p.summary ?? p.detailedStatus ?? '',
        status: p.availabilityState ?? 'Unavailable',
        startedAt: started,
        endedAt: null,
        updatedAt: iso(p.reportedTime) ?? started,
      });
    }
    const rr = p.recentlyResolved;
    const rrStart = iso(rr?.unavailableOccuredTime);
    const rrEnd = iso(rr?.resolvedTime);
    if (rrStart && rrEnd) {
      out.push({
        ...base,
        id: `resource-health:${resource.id.toLowerCase()}:${rrStart}`,
        severity: 'major',
        title: `${resource.name}: unavailable (resolved)`,
        summary: rr?.unavailableSummary ?? '',
        status: 'Resolved',
        startedAt: rrStart,
        endedAt: rrEnd,
        updatedAt: rrEnd,
      });
    }
  }
  return out;
}

// Service Health names the compute services this way; only these take GPUs down with them.
const GPU_SERVICES = new Set(['virtual machines', 'virtual machine scale sets', 'azure kubernetes service (aks)']);

/**
 * Service Health events -> incidents, kept when they touch a region the fleet uses, each linked to
 * the GPU machines of the impacted regions when the impacted service runs them.
 */
export function serviceHealthIncidents(
  account: string,
  events: readonly ServiceHealthEventPayload[],
  resources: readonly GpuResource[],
  now: Date,
): Incident[] {
  const fleetRegions = new Set(resources.map((r) => r.region));
  const out: Incident[] = [];
  for (const e of events) {
    const regions = new Set<string>();
    const services = new Set<string>();
    const affected = new Set<string>();
    for (const imp of e.impact ?? []) {
      const service = imp.impactedService ?? '';
      if (service) services.add(service);
      for (const r of imp.impactedRegions ?? []) {
        if (!r.impactedRegion) continue;
        const region = normaliseRegion(r.impactedRegion);
        regions.add(region);
        if (GPU_SERVICES.has(service.toLowerCase())) {
          for (const res of resources) if (res.region === region) affected.add(res.id);
        }
      }
    }
    const global = regions.size === 0 || regions.has('global');
    if (!global && ![...regions].some((r) => fleetRegions.has(r))) continue;
    const type = e.eventType?.toLowerCase() ?? '';
    const resolved = (e.status ?? '').toLowerCase() === 'resolved';
    const maintenance = type === 'plannedmaintenance';
    // Planned maintenance: impactStartTime/impactMitigationTime are the window, announced days ahead,
    // so the incident starts at the window (maybe in the future), never at the post date.
    const started = iso(e.impactStartTime) ?? iso(e.lastUpdateTime) ?? now.toISOString();
    const windowEnd = maintenance ? iso(e.impactMitigationTime) : null;
    out.push({
      id: `service-health:${e.name}`,
      account,
      cloud: 'azure',
      source: maintenance ? 'maintenance' : 'service-health',
      severity: severityOf(type, e.level),
      title: e.title ?? e.name,
      summary: e.summary ?? '',
      status: e.status ?? 'Active',
      regions: [...regions].sort(),
      services: [...services].sort(),
      resourceIds: [...affected].sort(),
      startedAt: started,
      endedAt: resolved ? (iso(e.impactMitigationTime) ?? iso(e.lastUpdateTime) ?? now.toISOString()) : windowEnd,
      updatedAt: iso(e.lastUpdateTime) ?? started,
      url: `https://app.azure.com/h/${encodeURIComponent(e.name)}`,
      updates: [],
      demo: false,
    });
  }
  return out;
}

function severityOf(type: string, level: string | undefined): IncidentSeverity {
  if (type === 'plannedmaintenance') return 'maintenance';
  if (type === 'serviceissue') return level?.toLowerCase() === 'critical' ? 'critical' : 'major';
  return 'info';
}

/** Azure Monitor metrics response (`Metrics_List` and `Metrics_ListAtSubscriptionScope` share it). */
export const MonitorMetricsPayload = z.looseObject({
  value: z.array(
    z.looseObject({
      name: z.looseObject({ value: z.string() }),
      errorCode: z.string().optional(),
      timeseries: z
        .array(
          z.looseObject({
            metadatavalues: z.array(z.looseObject({ name: z.looseObject({ value: z.string() }), value: z.string() })).optional(),
            data: z.array(z.looseObject({ timeStamp: z.string(), average: z.number().nullable().optional() })).optional(),
          }),
        )
        .optional(),
    }),
  ),
});
export type MonitorMetricsPayload = z.infer<typeof MonitorMetricsPayload>;

/** The platform metric names the inventory asks for, in one call per batch of VMs. */
export const VM_PLATFORM_METRICS = ['VmAvailabilityMetric', 'Percentage CPU'] as const;

/** What the platform metrics say about one VM: only measured points, oldest first. */
export interface VmPlatformFacts {
  availability: number[];
  cpuPercent: number[];
}

/**
 * Indexes a subscription-scope metrics answer by lower-case resource id (the series' `Microsoft.ResourceId`
 * dimension). A minute without `average` was not measured and is left out, never read as 0.
 */
export function indexVmPlatformMetrics(payload: MonitorMetricsPayload): Map<string, VmPlatformFacts> {
  const index = new Map<string, VmPlatformFacts>();
  for (const metric of payload.value) {
    const field = metric.name.value === 'VmAvailabilityMetric' ? 'availability' : metric.name.value === 'Percentage CPU' ? 'cpuPercent' : null;
    if (!field) continue;
    for (const series of metric.timeseries ?? []) {
      const id = series.metadatavalues?.find((m) => m.name.value.toLowerCase() === 'microsoft.resourceid')?.value;
      if (!id) continue;
      const key = id.toLowerCase();
      let facts = index.get(key);
      if (!facts) {
        facts = { availability: [], cpuPercent: [] };
        index.set(key, facts);
      }
      const points = [...(series.data ?? [])].sort((a, b) => Date.parse(a.timeStamp) - Date.parse(b.timeStamp));
      for (const p of points) if (typeof p.average === 'number' && Number.isFinite(p.average)) facts[field].push(p.average);
    }
  }
  return index;
}

/**
 * A running VM whose every measured VmAvailabilityMetric point in the window is 0 is unavailable, so its
 * GPUs show unhealthy. No point at all is "not measured" and leaves the health as Resource Health said.
 */
export function withPlatformHealth(resource: GpuResource, facts: VmPlatformFacts | undefined, windowMinutes: number): GpuResource {
  if (resource.powerState !== 'running' || !facts || facts.availability.length === 0) return resource;
  if (facts.availability.some((v) => v > 0)) return resource;
  const cpu = facts.cpuPercent.length > 0 ? `, CPU ${(facts.cpuPercent.reduce((a, b) => a + b, 0) / facts.cpuPercent.length).toFixed(1)} %` : '';
  const platform = `VmAvailabilityMetric 0 in every measured minute of the last ${windowMinutes} min (${facts.availability.length} points${cpu})`;
  return {
    ...resource,
    health: 'unavailable',
    healthReason: resource.healthReason && resource.health !== 'ok' ? `${resource.healthReason}; ${platform}` : platform,
  };
}

/** The `$filter` of a subscription-scope metrics call over these resource ids. */
export function resourceIdFilter(resourceIds: readonly string[]): string {
  return resourceIds.map((id) => `Microsoft.ResourceId eq '${id.replace(/'/g, "''")}'`).join(' or ');
}

/** Status feed items -> incidents; the feed names no resources, so regions are matched in the text. */
export function statusFeedIncidents(account: string, items: readonly RssItem[], resources: readonly GpuResource[], now: Date): Incident[] {
  const fleetRegions = [...new Set(resources.map((r) => r.region))];
  return items.map((item) => {
    const text = normaliseRegion(`${item.title} ${item.description}`);
    const regions = fleetRegions.filter((r) => text.includes(r)).sort();
    const at = iso(item.pubDate) ?? now.toISOString();
    return {
      id: `status-page:azure:${item.guid ?? item.link ?? item.title}`,
      account,
      cloud: 'azure',
      source: 'status-page',
      severity: 'major',
      title: item.title || '(untitled)',
      summary: item.description.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(),
      status: 'Active',
      regions,
      services: [],
      resourceIds: [],
      startedAt: at,
      endedAt: null,
      updatedAt: at,
      url: item.link,
      updates: [],
      demo: false,
    };
  });
}
