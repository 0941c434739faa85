/**
 * The Azure connector: GPU VMs (standalone and scale sets) of every configured or visible
 * subscription, DCGM metrics from managed Prometheus, spend from Cost Management (or FOCUS exports)
 * and incidents from Resource Health and Service Health (public status feed as the fallback).
 */
import type { AccountConfigBase } from '../../../../shared/config';
import type { FocusCostRow, GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { lookupInstance, normaliseGpuModel } from '../../catalog';
import {
  AuthError,
  ThrottledError,
  type Connector,
  type ConnectorFactory,
  type CostsRequest,
  type IncidentsRequest,
  type MetricsRequest,
  type StreamContext,
} from '../types';
import { AzureApi, type AzureApiDeps, type ReadBudget, type SubscriptionInfo } from './client';
import { parseAzureConfig, type AzureAccountConfig } from './config';
import { readFocusExportDirectory } from './focus-export';
import { azureDiagnostics } from './diagnostics';
import { identityFromAccessToken } from './identity';
import {
  dcgmQueries,
  indexGpuSkus,
  indexHealth,
  indexVmPlatformMetrics,
  parseStatusFeed,
  resourceHealthIncidents,
  scaleSetVmFacts,
  serviceHealthIncidents,
  statusFeedIncidents,
  toFocusRows,
  toGpuResource,
  toGpuSamples,
  vmFacts,
  withPlatformHealth,
  type DcgmField,
  type GpuCatalog,
  type PromMatrixPayload,
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
const METRICS_CHUNK_MS = 24 * 3600_000;
const SAMPLE_BATCH = 5000;
const SERVICE_HEALTH_LOOKBACK_MS = 30 * 86_400_000;

const defaultCatalog: GpuCatalog = { lookupInstance, normaliseGpuModel: (raw) => normaliseGpuModel(raw) };

/** Builds the connector for one validated account. */
export function createAzureConnector(config: AzureAccountConfig, deps: AzureConnectorDeps = {}): AzureConnector {
  const api = new AzureApi(config, deps);
  const catalog = deps.catalog ?? defaultCatalog;
  const account = config.name;
  const skuCache = new Map<string, { at: number; index: Map<string, SkuGpuFacts> }>();
  const lastCostQuery = new Map<string, number>();
  let subscriptions: { at: number; list: SubscriptionInfo[] } | null = null;

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

  async function gpuSkus(subscriptionId: string, ctx: StreamContext): Promise<Map<string, SkuGpuFacts>> {
    const cached = skuCache.get(subscriptionId);
    if (cached && ctx.now.getTime() - cached.at < SKU_CACHE_MS) return cached.index;
    const index = indexGpuSkus(await api.listSkus(subscriptionId, ctx.signal));
    skuCache.set(subscriptionId, { at: ctx.now.getTime(), index });
    return index;
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
    for (const [region, running] of byRegion) {
      for (let i = 0; i < running.length; i += pm.batchSize) {
        const ids = running.slice(i, i + pm.batchSize).map((r) => r.id);
        const payload = await api.vmPlatformMetrics(subscriptionId, region, ids, from, to, ctx.signal);
        for (const [id, f] of indexVmPlatformMetrics(payload)) facts.set(id, f);
      }
    }
    return batch.map((r) => withPlatformHealth(r, facts.get(r.id.toLowerCase()), pm.windowMinutes));
  }

  async function* inventory(ctx: StreamContext): AsyncIterable<GpuResource[]> {
    for (const { subscriptionId } of await subscriptionsOf(ctx)) {
      const skus = await gpuSkus(subscriptionId, ctx);
      const health = indexHealth(await api.listAvailabilityStatuses(subscriptionId, ctx.signal));
      const statuses: VmStatusPayload[] = [];
      for await (const page of api.listVmStatuses(subscriptionId, ctx.signal)) statuses.push(...page);
      for await (const page of api.listVms(subscriptionId, ctx.signal)) {
        const batch = vmFacts(page, statuses)
          .map((m) => toGpuResource(account, m, skus, health, catalog))
          .filter((r): r is GpuResource => r !== null);
        if (batch.length > 0) yield await withPlatformMetrics(subscriptionId, batch, ctx);
      }
      for await (const page of api.listScaleSets(subscriptionId, ctx.signal)) {
        for (const ss of page) {
          // Flexible scale sets' VMs are standalone VMs (listed above); only GPU sizes cost a call.
          if (ss.orchestrationMode?.toLowerCase() === 'flexible') continue;
          const size = ss.sku?.name;
          const knownGpu = size ? catalog.lookupInstance('azure', size, ss.location) !== null || skus.has(`${size.toLowerCase()}|${ss.location.toLowerCase()}`) : false;
          if (!knownGpu) continue;
          const rg = /\/resourceGroups\/([^/]+)\//i.exec(ss.id)?.[1];
          if (!rg) continue;
          for await (const vms of api.listScaleSetVms(subscriptionId, rg, ss.name, ctx.signal)) {
            const batch = vms
              .map((vm) => scaleSetVmFacts(vm, ss))
              .map((m) => (m ? toGpuResource(account, m, skus, health, catalog) : null))
              .filter((r): r is GpuResource => r !== null);
            if (batch.length > 0) yield batch;
          }
        }
      }
    }
  }

  async function* metrics(req: MetricsRequest): AsyncIterable<GpuSample[]> {
    const prom = config.prometheus;
    if (!prom || req.resources.length === 0) return;
    const queries = dcgmQueries(prom.hostLabel, prom.selector);
    for (let start = req.from; start < req.to; start += METRICS_CHUNK_MS) {
      const end = Math.min(req.to, start + METRICS_CHUNK_MS);
      const matrices: Partial<Record<DcgmField, PromMatrixPayload>> = {};
      for (const field of Object.keys(queries) as DcgmField[]) {
        matrices[field] = await api.promQueryRange(queries[field], start / 1000, (end - 60_000) / 1000, 60, req.signal);
      }
      const samples = toGpuSamples(matrices, req.resources, prom.hostLabel).filter((s) => s.ts >= start && s.ts < end);
      for (let i = 0; i < samples.length; i += SAMPLE_BATCH) yield samples.slice(i, i + SAMPLE_BATCH);
    }
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
      const items = parseStatusFeed(await api.statusFeed(req.signal));
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
    diagnostics: () => azureDiagnostics(api.budget.all()),
    identity: async (signal) => identityFromAccessToken(await api.accessToken(signal)),
  };
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

/** The Azure provider, as the registry names it. */
export const azureConnectorFactory: ConnectorFactory<AzureAccountConfig> = {
  provider: 'azure',
  parseConfig: (raw: AccountConfigBase) => parseAzureConfig(raw),
  create: (config) => createAzureConnector(config),
};
