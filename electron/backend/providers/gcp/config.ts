/**
 * Config of a Google Cloud account: `{ "name": "...", "provider": "gcp", ... }` in the config file.
 * Secrets are never written inline: a token is read from an environment variable or a file.
 */
import { z } from 'zod';
import { AccountConfigBase } from '../../../../shared/config';
import { secretRef } from '../common/secret-ref';
import { rawOnlyStorageField } from '../common/metrics-storage';

// Project ids are 6-30 lower-case letters, digits and dashes; legacy domain-scoped ids add "example.com:".
const ProjectId = z.string().regex(/^[a-z0-9][a-z0-9.:-]{2,62}$/, 'expected a Google Cloud project id');

/** Where the credential comes from. */
export const GcpCredential = z.discriminatedUnion('type', [
  /** gcloud application-default credentials (or GOOGLE_APPLICATION_CREDENTIALS, or the metadata server). */
  z.object({ type: z.literal('adc') }).strict(),
  /** A service-account key file on disk. */
  z.object({ type: z.literal('keyFile'), path: z.string().min(1) }).strict(),
  /** An OAuth access token read at sync time from an environment variable or a file. */
  secretRef({ what: 'token', extra: { type: z.literal('token') } }),
]);
export type GcpCredential = z.infer<typeof GcpCredential>;

/** Endpoint overrides (private service connect, sovereign clouds, loopback emulators). */
const Endpoint = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(['https', 'http']).default('https'),
  })
  .strict();
export type GcpEndpoint = z.infer<typeof Endpoint>;

/** Where the Cloud Billing export lives in BigQuery. */
export const BillingExport = z
  .object({
    project: ProjectId,
    dataset: z.string().regex(/^[A-Za-z0-9_]+$/, 'BigQuery dataset ids are letters, digits and underscores'),
    table: z.string().regex(/^[A-Za-z0-9_]+$/, 'BigQuery table ids are letters, digits and underscores'),
    /** BigQuery location of the dataset (US, EU, ...); jobs run there. */
    location: z.string().min(1).optional(),
    /**
     * Whether the table is the detailed (resource-level) export. Inferred from the table name
     * (`gcp_billing_export_resource_v1_*`) when not given; only the detailed export names VMs.
     */
    detailed: z.boolean().optional(),
  })
  .strict();
export type BillingExport = z.infer<typeof BillingExport>;

export const GcpMonitoringOptions = z
  .object({
    /** Server-side alignment period in seconds; 60 gives the store its one sample per minute. */
    alignmentPeriodSeconds: z.number().int().min(60).max(3600).default(60),
    /** Points per timeSeries.list page (the API caps it at 100,000). */
    pageSize: z.number().int().min(1).max(100_000).default(100_000),
    /** Read NVIDIA DCGM metrics written by the Ops Agent (preferred over NVML when present). */
    dcgm: z.boolean().default(true),
    /** Read TPU duty cycle (Cloud TPU VMs and GKE accelerator nodes). */
    tpu: z.boolean().default(true),
    storage: rawOnlyStorageField('Cloud Monitoring (no Prometheus-compatible drill-down is wired for it)'),
  })
  .strict();
export type GcpMonitoringOptions = z.infer<typeof GcpMonitoringOptions>;

const Backoff = z
  .object({
    /** Attempts per call when the API says slow down, before the sync gives up with "throttled". */
    attempts: z.number().int().min(1).max(10).default(4),
    /** First wait; doubled on each retry (with jitter), capped at 60 s. */
    initialDelayMs: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();

export const GcpAccountConfig = AccountConfigBase.extend({
  provider: z.literal('gcp'),
  /** Projects to read. When absent, every project the credential can see (Resource Manager search). */
  projectIds: z.array(ProjectId).min(1).optional(),
  /** Project billed for API quota (x-goog-user-project), so reads do not land on a shared quota. */
  quotaProject: ProjectId.optional(),
  credential: GcpCredential.default({ type: 'adc' }),
  monitoring: GcpMonitoringOptions.default({ alignmentPeriodSeconds: 60, pageSize: 100_000, dcgm: true, tpu: true }),
  /** Read Cloud TPU API nodes (TPU VMs do not appear in the Compute Engine instance list). */
  tpuVms: z.boolean().default(true),
  /** Where spend comes from: the BigQuery billing export, or FOCUS files imported with import-focus. */
  costSource: z.enum(['bigquery', 'focus-export']).default('bigquery'),
  billingExport: BillingExport.optional(),
  incidents: z
    .object({
      /** Status-dashboard products (id or title) the fleet depends on. */
      products: z
        .array(z.string().min(1))
        .default(['Google Compute Engine', 'Cloud TPU', 'Google Kubernetes Engine', 'Cloud Monitoring']),
      /** How long ended incidents stay in the feed we pass on, in days. */
      endedWithinDays: z.number().int().min(0).max(90).default(7),
      /**
       * Also read Personalized Service Health events of each project (servicehealth.googleapis.com;
       * the API must be enabled and the credential needs Service Health Viewer).
       */
      serviceHealth: z.boolean().default(false),
    })
    .strict()
    .default({
      products: ['Google Compute Engine', 'Cloud TPU', 'Google Kubernetes Engine', 'Cloud Monitoring'],
      endedWithinDays: 7,
      serviceHealth: false,
    }),
  endpoints: z
    .object({
      compute: Endpoint.optional(),
      monitoring: Endpoint.optional(),
      bigquery: Endpoint.optional(),
      tpu: Endpoint.optional(),
      resourceManager: Endpoint.optional(),
      serviceHealth: Endpoint.optional(),
      /** Base URL of the public status dashboard (serves incidents.json). */
      status: z.url().optional(),
    })
    .strict()
    .default({}),
  backoff: Backoff.default({ attempts: 4, initialDelayMs: 1000 }),
}).strict().superRefine((cfg, ctx) => {
  if (cfg.costSource === 'bigquery' && cfg.billingExport === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['billingExport'],
      message: 'costSource "bigquery" needs billingExport { project, dataset, table }',
    });
  }
});
export type GcpAccountConfig = z.infer<typeof GcpAccountConfig>;

/** True when the billing table is the detailed (resource-level) export. */
export function isDetailedExport(exp: BillingExport): boolean {
  return exp.detailed ?? exp.table.startsWith('gcp_billing_export_resource_v1_');
}
