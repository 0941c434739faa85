/** Config of a `kubernetes` account: one kubeconfig context plus a Prometheus-compatible endpoint. */
import { z } from 'zod';
import { AccountConfigBase } from '../../../../shared/config';
import { CloudId } from '../../../../shared/domain';
import { metricsStorageField, rangeQueryLimitFields } from '../common/metrics-storage';
import { AnyEnvVariableName, secretRef } from '../common/secret-ref';

/** A secret is read from an environment variable (any name, as always accepted here) or a file at sync time; never written inline. */
export const SecretRef = secretRef({ what: 'secret', envName: AnyEnvVariableName });
export type SecretRef = z.infer<typeof SecretRef>;

export const PrometheusAuth = z.discriminatedUnion('type', [
  z.object({ type: z.literal('bearer'), token: SecretRef }).strict(),
  z.object({ type: z.literal('basic'), username: z.string().min(1), password: SecretRef }).strict(),
]);
export type PrometheusAuth = z.infer<typeof PrometheusAuth>;

export const PrometheusConfig = z
  .object({
    /** Base URL of any Prometheus-compatible query API (Prometheus, Thanos, Mimir, VictoriaMetrics). */
    url: z.url(),
    auth: PrometheusAuth.optional(),
    /** Tenant header for Mimir/Cortex (X-Scope-OrgID). */
    tenant: z.string().min(1).optional(),
    ...rangeQueryLimitFields,
    /**
     * Ask for gzip-compressed answers. `auto`: not on loopback (a port-forward, a local Prometheus),
     * where compressing and inflating every answer costs both sides CPU and saves nothing; yes elsewhere.
     */
    compression: z.enum(['auto', 'gzip', 'none']).default('auto'),
    timeoutMs: z.number().int().min(1000).default(60_000),
    /** Labels that carry the node name on dcgm-exporter series, first non-empty wins. */
    nodeLabels: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).min(1).default(['Hostname', 'hostname', 'kubernetes_node', 'node']),
    /** Extra PromQL label matchers for every dcgm series, e.g. `cluster="prod-east"`. */
    selector: z.string().default(''),
    /** "rollups": keep 5-minute rollups only; the machine page asks this endpoint for raw minutes. */
    storage: metricsStorageField,
  })
  .strict();
export type PrometheusConfig = z.infer<typeof PrometheusConfig>;

/**
 * Spend from a billing metric the endpoint exposes (e.g. CoreWeave billing metrics or OpenCost's
 * `node_total_hourly_cost`): a PromQL expression whose value is the cost per hour of one node.
 */
export const BillingMetricConfig = z
  .object({
    query: z.string().min(1),
    /** Label of the query's result that names the node. */
    nodeLabel: z.string().default('node'),
    currency: z.string().regex(/^[A-Z]{3}$/).default('USD'),
  })
  .strict();
export type BillingMetricConfig = z.infer<typeof BillingMetricConfig>;

export const KubernetesFields = z.object({
  /** Kubeconfig file; default: $KUBECONFIG, else ~/.kube/config. Read in place, never copied. */
  kubeconfig: z.string().min(1).optional(),
  /** Context to use; default: the kubeconfig's current-context. */
  context: z.string().min(1).optional(),
  /** API server URL override (private endpoints, emulators). */
  endpoint: z.url().optional(),
  /** Bearer token for the API server instead of the kubeconfig user (headless use). */
  token: SecretRef.optional(),
  prometheus: PrometheusConfig.optional(),
  /** Put every node under this cloud instead of detecting it from providerID and labels. */
  cloud: CloudId.optional(),
  /**
   * Where an on-premises (or otherwise unknown-cloud) cluster runs, as the pane should name it:
   * "Frankfurt lab". Its nodes are shown as their own entry under this name (default: the account's
   * name), never lumped into one "Other".
   */
  site: z.string().min(1).max(64).optional(),
  /** Region for nodes without topology labels. */
  defaultRegion: z.string().min(1).default('unknown'),
  /** Pod label that names the owning team (namespace is always recorded too). */
  teamLabel: z.string().min(1).default('team'),
  billing: BillingMetricConfig.optional(),
  /** Page size of node and pod lists (continue-token paging). */
  pageSize: z.number().int().min(1).max(5000).default(500),
});

/** Strict: an unknown (mistyped) field is an error, not silently the default. */
export const KubernetesConfig = AccountConfigBase.extend(KubernetesFields.shape).strict();
export type KubernetesConfig = z.infer<typeof KubernetesConfig>;
