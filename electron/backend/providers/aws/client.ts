/**
 * The AWS calls the connector makes, through the official SDK v3 clients: one client per account,
 * region and service (cached), the SDK's adaptive retry, endpoint overrides from the config, and every
 * failure mapped to a ConnectorError naming the IAM action. Credentials: the SDK's default chain or
 * the named profile for the base account; `sts:AssumeRole` into a role for each member account.
 */
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type Metric, type MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import {
  DescribeCapacityReservationsCommand,
  DescribeInstanceStatusCommand,
  DescribeInstanceTypesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  EC2Client,
  type _InstanceType,
  type CapacityReservation,
  type Instance,
  type InstanceStatus,
  type InstanceTypeInfo,
} from '@aws-sdk/client-ec2';
import {
  DescribeAffectedEntitiesCommand,
  DescribeAffectedEntitiesForOrganizationCommand,
  DescribeEventsCommand,
  DescribeEventsForOrganizationCommand,
  DescribeHealthServiceStatusForOrganizationCommand,
  HealthClient,
  type AffectedEntity,
  type Event as HealthEvent,
  type OrganizationEvent,
} from '@aws-sdk/client-health';
import { ListAccountsCommand, OrganizationsClient, type Account } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { SignatureV4 } from '@smithy/signature-v4';
import { MatrixScanner, scanAnswer, type MatrixSink } from '../common/prom-matrix';
import { Sha256 } from './sha256';
import { RequestBudget, type BudgetOptions, type BudgetState } from './budget';
import type { CostsRequest, FocusExportFiles } from '../types';
import { endpointFor, type AwsAccountConfig } from './config';

/** A credential provider as the SDK takes it (the type of the default chain's provider). */
export type AwsCredentialIdentityProvider = ReturnType<typeof fromNodeProviderChain>;
/** A resolved credential: access key, secret, optional session token and expiry. */
export type AwsCredentialIdentity = Awaited<ReturnType<AwsCredentialIdentityProvider>>;
import { toConnectorError, type CallSite } from './errors';
import { focusExportFiles } from './spend';

/** One account the connector reads, with the credential that reaches it. */
export interface AccountScope {
  accountId: string;
  name: string;
  /** The role assumed, or null for the base credential's own account. */
  roleName: string | null;
  credentials: AwsCredentialIdentityProvider;
}

export interface MetricSeries {
  timestamps: number[];
  values: number[];
}

export interface AwsApi {
  /** The base credential's account and ARN (STS GetCallerIdentity). */
  callerIdentity(signal: AbortSignal): Promise<{ accountId: string; arn: string }>;
  /** Organizations ListAccounts, every page. */
  listAccounts(signal: AbortSignal): Promise<Account[]>;
  /** The base account's scope. */
  baseScope(accountId: string, name: string): AccountScope;
  /** A member account reached by assuming `roleName` in it. */
  memberScope(accountId: string, name: string, roleName: string, externalId?: string): AccountScope;
  /** Checks that the scope's credential resolves (assumes the role now, so a refusal is told per account). */
  resolve(scope: AccountScope, signal: AbortSignal): Promise<void>;
  /** Regions enabled for the account (opted in or not requiring opt-in). */
  regions(scope: AccountScope, signal: AbortSignal): Promise<string[]>;
  /** DescribeInstances pages in a region, filtered to instance states. */
  instancePages(scope: AccountScope, region: string, states: readonly string[], signal: AbortSignal): AsyncIterable<Instance[]>;
  instanceTypes(scope: AccountScope, region: string, types: readonly string[], signal: AbortSignal): Promise<InstanceTypeInfo[]>;
  /** DescribeInstanceStatus for every non-terminated instance (IncludeAllInstances), every page. */
  instanceStatuses(scope: AccountScope, region: string, signal: AbortSignal): Promise<InstanceStatus[]>;
  /** The Capacity Reservations and Capacity Blocks for ML of these ids, every page. */
  capacityReservations(scope: AccountScope, region: string, ids: readonly string[], signal: AbortSignal): Promise<CapacityReservation[]>;
  /** ListMetrics of one metric in the namespace (recently active), every page. */
  listMetrics(scope: AccountScope, region: string, namespace: string, metricName: string, signal: AbortSignal): Promise<Metric[]>;
  /** GetMetricData over [from, to) for at most 500 queries, every NextToken page merged per query id. */
  metricData(scope: AccountScope, region: string, queries: MetricDataQuery[], from: number, to: number, signal: AbortSignal): Promise<Map<string, MetricSeries>>;
  /**
   * A PromQL range query to an Amazon Managed Service for Prometheus workspace (its URL), SigV4-signed
   * for service `aps` in `region` with the scope's credential; times in epoch seconds. Each series is
   * handed to `sink` as the answer's bytes arrive (no parsed matrix is held); an answer that is not a
   * whole matrix is thrown as malformed, and is never retried here.
   */
  promQueryRangeInto(scope: AccountScope, workspace: { url: string; region: string }, query: string, start: number, end: number, stepSeconds: number, signal: AbortSignal, sink: MatrixSink): Promise<void>;
  /** AWS Health DescribeEvents filtered to regions and services, every page. */
  healthEvents(scope: AccountScope, filter: { regions: string[]; services: string[]; since: number }, signal: AbortSignal): Promise<HealthEvent[]>;
  affectedEntities(scope: AccountScope, eventArns: string[], signal: AbortSignal): Promise<AffectedEntity[]>;
  /** Whether AWS Health's organizational view is enabled (`ENABLED` / `DISABLED`), asked of the management or delegated administrator account. */
  healthOrganizationStatus(scope: AccountScope, signal: AbortSignal): Promise<string | null>;
  /** DescribeEventsForOrganization filtered to regions and services, every page. */
  organizationHealthEvents(scope: AccountScope, filter: { regions: string[]; services: string[]; since: number }, signal: AbortSignal): Promise<OrganizationEvent[]>;
  /** DescribeAffectedEntitiesForOrganization of these events in every account, every page. */
  organizationAffectedEntities(scope: AccountScope, eventArns: string[], signal: AbortSignal): Promise<AffectedEntity[]>;
  /** The raw bytes of the public AWS Health Dashboard feed (no credential). */
  publicHealthFeed(signal: AbortSignal): Promise<Uint8Array>;
  /**
   * The AWS Data Exports FOCUS export's current files per billing period, read with the base
   * credential from the `spend` bucket (absent in fakes that do not read spend).
   */
  focusExports?(req: CostsRequest): AsyncIterable<FocusExportFiles>;
  callCounts(): Record<string, number>;
  /** Our request budget per account and region. */
  budget(): BudgetState[];
}

export interface OpenAwsApiOptions {
  /** The base credential (tests pass a static key; otherwise the profile or the default chain). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** The request budget per account and region (tests pass a small one with a fake clock). */
  budget?: BudgetOptions;
}

/** The base credential: the named profile (SSO, assume-role and process profiles included) or the default chain. */
export function baseCredentials(config: AwsAccountConfig): AwsCredentialIdentityProvider {
  return config.profile ? fromIni({ profile: config.profile }) : fromNodeProviderChain();
}

/**
 * Instance type patterns of the accelerated families (P, G, Trn, Inf, DL), so DescribeInstances does
 * not page through every general-purpose machine; a type without GpuInfo/NeuronInfo is still dropped.
 */
export const ACCELERATED_TYPES = ['p*', 'g*', 'trn*', 'inf*', 'dl*'];

/**
 * One resolution shared by every client of an account (each SDK client would otherwise assume the role
 * on its own), renewed five minutes before it expires; a failed resolution is not kept.
 */
export function sharedCredentials(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | null = null;
  let expires = 0;
  return () => {
    if (current && (expires === 0 || expires - Date.now() > 300_000)) return current;
    const next = provider().then((c) => {
      expires = c.expiration?.getTime() ?? 0;
      return c;
    });
    next.catch(() => {
      if (current === next) current = null;
    });
    current = next;
    return next;
  };
}

/** An HTTP answer of the workspace as an error the SDK's error mapping reads (code and status). */
function apsFailure(status: number, type: string | null, text: string): Error {
  const code = type?.split(':')[0] || (status === 403 ? 'AccessDeniedException' : status === 429 ? 'ThrottlingException' : status === 401 ? 'UnrecognizedClientException' : `HTTP${status}`);
  // The body is the service's own message, not content of ours; kept short.
  return Object.assign(new Error(text.slice(0, 300) || `HTTP ${status}`), { name: code, $metadata: { httpStatusCode: status } });
}

/** An answer that is not JSON, as the SDK's error mapping reads a body it cannot parse. */
const notJson = (): Error => Object.assign(new Error('the workspace answered with something that is not JSON'), { name: 'DeserializationError' });
/** JSON that is not a range query's matrix. */
const notMatrix = (): Error => Object.assign(new Error('the workspace answered JSON that is not a matrix of a range query'), { name: 'DeserializationError' });

/** POSTs a range query to the workspace, SigV4-signed for `aps` with the scope's credential. */
async function signedQueryRange(scope: AccountScope, workspace: { url: string; region: string }, query: string, start: number, end: number, stepSeconds: number, signal: AbortSignal): Promise<Response> {
  const url = new URL(`${workspace.url}/api/v1/query_range`);
  const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(stepSeconds) }).toString();
  const signer = new SignatureV4({ credentials: scope.credentials, region: workspace.region, service: 'aps', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
  });
  return fetch(url, { method: 'POST', headers: signed.headers, body, signal });
}

/** Builds the API over the official clients. */
export function openAwsApi(config: AwsAccountConfig, options: OpenAwsApiOptions = {}): AwsApi {
  const given = options.credentials;
  const base: AwsCredentialIdentityProvider = given === undefined ? baseCredentials(config) : typeof given === 'function' ? given : async () => given;
  const counts: Record<string, number> = {};
  const clients = new Map<string, unknown>();
  const common = { maxAttempts: config.retry.maxAttempts, retryMode: 'adaptive' as const };

  function client<T>(kind: string, scope: AccountScope | null, region: string, make: () => T): T {
    const key = `${kind}\u0000${scope?.accountId ?? ''}\u0000${region}`;
    let c = clients.get(key) as T | undefined;
    if (!c) {
      c = make();
      clients.set(key, c);
    }
    return c;
  }
  const ec2 = (scope: AccountScope, region: string) =>
    client('ec2', scope, region, () => new EC2Client({ ...common, region, credentials: scope.credentials, endpoint: endpointFor(config, 'ec2', region) }));
  const cw = (scope: AccountScope, region: string) =>
    client('cw', scope, region, () => new CloudWatchClient({ ...common, region, credentials: scope.credentials, endpoint: endpointFor(config, 'cloudwatch', region) }));
  // AWS Health's global endpoint is in us-east-1 for the aws partition.
  const healthRegion = config.homeRegion.startsWith('us-gov-') ? 'us-gov-west-1' : config.homeRegion.startsWith('cn-') ? 'cn-northwest-1' : 'us-east-1';
  const health = (scope: AccountScope) =>
    client('health', scope, healthRegion, () => new HealthClient({ ...common, region: healthRegion, credentials: scope.credentials, endpoint: endpointFor(config, 'health', healthRegion) }));
  const sts = () => client('sts', null, config.homeRegion, () => new STSClient({ ...common, region: config.homeRegion, credentials: base, endpoint: endpointFor(config, 'sts', config.homeRegion) }));
  const orgs = () => client('orgs', null, config.homeRegion, () => new OrganizationsClient({ ...common, region: config.homeRegion, credentials: base, endpoint: endpointFor(config, 'organizations', config.homeRegion) }));

  const budget = new RequestBudget(options.budget);

  async function call<T>(signal: AbortSignal, action: string, scope: AccountScope | null, region: string | null, run: () => Promise<T>): Promise<T> {
    // The public feed is not an AWS API call of the account: no budget.
    const paced = action !== 'health:PublicFeed';
    const key = `account ${scope?.accountId ?? 'base credential'} ${region ?? 'global'}`;
    if (paced) await budget.take(key, signal);
    counts[action] = (counts[action] ?? 0) + 1;
    try {
      const out = await run();
      if (paced) budget.succeeded(key);
      return out;
    } catch (err) {
      const site: CallSite = { action, accountId: scope?.accountId ?? null, region, profile: config.profile ?? null, roleName: scope?.roleName ?? null };
      const mapped = toConnectorError(err, site);
      if (paced && mapped.kind === 'throttled') budget.throttled(key);
      throw mapped;
    }
  }

  return {
    callerIdentity: async (signal) => {
      const out = await call(signal, 'sts:GetCallerIdentity', null, config.homeRegion, () => sts().send(new GetCallerIdentityCommand({}), { abortSignal: signal }));
      return { accountId: out.Account ?? '', arn: out.Arn ?? '' };
    },
    listAccounts: async (signal) => {
      const all: Account[] = [];
      let token: string | undefined;
      do {
        const out = await call(signal, 'organizations:ListAccounts', null, config.homeRegion, () => orgs().send(new ListAccountsCommand({ NextToken: token }), { abortSignal: signal }));
        all.push(...(out.Accounts ?? []));
        token = out.NextToken;
      } while (token);
      return all;
    },
    baseScope: (accountId, name) => ({ accountId, name, roleName: null, credentials: base }),
    memberScope: (accountId, name, roleName, externalId) => ({
      accountId,
      name,
      roleName,
      credentials: sharedCredentials(fromTemporaryCredentials({
        masterCredentials: base,
        params: { RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`, RoleSessionName: 'fleetpane', DurationSeconds: 3600, ...(externalId ? { ExternalId: externalId } : {}) },
        clientConfig: { region: config.homeRegion, maxAttempts: config.retry.maxAttempts, ...(config.endpoints.sts ? { endpoint: endpointFor(config, 'sts', config.homeRegion) } : {}) },
      })),
    }),
    resolve: async (scope, signal) => {
      await call(signal, scope.roleName ? 'sts:AssumeRole' : 'sts:GetCallerIdentity', scope, config.homeRegion, async () => {
        await scope.credentials();
      });
    },
    regions: async (scope, signal) => {
      const out = await call(signal, 'ec2:DescribeRegions', scope, config.homeRegion, () =>
        ec2(scope, config.homeRegion).send(new DescribeRegionsCommand({ AllRegions: false, Filters: [{ Name: 'opt-in-status', Values: ['opt-in-not-required', 'opted-in'] }] }), { abortSignal: signal }),
      );
      return (out.Regions ?? []).map((r) => r.RegionName).filter((r): r is string => typeof r === 'string').sort();
    },
    instancePages: (scope, region, states, signal) => ({
      async *[Symbol.asyncIterator]() {
        let token: string | undefined;
        do {
          const out = await call(signal, 'ec2:DescribeInstances', scope, region, () =>
            ec2(scope, region).send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-state-name', Values: [...states] }, { Name: 'instance-type', Values: ACCELERATED_TYPES }], MaxResults: 1000, NextToken: token }), { abortSignal: signal }),
          );
          yield (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
          token = out.NextToken;
        } while (token);
      },
    }),
    instanceTypes: async (scope, region, types, signal) => {
      const all: InstanceTypeInfo[] = [];
      // At most 100 instance types per request.
      for (let i = 0; i < types.length; i += 100) {
        let token: string | undefined;
        do {
          const out = await call(signal, 'ec2:DescribeInstanceTypes', scope, region, () =>
            ec2(scope, region).send(new DescribeInstanceTypesCommand({ InstanceTypes: types.slice(i, i + 100) as _InstanceType[], NextToken: token }), { abortSignal: signal }),
          );
          all.push(...(out.InstanceTypes ?? []));
          token = out.NextToken;
        } while (token);
      }
      return all;
    },
    instanceStatuses: async (scope, region, signal) => {
      const all: InstanceStatus[] = [];
      let token: string | undefined;
      do {
        const out = await call(signal, 'ec2:DescribeInstanceStatus', scope, region, () =>
          ec2(scope, region).send(new DescribeInstanceStatusCommand({ IncludeAllInstances: true, MaxResults: 1000, NextToken: token }), { abortSignal: signal }),
        );
        all.push(...(out.InstanceStatuses ?? []));
        token = out.NextToken;
      } while (token);
      return all;
    },
    capacityReservations: async (scope, region, ids, signal) => {
      const all: CapacityReservation[] = [];
      let token: string | undefined;
      do {
        const out = await call(signal, 'ec2:DescribeCapacityReservations', scope, region, () =>
          ec2(scope, region).send(new DescribeCapacityReservationsCommand({ CapacityReservationIds: [...ids], NextToken: token }), { abortSignal: signal }),
        );
        all.push(...(out.CapacityReservations ?? []));
        token = out.NextToken;
      } while (token);
      return all;
    },
    listMetrics: async (scope, region, namespace, metricName, signal) => {
      const all: Metric[] = [];
      let token: string | undefined;
      do {
        const out = await call(signal, 'cloudwatch:ListMetrics', scope, region, () =>
          cw(scope, region).send(new ListMetricsCommand({ Namespace: namespace, MetricName: metricName, RecentlyActive: 'PT3H', NextToken: token }), { abortSignal: signal }),
        );
        all.push(...(out.Metrics ?? []));
        token = out.NextToken;
      } while (token);
      return all;
    },
    metricData: async (scope, region, queries, from, to, signal) => {
      if (queries.length > 500) throw new Error(`GetMetricData takes at most 500 queries, got ${queries.length}`);
      const series = new Map<string, MetricSeries>();
      let token: string | undefined;
      do {
        const out = await call(signal, 'cloudwatch:GetMetricData', scope, region, () =>
          cw(scope, region).send(new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(from), EndTime: new Date(to), NextToken: token, ScanBy: 'TimestampAscending' }), { abortSignal: signal }),
        );
        for (const r of out.MetricDataResults ?? []) {
          if (!r.Id) continue;
          const s = series.get(r.Id) ?? { timestamps: [], values: [] };
          const ts = r.Timestamps ?? [];
          const vs = r.Values ?? [];
          for (let i = 0; i < Math.min(ts.length, vs.length); i++) {
            s.timestamps.push((ts[i] as Date).getTime());
            s.values.push(vs[i] as number);
          }
          series.set(r.Id, s);
        }
        token = out.NextToken;
      } while (token);
      return series;
    },
    promQueryRangeInto: async (scope, workspace, query, start, end, stepSeconds, signal, sink) =>
      call(signal, 'aps:QueryMetrics', scope, workspace.region, async () => {
        const res = await signedQueryRange(scope, workspace, query, start, end, stepSeconds, signal);
        if (!res.ok) throw apsFailure(res.status, res.headers.get('x-amzn-errortype'), await res.text());
        const verdict = await scanAnswer(res.body, new MatrixScanner(sink), signal);
        if (verdict.kind === 'not-json') throw notJson();
        if (verdict.kind !== 'matrix') throw notMatrix();
      }),
    healthEvents: async (scope, filter, signal) => {
      const all: HealthEvent[] = [];
      let token: string | undefined;
      do {
        const out = await call(signal, 'health:DescribeEvents', scope, healthRegion, () =>
          health(scope).send(
            new DescribeEventsCommand({
              filter: { regions: filter.regions, services: filter.services, lastUpdatedTimes: [{ from: new Date(filter.since) }] },
              maxResults: 100,
              nextToken: token,
            }),
            { abortSignal: signal },
          ),
        );
        all.push(...(out.events ?? []));
        token = out.nextToken;
      } while (token);
      return all;
    },
    affectedEntities: async (scope, eventArns, signal) => {
      const all: AffectedEntity[] = [];
      // At most 10 event ARNs per request.
      for (let i = 0; i < eventArns.length; i += 10) {
        let token: string | undefined;
        do {
          const out = await call(signal, 'health:DescribeAffectedEntities', scope, healthRegion, () =>
            health(scope).send(new DescribeAffectedEntitiesCommand({ filter: { eventArns: eventArns.slice(i, i + 10) }, nextToken: token }), { abortSignal: signal }),
          );
          all.push(...(out.entities ?? []));
          token = out.nextToken;
        } while (token);
      }
      return all;
    },
    healthOrganizationStatus: async (scope, signal) => {
      const out = await call(signal, 'health:DescribeHealthServiceStatusForOrganization', scope, healthRegion, () =>
        health(scope).send(new DescribeHealthServiceStatusForOrganizationCommand({}), { abortSignal: signal }),
      );
      return out.healthServiceAccessStatusForOrganization ?? null;
    },
    organizationHealthEvents: async (scope, filter, signal) => {
      const all: OrganizationEvent[] = [];
      let token: string | undefined;
      do {
        const out = await call(signal, 'health:DescribeEventsForOrganization', scope, healthRegion, () =>
          health(scope).send(
            new DescribeEventsForOrganizationCommand({ filter: { regions: filter.regions, services: filter.services, lastUpdatedTime: { from: new Date(filter.since) } }, maxResults: 100, nextToken: token }),
            { abortSignal: signal },
          ),
        );
        all.push(...(out.events ?? []));
        token = out.nextToken;
      } while (token);
      return all;
    },
    organizationAffectedEntities: async (scope, eventArns, signal) => {
      const all: AffectedEntity[] = [];
      // At most 10 event filters per request; without awsAccountId each covers every account.
      for (let i = 0; i < eventArns.length; i += 10) {
        let token: string | undefined;
        do {
          const out = await call(signal, 'health:DescribeAffectedEntitiesForOrganization', scope, healthRegion, () =>
            health(scope).send(new DescribeAffectedEntitiesForOrganizationCommand({ organizationEntityFilters: eventArns.slice(i, i + 10).map((eventArn) => ({ eventArn })), nextToken: token }), { abortSignal: signal }),
          );
          all.push(...(out.entities ?? []));
          token = out.nextToken;
        } while (token);
      }
      return all;
    },
    publicHealthFeed: async (signal) =>
      call(signal, 'health:PublicFeed', null, null, async () => {
        const res = await fetch(config.incidents.publicFeedUrl, { signal, headers: { accept: 'application/json' } });
        if (!res.ok) throw Object.assign(new Error(`the public AWS Health Dashboard feed answered HTTP ${res.status}`), { $metadata: { httpStatusCode: res.status } });
        return new Uint8Array(await res.arrayBuffer());
      }),
    focusExports: (req) => {
      const spend = config.spend;
      if (spend === undefined) return (async function* () {})();
      const endpoint = endpointFor(config, 's3', spend.region);
      // Path-style addressing behind an override: emulators and private endpoints rarely serve bucket subdomains.
      const s3 = client('s3', null, spend.region, () => new S3Client({ ...common, region: spend.region, credentials: base, endpoint, forcePathStyle: endpoint !== undefined }));
      return focusExportFiles(s3, spend, req, { call: (action, run) => call(req.signal, action, null, spend.region, run) });
    },
    callCounts: () => ({ ...counts }),
    budget: () => budget.state(),
  };
}
