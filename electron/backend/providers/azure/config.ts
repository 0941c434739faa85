/**
 * Config of an Azure account entry: `{ "name", "provider": "azure", ...fields below }`.
 * Every field is documented in README.md beside this file. Secrets never sit inline: a bearer token
 * comes from a file or an environment variable, or the ambient DefaultAzureCredential chain is used.
 */
import { z } from 'zod';
import { AccountConfigBase } from '../../../../shared/config';
import { parseAccountEntry } from '../common/config-issues';
import { EnvVariableName, SecretFilePath } from '../common/secret-ref';
import { metricsStorageField, rangeQueryLimitFields } from '../common/metrics-storage';

/** The national clouds ARM knows by name; `custom` takes an explicit endpoint. */
export const AzureCloudName = z.enum(['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment']);
export type AzureCloudName = z.infer<typeof AzureCloudName>;

const HttpsUrl = z
  .string()
  .url()
  .refine((u) => u.startsWith('https://'), 'must be an https:// URL (bearer tokens never travel over http)');

const Credential = z.discriminatedUnion('type', [
  /** Azure CLI login, environment variables, workload or managed identity, in that chain. */
  z.object({ type: z.literal('default'), tenantId: z.string().optional() }).strict(),
  /** A bearer token for ARM kept in a file (re-read on every token request, so rotation works). */
  z.object({ type: z.literal('tokenFile'), path: SecretFilePath }).strict(),
  /** A bearer token for ARM in an environment variable. */
  z.object({ type: z.literal('tokenEnv'), variable: EnvVariableName }).strict(),
]);

const PrometheusSource = z
  .object({
    /** Azure Monitor workspace query endpoint, e.g. https://ws-1234.eastus.prometheus.monitor.azure.com */
    queryEndpoint: HttpsUrl,
    /** Token audience of the endpoint; defaults to the cloud's managed Prometheus audience. */
    audience: z.string().url().optional(),
    /**
     * Series label that carries the machine's OS host name (dcgm-exporter sets `Hostname`; some setups
     * relabel it, e.g. `instance` or `node`). Matched to `osProfile.computerName` first, then the VM name.
     */
    hostLabel: z.string().min(1).default('Hostname'),
    /** Extra PromQL label matchers applied to every DCGM selector, e.g. `cluster="gpu-prod"`. */
    selector: z.string().default(''),
    /** Credential for the workspace when it differs from the ARM one (a token's audience is fixed). */
    credential: Credential.optional(),
    /** "rollups": keep 5-minute rollups only; the machine page asks the workspace for raw minutes. */
    storage: metricsStorageField,
    ...rangeQueryLimitFields,
  })
  .strict();

const Retry = z
  .object({
    maxRetries: z.number().int().min(0).max(10).default(3),
    retryDelayMs: z.number().int().min(0).default(1000),
    maxRetryDelayMs: z.number().int().min(0).default(30_000),
    /** A Retry-After longer than this is not waited out in-process: the sync is rescheduled instead. */
    maxInlineWaitMs: z.number().int().min(0).default(60_000),
  })
  .strict();

/** The Azure provider's own fields, on top of the fields every account shares. */
export const AzureAccountConfig = AccountConfigBase.extend({
  provider: z.literal('azure'),
  /** Subscriptions to read; omit (or set `discover`) to read every subscription the credential sees. */
  subscriptionIds: z.array(z.uuid()).min(1).optional(),
  /** Read every subscription visible to the credential (the default when subscriptionIds is absent). */
  discover: z.boolean().default(false),
  /** Subscriptions to skip, with discovery. */
  excludeSubscriptionIds: z.array(z.uuid()).default([]),
  cloud: z.union([AzureCloudName, z.literal('custom')]).default('AzureCloud'),
  /** ARM endpoint for `cloud: "custom"` (Azure Stack Hub, private link, test emulator). */
  armEndpoint: HttpsUrl.optional(),
  /** Token audience for the custom endpoint; defaults to `${armEndpoint}/.default`. */
  armAudience: z.string().optional(),
  /** Microsoft Entra authority for the custom endpoint (DefaultAzureCredential only). */
  authorityHost: HttpsUrl.optional(),
  /** PEM file of extra CA certificates to trust (private endpoints behind a corporate CA). */
  tlsCaFile: z.string().min(1).optional(),
  credential: Credential.default({ type: 'default' }),
  /** Managed Prometheus (dcgm-exporter) for GPU metrics; without it the metrics stream is empty. */
  prometheus: PrometheusSource.optional(),
  /** Where spend comes from: the Cost Management query API, or FOCUS export files. */
  costSource: z.enum(['query', 'export']).default('query'),
  /** Folder of FOCUS export CSV files (costSource "export"), as Cost Management writes them. */
  costExportDirectory: z.string().min(1).optional(),
  /** Minimum minutes between two Cost Management queries of one subscription (tenant quota). */
  costQueryMinIntervalMinutes: z.number().int().min(0).default(20),
  /** Below this many remaining ARM reads, requests are paced until the bucket refills. */
  minRemainingReads: z.number().int().min(0).default(50),
  /** Public Azure status RSS feed, read when Service Health is not readable. */
  statusFeedUrl: HttpsUrl.optional(),
  /** VM platform metrics (VmAvailabilityMetric, Percentage CPU) read with the inventory to tell health. */
  platformMetrics: z
    .object({
      enabled: z.boolean().default(true),
      /** VMs per Azure Monitor call (one `$filter` over their resource ids, same region). */
      batchSize: z.number().int().min(1).max(50).default(20),
      /** How far back the availability points are read; every measured point at 0 means unavailable. */
      windowMinutes: z.number().int().min(1).max(60).default(10),
    })
    .strict()
    .default({ enabled: true, batchSize: 20, windowMinutes: 10 }),
  /** Per-request timeout. */
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  retry: Retry.default({ maxRetries: 3, retryDelayMs: 1000, maxRetryDelayMs: 30_000, maxInlineWaitMs: 60_000 }),
}).strict().superRefine((cfg, ctx) => {
  if (cfg.cloud === 'custom' && !cfg.armEndpoint) {
    ctx.addIssue({ code: 'custom', path: ['armEndpoint'], message: 'cloud "custom" needs an armEndpoint' });
  }
  if (cfg.cloud !== 'custom' && cfg.armEndpoint) {
    ctx.addIssue({ code: 'custom', path: ['armEndpoint'], message: 'armEndpoint needs cloud "custom"' });
  }
  if (cfg.subscriptionIds && cfg.discover) {
    ctx.addIssue({ code: 'custom', path: ['discover'], message: 'give subscriptionIds or discover, not both' });
  }
  if (cfg.costSource === 'export' && !cfg.costExportDirectory) {
    ctx.addIssue({ code: 'custom', path: ['costExportDirectory'], message: 'costSource "export" needs costExportDirectory' });
  }
});
export type AzureAccountConfig = z.infer<typeof AzureAccountConfig>;

/** Endpoints and token audiences of one cloud. */
export interface AzureCloudSettings {
  armEndpoint: string;
  armScope: string;
  authorityHost: string | undefined;
  prometheusScope: string;
  statusFeedUrl: string | null;
}

const CLOUDS: Record<AzureCloudName, AzureCloudSettings> = {
  AzureCloud: {
    armEndpoint: 'https://management.azure.com',
    armScope: 'https://management.azure.com/.default',
    authorityHost: 'https://login.microsoftonline.com',
    prometheusScope: 'https://prometheus.monitor.azure.com/.default',
    statusFeedUrl: 'https://azure.status.microsoft/en-us/status/feed/',
  },
  AzureChinaCloud: {
    armEndpoint: 'https://management.chinacloudapi.cn',
    armScope: 'https://management.chinacloudapi.cn/.default',
    authorityHost: 'https://login.chinacloudapi.cn',
    prometheusScope: 'https://prometheus.monitor.azure.cn/.default',
    statusFeedUrl: null,
  },
  AzureUSGovernment: {
    armEndpoint: 'https://management.usgovcloudapi.net',
    armScope: 'https://management.usgovcloudapi.net/.default',
    authorityHost: 'https://login.microsoftonline.us',
    prometheusScope: 'https://prometheus.monitor.azure.us/.default',
    statusFeedUrl: null,
  },
};

/** Resolves the endpoints for a validated config. */
export function cloudSettings(cfg: AzureAccountConfig): AzureCloudSettings {
  const base =
    cfg.cloud === 'custom'
      ? {
          armEndpoint: (cfg.armEndpoint ?? '').replace(/\/+$/, ''),
          armScope: cfg.armAudience ?? `${(cfg.armEndpoint ?? '').replace(/\/+$/, '')}/.default`,
          authorityHost: cfg.authorityHost,
          prometheusScope: CLOUDS.AzureCloud.prometheusScope,
          statusFeedUrl: null,
        }
      : CLOUDS[cfg.cloud];
  return {
    ...base,
    prometheusScope: cfg.prometheus?.audience ? toScope(cfg.prometheus.audience) : base.prometheusScope,
    statusFeedUrl: cfg.statusFeedUrl ?? base.statusFeedUrl,
  };
}

function toScope(audience: string): string {
  return audience.endsWith('/.default') ? audience : `${audience.replace(/\/+$/, '')}/.default`;
}

/** Validates an account entry, throwing ConfigError that names each bad field. */
export function parseAzureConfig(raw: AccountConfigBase): AzureAccountConfig {
  return parseAccountEntry(AzureAccountConfig, raw, 'azure');
}
