/**
 * Domain model shared by the backend, the renderer and the CLI.
 *
 * Every type is a zod schema first, so the same definition validates provider output, IPC messages,
 * HTTP responses and config files. Money is always an exact decimal string, never a JS number.
 */
import { z } from 'zod';

/** Where the GPUs physically run, as the SRE names it on the pane. */
export const CloudId = z.enum(['azure', 'gcp', 'oci', 'coreweave', 'aws', 'other']);
export type CloudId = z.infer<typeof CloudId>;

/** Human labels for clouds, in the order the pane lists them. */
export const CLOUD_LABELS: Readonly<Record<CloudId, string>> = {
  azure: 'Microsoft Azure',
  gcp: 'Google Cloud',
  oci: 'Oracle Cloud',
  coreweave: 'CoreWeave',
  aws: 'AWS',
  other: 'Other',
};

/**
 * The connector that reads an account (one folder under electron/backend/providers), as the config's
 * `provider` names it. Only its form is checked here: which providers exist is the backend registry's
 * answer (`accounts:providers`), so adding a provider does not edit shared/.
 */
export const ProviderId = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a provider id is lower-case letters, digits and dashes');
export type ProviderId = z.infer<typeof ProviderId>;

/**
 * The tag naming the machine behind a resource in provider-neutral words (`aws:ec2:i-0abc...`): two
 * accounts that see one machine (an EKS node and its EC2 instance) give it the same value, and the
 * pane counts its GPUs once. Set by the connectors that can tell; absent elsewhere.
 */
export const MACHINE_KEY_TAG = 'fleetpane:machine';

/** The four data streams every connector offers. */
export const StreamId = z.enum(['inventory', 'metrics', 'costs', 'incidents']);
export type StreamId = z.infer<typeof StreamId>;
export const STREAMS: readonly StreamId[] = StreamId.options;

/** An exact decimal amount as text, e.g. "1234.5600". Never parsed into a float for sums. */
export const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'expected a decimal number as text');
export type Decimal = z.infer<typeof Decimal>;

/** ISO 8601 timestamp in UTC with a zone designator. */
export const IsoTime = z.iso.datetime({ offset: true });
export type IsoTime = z.infer<typeof IsoTime>;

/** ISO 4217 currency code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 currency code');

/** Power state of the machine that holds the GPUs. */
export const PowerState = z.enum(['running', 'starting', 'stopping', 'stopped', 'unknown']);
export type PowerState = z.infer<typeof PowerState>;

/** What the provider or the node says about the machine's health. */
export const HealthState = z.enum(['ok', 'degraded', 'unavailable', 'unknown']);
export type HealthState = z.infer<typeof HealthState>;

/** The one state a GPU is in (glossary: first match wins in this order). */
export const GpuState = z.enum(['stopped', 'unhealthy', 'unknown', 'busy', 'idle']);
export type GpuState = z.infer<typeof GpuState>;
export const GPU_STATES: readonly GpuState[] = GpuState.options;

/** Utilisation below this percentage (30-minute mean) makes a running GPU idle. */
export const IDLE_THRESHOLD_PERCENT = 5;
/** Window over which a GPU's state is judged. */
export const STATE_WINDOW_MS = 30 * 60_000;

/**
 * Something the connector could not tell about a machine, so the pane counts it instead of showing a
 * silent zero: `metrics` (its GPUs cannot be measured), `price` (no hourly price), `placement` (its
 * region, cloud or physical GPU count could not be told). The reason is in the SRE's words.
 */
export const CoverageGap = z.object({
  kind: z.enum(['metrics', 'price', 'placement']),
  reason: z.string().min(1),
});
export type CoverageGap = z.infer<typeof CoverageGap>;

/**
 * A machine (VM, bare-metal host, Kubernetes node, TPU VM) that holds one or more GPUs.
 * `id` is the provider's resource id and is unique within its account.
 */
export const GpuResource = z.object({
  id: z.string().min(1),
  account: z.string().min(1),
  cloud: CloudId,
  region: z.string().min(1),
  zone: z.string().nullable(),
  name: z.string().min(1),
  kind: z.enum(['vm', 'bare-metal', 'node', 'tpu-vm']),
  instanceType: z.string().min(1),
  gpuModel: z.string().min(1),
  gpuCount: z.number().int().positive(),
  gpuMemoryGiB: z.number().positive().nullable(),
  powerState: PowerState,
  health: HealthState,
  /** Why the health is what it is, as the provider put it. */
  healthReason: z.string().nullable(),
  /** On-demand price of the whole instance per hour, from the catalog or the provider. */
  hourlyPrice: Decimal.nullable(),
  currency: Currency,
  tags: z.record(z.string(), z.string()),
  /** Known GPU identities; index i is the GPU's position on the machine. */
  gpuUuids: z.array(z.string().nullable()),
  /** True for the simulated demo fleet; shown as demo wherever it appears. */
  demo: z.boolean(),
  /** What the connector could not tell about this machine (absent or empty: nothing missing). */
  coverageGaps: z.array(CoverageGap).optional(),
  /**
   * Where a machine outside every known cloud (`cloud: 'other'`) runs, as the account's config names
   * it ("Frankfurt lab"); the pane shows it under this name, else under its account's name.
   */
  site: z.string().min(1).optional(),
});
export type GpuResource = z.infer<typeof GpuResource>;

/** Where a utilisation number came from (glossary: first available wins). */
export const UtilSource = z.enum(['prof', 'dev', 'provider']);
export type UtilSource = z.infer<typeof UtilSource>;

/**
 * One measurement of one GPU at one minute. Series of the same GPU (same UUID) are mapped to the
 * same resource and index by the connector, so a pod that moves does not split the GPU.
 */
export const GpuSample = z.object({
  resourceId: z.string().min(1),
  gpuIndex: z.number().int().nonnegative(),
  /** Epoch milliseconds, UTC. */
  ts: z.number().int(),
  /** 0-100, or null when the GPU reported but utilisation was not measured. */
  utilisation: z.number().min(0).max(100).nullable(),
  utilSource: UtilSource.nullable(),
  memoryUsedMiB: z.number().nonnegative().nullable(),
  powerWatts: z.number().nonnegative().nullable(),
  temperatureC: z.number().nullable(),
  /** XID errors reported in this sample's minute. */
  xidErrors: z.number().int().nonnegative(),
  /**
   * The provider's own per-GPU fault signal for this minute (OCI `gpu_infrastructure_health`
   * `Fault`): true makes the GPU unhealthy like an XID error; absent when the provider does not report one.
   */
  fault: z.boolean().optional(),
});
export type GpuSample = z.infer<typeof GpuSample>;

/**
 * A FOCUS cost row, with the FOCUS column names. Amounts are exact decimals; timestamps ISO UTC.
 * Only the columns Fleetpane uses are typed; the rest of a FOCUS file is kept by the importer.
 */
export const FocusCostRow = z.object({
  BillingAccountId: z.string(),
  BillingAccountName: z.string().nullable(),
  SubAccountId: z.string().nullable(),
  SubAccountName: z.string().nullable(),
  BillingCurrency: Currency,
  BilledCost: Decimal,
  EffectiveCost: Decimal,
  ListCost: Decimal.nullable(),
  BillingPeriodStart: IsoTime,
  BillingPeriodEnd: IsoTime,
  ChargePeriodStart: IsoTime,
  ChargePeriodEnd: IsoTime,
  ChargeCategory: z.string(),
  ChargeClass: z.string().nullable(),
  ChargeDescription: z.string().nullable(),
  ProviderName: z.string(),
  PublisherName: z.string().nullable(),
  InvoiceIssuerName: z.string().nullable(),
  ServiceName: z.string().nullable(),
  ServiceCategory: z.string().nullable(),
  RegionId: z.string().nullable(),
  RegionName: z.string().nullable(),
  AvailabilityZone: z.string().nullable(),
  ResourceId: z.string().nullable(),
  ResourceName: z.string().nullable(),
  ResourceType: z.string().nullable(),
  SkuId: z.string().nullable(),
  PricingQuantity: Decimal.nullable(),
  PricingUnit: z.string().nullable(),
  ConsumedQuantity: Decimal.nullable(),
  ConsumedUnit: z.string().nullable(),
  Tags: z.record(z.string(), z.string()),
});
export type FocusCostRow = z.infer<typeof FocusCostRow>;

export const IncidentSource = z.enum([
  'status-page',
  'service-health',
  'resource-health',
  'maintenance',
  'derived',
]);
export type IncidentSource = z.infer<typeof IncidentSource>;

export const IncidentSeverity = z.enum(['critical', 'major', 'minor', 'maintenance', 'info']);
export type IncidentSeverity = z.infer<typeof IncidentSeverity>;

export const IncidentUpdate = z.object({
  at: IsoTime,
  status: z.string(),
  body: z.string(),
});
export type IncidentUpdate = z.infer<typeof IncidentUpdate>;

/** A provider status incident, a resource health event, maintenance, or a derived signal. */
export const Incident = z.object({
  /** Stable id: the source's own id, prefixed by the source. */
  id: z.string().min(1),
  account: z.string().min(1),
  cloud: CloudId,
  source: IncidentSource,
  severity: IncidentSeverity,
  title: z.string().min(1),
  summary: z.string(),
  status: z.string(),
  regions: z.array(z.string()),
  services: z.array(z.string()),
  /** GpuResource ids this incident names directly (resource health, derived signals). */
  resourceIds: z.array(z.string()),
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
  updatedAt: IsoTime,
  url: z.string().nullable(),
  updates: z.array(IncidentUpdate),
  demo: z.boolean(),
});
export type Incident = z.infer<typeof Incident>;

/** What kind of failure stopped a sync; connectors throw these, the sync engine records them. */
export const SyncErrorKind = z.enum(['auth', 'throttled', 'unavailable', 'malformed', 'config', 'internal']);
export type SyncErrorKind = z.infer<typeof SyncErrorKind>;

export const SyncError = z.object({
  kind: SyncErrorKind,
  message: z.string(),
  retryAfterMs: z.number().int().nonnegative().nullable(),
});
export type SyncError = z.infer<typeof SyncError>;

/** One attempt to sync one stream of one account. */
export const SyncRun = z.object({
  id: z.string(),
  account: z.string(),
  stream: StreamId,
  startedAt: IsoTime,
  finishedAt: IsoTime.nullable(),
  status: z.enum(['running', 'ok', 'error']),
  rows: z.number().int().nonnegative(),
  attempt: z.number().int().positive(),
  error: SyncError.nullable(),
});
export type SyncRun = z.infer<typeof SyncRun>;

/** When each stream of each account last synced successfully, and whether that is stale. */
export const StreamFreshness = z.object({
  lastSuccessAt: IsoTime.nullable(),
  intervalMs: z.number().int().positive(),
  /** Older than twice the interval, or never synced. */
  stale: z.boolean(),
  lastError: SyncError.nullable(),
});
export type StreamFreshness = z.infer<typeof StreamFreshness>;

export const AccountFreshness = z.object({
  account: z.string(),
  provider: ProviderId,
  streams: z.object({
    inventory: StreamFreshness,
    metrics: StreamFreshness,
    costs: StreamFreshness,
    incidents: StreamFreshness,
  }),
});
export type AccountFreshness = z.infer<typeof AccountFreshness>;

/** An account as the app shows it (secrets never included). */
export const AccountSummary = z.object({
  name: z.string(),
  provider: ProviderId,
  enabled: z.boolean(),
  demo: z.boolean(),
  clouds: z.array(CloudId),
  freshness: AccountFreshness,
});
export type AccountSummary = z.infer<typeof AccountSummary>;
