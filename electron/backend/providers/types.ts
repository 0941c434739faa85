/**
 * The connector interface every provider implements. A connector reads one account through the
 * provider's official SDK and yields batches; it never touches the store and never swallows an
 * error: it throws a ConnectorError subclass that the sync engine records.
 */
import type { AccountConfigBase, MetricsStorage } from '../../../shared/config';
import type {
  CloudId,
  FocusCostRow,
  GpuResource,
  GpuSample,
  Incident,
  ProviderId,
  SyncErrorKind,
} from '../../../shared/domain';
import type { Discovery } from '../../../shared/contract-accounts';
import type { GpuSampleBatch } from '../domain/sample-columns';
import type { ConnectorDiagnostics, ConnectorIdentity } from '../../../shared/connector-diagnostics';

/** Passed to every stream call. */
export interface StreamContext {
  /** Aborted when the app shuts down or the account is removed. */
  signal: AbortSignal;
  /** The sync's notion of "now" (injectable for tests and the demo's determinism). */
  now: Date;
}

export interface MetricsRequest extends StreamContext {
  /** Window start, inclusive (epoch ms, minute aligned). */
  from: number;
  /** Window end, exclusive (epoch ms, minute aligned). */
  to: number;
  /** The account's current inventory, so the connector can map series to resources. */
  resources: readonly GpuResource[];
}

export interface CostsRequest extends StreamContext {
  /** Charge period start, inclusive (epoch ms, day aligned). */
  from: number;
  /** Charge period end, exclusive (epoch ms). */
  to: number;
}

/**
 * The current files of one billing period of a provider's FOCUS export, downloaded to local temp
 * files so the store's FOCUS importer reads them (the connector never touches the store).
 */
export interface FocusExportFiles {
  /** The billing period, YYYY-MM (the export's partition). */
  billingPeriod: string;
  /** Local paths of every current data file of the period (Parquet, CSV or gzipped CSV). */
  files: string[];
  /** Deletes the local files; the sync engine calls it once they are imported or refused. */
  dispose(): Promise<void>;
}

export interface IncidentsRequest extends StreamContext {
  /** The account's current inventory: regions and resources the fleet uses. */
  resources: readonly GpuResource[];
}

/** One provider account, ready to sync. */
export interface Connector {
  readonly provider: ProviderId;
  readonly account: string;
  /** Clouds this account's GPUs may appear under (a Kubernetes context can span several). */
  readonly clouds: readonly CloudId[];
  /** Every GPU machine of the account. Only a complete iteration replaces the stored snapshot. */
  inventory(ctx: StreamContext): AsyncIterable<GpuResource[]>;
  /** Per-GPU samples in [from, to), at most one per GPU series per minute (as objects, or as columns). */
  metrics(req: MetricsRequest): AsyncIterable<GpuSampleBatch>;
  /** FOCUS rows whose charge period starts in [from, to). */
  costs(req: CostsRequest): AsyncIterable<FocusCostRow[]>;
  /**
   * Optional, default true: whether this connector is the account's source of billed spend. False
   * (no billing source configured) means it does not own the account's cost rows: the sync engine
   * neither reads `costs` nor replaces any row, so FOCUS files imported by hand for the account stay.
   */
  readonly bills?: boolean;
  /**
   * Optional: the provider's FOCUS export files of every billing period that overlaps [from, to).
   * When present the sync engine imports these through the store's FOCUS importer (a restated
   * period replaces that period's rows) instead of writing `costs`.
   */
  focusExports?(req: CostsRequest): AsyncIterable<FocusExportFiles>;
  /** Current and recently ended incidents that may touch the account. */
  incidents(req: IncidentsRequest): AsyncIterable<Incident[]>;
  /** Optional: API budget left, scopes it could not read, GPUs not measured, API calls made (no secrets). */
  diagnostics?(): ConnectorDiagnostics;
  /** Optional: who the credential is, from the cheapest source the provider offers (names and ids only). */
  identity?(signal: AbortSignal): Promise<ConnectorIdentity>;
  /**
   * Optional: how the store keeps this account's samples (the source's `storage` field); absent means
   * "raw". "rollups" only where `machineSeries` can answer the machine page's minutes.
   */
  readonly metricsStorage?: MetricsStorage;
  /**
   * Optional: one machine's per-GPU samples in [from, to) asked of the metrics source itself, at its
   * minute resolution (the machine page of a rollups-only account). Throws like a stream when the
   * source cannot be reached.
   */
  machineSeries?(req: MachineSeriesRequest): Promise<MachineSeries>;
}

export interface MachineSeriesRequest {
  signal: AbortSignal;
  /** The machine, as the store's inventory holds it. */
  resource: GpuResource;
  /**
   * The account's machines as the store's inventory holds them: the source's series are placed among
   * them as a metrics read places them, so a series goes to the same machine on its page as in the
   * overview (a host name one machine reports and another is named).
   */
  machines: readonly GpuResource[];
  /** Window start, inclusive (epoch ms, minute aligned). */
  from: number;
  /** Window end, exclusive (epoch ms, minute aligned). */
  to: number;
}

/** A machine's samples from the metrics source, and the source's name as the machine page shows it. */
export interface MachineSeries {
  /** e.g. "Prometheus at prometheus.example:9090" (a host, never a credential or a path's query). */
  source: string;
  samples: GpuSample[];
}

/** Base of every error a connector throws. */
export class ConnectorError extends Error {
  constructor(
    readonly kind: SyncErrorKind,
    message: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ConnectorError';
  }
}

/** Credentials missing, expired or lacking a role; retrying will not help until the user acts. */
export class AuthError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('auth', message, null, options);
    this.name = 'AuthError';
  }
}

/** The provider asked us to slow down; retry after `retryAfterMs`. */
export class ThrottledError extends ConnectorError {
  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super('throttled', message, retryAfterMs, options);
    this.name = 'ThrottledError';
  }
}

/** The provider is down, timed out or answered 5xx; retry with backoff. */
export class UnavailableError extends ConnectorError {
  constructor(message: string, retryAfterMs: number | null = null, options?: { cause?: unknown }) {
    super('unavailable', message, retryAfterMs, options);
    this.name = 'UnavailableError';
  }
}

/** The provider answered something we cannot read; names what and where. */
export class MalformedResponseError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('malformed', message, null, options);
    this.name = 'MalformedResponseError';
  }
}

/** The account's config is wrong in a way only the provider could tell. */
export class ConfigError extends ConnectorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('config', message, null, options);
    this.name = 'ConfigError';
  }
}

/** What one connector's discovery reports (the shape is the contract's, so the screen shows it as is). */
export type { Discovery, DiscoveredAccount, DiscoveryProblem } from '../../../shared/contract-accounts';

/**
 * Where discovery looks: the user's home folder and environment, injectable so tests point them at
 * fake home folders. Discovery is read-only: it never writes a credential file.
 */
export interface DiscoveryContext {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  signal: AbortSignal;
  now: Date;
}

/** A connector's discovery of the accounts the machine's ambient credentials reach. */
export type Discover = (ctx: DiscoveryContext) => Promise<Discovery>;

/** One problem with an account's provider fields: where (dotted path) and what, never the value. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Thrown by a descriptor's parseConfig: the structured issues, so no caller parses text back. */
export class ConfigIssuesError extends ConfigError {
  constructor(
    readonly account: string,
    readonly provider: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(`account "${account}" (${provider}): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'ConfigIssuesError';
  }
}

/**
 * Everything the app knows about one provider, exported once from its folder (its provider.ts, which
 * loads no SDK). The registry is a list of these; adding a provider means adding its folder and one
 * line there.
 */
export interface ProviderDescriptor<Config extends AccountConfigBase = AccountConfigBase> {
  /** The `provider` value in the config file. */
  readonly id: string;
  /** What the accounts screen calls it. */
  readonly label: string;
  /** Clouds this provider's GPUs may appear under. */
  readonly clouds: readonly CloudId[];
  /** Validates the provider's own fields with defaults filled in; throws ConfigIssuesError. */
  parseConfig(raw: AccountConfigBase): Config;
  /**
   * Builds the connector for a validated config. Async so that a provider's SDKs load only when an
   * account of it is built: one cloud's SDK alone holds tens of MB, and most installs use a few clouds.
   */
  create(config: Config): Promise<Connector>;
  /** Finds accounts the machine's ambient credentials reach (absent where a provider needs none). */
  readonly discover?: Discover;
  /** What makes two entries the same account whatever their names (a subscription, a project, a context). */
  identityKey(entry: Readonly<Record<string, unknown>>): readonly unknown[];
  /** A starting entry for the accounts screen's editor (no secrets, placeholders in angle brackets). */
  readonly template: Readonly<Record<string, unknown>>;
}
