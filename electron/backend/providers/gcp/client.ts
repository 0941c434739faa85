/**
 * I/O through Google's official clients: @google-cloud/compute (instances.aggregatedList),
 * @google-cloud/monitoring (timeSeries.list), @google-cloud/bigquery (jobs.query/getQueryResults),
 * google-auth-library for Cloud TPU and Resource Manager (no Node client is installed for them),
 * and the public status feed. Every response we use is validated; every failure becomes a typed
 * ConnectorError that names the project and, for permission errors, the missing role.
 */
import { createPrivateKey } from 'node:crypto';
import { InstancesClient } from '@google-cloud/compute';
import { MetricServiceClient } from '@google-cloud/monitoring';
import { BigQuery } from '@google-cloud/bigquery';
import { GoogleAuth, OAuth2Client, type AuthClient } from 'google-auth-library';
import type { z } from 'zod';
import { describeZodError } from '../../../../shared/format';
import { AuthError, ConfigError, ConnectorError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import { readJsonCredentialFile } from '../common/secret-text';
import { isDetailedExport, type BillingExport, type GcpAccountConfig, type GcpEndpoint } from './config';
import {
  BillingQueryRow,
    RawBigQueryRows,
  RawBigQuerySchema,
  RawInstance,
  RawProjectSearch,
  RawServiceHealthEvent,
  RawServiceHealthEventList,
  RawStatusFeed,
  RawStatusIncident,
  RawTimeSeries,
  RawTpuNode,
  RawTpuNodeList,
} from './raw';
import { retryWaitMs, sleep } from '../common/retry';
import { readSecret } from '../common/secret-ref';

/** Which Google API a call went to; names the role a 403 lacks. */
export type GcpApiName = 'compute' | 'monitoring' | 'bigquery' | 'tpu' | 'resourcemanager' | 'servicehealth' | 'status';

const ROLE: Readonly<Record<GcpApiName, string>> = {
  compute: 'Compute Viewer (roles/compute.viewer)',
  monitoring: 'Monitoring Viewer (roles/monitoring.viewer)',
  bigquery: 'BigQuery Data Viewer (roles/bigquery.dataViewer) on the billing dataset and BigQuery Job User (roles/bigquery.jobUser) on the billing project',
  tpu: 'Cloud TPU Viewer (roles/tpu.viewer)',
  resourcemanager: 'Browser (roles/browser)',
  servicehealth: 'Service Health Viewer (roles/servicehealth.viewer)',
  status: 'none (public feed)',
};

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform'];

/** One timeSeries.list query: one metric type, aligned and reduced on the server. */
export interface SeriesQuery {
  filter: string;
  from: number;
  to: number;
  alignmentSeconds: number;
  /** Labels kept after the cross-series reducer (REDUCE_MEAN); series of one GPU merge into one. */
  groupByFields: readonly string[];
  pageSize: number;
}

/** The calls the connector makes; index.ts drives them, tests reach them through the emulator. */
export interface GcpApi {
  listProjects(signal: AbortSignal): Promise<string[]>;
  instancePages(project: string, signal: AbortSignal): AsyncIterable<RawInstance[]>;
  tpuNodePages(project: string, signal: AbortSignal): AsyncIterable<RawTpuNode[]>;
  timeSeriesPages(project: string, query: SeriesQuery, signal: AbortSignal): AsyncIterable<z.infer<typeof RawTimeSeries>[]>;
  billingPages(from: number, to: number, signal: AbortSignal): AsyncIterable<BillingQueryRow[]>;
  statusIncidents(signal: AbortSignal): Promise<RawStatusIncident[]>;
  /** Personalized Service Health incidents of a project: active ones, and those updated since `sinceMs`. */
  serviceHealthEvents(project: string, sinceMs: number, signal: AbortSignal): Promise<RawServiceHealthEvent[]>;
}

/** Reads the credential the config names (ADC, key file, or a token from env/file). */
export async function resolveAuth(config: GcpAccountConfig): Promise<GoogleAuth> {
  const cred = config.credential;
  if (cred.type === 'token') {
    const token = await readSecret(cred, { account: config.name, field: 'credential', kind: 'token' });
    const client = new OAuth2Client();
    client.setCredentials({ access_token: token });
    if (config.quotaProject) client.quotaProjectId = config.quotaProject;
    return new GoogleAuth({ authClient: client });
  }
  if (cred.type === 'keyFile') {
    // google-auth's own JSON and PEM errors quote the file; check its shape here first.
    const key = await readJsonCredentialFile(cred.path, `service-account key file`).catch((error: unknown) => {
      throw new ConfigError(`account ${config.name}: ${(error as Error).message}`);
    });
    if (typeof key.type !== 'string' || (key.type === 'service_account' && (typeof key.private_key !== 'string' || typeof key.client_email !== 'string'))) {
      throw new ConfigError(`account ${config.name}: the service-account key file ${cred.path} has no "type", or no "private_key" and "client_email"`);
    }
    if (typeof key.private_key === 'string') {
      try {
        createPrivateKey(key.private_key);
      } catch {
        throw new ConfigError(`account ${config.name}: the "private_key" of the service-account key file ${cred.path} is not a PEM private key`);
      }
    }
  }
  const base = new GoogleAuth({ scopes: SCOPES, ...(cred.type === 'keyFile' ? { keyFilename: cred.path } : {}) });
  if (!config.quotaProject) return base;
  let client: AuthClient;
  try {
    client = await base.getClient();
  } catch (err) {
    throw new AuthError(`account ${config.name}: no Google credential found (run "gcloud auth application-default login" or set a key file): ${(err as Error).message}`, { cause: err });
  }
  client.quotaProjectId = config.quotaProject;
  return new GoogleAuth({ authClient: client });
}

type GaxOptions = NonNullable<ConstructorParameters<typeof InstancesClient>[0]>;

function gaxOptions(auth: GoogleAuth, endpoint: GcpEndpoint | undefined): GaxOptions {
  // REST transport everywhere: no gRPC channel to keep alive, and the same path reaches emulators.
  // google-gax carries its own copy of google-auth-library; it only calls getClient() and
  // getRequestHeaders() on what it is given, so the top-level GoogleAuth serves both.
  const opts: GaxOptions = { fallback: true, auth: auth as unknown as GaxOptions['auth'] };
  if (endpoint) {
    opts.apiEndpoint = endpoint.host;
    opts.protocol = endpoint.protocol;
    if (endpoint.port !== undefined) opts.port = endpoint.port;
  }
  return opts;
}

function baseUrl(endpoint: GcpEndpoint | undefined, fallback: string): string {
  if (!endpoint) return fallback;
  return `${endpoint.protocol}://${endpoint.host}${endpoint.port !== undefined ? `:${endpoint.port}` : ''}`;
}

/** Parses `data` with `schema`, or throws MalformedResponseError naming where. */
export function parseResponse<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new MalformedResponseError(describeZodError(parsed.error, where));
  return parsed.data;
}

interface ErrorFacts {
  http: number | null;
  status: string | null;
  reason: string | null;
  message: string;
  retryAfterMs: number | null;
}

const GRPC_STATUS: Readonly<Record<number, string>> = {
  4: 'DEADLINE_EXCEEDED',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};

function errorFacts(err: unknown): ErrorFacts {
  const e = (err ?? {}) as Record<string, unknown>;
  const response = (e.response ?? {}) as { status?: unknown; headers?: unknown; data?: unknown };
  let http: number | null = typeof response.status === 'number' ? response.status : null;
  let status: string | null = null;
  // gaxios and @google-cloud/common put the HTTP status in `code`; google-gax's GoogleError a gRPC code.
  if (typeof e.code === 'number') {
    if (e.code >= 100) http ??= e.code;
    else status = GRPC_STATUS[e.code] ?? null;
  }
  let message = typeof e.message === 'string' ? e.message : String(err);
  let reason: string | null = null;
  const errorsArr = Array.isArray(e.errors) ? (e.errors as Array<{ reason?: unknown }>) : [];
  if (typeof errorsArr[0]?.reason === 'string') reason = errorsArr[0].reason;
  // The REST clients often carry the Google error body as the message text.
  const body = typeof response.data === 'object' && response.data !== null ? response.data : tryJson(message);
  const gErr = (body as { error?: { status?: unknown; message?: unknown; errors?: Array<{ reason?: unknown }> } } | null)?.error;
  if (gErr) {
    if (typeof gErr.status === 'string') status = gErr.status;
    if (typeof gErr.message === 'string') message = gErr.message;
    if (typeof gErr.errors?.[0]?.reason === 'string') reason ??= gErr.errors[0].reason;
  }
  const headers = response.headers;
  let retryAfter: unknown = null;
  if (headers && typeof (headers as { get?: unknown }).get === 'function') retryAfter = (headers as Headers).get('retry-after');
  else if (headers && typeof headers === 'object') retryAfter = (headers as Record<string, unknown>)['retry-after'];
  const seconds = typeof retryAfter === 'string' ? Number(retryAfter) : NaN;
  return { http, status, reason, message, retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : null };
}

function tryJson(text: string): unknown {
  if (!text.startsWith('{')) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Turns any client error into the typed error the sync engine records. */
export function toConnectorError(err: unknown, api: GcpApiName, project: string | null, fallbackRetryMs = 30_000): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const where = `${api}${project ? ` (project ${project})` : ''}`;
  if (err instanceof SyntaxError) return new MalformedResponseError(`${where}: response is not valid JSON: ${err.message}`, { cause: err });
  const f = errorFacts(err);
  const throttled =
    f.http === 429 || f.status === 'RESOURCE_EXHAUSTED' || f.reason === 'rateLimitExceeded' || f.reason === 'quotaExceeded' || f.reason === 'RATE_LIMIT_EXCEEDED';
  if (throttled) {
    return new ThrottledError(`${where}: quota exceeded or rate limited: ${f.message}`, f.retryAfterMs ?? fallbackRetryMs, { cause: err });
  }
  if (f.http === 401 || f.status === 'UNAUTHENTICATED') {
    return new AuthError(`${where}: the credential was rejected (expired or invalid token): ${f.message}`, { cause: err });
  }
  if (f.http === 403 || f.status === 'PERMISSION_DENIED') {
    const subject = project ? `project ${project}` : 'the project';
    return new AuthError(`${api}: permission denied on ${subject}; grant the credential ${ROLE[api]}. (${f.message})`, { cause: err });
  }
  if (f.http === 404 || f.status === 'NOT_FOUND') {
    return new ConfigError(`${where}: not found: ${f.message}`, { cause: err });
  }
  if ((f.http !== null && f.http >= 500) || f.status === 'UNAVAILABLE' || f.status === 'INTERNAL' || f.status === 'DEADLINE_EXCEEDED') {
    return new UnavailableError(`${where}: Google Cloud answered ${f.http ?? f.status}: ${f.message}`, f.retryAfterMs, { cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/.test(code)) {
    return new UnavailableError(`${where}: network error ${code}`, null, { cause: err });
  }
  if (f.http !== null && f.http >= 400) return new MalformedResponseError(`${where}: unexpected HTTP ${f.http}: ${f.message}`, { cause: err });
  return new ConnectorError('internal', `${where}: ${f.message}`, null, { cause: err });
}

/** True when Google says the API is not enabled in the project (403 SERVICE_DISABLED). */
export function isServiceDisabled(err: unknown): boolean {
  const cause = err instanceof ConnectorError ? err.cause : err;
  const f = errorFacts(cause);
  return f.reason === 'SERVICE_DISABLED' || /has not been used in project|is disabled|SERVICE_DISABLED/.test(f.message);
}

/**
 * Runs one call, backing off (exponential with jitter, or Retry-After) while Google says slow down.
 * After the last attempt the ThrottledError goes to the sync engine, which shows it per project.
 */
export async function withBackoff<T>(
  call: () => Promise<T>,
  api: GcpApiName,
  project: string | null,
  backoff: { attempts: number; initialDelayMs: number },
  signal: AbortSignal,
): Promise<T> {
  let delay = backoff.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw signal.reason;
    try {
      return await call();
    } catch (err) {
      const typed = toConnectorError(err, api, project, Math.max(delay * 2, 1000));
      if (!(typed instanceof ThrottledError) || attempt >= backoff.attempts) throw typed;
      // Honour Retry-After when Google sends one; otherwise our own doubling delay, jittered.
      const server = errorFacts(err).retryAfterMs;
      await sleep(retryWaitMs(delay, server), signal);
      delay *= 2;
    }
  }
}

const BILLING_COLUMNS = `
  billing_account_id AS billing_account_id,
  project.id AS project_id,
  ANY_VALUE(project.name) AS project_name,
  service.id AS service_id,
  ANY_VALUE(service.description) AS service_name,
  sku.id AS sku_id,
  ANY_VALUE(sku.description) AS sku_description,
  location.region AS region,
  location.zone AS zone,
  %RESOURCE_NAME% AS resource_name,
  %RESOURCE_GLOBAL% AS resource_global_name,
  cost_type AS cost_type,
  currency AS currency,
  invoice.month AS invoice_month,
  FORMAT_DATE('%F', DATE(usage_start_time, 'UTC')) AS charge_day,
  CAST(SUM(CAST(cost AS NUMERIC)) AS STRING) AS cost,
  CAST(SUM(IFNULL((SELECT SUM(CAST(c.amount AS NUMERIC)) FROM UNNEST(credits) AS c), 0)) AS STRING) AS credits,
  CAST(SUM(CAST(usage.amount_in_pricing_units AS NUMERIC)) AS STRING) AS pricing_quantity,
  ANY_VALUE(usage.pricing_unit) AS pricing_unit,
  CAST(SUM(CAST(usage.amount AS NUMERIC)) AS STRING) AS usage_quantity,
  ANY_VALUE(usage.unit) AS usage_unit,
  ANY_VALUE(TO_JSON_STRING(labels)) AS labels_json`;

/**
 * The billing query: one row per resource, SKU, cost type and UTC day, net of credits computed
 * exactly (NUMERIC), so only what the pane needs leaves BigQuery.
 */
export function billingQuery(exp: BillingExport): string {
  const detailed = isDetailedExport(exp);
  const columns = BILLING_COLUMNS.replace('%RESOURCE_NAME%', detailed ? 'resource.name' : 'CAST(NULL AS STRING)').replace(
    '%RESOURCE_GLOBAL%',
    detailed ? 'resource.global_name' : 'CAST(NULL AS STRING)',
  );
  const resourceGroup = detailed ? ', resource_name, resource_global_name' : '';
  return [
    `SELECT${columns}`,
    `FROM \`${exp.project}.${exp.dataset}.${exp.table}\``,
    // The export is partitioned by ingestion time: rows for usage at T land at or after T.
    'WHERE _PARTITIONTIME >= TIMESTAMP_SUB(TIMESTAMP_TRUNC(@from, DAY), INTERVAL 1 DAY)',
    '  AND usage_start_time >= @from AND usage_start_time < @to',
    `GROUP BY billing_account_id, project_id, service_id, sku_id, region, zone${resourceGroup}, cost_type, currency, invoice_month, charge_day`,
  ].join('\n');
}

/** Builds the API surface over the official clients for one account. */
export async function openGcpApi(config: GcpAccountConfig): Promise<GcpApi> {
  const auth = await resolveAuth(config);
  const eps = config.endpoints;
  const compute = new InstancesClient(gaxOptions(auth, eps.compute));
  const monitoring = new MetricServiceClient(gaxOptions(auth, eps.monitoring));
  const backoff = config.backoff;
  const noRetry = { retry: null, autoPaginate: false } as const;
  let authClient: AuthClient | null = null;
  const rawRequest = async (url: string, params: Record<string, string>, signal: AbortSignal): Promise<unknown> => {
    authClient ??= await auth.getClient();
    const res = await authClient.request({ url, params, signal, retry: false });
    return res.data;
  };

  return {
    async listProjects(signal) {
      const base = baseUrl(eps.resourceManager, 'https://cloudresourcemanager.googleapis.com');
      const out: string[] = [];
      let pageToken: string | undefined;
      do {
        const params: Record<string, string> = { query: 'state:ACTIVE', pageSize: '500', ...(pageToken ? { pageToken } : {}) };
        const data = await withBackoff(() => rawRequest(`${base}/v3/projects:search`, params, signal), 'resourcemanager', null, backoff, signal);
        const page = parseResponse(RawProjectSearch, data, 'projects.search');
        for (const p of page.projects ?? []) if (!p.state || p.state === 'ACTIVE') out.push(p.projectId);
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      return out;
    },

    async *instancePages(project, signal) {
      // The client pages with pageToken internally; a failed page retries the project's listing
      // as a whole. No partial success: a zone that cannot be read fails the call, so a partial
      // list never replaces the stored inventory.
      const all = await withBackoff(
        async () => {
          const out: RawInstance[] = [];
          for await (const [scope, scoped] of compute.aggregatedListAsync({ project, maxResults: 500 }, { retry: null, autoPaginate: false })) {
            if (signal.aborted) throw signal.reason;
            for (const [i, inst] of (scoped.instances ?? []).entries()) {
              out.push(parseResponse(RawInstance, inst, `instances.aggregatedList (project ${project}) ${scope} instance ${i}`));
            }
          }
          return out;
        },
        'compute',
        project,
        backoff,
        signal,
      );
      for (let i = 0; i < all.length; i += 500) yield all.slice(i, i + 500);
      if (all.length === 0) yield [];
    },

    async *tpuNodePages(project, signal) {
      const base = baseUrl(eps.tpu, 'https://tpu.googleapis.com');
      let pageToken: string | undefined;
      do {
        const params: Record<string, string> = pageToken ? { pageToken } : {};
        let data: unknown;
        try {
          data = await withBackoff(() => rawRequest(`${base}/v2/projects/${project}/locations/-/nodes`, params, signal), 'tpu', project, backoff, signal);
        } catch (err) {
          // A project that never enabled the Cloud TPU API has no TPU nodes; that is not an error.
          if (isServiceDisabled(err)) return;
          throw err;
        }
        const page = parseResponse(RawTpuNodeList, data, `tpu nodes.list (project ${project})`);
        if (page.unreachable && page.unreachable.length > 0) {
          throw new UnavailableError(`tpu (project ${project}): locations unreachable: ${page.unreachable.join(', ')}`);
        }
        yield (page.nodes ?? []).map((n, i) => parseResponse(RawTpuNode, n, `tpu nodes.list (project ${project}) node ${i}`));
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
    },

    async *timeSeriesPages(project, q, signal) {
      let pageToken: string | undefined;
      do {
        const request = {
          name: `projects/${project}`,
          filter: q.filter,
          interval: { startTime: { seconds: Math.floor(q.from / 1000) }, endTime: { seconds: Math.floor(q.to / 1000) } },
          aggregation: {
            alignmentPeriod: { seconds: q.alignmentSeconds },
            perSeriesAligner: 'ALIGN_MEAN' as const,
            crossSeriesReducer: 'REDUCE_MEAN' as const,
            groupByFields: [...q.groupByFields],
          },
          view: 'FULL' as const,
          pageSize: q.pageSize,
          ...(pageToken ? { pageToken } : {}),
        };
        const [, , rawResponse] = await withBackoff(
          () => monitoring.listTimeSeries(request, { ...noRetry, otherArgs: { signal } }),
          'monitoring',
          project,
          backoff,
          signal,
        );
        const page = parseResponse(
          RawTimeSeries.array().optional().transform((v) => v ?? []),
          (rawResponse as { timeSeries?: unknown } | null | undefined)?.timeSeries ?? [],
          `timeSeries.list (project ${project}, ${q.filter})`,
        );
        yield page;
        const next = (rawResponse as { nextPageToken?: unknown } | null | undefined)?.nextPageToken;
        pageToken = typeof next === 'string' && next ? next : undefined;
      } while (pageToken);
    },

    async *billingPages(from, to, signal) {
      const exp = config.billingExport;
      if (!exp) throw new ConfigError(`account ${config.name}: costSource "bigquery" needs billingExport`);
      const bq = new BigQuery({
        projectId: exp.project,
        authClient: await auth.getClient(),
        autoRetry: false,
        ...(eps.bigquery ? { apiEndpoint: baseUrl(eps.bigquery, '') } : {}),
        ...(exp.location ? { location: exp.location } : {}),
      });
      const query = {
        query: billingQuery(exp),
        params: { from: new Date(from), to: new Date(to) },
        skipParsing: true,
        maxResults: 10_000,
        ...(exp.location ? { location: exp.location } : {}),
      };
      type Next = { job?: { getQueryResults(o: unknown): Promise<unknown[]> }; pageToken?: string } | null;
      let result = await withBackoff(() => bq.query(query, { autoPaginate: false }) as Promise<unknown[]>, 'bigquery', exp.project, backoff, signal);
      for (;;) {
        const [rows, nextQuery, response] = result as [unknown, Next, { schema?: unknown } | undefined];
        const schema = parseResponse(RawBigQuerySchema, (response as { schema?: unknown } | undefined)?.schema ?? { fields: [] }, 'bigquery jobs.query schema');
        const names = schema.fields.map((f) => f.name);
        const raw = parseResponse(RawBigQueryRows, rows ?? [], 'bigquery jobs.query rows');
        yield raw.map((r, i) =>
          parseResponse(BillingQueryRow, Object.fromEntries(names.map((n, j) => [n, r.f[j]?.v ?? null])), `billing export row ${i}`),
        );
        if (!nextQuery?.pageToken || !nextQuery.job) break;
        const job = nextQuery.job;
        result = await withBackoff(() => job.getQueryResults({ ...nextQuery, autoPaginate: false }), 'bigquery', exp.project, backoff, signal);
      }
    },

    async serviceHealthEvents(project, sinceMs, signal) {
      const base = baseUrl(eps.serviceHealth, 'https://servicehealth.googleapis.com');
      const since = new Date(sinceMs).toISOString();
      const out: RawServiceHealthEvent[] = [];
      let pageToken: string | undefined;
      do {
        const params: Record<string, string> = {
          filter: `category=INCIDENT AND (state=ACTIVE OR update_time>="${since}")`,
          view: 'EVENT_VIEW_FULL',
          pageSize: '100',
          ...(pageToken ? { pageToken } : {}),
        };
        const data = await withBackoff(
          () => rawRequest(`${base}/v1/projects/${project}/locations/global/events`, params, signal),
          'servicehealth',
          project,
          backoff,
          signal,
        );
        const page = parseResponse(RawServiceHealthEventList, data, `servicehealth events.list (project ${project})`);
        for (const [i, e] of (page.events ?? []).entries()) {
          out.push(parseResponse(RawServiceHealthEvent, e, `servicehealth events.list (project ${project}) event ${i}`));
        }
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      return out;
    },

    async statusIncidents(signal) {
      const base = eps.status ?? 'https://status.cloud.google.com/';
      const url = new URL('incidents.json', base.endsWith('/') ? base : `${base}/`).toString();
      const text = await withBackoff(
        async () => {
          const res = await fetch(url, { signal });
          if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status} from ${url}`), { code: res.status, response: { status: res.status, headers: res.headers } });
          return res.text();
        },
        'status',
        null,
        backoff,
        signal,
      );
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch (err) {
        throw new MalformedResponseError(`status feed ${url}: not valid JSON (${(err as Error).message})`, { cause: err });
      }
      const list = parseResponse(RawStatusFeed, data, 'status incidents.json');
      return list.map((inc, i) => parseResponse(RawStatusIncident, inc, `status incidents.json [${i}]`));
    },
  };
}
