/**
 * Config of an Oracle Cloud account: `{ "name": "...", "provider": "oci", ... }` in the config file.
 * Every field is documented in README.md beside this file. Secrets never sit inline: the API key is a
 * file (named by the ~/.oci/config profile or given explicitly) and its passphrase comes from an
 * environment variable or a file.
 */
import { z } from 'zod';
import { AccountConfigBase } from '../../../../shared/config';
import { parseAccountEntry } from '../common/config-issues';
import { secretRef } from '../common/secret-ref';
import { rawOnlyStorageField } from '../common/metrics-storage';

const Ocid = (kind: string) => z.string().regex(new RegExp(`^ocid1\\.${kind}\\.[a-z0-9-]*\\.[a-z0-9-]*\\.[A-Za-z0-9._-]+$`), `expected an OCI ${kind} OCID`);
export const TenancyOcid = Ocid('tenancy');
export const CompartmentOcid = z.string().regex(/^ocid1\.(compartment|tenancy)\.[a-z0-9-]*\.[a-z0-9-]*\.[A-Za-z0-9._-]+$/, 'expected a compartment (or tenancy) OCID');
const RegionId = z.string().regex(/^[a-z]{2,}-[a-z]+-\d+$/, 'expected an OCI region identifier such as "us-ashburn-1"');

/** Where the key's passphrase comes from: never the config itself. */
const Passphrase = secretRef({ what: 'passphrase' });
export type OciPassphrase = z.infer<typeof Passphrase>;

/** How requests are signed. */
export const OciCredential = z.discriminatedUnion('type', [
  /** A profile of an OCI CLI config file: user, fingerprint, tenancy, key_file (and region). */
  z
    .object({
      type: z.literal('configFile'),
      /** Defaults to ~/.oci/config (or OCI_CONFIG_FILE). */
      path: z.string().min(1).optional(),
      profile: z.string().min(1).default('DEFAULT'),
      passphrase: Passphrase.optional(),
    })
    .strict(),
  /** Instance principals: the host running Fleetpane is an OCI instance in a dynamic group. */
  z.object({ type: z.literal('instancePrincipal') }).strict(),
  /** An explicit API signing key (headless hosts without an OCI config file). */
  z
    .object({
      type: z.literal('apiKey'),
      user: Ocid('user'),
      fingerprint: z.string().regex(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/, 'expected the key fingerprint, 16 hex pairs separated by colons'),
      keyFile: z.string().min(1),
      passphrase: Passphrase.optional(),
    })
    .strict(),
]);
export type OciCredential = z.infer<typeof OciCredential>;

/** Endpoint overrides, as URL templates with `{region}` (private endpoints, sovereign realms, emulators). */
const EndpointTemplate = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL template')
  .transform((s) => s.replace(/\/+$/, ''));

const Backoff = z
  .object({
    /** Attempts per call while OCI answers 429, before the sync gives up with "throttled". */
    attempts: z.number().int().min(1).max(10).default(4),
    /** First wait; doubled per retry with jitter, capped at 60 s. OCI sends no Retry-After on most 429s. */
    initialDelayMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();

/** GPU metrics of the Oracle Cloud Agent's GPU monitoring plugin (namespace gpu_infrastructure_health). */
export const OciGpuMetric = z.enum(['GpuUtilization', 'GpuMemoryUtilization', 'GpuPowerDraw', 'GpuTemperature', 'Fault']);
export type OciGpuMetric = z.infer<typeof OciGpuMetric>;

export const OciAccountConfig = AccountConfigBase.extend({
  provider: z.literal('oci'),
  credential: OciCredential.default({ type: 'configFile', profile: 'DEFAULT' }),
  /** Tenancy OCID; taken from the profile when absent. Required with instance principals. */
  tenancyId: TenancyOcid.optional(),
  /** Home region (Identity, Usage API, Announcements); found among the region subscriptions when absent. */
  homeRegion: RegionId.optional(),
  /** Regions to read; every READY subscribed region when absent. */
  regions: z.array(RegionId).min(1).optional(),
  /** Roots of the compartment walk; the whole tenancy when absent. */
  compartmentIds: z.array(CompartmentOcid).min(1).optional(),
  /** Compartments (and their subtrees) to skip. */
  excludeCompartmentIds: z.array(CompartmentOcid).default([]),
  monitoring: z
    .object({
      namespace: z.string().min(1).default('gpu_infrastructure_health'),
      /** Metrics read per compartment and region; each is one SummarizeMetricsData call per slice. */
      metrics: z.array(OciGpuMetric).min(1).default(['GpuUtilization', 'GpuMemoryUtilization']),
      /** Also read the plugin's per-GPU `Fault` (0/1): a faulted GPU is unhealthy. One more call per slice. */
      faults: z.boolean().default(true),
      /** SummarizeMetricsData limits (points and streams per call). */
      maxPointsPerCall: z.number().int().min(60).max(100_000).default(100_000),
      maxStreamsPerCall: z.number().int().min(1).max(2000).default(2000),
      storage: rawOnlyStorageField('OCI Monitoring (no Prometheus-compatible drill-down is wired for it)'),
    })
    .strict()
    .default({ namespace: 'gpu_infrastructure_health', metrics: ['GpuUtilization', 'GpuMemoryUtilization'], faults: true, maxPointsPerCall: 100_000, maxStreamsPerCall: 2000 }),
  /** Where spend comes from: the Usage API, or FOCUS reports imported with import-focus. */
  costSource: z.enum(['usage-api', 'focus-export']).default('usage-api'),
  incidents: z
    .object({
      /** Read the tenancy's announcements (needs "read announcements"). */
      announcements: z.boolean().default(true),
      /** Read instance maintenance events per compartment and region. */
      maintenanceEvents: z.boolean().default(true),
      /** Ended announcements and maintenance kept in the feed, in days. */
      endedWithinDays: z.number().int().min(0).max(90).default(7),
      /** Most announcements whose affected resources are fetched (one GetAnnouncement each). */
      maxAnnouncementDetails: z.number().int().min(0).max(200).default(25),
    })
    .strict()
    .default({ announcements: true, maintenanceEvents: true, endedWithinDays: 7, maxAnnouncementDetails: 25 }),
  endpoints: z
    .object({
      iaas: EndpointTemplate.optional(),
      identity: EndpointTemplate.optional(),
      telemetry: EndpointTemplate.optional(),
      usage: EndpointTemplate.optional(),
      announcements: EndpointTemplate.optional(),
    })
    .strict()
    .default({}),
  /** Page size of list calls. */
  pageSize: z.number().int().min(1).max(1000).default(500),
  backoff: Backoff.default({ attempts: 4, initialDelayMs: 1000 }),
}).strict().superRefine((cfg, ctx) => {
  if (cfg.credential.type === 'instancePrincipal' && !cfg.tenancyId) {
    ctx.addIssue({ code: 'custom', path: ['tenancyId'], message: 'instance principals need tenancyId' });
  }
  if (cfg.credential.type === 'apiKey' && !cfg.tenancyId) {
    ctx.addIssue({ code: 'custom', path: ['tenancyId'], message: 'an apiKey credential needs tenancyId' });
  }
});
export type OciAccountConfig = z.infer<typeof OciAccountConfig>;

/** Validates an account entry, throwing ConfigError that names each bad field. */
export function parseOciConfig(raw: AccountConfigBase): OciAccountConfig {
  return parseAccountEntry(OciAccountConfig, raw, 'oci');
}

/** The base URL of a service in a region: the override template, or null for the SDK's own. */
export function endpointFor(template: string | undefined, region: string): string | null {
  return template ? template.replaceAll('{region}', region) : null;
}
