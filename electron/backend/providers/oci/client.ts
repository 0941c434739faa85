/**
 * I/O through Oracle's official TypeScript SDK (oci-common, oci-identity, oci-core, oci-monitoring,
 * oci-usageapi, oci-announcementsservice). Every request is signed by the SDK; every response we use
 * is validated; every failure becomes a typed ConnectorError naming the operation, region,
 * compartment and the IAM policy statement it needs.
 *
 * One HTTP layer sits under every SDK client: it keeps Retry-After of 429 answers (the SDK's errors
 * drop response headers) and keeps the Usage API's amounts as the digits on the wire.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as common from 'oci-common';
import * as announcements from 'oci-announcementsservice';
import * as core from 'oci-core';
import * as identity from 'oci-identity';
import * as monitoring from 'oci-monitoring';
import * as usageapi from 'oci-usageapi';
import type { z } from 'zod';
import { describeZodError } from '../../../../shared/format';
import { fileErrorReason } from '../common/secret-text';
import { ConfigError, MalformedResponseError, ThrottledError } from '../types';
import { endpointFor, type OciAccountConfig, type OciPassphrase } from './config';
import { parseRetryAfter, toOciError, type OciCallSite, type OciOperation } from './errors';
import {
  RawAnnouncement,
  RawAnnouncementsCollection,
  RawCompartment,
  RawInstance,
  RawMaintenanceEvent,
  RawMetricData,
  RawRegionSubscription,
  RawUsageAggregation,
  RawUsageSummary,
} from './raw';
import { retryWaitMs, sleep } from '../common/retry';
import { readSecret } from '../common/secret-ref';

/** One SummarizeMetricsData request. */
export interface MetricsQuery {
  region: string;
  compartmentId: string;
  compartmentName: string;
  namespace: string;
  query: string;
  from: number;
  to: number;
}

/** The calls the connector makes; index.ts drives them, tests reach them through the emulator. */
export interface OciApi {
  /** Tenancy OCID of the credential (profile, or config for instance principals). */
  readonly tenancyId: string;
  /** Region named by the profile, if any. */
  readonly profileRegion: string | null;
  /** Who IAM policy statements are written for ("group <your-group>" or "dynamic-group ..."). */
  readonly policySubject: string;
  regionSubscriptions(region: string, signal: AbortSignal): Promise<RawRegionSubscription[]>;
  compartments(region: string, rootId: string, signal: AbortSignal): Promise<RawCompartment[]>;
  instancePages(region: string, compartmentId: string, compartmentName: string, signal: AbortSignal): AsyncIterable<RawInstance[]>;
  summarizeMetrics(q: MetricsQuery, signal: AbortSignal): Promise<RawMetricData[]>;
  usagePages(region: string, from: number, to: number, signal: AbortSignal): AsyncIterable<RawUsageSummary[]>;
  announcements(region: string, signal: AbortSignal): Promise<RawAnnouncement[]>;
  announcement(region: string, id: string, signal: AbortSignal): Promise<RawAnnouncement>;
  maintenanceEvents(region: string, compartmentId: string, compartmentName: string, signal: AbortSignal): Promise<RawMaintenanceEvent[]>;
  /** Calls made per operation since the connector was built (for the account view and the README). */
  callCounts(): Record<string, number>;
}

/** What signs requests, the tenancy it belongs to, and the profile's region. */
export interface ResolvedAuth {
  provider: common.AuthenticationDetailsProvider;
  tenancyId: string;
  region: string | null;
  policySubject: string;
}

async function readPassphrase(p: OciPassphrase | undefined, account: string): Promise<string | null> {
  if (!p) return null;
  return readSecret(p, { account, field: 'credential.passphrase', kind: 'passphrase' });
}

async function readKey(path: string, account: string, passphrase: string | null): Promise<string> {
  let text: string;
  try {
    text = await readFile(common.ConfigFileReader.expandUserHome(path), 'utf8');
  } catch (err) {
    throw new ConfigError(`account ${account}: cannot read the API key file ${path} (${fileErrorReason(err)})`, { cause: err });
  }
  // Checked here, because the signer's own errors quote the key it was given.
  try {
    createPrivateKey(passphrase === null ? text : { key: text, passphrase });
  } catch {
    throw new ConfigError(`account ${account}: the API key file ${path} is not a PEM private key${passphrase === null ? '' : ' this passphrase opens'}`);
  }
  return text;
}

/**
 * Parses an OCI CLI config file. The SDK's parser quotes the line it refuses (all of
 * /proc/self/environ is one line), so the lines are checked here first and refused by number.
 */
export function parseOciConfigText(text: string, path: string, profile: string, account: string): ReturnType<typeof common.ConfigFileReader.parse> {
  let inProfile = false;
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.trim();
    const where = `line ${index + 1} of the OCI config file ${path}`;
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[') && line.endsWith(']')) {
      if (line.slice(1, -1).trim() === '') throw new ConfigError(`account ${account}: ${where} is an empty [profile] header`);
      inProfile = true;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) throw new ConfigError(`account ${account}: ${where} is not a "key = value" line`);
    if (line.slice(0, eq).trim() === '') throw new ConfigError(`account ${account}: ${where} has no key before "="`);
    if (!inProfile) throw new ConfigError(`account ${account}: ${where} comes before the first [profile] header`);
  }
  try {
    return common.ConfigFileReader.parse(text, profile);
  } catch {
    throw new ConfigError(`account ${account}: the OCI config file ${path} has no profile [${profile}]`);
  }
}

/** Reads the credential the config names: a ~/.oci/config profile, an explicit key, or instance principals. */
export async function resolveAuth(config: OciAccountConfig): Promise<ResolvedAuth> {
  const cred = config.credential;
  const account = config.name;
  if (cred.type === 'instancePrincipal') {
    const provider = await new common.InstancePrincipalsAuthenticationDetailsProviderBuilder().build();
    return { provider, tenancyId: config.tenancyId as string, region: null, policySubject: 'dynamic-group <your-dynamic-group>' };
  }
  if (cred.type === 'apiKey') {
    const pass = await readPassphrase(cred.passphrase, account);
    const key = await readKey(cred.keyFile, account, pass);
    const tenancy = config.tenancyId as string;
    return { provider: new common.SimpleAuthenticationDetailsProvider(tenancy, cred.user, cred.fingerprint, key, pass), tenancyId: tenancy, region: null, policySubject: 'group <your-group>' };
  }
  const path = cred.path ?? process.env.OCI_CONFIG_FILE ?? common.ConfigFileReader.DEFAULT_FILE_PATH;
  let text: string;
  try {
    text = await readFile(common.ConfigFileReader.expandUserHome(path), 'utf8');
  } catch (err) {
    throw new ConfigError(`account ${account}: cannot read the OCI config file ${path} (${fileErrorReason(err)})`, { cause: err });
  }
  const profile = parseOciConfigText(text, path, cred.profile, account);
  const field = (name: string): string => {
    const v = profile.get(name);
    if (!v) throw new ConfigError(`account ${account}: profile [${cred.profile}] of ${path} has no "${name}"`);
    return v;
  };
  const tenancy = config.tenancyId ?? field('tenancy');
  // The profile's own pass_phrase is the OCI CLI's convention; our config never holds one inline.
  const pass = (await readPassphrase(cred.passphrase, account)) ?? profile.get('pass_phrase');
  const key = await readKey(field('key_file'), account, pass);
  return {
    provider: new common.SimpleAuthenticationDetailsProvider(tenancy, field('user'), field('fingerprint'), key, pass),
    tenancyId: tenancy,
    region: profile.get('region'),
    policySubject: 'group <your-group>',
  };
}

/** Parses `data` with `schema`, or throws MalformedResponseError naming where. */
export function parseResponse<S extends z.ZodType>(schema: S, data: unknown, where: string): z.infer<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new MalformedResponseError(describeZodError(parsed.error, where));
  return parsed.data;
}

/** Quotes the Usage API's amounts so JSON.parse keeps their digits (a string value cannot match: its quotes are escaped). */
export function quoteAmounts(json: string): string {
  return json.replace(/"(computedAmount|computedQuantity|unitPrice|listRate)"(\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g, '"$1"$2"$3"');
}

/**
 * The HTTP layer under every SDK client: signs through the SDK's FetchHttpClient, remembers
 * Retry-After of 429 answers by opc-request-id, and (for the Usage API) keeps amounts exact.
 */
class FleetHttpClient implements common.HttpClient {
  private readonly inner: common.FetchHttpClient;

  constructor(
    signer: common.RequestSigner,
    private readonly retryAfter: Map<string, number>,
    private readonly exactAmounts: boolean,
  ) {
    this.inner = new common.FetchHttpClient(signer);
  }

  async send(...args: Parameters<common.HttpClient['send']>): Promise<Response> {
    const res = await this.inner.send(...args);
    if (res.status === 429 || res.status === 503) {
      const id = res.headers.get('opc-request-id');
      const after = parseRetryAfter(res.headers.get('retry-after'), Date.now());
      if (id && after !== null) this.retryAfter.set(id, after);
    }
    if (!this.exactAmounts || res.status < 200 || res.status > 299) return res;
    const text = quoteAmounts(await res.text());
    return new Response(text, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}

interface SdkClient {
  endpoint: string;
  regionId: string;
}

/** Builds the API surface over the SDK clients for one account. */
export async function openOciApi(config: OciAccountConfig, auth?: ResolvedAuth): Promise<OciApi> {
  const resolved = auth ?? (await resolveAuth(config));
  const signer = new common.DefaultRequestSigner(resolved.provider);
  const retryAfter = new Map<string, number>();
  const plainHttp = new FleetHttpClient(signer, retryAfter, false);
  const exactHttp = new FleetHttpClient(signer, retryAfter, true);
  // Our own backoff below; the SDK's retrier would hide 429s and sleep without our abort signal.
  const clientConfiguration: common.ClientConfiguration = { retryConfiguration: common.NoRetryConfigurationDetails };
  // The HTTP layer signs (FetchHttpClient with the SDK's signer); the SDK takes it instead of a provider.
  const params = (httpClient: common.HttpClient) => ({ httpClient });
  const counts: Record<string, number> = {};
  const eps = config.endpoints;

  const cache = new Map<string, SdkClient>();
  function client<C extends SdkClient>(kind: keyof typeof eps, region: string, make: () => C): C {
    const key = `${kind}\u0000${region}`;
    let c = cache.get(key) as C | undefined;
    if (!c) {
      c = make();
      const override = endpointFor(eps[kind], region);
      if (override) c.endpoint = override;
      else c.regionId = region;
      cache.set(key, c);
    }
    return c;
  }
  const compute = (region: string) => client('iaas', region, () => new core.ComputeClient(params(plainHttp), clientConfiguration));
  const ident = (region: string) => client('identity', region, () => new identity.IdentityClient(params(plainHttp), clientConfiguration));
  const telemetry = (region: string) => client('telemetry', region, () => new monitoring.MonitoringClient(params(plainHttp), clientConfiguration));
  const usage = (region: string) => client('usage', region, () => new usageapi.UsageapiClient(params(exactHttp), clientConfiguration));
  const announce = (region: string) => client('announcements', region, () => new announcements.AnnouncementClient(params(plainHttp), clientConfiguration));

  const site = (operation: OciOperation, region: string | null, compartment: string | null, namespace?: string): OciCallSite => ({
    operation,
    region,
    compartment,
    subject: resolved.policySubject,
    ...(namespace ? { namespace } : {}),
  });

  /** Runs one call, backing off while OCI answers 429; the last ThrottledError goes to the sync engine. */
  async function call<T>(s: OciCallSite, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    let delay = config.backoff.initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) throw signal.reason;
      counts[s.operation] = (counts[s.operation] ?? 0) + 1;
      try {
        return await fn();
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const id = (err as { opcRequestId?: unknown } | null)?.opcRequestId;
        const server = typeof id === 'string' ? (retryAfter.get(id) ?? null) : null;
        if (typeof id === 'string') retryAfter.delete(id);
        const typed = toOciError(err, s, server, Math.max(delay * 2, 1000));
        if (!(typed instanceof ThrottledError) || attempt >= config.backoff.attempts) throw typed;
        await sleep(retryWaitMs(delay, server), signal);
        delay *= 2;
      }
    }
  }

  const limit = config.pageSize;

  return {
    tenancyId: resolved.tenancyId,
    profileRegion: resolved.region,
    policySubject: resolved.policySubject,

    async regionSubscriptions(region, signal) {
      const res = await call(site('ListRegionSubscriptions', region, null), signal, () =>
        ident(region).listRegionSubscriptions({ tenancyId: resolved.tenancyId }),
      );
      return (res.items ?? []).map((r, i) => parseResponse(RawRegionSubscription, r, `ListRegionSubscriptions [${i}]`));
    },

    async compartments(region, rootId, signal) {
      const out: RawCompartment[] = [];
      let page: string | undefined;
      do {
        const res = await call(site('ListCompartments', region, null), signal, () =>
          ident(region).listCompartments({
            compartmentId: rootId,
            compartmentIdInSubtree: true,
            accessLevel: identity.requests.ListCompartmentsRequest.AccessLevel.Any,
            lifecycleState: 'ACTIVE',
            limit,
            ...(page ? { page } : {}),
          }),
        );
        for (const [i, c] of (res.items ?? []).entries()) out.push(parseResponse(RawCompartment, c, `ListCompartments (${rootId}) [${i}]`));
        page = res.opcNextPage || undefined;
      } while (page);
      return out;
    },

    async *instancePages(region, compartmentId, compartmentName, signal) {
      let page: string | undefined;
      do {
        const res = await call(site('ListInstances', region, compartmentName), signal, () =>
          compute(region).listInstances({ compartmentId, limit, ...(page ? { page } : {}) }),
        );
        yield (res.items ?? []).map((inst, i) => parseResponse(RawInstance, inst, `ListInstances (${region}, compartment ${compartmentName}) [${i}]`));
        page = res.opcNextPage || undefined;
      } while (page);
    },

    async summarizeMetrics(q, signal) {
      const res = await call(site('SummarizeMetricsData', q.region, q.compartmentName, q.namespace), signal, () =>
        telemetry(q.region).summarizeMetricsData({
          compartmentId: q.compartmentId,
          compartmentIdInSubtree: false,
          summarizeMetricsDataDetails: {
            namespace: q.namespace,
            query: q.query,
            startTime: new Date(q.from),
            endTime: new Date(q.to),
            resolution: '1m',
          },
        }),
      );
      const items: unknown = res.items;
      if (!Array.isArray(items)) throw new MalformedResponseError(`SummarizeMetricsData (${q.region}, compartment ${q.compartmentName}): expected an array of MetricData`);
      return items.map((m, i) => parseResponse(RawMetricData, m, `SummarizeMetricsData (${q.region}, compartment ${q.compartmentName}) [${i}]`));
    },

    async *usagePages(region, from, to, signal) {
      let page: string | undefined;
      do {
        const res = await call(site('RequestSummarizedUsages', region, null), signal, () =>
          usage(region).requestSummarizedUsages({
            requestSummarizedUsagesDetails: {
              tenantId: resolved.tenancyId,
              timeUsageStarted: new Date(from),
              timeUsageEnded: new Date(to),
              granularity: usageapi.models.RequestSummarizedUsagesDetails.Granularity.Daily,
              queryType: usageapi.models.RequestSummarizedUsagesDetails.QueryType.Cost,
              groupBy: ['resourceId', 'skuPartNumber', 'skuName', 'service', 'region', 'compartmentId', 'unit'],
              isAggregateByTime: false,
            },
            limit,
            ...(page ? { page } : {}),
          }),
        );
        const agg = parseResponse(RawUsageAggregation, res.usageAggregation, 'RequestSummarizedUsages');
        yield agg.items.map((u, i) => parseResponse(RawUsageSummary, u, `RequestSummarizedUsages item ${i}`));
        page = res.opcNextPage || undefined;
      } while (page);
    },

    async announcements(region, signal) {
      const out: RawAnnouncement[] = [];
      let page: string | undefined;
      do {
        const res = await call(site('ListAnnouncements', region, null), signal, () =>
          announce(region).listAnnouncements({ compartmentId: resolved.tenancyId, limit, ...(page ? { page } : {}) }),
        );
        const coll = parseResponse(RawAnnouncementsCollection, res.announcementsCollection, 'ListAnnouncements');
        for (const [i, a] of (coll.items ?? []).entries()) out.push(parseResponse(RawAnnouncement, a, `ListAnnouncements [${i}]`));
        page = res.opcNextPage || undefined;
      } while (page);
      return out;
    },

    async announcement(region, id, signal) {
      const res = await call(site('GetAnnouncement', region, null), signal, () => announce(region).getAnnouncement({ announcementId: id }));
      return parseResponse(RawAnnouncement, res.announcement, `GetAnnouncement ${id}`);
    },

    async maintenanceEvents(region, compartmentId, compartmentName, signal) {
      const out: RawMaintenanceEvent[] = [];
      let page: string | undefined;
      do {
        const res = await call(site('ListInstanceMaintenanceEvents', region, compartmentName), signal, () =>
          compute(region).listInstanceMaintenanceEvents({ compartmentId, limit, ...(page ? { page } : {}) }),
        );
        for (const [i, e] of (res.items ?? []).entries()) {
          out.push(parseResponse(RawMaintenanceEvent, e, `ListInstanceMaintenanceEvents (${region}, compartment ${compartmentName}) [${i}]`));
        }
        page = res.opcNextPage || undefined;
      } while (page);
      return out;
    },

    callCounts: () => ({ ...counts }),
  };
}
