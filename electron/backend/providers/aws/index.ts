/**
 * The AWS connector: EC2 GPU and Neuron instances of one account or of many accounts of an
 * organization (sts:AssumeRole into a role per member account) in every enabled region, their status
 * checks and scheduled events, GPU metrics from the CloudWatch agent's NVIDIA metrics, and AWS Health
 * events; spend from the FOCUS 1.0 export of AWS Data Exports in S3 (the export's files, which the sync
 * engine imports through the store's FOCUS importer).
 */
import type { Instance, InstanceStatus, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import type { AffectedEntity, Event as HealthEvent } from '@aws-sdk/client-health';
import type { ConnectorDiagnostics, ConnectorIdentity } from '../../../../shared/connector-diagnostics';
import type { FocusCostRow, GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { lookupInstance, normaliseGpuModel } from '../../catalog';
import { AuthError, ConfigError, ConnectorError, type Connector, type CostsRequest, type MachineSeries, type MachineSeriesRequest, type MetricsRequest, type StreamContext } from '../types';
import { openAwsApi, type AccountScope, type AwsApi, type OpenAwsApiOptions } from './client';
import { quotedLabelValue, sourceName, type PlaceSeries } from '../common/dcgm';
import { planMetricsQueries, readDcgmWindow, readMachineWindow, withShard, type RangeQuerySource } from '../common/dcgm-window-read';
import { inOrderAhead } from '../common/request-limit';
import { MACHINE_PAGE_LANES, Semaphore, type WaitOptions } from '../common/semaphore';
import type { GpuSampleBatch } from '../../domain/sample-columns';
import { cloudwatchSource, prometheusSource, type AwsAccountConfig, type PrometheusSource } from './config';
import { assumeRoleAdvice, failureOf, policyStatement, UnsupportedOperationError } from './errors';
import { decodeFeed, parseFeed, publicFeedIncidents } from './health-feed';
import {
  healthIncidents,
  hostMatcher,
  machineHostSelectors,
  matchAgentSeries,
  NEURON_NOT_READ,
  neuronCoreQuery,
  NeuronCoreFold,
  mapInstance,
  planQueries,
  SampleMerger,
  scheduledEventIncidents,
  withReservations,
  type AgentMetric,
  type GpuCatalog,
  type GpuSeries,
} from './map';
export { AwsAccountConfig, parseAwsConfig, type AwsConfig } from './config';

/** How the last call of one kind went for one account (and region). */
export interface AccountAccess {
  scope: string;
  operation: string;
  status: 'denied' | 'stale';
  message: string | null;
  fix: string | null;
  at: string;
}

export interface UnmeasuredInstance {
  resourceId: string;
  name: string;
  region: string;
  account: string;
  reason: string;
}

export interface AwsConnector extends Connector {
  /** Accounts, regions and operations that were refused in the last runs. */
  access(): AccountAccess[];
  unmeasured(): UnmeasuredInstance[];
  /** Metric series of the last metrics run that named no GPU of the fleet, per account and region. */
  seriesIgnored(): IgnoredSeriesCount[];
  callCounts(): Record<string, number>;
}

/** Series a metrics run set aside: hosts naming several instances, indexes beyond a machine's GPUs, machines not in the fleet. */
export interface IgnoredSeriesCount {
  scope: string;
  ambiguousHosts: number;
  badIndex: number;
  foreign: number;
}

/** The resource without the connector's gap of this reason. */
function withoutGap(r: GpuResource, reason: string): GpuResource {
  const gaps = (r.coverageGaps ?? []).filter((g) => g.reason !== reason);
  const { coverageGaps: _dropped, ...rest } = r;
  return gaps.length > 0 ? { ...rest, coverageGaps: gaps } : rest;
}

/** Per instance, why a host it shares with other instances left its GPUs unmeasured. */
function sharedHostReasons(ambiguous: ReadonlyMap<string, readonly string[]>, what: string, fix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [host, ids] of ambiguous) {
    for (const id of ids) out.set(id, `${what} name it by host "${host}", which ${ids.length} instances answer to (${ids.join(', ')}): not measured rather than maybe the wrong machine; ${fix}`);
  }
  return out;
}

export interface AwsConnectorDeps {
  catalog?: GpuCatalog | null;
  api?: (config: AwsAccountConfig) => AwsApi;
  /** Options of the default API (tests pass a static base credential). */
  apiOptions?: OpenAwsApiOptions;
}

export const defaultAwsCatalog: GpuCatalog = { lookupInstance: (cloud, type, region) => lookupInstance(cloud, type, region), normaliseGpuModel };

const ACCOUNTS_CACHE_MS = 3600_000;
const REGIONS_CACHE_MS = 3600_000;
const STATUS_FRESH_MS = 10 * 60_000;
const SAMPLE_BATCH = 5000;

/** The AWS service name per region of a Health event's fleet filter. */
const HEALTH_SERVICES = ['EC2', 'EBS', 'VPC', 'ELASTICLOADBALANCING', 'EKS', 'CLOUDWATCH'];
/** The same services as the public dashboard's service keys name them (`ec2-us-east-1`). */
const PUBLIC_FEED_SERVICES = ['ec2', 'ebs', 'vpc', 'elasticloadbalancing', 'eks', 'cloudwatch'];

/** Builds the connector for one AWS config entry. */
export function createAwsConnector(config: AwsAccountConfig, deps: AwsConnectorDeps = {}): AwsConnector {
  const catalog = deps.catalog === undefined ? defaultAwsCatalog : deps.catalog;
  const api = (deps.api ?? ((c) => openAwsApi(c, deps.apiOptions)))(config);
  // Range queries in flight against the Prometheus workspace (`metrics.prometheus.concurrency`).
  const promLimit = new Semaphore(prometheusSource(config)?.concurrency ?? 1, MACHINE_PAGE_LANES);
  const account = config.name;
  const problems = new Map<string, AccountAccess>();
  let accountsCache: { at: number; scopes: AccountScope[] } | null = null;
  const regionCache = new Map<string, { at: number; regions: string[] }>();
  const typeCache = new Map<string, InstanceTypeInfo | null>();
  const statusCache = new Map<string, { at: number; statuses: InstanceStatus[] }>();
  let unmeasured: UnmeasuredInstance[] = [];
  let seriesIgnored: IgnoredSeriesCount[] = [];
  /** The base credential's account (the management or delegated administrator one with `organization`). */
  let callerScope: AccountScope | null = null;

  function problem(p: Omit<AccountAccess, 'at'>, now: Date): void {
    problems.set(`${p.scope}\u0000${p.operation}`, { ...p, at: now.toISOString() });
  }
  function clear(scope: string, operation: string): void {
    problems.delete(`${scope}\u0000${operation}`);
  }
  const scopeName = (s: AccountScope, region?: string) => `account ${s.name} (${s.accountId})${region ? ` ${region}` : ''}`;

  /** The accounts to read, each with a credential that resolved; refused roles are listed, not fatal. */
  async function scopes(ctx: StreamContext): Promise<AccountScope[]> {
    const now = ctx.now.getTime();
    if (accountsCache && now - accountsCache.at < ACCOUNTS_CACHE_MS) return accountsCache.scopes;
    const caller = await api.callerIdentity(ctx.signal);
    callerScope = api.baseScope(caller.accountId, caller.accountId);
    const candidates: AccountScope[] = [];
    if (config.organization) {
      const org = config.organization;
      const listed = await api.listAccounts(ctx.signal);
      for (const a of listed) {
        if (!a.Id || (a.Status ?? a.State) !== 'ACTIVE' || org.excludeAccountIds.includes(a.Id)) continue;
        if (a.Id === caller.accountId) {
          if (org.includeCallerAccount) candidates.push(api.baseScope(a.Id, a.Name ?? a.Id));
        } else {
          candidates.push(api.memberScope(a.Id, a.Name ?? a.Id, org.roleName, org.externalId));
        }
      }
    } else if (config.accounts) {
      for (const a of config.accounts) {
        candidates.push(a.id === caller.accountId ? api.baseScope(a.id, a.name ?? a.id) : api.memberScope(a.id, a.name ?? a.id, a.roleName, a.externalId));
      }
    } else {
      candidates.push(api.baseScope(caller.accountId, caller.accountId));
    }
    const ok: AccountScope[] = [];
    let firstDenied: ConnectorError | null = null;
    for (const s of candidates) {
      try {
        await api.resolve(s, ctx.signal);
        ok.push(s);
        clear(scopeName(s), 'sts:AssumeRole');
      } catch (err) {
        if (!(err instanceof AuthError) || s.roleName === null) throw err;
        // A member whose role cannot be assumed is listed and skipped; the others are read.
        firstDenied ??= err;
        problem({ scope: scopeName(s), operation: 'sts:AssumeRole', status: 'denied', message: err.message, fix: assumeRoleAdvice(s.accountId, s.roleName) }, ctx.now);
      }
    }
    if (ok.length === 0 && firstDenied) throw firstDenied;
    accountsCache = { at: now, scopes: ok };
    return ok;
  }

  async function regionsOf(s: AccountScope, ctx: StreamContext): Promise<string[]> {
    if (config.regions) return config.regions;
    const cached = regionCache.get(s.accountId);
    if (cached && ctx.now.getTime() - cached.at < REGIONS_CACHE_MS) return cached.regions;
    const regions = await api.regions(s, ctx.signal);
    regionCache.set(s.accountId, { at: ctx.now.getTime(), regions });
    return regions;
  }

  /** Reads a call; a denial (AuthError) is recorded against the scope and answers `fallback`. */
  async function orDenied<T>(s: AccountScope, region: string | undefined, operation: string, now: Date, run: () => Promise<T>, fallback: T): Promise<T> {
    try {
      const out = await run();
      clear(scopeName(s, region), operation);
      return out;
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      problem({ scope: scopeName(s, region), operation, status: 'denied', message: err.message, fix: policyStatement(operation) }, now);
      return fallback;
    }
  }

  /**
   * Reads a call the inventory can do without (instance types, status checks, reservations): denied or
   * not offered by the endpoint, it is recorded naming the action and answers `fallback`; `failed` says why.
   */
  async function optional<T>(s: AccountScope, region: string, operation: string, now: Date, run: () => Promise<T>, fallback: T): Promise<{ value: T; failed: string | null }> {
    try {
      const value = await run();
      clear(scopeName(s, region), operation);
      return { value, failed: null };
    } catch (err) {
      if (err instanceof AuthError) {
        problem({ scope: scopeName(s, region), operation, status: 'denied', message: err.message, fix: policyStatement(operation) }, now);
        return { value: fallback, failed: `${operation} denied` };
      }
      if (err instanceof UnsupportedOperationError) {
        problem({ scope: scopeName(s, region), operation, status: 'stale', message: `${err.message}; the inventory is read without it`, fix: `point endpoints.ec2 at an endpoint that offers ${operation}` }, now);
        return { value: fallback, failed: `${operation} not offered by the endpoint` };
      }
      throw err;
    }
  }

  async function typeInfo(s: AccountScope, region: string, types: string[], ctx: StreamContext): Promise<{ map: Map<string, InstanceTypeInfo>; unavailable: string | null }> {
    const missing = types.filter((t) => !typeCache.has(t));
    let unavailable: string | null = null;
    if (missing.length > 0) {
      const { value: got, failed } = await optional(s, region, 'ec2:DescribeInstanceTypes', ctx.now, () => api.instanceTypes(s, region, missing, ctx.signal), null);
      if (got === null) {
        unavailable = failed;
      } else {
        for (const t of missing) typeCache.set(t, null);
        for (const info of got) if (info.InstanceType) typeCache.set(info.InstanceType, info);
      }
    }
    const map = new Map<string, InstanceTypeInfo>();
    for (const t of types) {
      const info = typeCache.get(t);
      if (info) map.set(t, info);
    }
    return { map, unavailable };
  }

  async function* inventory(ctx: StreamContext): AsyncIterable<GpuResource[]> {
    for (const s of await scopes(ctx)) {
      const regions = await orDenied(s, undefined, 'ec2:DescribeRegions', ctx.now, () => regionsOf(s, ctx), null);
      if (regions === null) continue;
      for (const region of regions) {
        const instances: Instance[] = [];
        const listed = await orDenied(s, region, 'ec2:DescribeInstances', ctx.now, async () => {
          for await (const page of api.instancePages(s, region, config.instanceStates, ctx.signal)) instances.push(...page);
          return true;
        }, false);
        if (!listed) continue;
        if (instances.length === 0) continue;
        const types = [...new Set(instances.map((i): string | undefined => i.InstanceType).filter((t): t is string => typeof t === 'string'))];
        const { map, unavailable } = await typeInfo(s, region, types, ctx);
        const { value: statuses, failed: statusesUnavailable } = await optional(s, region, 'ec2:DescribeInstanceStatus', ctx.now, () => api.instanceStatuses(s, region, ctx.signal), []);
        statusCache.set(`${s.accountId}\u0000${region}`, { at: ctx.now.getTime(), statuses });
        const byId = new Map(statuses.filter((x) => x.InstanceId).map((x) => [x.InstanceId as string, x]));
        const batch: GpuResource[] = [];
        const unknownTypes = new Map<string, number>();
        for (const raw of instances) {
          const mapped = mapInstance(raw, { account, accountId: s.accountId, accountName: s.name, region, catalog, typeInfo: map, typesUnavailable: unavailable, statuses: byId, statusesUnavailable });
          if (!mapped) {
            // An accelerated-family machine whose type neither EC2 nor the catalog describes: said, not silently dropped.
            if (raw.InstanceType && raw.State?.Name !== 'terminated') unknownTypes.set(raw.InstanceType, (unknownTypes.get(raw.InstanceType) ?? 0) + 1);
            continue;
          }
          // From a Prometheus workspace Neuron devices are read: their gap is the metrics run's to tell.
          const r = prometheusSource(config) ? withoutGap(mapped, NEURON_NOT_READ) : mapped;
          // What the last metrics run could not measure is a coverage gap on the machine, never a zero.
          const gap = r.powerState === 'running' ? unmeasured.find((u) => u.resourceId === r.id) : undefined;
          batch.push(gap ? { ...r, coverageGaps: [...(r.coverageGaps ?? []), { kind: 'metrics', reason: gap.reason }] } : r);
        }
        const typesOp = 'ec2:DescribeInstanceTypes (GPU facts)';
        if (unknownTypes.size > 0) {
          const list = [...unknownTypes].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t} (${n} machine${n === 1 ? '' : 's'})`).join(', ');
          problem({ scope: scopeName(s, region), operation: typesOp, status: 'stale', message: `no GpuInfo or NeuronInfo${unavailable ? ` (${unavailable})` : ''} and not in the GPU catalog: ${list}; these machines are not counted`, fix: 'allow ec2:DescribeInstanceTypes, or add the instance types to the GPU catalog' }, ctx.now);
        } else {
          clear(scopeName(s, region), typesOp);
        }
        if (batch.length === 0) continue;
        const reservationIds = [...new Set(batch.map((r) => r.tags['aws:capacityReservationId']).filter((id): id is string => typeof id === 'string'))];
        const reservations = reservationIds.length > 0 ? (await optional(s, region, 'ec2:DescribeCapacityReservations', ctx.now, () => api.capacityReservations(s, region, reservationIds, ctx.signal), [])).value : [];
        yield withReservations(batch, reservations);
      }
    }
  }

  async function* metrics(req: MetricsRequest): AsyncIterable<GpuSampleBatch> {
    const prom = prometheusSource(config);
    if (prom) {
      yield* prometheusMetrics(req, req.resources.filter((r) => r.cloud === 'aws' && r.powerState === 'running'), prom);
      return;
    }
    const mine = req.resources.filter((r) => r.cloud === 'aws' && r.powerState === 'running' && r.tags['aws:accelerator'] !== 'neuron');
    const source = cloudwatchSource(config) ?? { namespace: 'CWAgent', extras: [], hostTag: 'Name' };
    const namespace = source.namespace;
    const extraNames: Record<string, AgentMetric> = { memory: 'nvidia_smi_memory_used', power: 'nvidia_smi_power_draw', temperature: 'nvidia_smi_temperature_gpu' };
    const read: AgentMetric[] = ['nvidia_smi_utilization_gpu', ...source.extras.map((e) => extraNames[e] as AgentMetric)];
    const byScope = new Map((await scopes(req)).map((s) => [s.accountId, s]));
    const groups = new Map<string, GpuResource[]>();
    for (const r of mine) {
      const key = `${r.tags['aws:accountId'] ?? ''}\u0000${r.region}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const measured = new Set<string>();
    const notes: UnmeasuredInstance[] = [];
    const ignored: IgnoredSeriesCount[] = [];
    for (const [key, resources] of groups) {
      const [accountId = '', region = ''] = key.split('\u0000');
      const s = byScope.get(accountId);
      const byId = new Map(resources.map((r) => [r.id, r]));
      const why = (reason: string) => resources.forEach((r) => notes.push({ resourceId: r.id, name: r.name, region: r.region, account: accountId, reason }));
      if (!s) {
        why(`account ${accountId} could not be reached (its role could not be assumed)`);
        continue;
      }
      const listed = await orDenied(s, region, 'cloudwatch:ListMetrics', req.now, () => api.listMetrics(s, region, namespace, 'nvidia_smi_utilization_gpu', req.signal), null);
      if (listed === null) {
        why('cloudwatch:ListMetrics denied');
        continue;
      }
      const matched = matchAgentSeries(listed, 'nvidia_smi_utilization_gpu', byId, source.hostTag);
      const util = matched.series;
      const shared = sharedHostReasons(matched.ignored.ambiguousHosts, `CloudWatch agent series in ${namespace}`, 'add "append_dimensions": {"InstanceId": "${aws:InstanceId}"} to the agent\'s metrics section');
      ignored.push({ scope: scopeName(s, region), ambiguousHosts: matched.ignored.ambiguousHosts.size, badIndex: matched.ignored.badIndex, foreign: matched.ignored.foreign });
      // The agent publishes every nvidia_smi_* metric under the same dimensions as the utilisation.
      const series: GpuSeries[] = read.flatMap((metric) => util.map((u) => ({ ...u, metric, metric$: { ...u.metric$, MetricName: metric } })));
      const merger = new SampleMerger(req.from, req.to);
      let denied = false;
      for (const call of planQueries(series)) {
        const data = await orDenied(s, region, 'cloudwatch:GetMetricData', req.now, () => api.metricData(s, region, call.queries, req.from, req.to, req.signal), null);
        if (data === null) {
          denied = true;
          break;
        }
        for (const [id, d] of data) {
          const gs = call.byId.get(id);
          if (gs) merger.add(gs, d);
        }
      }
      if (denied) {
        why('cloudwatch:GetMetricData denied');
        continue;
      }
      for (const id of merger.measured) measured.add(id);
      for (const r of resources) {
        if (!merger.measured.has(r.id)) {
          notes.push({ resourceId: r.id, name: r.name, region: r.region, account: accountId, reason: shared.get(r.id) ?? `no nvidia_smi_utilization_gpu in CloudWatch namespace ${namespace}: install the CloudWatch agent with the nvidia_gpu section and append_dimensions InstanceId` });
        }
      }
      const samples = merger.result();
      for (let i = 0; i < samples.length; i += SAMPLE_BATCH) yield samples.slice(i, i + SAMPLE_BATCH);
    }
    seriesIgnored = ignored;
    unmeasured = notes.filter((n) => !measured.has(n.resourceId));
  }

  /** Series a placement could not give to a GPU of the fleet, for the diagnostics (sets: one series may be placed more than once). */
  interface Unplaced {
    ambiguous: Map<string, string[]>;
    badIndex: Set<string>;
    foreign: Set<string>;
  }

  /**
   * Where a dcgm-exporter series of the workspace is: the GPU machine among `machines` its `Hostname`
   * (else its scrape `instance`) names (hostMatcher), and its `gpu` index; what it cannot place goes
   * into `unplaced` when given.
   */
  function placeByHost(machines: readonly GpuResource[], hostTag: string, unplaced?: Unplaced): PlaceSeries {
    const byHost = hostMatcher(machines, hostTag);
    return (metric) => {
      const host = metric['Hostname'] || metric['instance'] || '';
      const which = `${host}\u0000${metric['gpu'] ?? ''}\u0000${metric['UUID'] ?? ''}`;
      const found = byHost(host);
      if (found.kind === 'ambiguous') {
        unplaced?.ambiguous.set(host, found.candidates);
        return null;
      }
      if (found.kind === 'none') {
        unplaced?.foreign.add(which);
        return null;
      }
      const index = Number(metric['gpu']);
      if (!Number.isInteger(index) || index < 0 || index >= found.resource.gpuCount) {
        unplaced?.badIndex.add(which);
        return null;
      }
      return { resourceId: found.resource.id, gpuIndex: index };
    };
  }

  /** The machines dcgm-exporter series are placed among: running AWS GPU machines (not Neuron). */
  const dcgmMachines = (resources: readonly GpuResource[]): GpuResource[] =>
    resources.filter((r) => r.cloud === 'aws' && r.powerState === 'running' && r.tags['aws:accelerator'] !== 'neuron');

  /** The scope owning the Prometheus workspace, or undefined when its role could not be assumed. */
  async function workspaceOwner(ctx: StreamContext, prom: PrometheusSource): Promise<AccountScope | undefined> {
    const all = await scopes(ctx);
    return prom.accountId ? all.find((s) => s.accountId === prom.accountId) : (callerScope ?? all[0]);
  }

  /**
   * The workspace as readDcgmWindow's range-query source: SigV4-signed queries, at most
   * `concurrency` in flight, each success or refusal recorded on the access list.
   */
  function workspaceSource(owner: AccountScope, prom: PrometheusSource, now: Date): RangeQuerySource {
    const scope = `Prometheus workspace ${prom.url}`;
    return {
      queryRangeInto: (query, start, end, step, signal, sink, wait) =>
        promLimit.run(async () => {
          try {
            await api.promQueryRangeInto(owner, prom, query, start, end, step, signal, sink);
            clear(scope, 'aps:QueryMetrics');
          } catch (err) {
            if (err instanceof AuthError) problem({ scope, operation: 'aps:QueryMetrics', status: 'denied', message: err.message, fix: policyStatement('aps:QueryMetrics') }, now);
            throw err;
          }
        }, signal, wait),
    };
  }

  /**
   * NeuronCore samples of `[from, to)` from the workspace (neuronCoreQuery narrowed by `selector`),
   * planned as the DCGM read is: `instance_id` shards and time chunks within the workspace limits
   * (a device's cores share its instance, so its minutes are whole in one answer), `concurrency` in
   * flight, each answer folded as it streams in. A Trainium fleet has up to 128 core series per machine.
   */
  async function* neuronChunks(owner: AccountScope, prom: PrometheusSource, byId: ReadonlyMap<string, GpuResource>, req: Pick<MetricsRequest, 'from' | 'to' | 'signal'>, now: Date, selector = '', wait: WaitOptions = {}): AsyncGenerator<GpuSample[]> {
    const step = 60;
    let cores = 0;
    for (const r of byId.values()) if (r.tags['aws:accelerator'] === 'neuron') cores += r.gpuCount * (Number(r.tags['aws:neuronCoresPerDevice']) || 1);
    const steps = Math.min(prom.stepsPerRequest, prom.maxPointsPerSeries - 1);
    const plan = planMetricsQueries(req.from, req.to, step, Math.max(1, cores), steps, prom.pointsPerRequest, 'instance_id');
    const workspace = workspaceSource(owner, prom, now);
    const units = plan.chunks.flatMap((chunk) => plan.shards.map((shard) => ({ chunk, shard })));
    // Up to `concurrency` answers asked ahead (the source's limit holds them to it), yielded in order.
    const fetchUnit = async ({ chunk, shard }: (typeof units)[number], signal: AbortSignal): Promise<NeuronCoreFold> => {
      const fold = new NeuronCoreFold(byId, step, chunk.from, chunk.to);
      await workspace.queryRangeInto(neuronCoreQuery(step, withShard(selector, shard)), chunk.from / 1000, chunk.to / 1000, step, signal, fold, wait);
      return fold;
    };
    for await (const fold of inOrderAhead(units, prom.concurrency, fetchUnit, req.signal)) {
      const samples = fold.samples();
      for (let i = 0; i < samples.length; i += SAMPLE_BATCH) yield samples.slice(i, i + SAMPLE_BATCH);
    }
  }

  /**
   * One machine's minutes asked of the workspace (the machine page of a `storage: "rollups"` account),
   * its queries narrowed to that machine's series: those that name it by `Hostname`, then, for GPUs
   * none of those gave, those that name it only by `instance`. Series are placed among the machines
   * of the last metrics read (the machine alone before any), as that read placed them.
   */
  async function machineSeries(req: MachineSeriesRequest): Promise<MachineSeries> {
    const prom = prometheusSource(config);
    if (!prom) throw new ConfigError(`account "${config.name}" has no metrics.prometheus workspace to ask for machine ${req.resource.name}'s minutes`);
    const source = sourceName('Amazon Managed Service for Prometheus', prom.url);
    const owner = await workspaceOwner({ signal: req.signal, now: new Date(req.to) }, prom);
    if (!owner) throw new AuthError(`account ${prom.accountId ?? ''} owning the Prometheus workspace could not be reached (its role could not be assumed)`);
    const r = req.resource;
    const samples: GpuSample[] = [];
    if (r.tags['aws:accelerator'] === 'neuron') {
      for await (const batch of neuronChunks(owner, prom, new Map([[r.id, r]]), req, new Date(req.to), `instance_id=${quotedLabelValue(r.id)}`, { first: true })) samples.push(...batch);
      return { source, samples };
    }
    const selectors = machineHostSelectors(r, prom.hostTag);
    if (selectors === null) return { source, samples };
    const workspace = workspaceSource(owner, prom, new Date(req.to));
    const read = (selector: string): Promise<GpuSample[]> =>
      readMachineWindow(workspace, { ...prom, groupLabels: ['Hostname', 'instance'] }, selector, req, dcgmMachines(req.machines), (machines) => placeByHost(machines, prom.hostTag));
    const named = await read(selectors.byHostname);
    const gpusNamed = new Set(named.map((x) => x.gpuIndex));
    // A GPU is read by its Hostname series where it has any, as the metrics sync places it.
    const byInstance = gpusNamed.size === r.gpuCount ? [] : (await read(selectors.byInstance)).filter((x) => !gpusNamed.has(x.gpuIndex));
    return { source, samples: [...named, ...byInstance] };
  }

  /**
   * dcgm-exporter series from an Amazon Managed Service for Prometheus workspace, by PromQL through the
   * common DCGM rule; a series names its machine by `Hostname` (the node's host name) or `instance`,
   * matched as the CloudWatch agent's host is. A refused signature fails the stream as 'auth'.
   */
  async function* prometheusMetrics(req: MetricsRequest, mine: GpuResource[], prom: PrometheusSource): AsyncIterable<GpuSampleBatch> {
    const owner = await workspaceOwner(req, prom);
    const note = (r: GpuResource, reason: string): UnmeasuredInstance => ({ resourceId: r.id, name: r.name, region: r.region, account: r.tags['aws:accountId'] ?? '', reason });
    if (!owner) {
      unmeasured = mine.map((r) => note(r, `account ${prom.accountId ?? ''} owning the Prometheus workspace could not be reached (its role could not be assumed)`));
      return;
    }
    const unplaced: Unplaced = { ambiguous: new Map(), badIndex: new Set(), foreign: new Set() };
    const gpuMachines = dcgmMachines(mine);
    const place = placeByHost(gpuMachines, prom.hostTag, unplaced);
    const byId = new Map(mine.map((r) => [r.id, r]));
    const measured = new Set<string>();
    // Planned into sharded, chunked range queries, each answer folded as it arrives: a workspace of
    // 100,000 GPUs answers a window without it ever being held whole (issue 16).
    const workspace = workspaceSource(owner, prom, req.now);
    const window = { ...prom, groupLabels: ['Hostname', 'instance'], selector: '' };
    for await (const batch of readDcgmWindow(workspace, window, { ...req, resources: gpuMachines }, place)) {
      for (let i = 0; i < batch.length; i++) if (!Number.isNaN(batch.utilisation[i])) measured.add(batch.resourceId[i] as string);
      yield batch;
    }
    // Neuron cores: a query of their own, read the same way.
    if (mine.some((r) => r.tags['aws:accelerator'] === 'neuron')) {
      for await (const samples of neuronChunks(owner, prom, byId, req, req.now)) {
        for (const x of samples) if (x.utilisation !== null) measured.add(x.resourceId);
        yield samples;
      }
    }
    const shared = sharedHostReasons(unplaced.ambiguous, `dcgm-exporter series in the Prometheus workspace`, 'relabel Hostname to the node name in the scrape config');
    seriesIgnored = [{ scope: `Prometheus workspace ${prom.url}`, ambiguousHosts: unplaced.ambiguous.size, badIndex: unplaced.badIndex.size, foreign: unplaced.foreign.size }];
    unmeasured = [...byId.values()]
      .filter((r) => !measured.has(r.id))
      .map((r) =>
        note(r, shared.get(r.id) ?? (r.tags['aws:accelerator'] === 'neuron'
          ? 'no neuroncore_utilization_ratio series with its instance_id in the Prometheus workspace: run neuron-monitor (package aws-neuron-tools) with its Prometheus exporter and scrape it into the workspace'
          : 'no DCGM series in the Prometheus workspace names this machine (by Hostname or instance): deploy dcgm-exporter and scrape it into the workspace')));
  }

  // Spend is not row by row: the FOCUS export's files go to the store's importer (focusExports below).
  async function* costs(): AsyncIterable<FocusCostRow[]> {}

  const readExports = api.focusExports?.bind(api);
  // Only with `spend` set: without it the costs stream stays the empty one and no S3 call is made.
  const focusExports = config.spend && readExports ? { focusExports: (req: CostsRequest) => readExports(req) } : {};

  async function* incidents(req: Parameters<Connector['incidents']>[0]): AsyncIterable<Incident[]> {
    const mine = req.resources.filter((r) => r.cloud === 'aws');
    const resources = new Map(mine.map((r) => [r.id, r]));
    const out: Incident[] = [];
    const all = await scopes(req);
    const places = new Map<string, { s: AccountScope; region: string }>();
    for (const r of mine) {
      const s = all.find((x) => x.accountId === r.tags['aws:accountId']);
      if (s) places.set(`${s.accountId}\u0000${r.region}`, { s, region: r.region });
    }
    for (const [key, { s, region }] of places) {
      let cached = statusCache.get(key);
      if (!cached || req.now.getTime() - cached.at > STATUS_FRESH_MS) {
        const statuses = (await optional(s, region, 'ec2:DescribeInstanceStatus', req.now, () => api.instanceStatuses(s, region, req.signal), [])).value;
        cached = { at: req.now.getTime(), statuses };
        statusCache.set(key, cached);
      }
      out.push(...scheduledEventIncidents(cached.statuses, { account, region, resources }));
    }
    if (config.incidents.health) {
      const regions = [...new Set(mine.map((r) => r.region))];
      const filter = { regions: [...regions, 'global'], services: HEALTH_SERVICES, since: req.now.getTime() - config.incidents.endedWithinDays * 86_400_000 };
      const events = new Map<string, Incident>();
      const add = (incs: Incident[]) => {
        for (const inc of incs) {
          const prev = events.get(inc.id);
          // A public event is reported by every account: one incident, the instances of all.
          events.set(inc.id, prev ? { ...prev, resourceIds: [...new Set([...prev.resourceIds, ...inc.resourceIds])], source: prev.resourceIds.length + inc.resourceIds.length > 0 ? 'resource-health' : prev.source } : inc);
        }
      };
      const healthCtx = { account, regions: new Set(regions), resources, now: req.now, endedWithinDays: config.incidents.endedWithinDays };
      const org = await organizationHealth(filter, req);
      let unsubscribed = 0;
      if (org) {
        add(healthIncidents(org.events, org.entities, healthCtx));
      } else {
        for (const s of all) {
          let got: HealthEvent[];
          try {
            got = await api.healthEvents(s, filter, req.signal);
            clear(scopeName(s), 'health:DescribeEvents');
          } catch (err) {
            const code = failureOf(err instanceof ConnectorError ? err.cause : err).code;
            if (code === 'SubscriptionRequiredException') {
              unsubscribed++;
              problem({ scope: scopeName(s), operation: 'health:DescribeEvents', status: 'denied', message: 'the AWS Health API needs a Business, Enterprise On-Ramp or Enterprise support plan (SubscriptionRequiredException); the public AWS Health Dashboard feed is read instead', fix: 'subscribe the account to a Business or Enterprise support plan, or set incidents.health to false' }, req.now);
              continue;
            }
            if (!(err instanceof AuthError)) throw err;
            problem({ scope: scopeName(s), operation: 'health:DescribeEvents', status: 'denied', message: err.message, fix: policyStatement('health:DescribeEvents') }, req.now);
            continue;
          }
          const linkable = got.filter((e) => e.arn && e.eventScopeCode === 'ACCOUNT_SPECIFIC' && e.statusCode !== 'closed').map((e) => e.arn as string);
          const entities = linkable.length > 0 ? await orDenied(s, undefined, 'health:DescribeAffectedEntities', req.now, () => api.affectedEntities(s, linkable, req.signal), []) : [];
          add(healthIncidents(got, entities, healthCtx));
        }
      }
      // Accounts without a support plan still see the public events of their regions and services.
      if (unsubscribed > 0) add(await publicFeed(regions, req));
      out.push(...events.values());
    }
    if (out.length > 0) yield out;
  }

  /**
   * The organizational view of AWS Health, when reading an organization and Organizations says it is
   * enabled; null means "read each account's view" (disabled, not allowed, or not an organization).
   */
  async function organizationHealth(filter: { regions: string[]; services: string[]; since: number }, req: StreamContext): Promise<{ events: HealthEvent[]; entities: AffectedEntity[] } | null> {
    if (!config.organization || !config.incidents.organizationView || !callerScope) return null;
    const s = callerScope;
    const op = 'health:DescribeHealthServiceStatusForOrganization';
    let status: string | null;
    try {
      status = await api.healthOrganizationStatus(s, req.signal);
      clear('organization', op);
    } catch (err) {
      const code = failureOf(err instanceof ConnectorError ? err.cause : err).code;
      if (!(err instanceof AuthError) && code !== 'SubscriptionRequiredException') throw err;
      problem({ scope: 'organization', operation: op, status: 'denied', message: `${err instanceof Error ? err.message : code}; each account's own view is read instead`, fix: policyStatement(op) }, req.now);
      return null;
    }
    if (status !== 'ENABLED') {
      problem({ scope: 'organization', operation: op, status: 'stale', message: `the organizational view of AWS Health is ${status ?? 'not reported'}; each account's own view is read instead`, fix: 'aws health enable-health-service-access-for-organization (from the management account)' }, req.now);
      return null;
    }
    const events = await orDenied(s, undefined, 'health:DescribeEventsForOrganization', req.now, () => api.organizationHealthEvents(s, filter, req.signal), null);
    if (events === null) return null;
    const linkable = events.filter((e) => e.arn && e.eventScopeCode === 'ACCOUNT_SPECIFIC' && e.statusCode !== 'closed').map((e) => e.arn as string);
    const entities = linkable.length > 0 ? await orDenied(s, undefined, 'health:DescribeAffectedEntitiesForOrganization', req.now, () => api.organizationAffectedEntities(s, linkable, req.signal), []) : [];
    return { events, entities };
  }

  /** The public AWS Health Dashboard feed's events of the fleet's regions and services; a failure is a diagnostic, not a failed sync. */
  async function publicFeed(regions: string[], req: StreamContext): Promise<Incident[]> {
    const op = 'health:PublicFeed';
    try {
      const entries = parseFeed(decodeFeed(await api.publicHealthFeed(req.signal)));
      clear('public AWS Health Dashboard', op);
      return publicFeedIncidents(entries, { account, regions: new Set(regions), services: new Set(PUBLIC_FEED_SERVICES), now: req.now, endedWithinDays: config.incidents.endedWithinDays });
    } catch (err) {
      if (req.signal.aborted) throw err;
      problem({ scope: 'public AWS Health Dashboard', operation: op, status: 'stale', message: `could not read the public AWS Health Dashboard feed: ${err instanceof Error ? err.message.slice(0, 200) : 'unknown error'}`, fix: 'check that incidents.publicFeedUrl is reachable' }, req.now);
      return [];
    }
  }

  const access = (): AccountAccess[] => [...problems.values()].sort((a, b) => a.scope.localeCompare(b.scope) || a.operation.localeCompare(b.operation));
  const callCounts = () => api.callCounts();

  async function identity(signal: AbortSignal): Promise<ConnectorIdentity> {
    const who = await api.callerIdentity(signal);
    const kind = /:assumed-role\//.test(who.arn) ? 'assumed role' : /:user\//.test(who.arn) ? 'IAM user' : /:root$/.test(who.arn) ? 'root user' : 'principal';
    return {
      name: who.arn,
      kind,
      details: [{ label: 'account', value: who.accountId }, ...(config.profile ? [{ label: 'profile', value: config.profile }] : [])],
      source: 'STS GetCallerIdentity',
    };
  }

  function diagnostics(): ConnectorDiagnostics {
    return {
      // AWS reports no remaining budget (it answers RequestLimitExceeded / ThrottlingException): ours, per account and region.
      budget: api.budget().map((b) => ({
        scope: `AWS API requests, ${b.scope} (refill ${Number(b.refillPerSecond.toFixed(2))}/s)`,
        remaining: b.remaining,
        observedAt: b.observedAt === null ? null : new Date(b.observedAt).toISOString(),
        pacedRequests: b.pacedRequests,
      })),
      access: access().map((a) => ({ scope: a.scope, operation: a.operation, status: a.status, message: a.message, fix: a.fix, at: a.at })),
      unmeasured: unmeasured.map((u) => ({ resourceId: u.resourceId, name: u.name, region: u.region, scope: u.account, reason: u.reason })),
      calls: Object.entries(callCounts())
        .filter(([, n]) => n > 0)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([operation, calls]) => ({ operation, calls })),
    };
  }

  return {
    // 'aws' joins shared ProviderId when the integrator registers this provider.
    provider: 'aws',
    account,
    clouds: ['aws'],
    inventory,
    metrics,
    costs,
    // Without `spend` this connector has no bill to read: the account's cost rows (hand imports) are not its own.
    bills: config.spend !== undefined,
    ...focusExports,
    incidents,
    access,
    unmeasured: () => [...unmeasured],
    seriesIgnored: () => [...seriesIgnored],
    callCounts,
    diagnostics,
    identity,
    // A workspace answers a machine's raw minutes on its page, so its account may keep rollups only.
    metricsStorage: prometheusSource(config)?.storage ?? 'raw',
    ...(prometheusSource(config) ? { machineSeries } : {}),
  };
}
