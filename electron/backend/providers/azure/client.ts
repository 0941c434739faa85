/**
 * All Azure I/O of the connector, through the official SDK clients (and their HTTP pipeline for the
 * two calls the SDKs do not wrap: Cost Management next pages and the managed Prometheus query API).
 * Every response we depend on is checked with zod in map.ts; every failure leaves as a typed error.
 */
import { readFileSync } from 'node:fs';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import { ComputeManagementClient } from '@azure/arm-compute';
import { CostManagementClient, type QueryDefinition } from '@azure/arm-costmanagement';
import { MicrosoftResourceHealth } from '@azure/arm-resourcehealth';
import { SubscriptionClient } from '@azure/arm-resources-subscriptions';
import { cloudSettings, type AzureAccountConfig, type AzureCloudSettings } from './config';
import { errorForStatus, retryAfterMs, toConnectorError, type AzureRole, type CallSite } from './errors';
import {
  AvailabilityStatusPayload,
  CostQueryPayload,
  MonitorMetricsPayload,
  parseResponse,
  resourceIdFilter,
  ResourceSkuPayload,
  ScaleSetPayload,
  ScaleSetVmPayload,
  ServiceHealthEventPayload,
  VmPayload,
  VM_PLATFORM_METRICS,
  VmStatusPayload,
} from './map';
import { z } from 'zod';
import { AuthError, ConfigError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import { MatrixScanner, scanAnswer, type MatrixSink, type MatrixVerdict } from '../common/prom-matrix';
import { MACHINE_PAGE_LANES, Semaphore, type WaitOptions } from '../common/semaphore';
import { sleep } from '../common/retry';
import { fileErrorReason } from '../common/secret-text';
import { readSecret } from '../common/secret-ref';

/** Remaining ARM reads of one subscription, as the last response reported them. */
export interface ReadBudget {
  subscriptionId: string;
  /** `x-ms-ratelimit-remaining-subscription-reads` of the last response, or null before any call. */
  remainingReads: number | null;
  /** When it was reported (epoch ms). */
  observedAt: number | null;
  /** Requests the connector paced (delayed) to keep the budget above its floor. */
  pacedRequests: number;
}

/** Injectable time, so tests see the pacing without waiting for it. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep,
};

/** Azure Monitor metrics api-version that has the subscription-scope (multi-resource) query. */
export const MONITOR_METRICS_API_VERSION = '2023-10-01';

// ARM's token bucket refills subscription reads at about 25 per second (250 tokens).
const READ_REFILL_PER_SECOND = 25;
const MAX_PACE_MS = 10_000;

/** Tracks the read budget per subscription and paces requests before it runs dry. */
export class ReadBudgetTracker {
  private readonly budgets = new Map<string, ReadBudget>();
  constructor(
    private readonly floor: number,
    private readonly clock: Clock,
  ) {}

  /** Budgets of every subscription seen so far. */
  all(): ReadBudget[] {
    return [...this.budgets.values()].map((b) => ({ ...b }));
  }

  record(subscriptionId: string, remaining: number): void {
    const b = this.entry(subscriptionId);
    b.remainingReads = remaining;
    b.observedAt = this.clock.now();
  }

  /** Waits long enough for the bucket to refill above the floor. */
  async pace(subscriptionId: string, signal?: AbortSignal): Promise<void> {
    const b = this.budgets.get(subscriptionId);
    if (!b || b.remainingReads === null || b.observedAt === null) return;
    const refilled = ((this.clock.now() - b.observedAt) / 1000) * READ_REFILL_PER_SECOND;
    const estimate = b.remainingReads + refilled;
    if (estimate >= this.floor) return;
    const waitMs = Math.min(MAX_PACE_MS, Math.ceil(((this.floor - estimate) / READ_REFILL_PER_SECOND) * 1000));
    b.pacedRequests += 1;
    await this.clock.sleep(waitMs, signal);
  }

  private entry(subscriptionId: string): ReadBudget {
    let b = this.budgets.get(subscriptionId);
    if (!b) {
      b = { subscriptionId, remainingReads: null, observedAt: null, pacedRequests: 0 };
      this.budgets.set(subscriptionId, b);
    }
    return b;
  }
}

/** A bearer token read from a file or an environment variable (headless use), re-read on every request so rotation works. */
export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly read: () => Promise<string>) {}
  async getToken(_scopes: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
    const token = await this.read();
    return { token, expiresOnTimestamp: jwtExpiry(token) ?? Date.now() + 5 * 60_000 };
  }
}

function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const exp = z.object({ exp: z.number() }).safeParse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    return exp.success ? exp.data.exp * 1000 : null;
  } catch {
    return null;
  }
}

type CredentialConfig = AzureAccountConfig['credential'];

/**
 * Builds the credential a config asks for; secrets are read from where the config points.
 * `where` names the account and the config field in refusals (`credential`, `prometheus.credential`).
 */
export function credentialFor(cred: CredentialConfig, settings: AzureCloudSettings, where: { account: string; field: string }): TokenCredential {
  switch (cred.type) {
    case 'default':
      return new DefaultAzureCredential({ tenantId: cred.tenantId, authorityHost: settings.authorityHost });
    case 'tokenFile':
      return new StaticTokenCredential(() => readSecret({ file: cred.path }, { ...where, kind: 'token' }));
    case 'tokenEnv':
      return new StaticTokenCredential(() => readSecret({ env: cred.variable }, { ...where, kind: 'token' }));
  }
}

/** A subscription the credential can read. */
export interface SubscriptionInfo {
  subscriptionId: string;
  displayName: string | null;
}

/** Options beyond the config: credential and clock overrides for tests and the host. */
export interface AzureApiDeps {
  credential?: TokenCredential;
  prometheusCredential?: TokenCredential;
  clock?: Clock;
}

const SubscriptionPayload = z.looseObject({
  subscriptionId: z.string().min(1),
  displayName: z.string().optional(),
  state: z.string().optional(),
});

const CostPagePayload = z.union([
  CostQueryPayload,
  z.looseObject({ properties: CostQueryPayload }).transform((p) => p.properties),
]);

/** The Azure API surface the connector uses, one instance per account. */
export class AzureApi {
  readonly settings: AzureCloudSettings;
  readonly budget: ReadBudgetTracker;
  private readonly credential: TokenCredential;
  private readonly clock: Clock;
  private readonly ca: string | undefined;
  private readonly compute = new Map<string, ComputeManagementClient>();
  private readonly health = new Map<string, MicrosoftResourceHealth>();
  private cost: CostManagementClient | null = null;
  private prom: { pipeline: Pipeline; http: HttpClient; limit: Semaphore } | null = null;
  private feed: { pipeline: Pipeline; http: HttpClient } | null = null;

  constructor(
    private readonly cfg: AzureAccountConfig,
    private readonly deps: AzureApiDeps = {},
  ) {
    this.settings = cloudSettings(cfg);
    this.clock = deps.clock ?? realClock;
    this.budget = new ReadBudgetTracker(cfg.minRemainingReads, this.clock);
    this.credential = deps.credential ?? credentialFor(cfg.credential, this.settings, { account: cfg.name, field: 'credential' });
    this.ca = cfg.tlsCaFile ? readCa(cfg.tlsCaFile) : undefined;
  }

  private commonOptions() {
    return {
      endpoint: this.settings.armEndpoint,
      tlsOptions: this.ca ? { ca: this.ca } : undefined,
      retryOptions: {
        maxRetries: this.cfg.retry.maxRetries,
        retryDelayInMs: this.cfg.retry.retryDelayMs,
        maxRetryDelayInMs: this.cfg.retry.maxRetryDelayMs,
      },
    };
  }

  private guard(pipeline: Pipeline): void {
    pipeline.addPolicy(armGuardPolicy(this.budget, this.cfg.retry.maxInlineWaitMs, this.cfg.requestTimeoutMs), { afterPhase: 'Sign' });
  }

  private computeClient(subscriptionId: string): ComputeManagementClient {
    let c = this.compute.get(subscriptionId);
    if (!c) {
      c = new ComputeManagementClient(this.credential, subscriptionId, {
        ...this.commonOptions(),
        credentials: { scopes: [this.settings.armScope] },
      });
      this.guard(c.pipeline);
      this.compute.set(subscriptionId, c);
    }
    return c;
  }

  private healthClient(subscriptionId: string): MicrosoftResourceHealth {
    let c = this.health.get(subscriptionId);
    if (!c) {
      c = new MicrosoftResourceHealth(this.credential, subscriptionId, {
        ...this.commonOptions(),
        credentialScopes: [this.settings.armScope],
      });
      this.guard(c.pipeline);
      this.health.set(subscriptionId, c);
    }
    return c;
  }

  private costClient(): CostManagementClient {
    if (!this.cost) {
      this.cost = new CostManagementClient(this.credential, { ...this.commonOptions(), credentialScopes: [this.settings.armScope] });
      this.guard(this.cost.pipeline);
    }
    return this.cost;
  }

  /** The ARM access token (the credential caches it, so the next ARM call reuses it): for its claims, never shown. */
  async accessToken(signal: AbortSignal): Promise<string> {
    const site: CallSite = { api: 'Access token', subscriptionId: null, role: 'Reader' };
    return this.call(site, signal, async () => {
      const token = await this.credential.getToken(this.settings.armScope, { abortSignal: signal });
      if (!token) throw new AuthError('the credential returned no access token');
      return token.token;
    });
  }

  /** Subscriptions visible to the credential (enabled ones only). */
  async listSubscriptions(signal: AbortSignal): Promise<SubscriptionInfo[]> {
    const site: CallSite = { api: 'Subscriptions list', subscriptionId: null, role: 'Reader' };
    return this.call(site, signal, async () => {
      const client = new SubscriptionClient(this.credential, { ...this.commonOptions(), credentialScopes: [this.settings.armScope] });
      this.guard(client.pipeline);
      const out: SubscriptionInfo[] = [];
      for await (const page of client.subscriptions.list({ abortSignal: signal }).byPage()) {
        for (const raw of page) {
          const s = parseResponse(SubscriptionPayload, raw, site.api);
          if (s.state && !['enabled', 'pastdue', 'warned'].includes(s.state.toLowerCase())) continue;
          out.push({ subscriptionId: s.subscriptionId, displayName: s.displayName ?? null });
        }
      }
      return out;
    });
  }

  /** Every VM of the subscription, page by page (model only, no power state). */
  listVms(subscriptionId: string, signal: AbortSignal): AsyncIterable<VmPayload[]> {
    const site = { api: 'Compute virtualMachines.listAll', subscriptionId, role: 'Reader' as const };
    return this.pages(site, signal, VmPayload, () => this.computeClient(subscriptionId).virtualMachines.listAll({ abortSignal: signal }).byPage());
  }

  /** Power states of every VM (`statusOnly=true`), page by page. */
  listVmStatuses(subscriptionId: string, signal: AbortSignal): AsyncIterable<VmStatusPayload[]> {
    const site = { api: 'Compute virtualMachines.listAll(statusOnly)', subscriptionId, role: 'Reader' as const };
    return this.pages(site, signal, VmStatusPayload, () =>
      this.computeClient(subscriptionId).virtualMachines.listAll({ statusOnly: 'true', abortSignal: signal }).byPage(),
    );
  }

  listScaleSets(subscriptionId: string, signal: AbortSignal): AsyncIterable<ScaleSetPayload[]> {
    const site = { api: 'Compute virtualMachineScaleSets.listAll', subscriptionId, role: 'Reader' as const };
    return this.pages(site, signal, ScaleSetPayload, () => this.computeClient(subscriptionId).virtualMachineScaleSets.listAll({ abortSignal: signal }).byPage());
  }

  listScaleSetVms(subscriptionId: string, resourceGroup: string, scaleSet: string, signal: AbortSignal): AsyncIterable<ScaleSetVmPayload[]> {
    const site = { api: 'Compute virtualMachineScaleSetVMs.list', subscriptionId, role: 'Reader' as const };
    return this.pages(site, signal, ScaleSetVmPayload, () =>
      this.computeClient(subscriptionId).virtualMachineScaleSetVMs.list(resourceGroup, scaleSet, { expand: 'instanceView', abortSignal: signal }).byPage(),
    );
  }

  async listSkus(subscriptionId: string, signal: AbortSignal): Promise<ResourceSkuPayload[]> {
    const site = { api: 'Compute resourceSkus.list', subscriptionId, role: 'Reader' as const };
    const out: ResourceSkuPayload[] = [];
    for await (const page of this.pages(site, signal, ResourceSkuPayload, () => this.computeClient(subscriptionId).resourceSkus.list({ abortSignal: signal }).byPage())) {
      out.push(...page);
    }
    return out;
  }

  async listAvailabilityStatuses(subscriptionId: string, signal: AbortSignal): Promise<AvailabilityStatusPayload[]> {
    const site = { api: 'Resource Health availabilityStatuses.listBySubscriptionId', subscriptionId, role: 'Reader' as const };
    const out: AvailabilityStatusPayload[] = [];
    const filter = "resourceType eq 'Microsoft.Compute/virtualMachines'";
    for await (const page of this.pages(site, signal, AvailabilityStatusPayload, () =>
      this.healthClient(subscriptionId).availabilityStatuses.listBySubscriptionId({ filter, abortSignal: signal }).byPage(),
    )) {
      out.push(...page);
    }
    return out;
  }

  async listServiceHealthEvents(subscriptionId: string, since: Date, signal: AbortSignal): Promise<ServiceHealthEventPayload[]> {
    const site = { api: 'Service Health events.listBySubscriptionId', subscriptionId, role: 'Reader' as const };
    const queryStartTime = `${since.getUTCMonth() + 1}/${since.getUTCDate()}/${since.getUTCFullYear()}`;
    const out: ServiceHealthEventPayload[] = [];
    for await (const page of this.pages(site, signal, ServiceHealthEventPayload, () =>
      this.healthClient(subscriptionId).eventsOperations.listBySubscriptionId({ queryStartTime, abortSignal: signal }).byPage(),
    )) {
      out.push(...page);
    }
    return out;
  }

  /**
   * Daily actual cost grouped by resource id and meter for [from, to), following
   * `properties.nextLink`. Cost Management's QPU throttling is not retried by the SDK: backoff here.
   */
  async *queryCosts(subscriptionId: string, from: Date, to: Date, signal: AbortSignal): AsyncIterable<CostQueryPayload> {
    const site: CallSite = { api: 'Cost Management query', subscriptionId, role: 'Cost Management Reader' };
    const scope = `subscriptions/${subscriptionId}`;
    const definition: QueryDefinition = {
      type: 'ActualCost',
      timeframe: 'Custom',
      timePeriod: { from, to: new Date(to.getTime() - 1000) },
      dataset: {
        granularity: 'Daily',
        aggregation: { totalCost: { name: 'Cost', function: 'Sum' } },
        grouping: [
          { type: 'Dimension', name: 'ResourceId' },
          { type: 'Dimension', name: 'Meter' },
        ],
      },
    };
    let status = 0;
    const first = await this.withCostBackoff(site, signal, () =>
      this.costClient().query.usage(scope, definition, {
        abortSignal: signal,
        onResponse: (raw) => {
          status = raw.status;
        },
      }),
    );
    if (status === 204) return;
    let page = parseResponse(CostPagePayload, first, site.api);
    yield page;
    const seen = new Set<string>();
    while (page.nextLink) {
      const next = page.nextLink;
      if (seen.has(next)) throw errorForStatus({ status: 500, header: () => null, body: null }, { ...site, api: `${site.api} (nextLink loops)` });
      seen.add(next);
      const body = await this.withCostBackoff(site, signal, () => this.postJson(this.costClient().pipeline, next, definition, signal));
      if (body === undefined) return;
      page = parseResponse(CostPagePayload, body, site.api);
      yield page;
    }
  }

  /**
   * One PromQL range query against the account's Azure Monitor workspace, aggregated on the server:
   * each series goes to `sink` as the answer's bytes arrive (no parsed matrix is ever held), and an
   * answer that is not a whole matrix is thrown as malformed. At most `prometheus.concurrency` run at
   * once (`wait.first`: ahead of those waiting). Never retried once the answer is being read: the sink
   * has had part of it.
   */
  async promQueryRangeInto(query: string, startSec: number, endSec: number, stepSec: number, signal: AbortSignal, sink: MatrixSink, wait: WaitOptions = {}): Promise<void> {
    const prom = this.cfg.prometheus;
    if (!prom) throw new ConfigError('no prometheus.queryEndpoint configured');
    const site: CallSite = { api: 'Prometheus query_range', subscriptionId: null, role: 'Monitoring Reader' };
    if (!this.prom) {
      const pipeline = createPipelineFromOptions({ tlsOptions: this.ca ? { ca: this.ca } : undefined, retryOptions: this.commonOptions().retryOptions });
      const credential = this.deps.prometheusCredential ?? (prom.credential ? credentialFor(prom.credential, this.settings, { account: this.cfg.name, field: 'prometheus.credential' }) : this.credential);
      pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: this.settings.prometheusScope }));
      pipeline.addPolicy(timeoutPolicy(this.cfg.requestTimeoutMs), { afterPhase: 'Sign' });
      this.prom = { pipeline, http: createDefaultHttpClient(), limit: new Semaphore(prom.concurrency, MACHINE_PAGE_LANES) };
    }
    const { pipeline, http, limit } = this.prom;
    const url = `${prom.queryEndpoint.replace(/\/+$/, '')}/api/v1/query_range`;
    const form = new URLSearchParams({ query, start: String(startSec), end: String(endSec), step: `${stepSec}s` });
    await limit.run(
      () =>
        this.call(site, signal, async () => {
          // The pipeline retries refusals (429, 5xx) before any of an answer is read; a 200 is streamed.
          const res = await pipeline.sendRequest(
            http,
            createPipelineRequest({
              url,
              method: 'POST',
              body: form.toString(),
              // The pipeline asks for gzip (its decompress policy) and inflates the answer as it streams.
              headers: createHttpHeaders({ 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }),
              abortSignal: signal,
              streamResponseStatusCodes: new Set([200]),
            }),
          );
          if (res.status >= 400) throw errorForStatus(failureOf(res), site);
          const verdict = await scanAnswer(res.readableStreamBody as AsyncIterable<Uint8Array | string> | undefined, new MatrixScanner(sink), signal);
          if (verdict.kind !== 'matrix') throw matrixRefusal(verdict, site);
        }),
      signal,
      wait,
    );
  }

  /**
   * VmAvailabilityMetric and Percentage CPU of up to 50 VMs of one region, in one subscription-scope
   * Azure Monitor call (`$filter` over their resource ids), through the compute client's ARM pipeline:
   * same credential, TLS, retry and read-budget pacing as the inventory.
   */
  async vmPlatformMetrics(subscriptionId: string, region: string, resourceIds: readonly string[], from: Date, to: Date, signal: AbortSignal): Promise<MonitorMetricsPayload> {
    const site: CallSite = { api: 'Azure Monitor metrics (subscription scope)', subscriptionId, role: 'Monitoring Reader' };
    const url = new URL(`${this.settings.armEndpoint.replace(/\/+$/, '')}/subscriptions/${subscriptionId}/providers/Microsoft.Insights/metrics`);
    const q = url.searchParams;
    q.set('api-version', MONITOR_METRICS_API_VERSION);
    q.set('region', region);
    q.set('metricnamespace', 'Microsoft.Compute/virtualMachines');
    q.set('metricnames', VM_PLATFORM_METRICS.join(','));
    q.set('aggregation', 'average');
    q.set('interval', 'PT1M');
    q.set('timespan', `${from.toISOString()}/${to.toISOString()}`);
    // Without top, a dimension split returns only 10 series per metric.
    q.set('top', String(resourceIds.length));
    q.set('$filter', resourceIdFilter(resourceIds));
    return this.call(site, signal, async () => {
      const res = await this.computeClient(subscriptionId).pipeline.sendRequest(
        createDefaultHttpClient(),
        createPipelineRequest({ url: url.toString(), method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }), abortSignal: signal }),
      );
      if (res.status >= 400) throw errorForStatus(failureOf(res), site);
      return parseResponse(MonitorMetricsPayload, parseJson(res.bodyAsText, site.api), site.api);
    });
  }

  /** The public status RSS feed (no credential: it is public). */
  async statusFeed(signal: AbortSignal): Promise<string> {
    const url = this.settings.statusFeedUrl;
    if (!url) throw new ConfigError('no status feed for this cloud; set statusFeedUrl');
    const site: CallSite = { api: 'Azure status feed', subscriptionId: null, role: 'Reader' };
    if (!this.feed) {
      const pipeline = createPipelineFromOptions({ tlsOptions: this.ca ? { ca: this.ca } : undefined, retryOptions: this.commonOptions().retryOptions });
      pipeline.addPolicy(timeoutPolicy(this.cfg.requestTimeoutMs), { afterPhase: 'Sign' });
      this.feed = { pipeline, http: createDefaultHttpClient() };
    }
    const { pipeline, http } = this.feed;
    return this.call(site, signal, async () => {
      const res = await pipeline.sendRequest(http, createPipelineRequest({ url, method: 'GET', abortSignal: signal }));
      if (res.status >= 400) throw errorForStatus(failureOf(res), site);
      return res.bodyAsText ?? '';
    });
  }

  private async postJson(pipeline: Pipeline, url: string, body: unknown, signal: AbortSignal): Promise<unknown> {
    const res = await pipeline.sendRequest(
      createDefaultHttpClient(),
      createPipelineRequest({
        url,
        method: 'POST',
        body: JSON.stringify(body),
        headers: createHttpHeaders({ 'content-type': 'application/json', accept: 'application/json' }),
        abortSignal: signal,
      }),
    );
    if (res.status === 204) return undefined;
    if (res.status >= 400) throw Object.assign(new Error(`HTTP ${res.status}`), { name: 'RestError', statusCode: res.status, response: res });
    return parseJson(res.bodyAsText, 'Cost Management query');
  }

  private async withCostBackoff<T>(site: CallSite, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.call(site, signal, fn);
      } catch (err) {
        const inline = err instanceof ThrottledError && (err.retryAfterMs ?? Infinity) <= this.cfg.retry.maxInlineWaitMs;
        if (!inline || attempt >= this.cfg.retry.maxRetries) throw err;
        await this.clock.sleep(err.retryAfterMs ?? 0, signal);
      }
    }
  }

  private async call<T>(site: CallSite, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toConnectorError(err, site, signal);
    }
  }

  private async *pages<T>(
    site: CallSite,
    signal: AbortSignal,
    schema: z.ZodType<T>,
    open: () => AsyncIterableIterator<unknown[]>,
  ): AsyncIterable<T[]> {
    let it: AsyncIterableIterator<unknown[]>;
    try {
      it = open();
    } catch (err) {
      throw toConnectorError(err, site, signal);
    }
    for (;;) {
      let next: IteratorResult<unknown[]>;
      try {
        next = await it.next();
      } catch (err) {
        throw toConnectorError(err, site, signal);
      }
      if (next.done) return;
      yield parseResponse(z.array(schema), next.value, site.api);
    }
  }
}

function readCa(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read tlsCaFile ${path} (${fileErrorReason(err)})`);
  }
  // TLS accepts a file without certificates silently; say so instead of failing later without a reason.
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`tlsCaFile ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  return text;
}

function parseJson(text: string | null | undefined, api: string): unknown {
  try {
    return JSON.parse(text ?? '');
  } catch (err) {
    throw toConnectorError(err, { api, subscriptionId: null, role: 'Reader' });
  }
}

/** The error for a workspace answer that was not a whole matrix, naming the API. */
function matrixRefusal(verdict: Exclude<MatrixVerdict, { kind: 'matrix' }>, site: CallSite): Error {
  switch (verdict.kind) {
    case 'not-json':
      return new MalformedResponseError(`${site.api}: response body is not valid JSON (or ends before its JSON does)`, { cause: verdict.cause });
    case 'not-matrix':
      return new MalformedResponseError(`${site.api}: response is not a matrix answer`);
    case 'bad-series':
      return new MalformedResponseError(`${site.api}: series ${verdict.index} of the matrix answer is malformed`);
    case 'error': {
      const msg = `${site.api}: ${verdict.errorType ?? 'error'}: ${verdict.error ?? ''}`;
      return verdict.errorType === 'bad_data' ? new ConfigError(msg) : new UnavailableError(msg);
    }
  }
}

function failureOf(res: PipelineResponse) {
  return { status: res.status, header: (n: string) => res.headers.get(n) ?? null, body: res.bodyAsText ?? null };
}

function timeoutPolicy(ms: number): PipelinePolicy {
  return {
    name: 'fleetpaneTimeout',
    sendRequest(request, next) {
      if (!request.timeout) request.timeout = ms;
      return next(request);
    },
  };
}

const SUBSCRIPTION_IN_PATH = /\/subscriptions\/([0-9a-fA-F-]{36})(?:\/|$|\?)/;

/**
 * Per attempt: paces a request when the subscription's read budget runs low, records the budget from
 * the response, and turns a 429 whose Retry-After is too long to wait in-process into an error the
 * sync engine reschedules (the SDK would otherwise sleep through it).
 */
export function armGuardPolicy(budget: ReadBudgetTracker, maxInlineWaitMs: number, timeoutMs: number): PipelinePolicy {
  return {
    name: 'fleetpaneArmGuard',
    async sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      const sub = SUBSCRIPTION_IN_PATH.exec(new URL(request.url).pathname)?.[1]?.toLowerCase() ?? null;
      if (sub && request.method === 'GET') await budget.pace(sub, request.abortSignal as AbortSignal | undefined);
      const res = await next(request);
      const reads = res.headers.get('x-ms-ratelimit-remaining-subscription-reads');
      if (sub && reads && /^\d+$/.test(reads.trim())) budget.record(sub, Number(reads.trim()));
      if (res.status === 429) {
        const wait = retryAfterMs((n) => res.headers.get(n) ?? null);
        if (wait === null || wait > maxInlineWaitMs) {
          // Not named RestError, so the SDK's retry policy lets it through instead of sleeping.
          throw Object.assign(new Error('throttled beyond the in-process wait'), { name: 'ArmThrottleError', statusCode: 429, response: res });
        }
      }
      return res;
    },
  };
}

/** Role needed per call family, for messages built outside this file. */
export const ROLE_FOR: Record<'inventory' | 'costs' | 'metrics' | 'incidents', AzureRole> = {
  inventory: 'Reader',
  costs: 'Cost Management Reader',
  metrics: 'Monitoring Reader',
  incidents: 'Reader',
};
