/**
 * The Azure connector: GPU VMs (standalone and scale sets) of every configured or visible
 * subscription, DCGM metrics from managed Prometheus, spend from Cost Management (or FOCUS exports)
 * and incidents from Resource Health and Service Health (public status feed as the fallback).
 */
import type { FocusCostRow, GpuResource, Incident } from '../../../../shared/domain';
import { lookupInstance, normaliseGpuModel } from '../../catalog';
import type { AccessProblem, UnmeasuredMachine } from '../../../../shared/connector-diagnostics';
import {
  AuthError,
  ConfigError,
  ConnectorError,
  ThrottledError,
  type Connector,
  type MachineSeries,
  type MachineSeriesRequest,
  type CostsRequest,
  type IncidentsRequest,
  type MetricsRequest,
  type StreamContext,
} from '../types';
import { AzureApi, type AzureApiDeps, type ReadBudget, type SubscriptionInfo } from './client';
import type { AzureAccountConfig } from './config';
import { readFocusExportDirectory } from './focus-export';
import { machineSelector, sourceName } from '../common/dcgm';
import type { GpuSampleBatch } from '../../domain/sample-columns';
import { readDcgmWindow, readMachineWindow, type RangeQuerySource } from '../common/dcgm-window-read';
import { parseRssItems } from '../common/status-feed';
import { azureDiagnostics } from './diagnostics';
import { identityFromAccessToken } from './identity';
import {
  COMPUTER_NAME_TAG,
  indexGpuSkus,
  indexHealth,
  indexVmPlatformMetrics,
  isNSeriesSize,
  normaliseRegion,
  placeOnHosts,
  resourceHealthIncidents,
  scaleSetVmFacts,
  serviceHealthIncidents,
  statusFeedIncidents,
  toFocusRows,
  toGpuResource,
  unmatchedMachines,
  vmFacts,
  withPlatformHealth,
  type GpuCatalog,
  type InventoryGaps,
  type ScaleSetPayload,
  type SkuGpuFacts,
  type VmPlatformFacts,
  type VmStatusPayload,
} from './map';
export { AzureAccountConfig, parseAzureConfig } from './config';
export type { ReadBudget } from './client';

/** An Azure connector also reports each subscription's remaining ARM read budget. */
export interface AzureConnector extends Connector {
  /** Remaining ARM reads per subscription, as the last responses reported them. */
  budget(): ReadBudget[];
}

/** What tests and hosts may swap in. */
export interface AzureConnectorDeps extends AzureApiDeps {
  catalog?: GpuCatalog;
}

const SKU_CACHE_MS = 24 * 3600_000;
const SUBSCRIPTION_CACHE_MS = 3600_000;
const SERVICE_HEALTH_LOOKBACK_MS = 30 * 86_400_000;

// Where Azure puts a machine: its resource group, for diagnostics.
const RESOURCE_GROUP = /\/resourceGroups\/([^/]+)\//i;

const defaultCatalog: GpuCatalog = { lookupInstance, normaliseGpuModel: (raw) => normaliseGpuModel(raw) };

/** Builds the connector for one validated account. */
export function createAzureConnector(config: AzureAccountConfig, deps: AzureConnectorDeps = {}): AzureConnector {
  const api = new AzureApi(config, deps);
  const catalog = deps.catalog ?? defaultCatalog;
  const account = config.name;
  const skuCache = new Map<string, { at: number; index: Map<string, SkuGpuFacts> }>();
  const lastCostQuery = new Map<string, number>();
  let subscriptions: { at: number; list: SubscriptionInfo[] } | null = null;
  // Optional calls that failed in the last inventory run, and machines the last metrics run could not match.
  let inventoryAccess: AccessProblem[] = [];
  let unmeasured: UnmeasuredMachine[] = [];
  // Each Uniform scale set's instances as last listed in full, kept when a later listing fails.
  const lastScaleSetVms = new Map<string, { at: string; resources: GpuResource[] }>();

  /**
   * An optional call failed: what it would have told is marked unknown by the caller, and the failure is
   * recorded for diagnostics. Anything that is not a connector error (or a shutdown) still propagates.
   */
  function optionalCallFailed(
    err: unknown,
    ctx: StreamContext,
    operation: string,
    subscriptionId: string,
    status: AccessProblem['status'],
    role: 'Reader' | 'Monitoring Reader' = 'Reader',
  ): ConnectorError {
    if (ctx.signal.aborted || !(err instanceof ConnectorError)) throw err;
    inventoryAccess.push({
      scope: `subscription ${subscriptionId}`,
      operation,
      status,
      message: err.message,
      fix: err instanceof AuthError ? `the "${role}" role on subscription ${subscriptionId}` : null,
      at: ctx.now.toISOString(),
    });
    return err;
  }

  /** Resource Health of the subscription's VMs; optional: when it fails, health is unknown (never ok) and the call is named. */
  async function resourceHealthOf(subscriptionId: string, ctx: StreamContext): Promise<ReturnType<typeof indexHealth>> {
    try {
      return indexHealth(await api.listAvailabilityStatuses(subscriptionId, ctx.signal));
    } catch (err) {
      optionalCallFailed(err, ctx, 'Resource Health availability statuses', subscriptionId, 'denied');
      return new Map();
    }
  }

  async function subscriptionsOf(ctx: StreamContext): Promise<SubscriptionInfo[]> {
    if (config.subscriptionIds) return config.subscriptionIds.map((id) => ({ subscriptionId: id.toLowerCase(), displayName: null }));
    const now = ctx.now.getTime();
    if (!subscriptions || now - subscriptions.at > SUBSCRIPTION_CACHE_MS) {
      const excluded = new Set(config.excludeSubscriptionIds.map((s) => s.toLowerCase()));
      const list = (await api.listSubscriptions(ctx.signal))
        .map((s) => ({ ...s, subscriptionId: s.subscriptionId.toLowerCase() }))
        .filter((s) => !excluded.has(s.subscriptionId));
      subscriptions = { at: now, list };
    }
    return subscriptions.list;
  }

  /**
   * GPU SKUs of the subscription (cached a day). Optional: when the call fails the last index is used
   * (stale), else none, so counts come from the GPU catalog and sizes it lacks get a placement gap.
   */
  async function gpuSkus(subscriptionId: string, ctx: StreamContext): Promise<{ index: Map<string, SkuGpuFacts>; gaps: InventoryGaps }> {
    const cached = skuCache.get(subscriptionId);
    if (cached && ctx.now.getTime() - cached.at < SKU_CACHE_MS) return { index: cached.index, gaps: {} };
    try {
      const index = indexGpuSkus(await api.listSkus(subscriptionId, ctx.signal));
      skuCache.set(subscriptionId, { at: ctx.now.getTime(), index });
      return { index, gaps: {} };
    } catch (err) {
      const e = optionalCallFailed(err, ctx, 'Compute resourceSkus.list', subscriptionId, cached ? 'stale' : 'denied');
      if (cached) return { index: cached.index, gaps: {} };
      return { index: new Map(), gaps: { skusUnavailable: shortReason(e) } };
    }
  }

  /**
   * Reads VmAvailabilityMetric (and CPU) of the running VMs of a page, batched per region, and marks a VM
   * unavailable when every measured point is 0. Scale-set instances keep Resource Health only.
   */
  async function withPlatformMetrics(subscriptionId: string, batch: GpuResource[], ctx: StreamContext): Promise<GpuResource[]> {
    const pm = config.platformMetrics;
    if (!pm.enabled) return batch;
    const byRegion = new Map<string, GpuResource[]>();
    for (const r of batch) {
      if (r.powerState !== 'running') continue;
      const list = byRegion.get(r.region) ?? [];
      list.push(r);
      byRegion.set(r.region, list);
    }
    const to = new Date(Math.floor(ctx.now.getTime() / 60_000) * 60_000);
    const from = new Date(to.getTime() - pm.windowMinutes * 60_000);
    const facts = new Map<string, VmPlatformFacts>();
    // Optional: a failed call leaves its VMs' availability not measured, never healthy by default.
    const notRead = new Map<string, string>();
    for (const [region, running] of byRegion) {
      for (let i = 0; i < running.length; i += pm.batchSize) {
        const ids = running.slice(i, i + pm.batchSize).map((r) => r.id);
        try {
          const payload = await api.vmPlatformMetrics(subscriptionId, region, ids, from, to, ctx.signal);
          for (const [id, f] of indexVmPlatformMetrics(payload)) facts.set(id, f);
        } catch (err) {
          const e = optionalCallFailed(err, ctx, `Azure Monitor metrics (subscription scope, ${region})`, subscriptionId, 'denied', 'Monitoring Reader');
          for (const id of ids) notRead.set(id.toLowerCase(), shortReason(e));
        }
      }
    }
    return batch.map((r) => {
      const reason = notRead.get(r.id.toLowerCase());
      if (reason === undefined) return withPlatformHealth(r, facts.get(r.id.toLowerCase()), pm.windowMinutes);
      // Not a GPU-metrics gap: DCGM still measures these GPUs; only the platform's availability signal is missing,
      // which the account's diagnostics name. Health stays Resource Health's (unknown where it has none).
      return { ...r, healthReason: r.healthReason ?? `VM availability not measured: Azure Monitor metrics failed (${reason})` };
    });
  }

  async function* inventory(ctx: StreamContext): AsyncIterable<GpuResource[]> {
    inventoryAccess = [];
    for (const { subscriptionId } of await subscriptionsOf(ctx)) {
      const { index: skus, gaps } = await gpuSkus(subscriptionId, ctx);
      const health = await resourceHealthOf(subscriptionId, ctx);
      const statuses: VmStatusPayload[] = [];
      for await (const page of api.listVmStatuses(subscriptionId, ctx.signal)) statuses.push(...page);
      for await (const page of api.listVms(subscriptionId, ctx.signal)) {
        const batch = vmFacts(page, statuses)
          .map((m) => toGpuResource(account, m, skus, health, catalog, gaps))
          .filter((r): r is GpuResource => r !== null);
        if (batch.length > 0) yield await withPlatformMetrics(subscriptionId, batch, ctx);
      }
      for await (const page of api.listScaleSets(subscriptionId, ctx.signal)) {
        for (const ss of page) {
          // Flexible scale sets' VMs are standalone VMs (listed above); only GPU sizes cost a call.
          if (ss.orchestrationMode?.toLowerCase() === 'flexible') continue;
          const size = ss.sku?.name;
          const perVm = size ? gpusPerVm(size, ss.location, skus, gaps) : 0;
          if (perVm <= 0) continue;
          const rg = RESOURCE_GROUP.exec(ss.id)?.[1];
          if (!rg) continue;
          // Listed in full before yielding: a listing that fails half-way must not leave half a scale set.
          const listed: GpuResource[] = [];
          try {
            for await (const vms of api.listScaleSetVms(subscriptionId, rg, ss.name, ctx.signal)) {
              for (const vm of vms) {
                const m = scaleSetVmFacts(vm, ss);
                const r = m ? toGpuResource(account, m, skus, health, catalog, gaps) : null;
                if (r) listed.push(r);
              }
            }
          } catch (err) {
            // The rule: one scale set's instance list is optional. Its GPUs are kept as a gap.
            const previous = lastScaleSetVms.get(ss.id.toLowerCase());
            const e = optionalCallFailed(err, ctx, `Compute virtualMachineScaleSetVMs.list (${ss.name})`, subscriptionId, previous ? 'stale' : 'denied');
            const kept = previous ? staleScaleSet(previous, ss, e) : unlistedScaleSet(ss, perVm, skus, health, gaps, e);
            if (kept.length > 0) yield kept;
            continue;
          }
          lastScaleSetVms.set(ss.id.toLowerCase(), { at: ctx.now.toISOString(), resources: listed });
          for (let i = 0; i < listed.length; i += 100) yield listed.slice(i, i + 100);
        }
      }
    }
  }

  /** GPUs per VM of a size: catalog, then SKUs; 1 for an N-series size when SKUs could not be read. */
  function gpusPerVm(size: string, location: string, skus: ReadonlyMap<string, SkuGpuFacts>, gaps: InventoryGaps): number {
    const known = catalog.lookupInstance('azure', size, location);
    if (known) return known.gpuCount;
    const sku = skus.get(`${size.toLowerCase()}|${normaliseRegion(location)}`);
    if (sku) return sku.gpus;
    return gaps.skusUnavailable && isNSeriesSize(size) ? 1 : 0;
  }

  /** A scale set whose instance list failed, as last listed: same machines, flagged as not current. */
  function staleScaleSet(previous: { at: string; resources: GpuResource[] }, ss: ScaleSetPayload, e: ConnectorError): GpuResource[] {
    const reason = `instances of scale set ${ss.name} not listed (${shortReason(e)}); shown as listed at ${previous.at}`;
    return previous.resources.map((r) => withGap(r, { kind: 'placement', reason }));
  }

  /**
   * A scale set whose instance list failed and was never listed before: one stand-in machine holding
   * capacity x GPUs per VM, power state unknown, so its GPUs count as unknown and as a gap, not as zero.
   */
  function unlistedScaleSet(
    ss: ScaleSetPayload,
    perVm: number,
    skus: ReadonlyMap<string, SkuGpuFacts>,
    health: ReturnType<typeof indexHealth>,
    gaps: InventoryGaps,
    e: ConnectorError,
  ): GpuResource[] {
    const capacity = ss.sku?.capacity ?? 0;
    const size = ss.sku?.name;
    if (!size || capacity <= 0) return [];
    const base = toGpuResource(
      account,
      { id: `${ss.id}/virtualMachines/unlisted`, name: `${ss.name} (instances not listed)`, location: ss.location, zones: undefined, vmSize: size, tags: ss.tags, powerState: 'unknown', computerName: null },
      skus,
      health,
      catalog,
      gaps,
    );
    if (!base) return [];
    const gpuCount = capacity * perVm;
    const reason = `instances of scale set ${ss.name} not listed (${shortReason(e)}); ${capacity} x ${size} from its capacity, not measured`;
    return [
      {
        ...base,
        gpuCount,
        gpuUuids: Array.from({ length: gpuCount }, () => null),
        hourlyPrice: null,
        coverageGaps: [...(base.coverageGaps ?? []).filter((g) => g.kind !== 'price'), { kind: 'placement', reason }, { kind: 'metrics', reason }, { kind: 'price', reason: `no hourly price for the unlisted instances of scale set ${ss.name} (${size})` }],
      },
    ];
  }

  /** The Azure Monitor workspace, as the range-query source readDcgmWindow reads. */
  const workspace: RangeQuerySource = {
    queryRangeInto: (query, start, end, step, signal, sink, wait) => api.promQueryRangeInto(query, start, end, step, signal, sink, wait),
  };

  async function* metrics(req: MetricsRequest): AsyncIterable<GpuSampleBatch> {
    const prom = config.prometheus;
    if (!prom) {
      unmeasured = req.resources
        .filter((r) => r.powerState === 'running')
        .map((r) => unmeasuredEntry(r, 'no prometheus.queryEndpoint configured: GPU metrics are not read for this account'));
      return;
    }
    if (req.resources.length === 0) return;
    const matched = new Set<string>();
    // Planned into sharded, chunked range queries, each answer folded as it arrives: an Azure Monitor
    // workspace of 100,000 GPUs answers a window without it ever being held whole (issue 16).
    for await (const batch of readDcgmWindow(workspace, { ...prom, groupLabels: [prom.hostLabel] }, req, placeOnHosts(req.resources, prom.hostLabel))) {
      for (const id of batch.resourceId) matched.add(id);
      yield batch;
    }
    // Recorded only when the whole window was read, so a failed run does not blame every machine.
    unmeasured = unmatchedMachines(req.resources, matched, prom.hostLabel).map((u) => unmeasuredEntry(u.resource, u.reason));
  }

  /**
   * One machine's samples asked of the Azure Monitor workspace, the DCGM queries narrowed to it (and
   * ahead of a backfill's waiting ones), placed among the account's machines as a metrics read places them.
   */
  async function machineSeries(req: MachineSeriesRequest): Promise<MachineSeries> {
    const prom = config.prometheus;
    if (!prom) throw new ConfigError(`account "${account}" has no prometheus.queryEndpoint to ask for machine ${req.resource.name}'s minutes`);
    const host = req.resource.tags[COMPUTER_NAME_TAG] ?? req.resource.name;
    const selector = machineSelector(prom.selector, req.resource.gpuUuids, prom.hostLabel, host);
    const samples = await readMachineWindow(workspace, { ...prom, groupLabels: [prom.hostLabel] }, selector, req, req.machines, (machines) => placeOnHosts(machines, prom.hostLabel));
    return { source: sourceName('Azure Monitor workspace', prom.queryEndpoint), samples };
  }

  async function* costs(req: CostsRequest): AsyncIterable<FocusCostRow[]> {
    if (config.costSource === 'export') {
      yield* readFocusExportDirectory(config.costExportDirectory ?? '', req.from, req.to);
      return;
    }
    const minGap = config.costQueryMinIntervalMinutes * 60_000;
    const subs = await subscriptionsOf(req);
    for (const { subscriptionId } of subs) {
      const last = lastCostQuery.get(subscriptionId);
      const now = req.now.getTime();
      if (last !== undefined && now - last < minGap) {
        throw new ThrottledError(
          `Cost Management query for subscription ${subscriptionId} skipped: last query ${Math.round((now - last) / 60_000)} min ago, the tenant quota allows a few per hour`,
          minGap - (now - last),
        );
      }
    }
    for (const { subscriptionId, displayName } of subs) {
      lastCostQuery.set(subscriptionId, req.now.getTime());
      // One query per calendar month: Cost Management charges one QPU per month of data.
      for (const [from, to] of monthChunks(req.from, req.to)) {
        for await (const page of api.queryCosts(subscriptionId, new Date(from), new Date(to), req.signal)) {
          const rows = toFocusRows(page, { subscriptionId, subscriptionName: displayName }).filter((r) => {
            const t = Date.parse(r.ChargePeriodStart);
            return t >= req.from && t < req.to;
          });
          if (rows.length > 0) yield rows;
        }
      }
    }
  }

  async function* incidents(req: IncidentsRequest): AsyncIterable<Incident[]> {
    let serviceHealthDenied: AuthError | null = null;
    for (const { subscriptionId } of await subscriptionsOf(req)) {
      const statuses = await api.listAvailabilityStatuses(subscriptionId, req.signal);
      const fromHealth = resourceHealthIncidents(account, statuses, req.resources, req.now);
      if (fromHealth.length > 0) yield fromHealth;
      try {
        const since = new Date(req.now.getTime() - SERVICE_HEALTH_LOOKBACK_MS);
        const events = await api.listServiceHealthEvents(subscriptionId, since, req.signal);
        const fromEvents = serviceHealthIncidents(account, events, req.resources, req.now);
        if (fromEvents.length > 0) yield fromEvents;
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        serviceHealthDenied = err;
      }
    }
    if (serviceHealthDenied) {
      // Service Health is closed to this credential: the public status feed is the next best thing.
      if (!api.settings.statusFeedUrl) throw serviceHealthDenied;
      const items = parseRssItems(await api.statusFeed(req.signal));
      const fromFeed = statusFeedIncidents(account, items, req.resources, req.now);
      if (fromFeed.length > 0) yield fromFeed;
    }
  }

  return {
    provider: 'azure',
    account,
    clouds: ['azure'],
    inventory,
    metrics,
    costs,
    incidents,
    budget: () => api.budget.all(),
    diagnostics: () => azureDiagnostics(api.budget.all(), { access: inventoryAccess, unmeasured }),
    identity: async (signal) => identityFromAccessToken(await api.accessToken(signal)),
    metricsStorage: config.prometheus?.storage ?? 'raw',
    ...(config.prometheus ? { machineSeries } : {}),
  };
}

/** The part of a connector error worth showing beside a machine (the message names API and subscription). */
function shortReason(e: ConnectorError): string {
  return e.message.length > 300 ? `${e.message.slice(0, 297)}...` : e.message;
}

/** Adds a coverage gap to a machine. */
function withGap(r: GpuResource, gap: NonNullable<GpuResource['coverageGaps']>[number]): GpuResource {
  return { ...r, coverageGaps: [...(r.coverageGaps ?? []), gap] };
}

function unmeasuredEntry(r: GpuResource, reason: string): UnmeasuredMachine {
  return { resourceId: r.id, name: r.name, region: r.region, scope: RESOURCE_GROUP.exec(r.id)?.[1] ?? '', reason };
}

/** Splits [from, to) at UTC month starts. */
export function monthChunks(from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let start = from;
  while (start < to) {
    const d = new Date(start);
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    out.push([start, Math.min(next, to)]);
    start = next;
  }
  return out;
}
