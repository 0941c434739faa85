/**
 * The Oracle Cloud connector: GPU instances (BM.GPU*, VM.GPU*) of every compartment of the tenancy in
 * every subscribed region, GPU metrics from the Oracle Cloud Agent's GPU monitoring plugin
 * (Monitoring, namespace gpu_infrastructure_health, aggregated on the server), spend from the Usage
 * API, and incidents from Announcements, instance maintenance events and troubled lifecycle states.
 */
import type { FocusCostRow, GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { lookupInstance, normaliseGpuModel } from '../../catalog';
import { AuthError, ConfigError, ConnectorError, MalformedResponseError, ThrottledError, UnavailableError, type Connector, type StreamContext } from '../types';
import { openOciApi, type OciApi } from './client';
import type { OciAccountConfig } from './config';
import { failureOf, policyStatement } from './errors';
import {
  lifecycleIncidents,
  mapAnnouncements,
  mapInstance,
  mapMaintenanceEvents,
  mapUsage,
  markStale,
  planMetricCalls,
  SampleMerger,
  touchesFleet,
  unmeasuredInstances,
  type GpuCatalog,
  type MetricCall,
  type UnmeasuredInstance,
} from './map';
import type { RawAnnouncement, RawCompartment } from './raw';
import { ObservedIncidents } from '../common/observed-incidents';
import { ociDiagnostics, type CompartmentAccess } from './diagnostics';
import { ociIdentity } from './identity';
export { OciAccountConfig, parseOciConfig } from './config';
export type { UnmeasuredInstance } from './map';
export type { CompartmentAccess } from './diagnostics';

/** An OCI connector also tells which compartments it could not read and which GPUs are not measured. */
export interface OciConnector extends Connector {
  /** Per compartment and region: the last inventory, metrics or maintenance read's outcome. */
  compartmentAccess(): CompartmentAccess[];
  /** Running GPU instances that published no GPU metric in the last metrics run (plugin missing). */
  unmeasured(): UnmeasuredInstance[];
  /** API calls made per operation since the connector was built. */
  callCounts(): Record<string, number>;
}

export interface OciConnectorDeps {
  catalog?: GpuCatalog | null;
  openApi?: (config: OciAccountConfig) => Promise<OciApi>;
}

/** The catalog the connector prices and names GPUs with. */
export const defaultOciCatalog: GpuCatalog = { lookupInstance, normaliseGpuModel };

const REGION_CACHE_MS = 3600_000;
const COMPARTMENT_CACHE_MS = 15 * 60_000;
const SAMPLE_BATCH = 5000;
const DAY = 86_400_000;

interface Compartment {
  id: string;
  name: string;
}

/** True when OCI said "not authorized or not found" for this compartment (not a bad signature). */
function isDenied(err: unknown): boolean {
  if (!(err instanceof AuthError)) return false;
  const status = failureOf(err.cause).statusCode;
  return status === 404 || status === 403;
}

/** The same kind of error with a message that says what it meant for the run. */
function rewrap(err: ConnectorError, message: string): ConnectorError {
  const options = { cause: err };
  if (err instanceof ThrottledError) return new ThrottledError(message, err.retryAfterMs ?? 30_000, options);
  if (err instanceof UnavailableError) return new UnavailableError(message, err.retryAfterMs, options);
  if (err instanceof MalformedResponseError) return new MalformedResponseError(message, options);
  if (err instanceof AuthError) return new AuthError(message, options);
  if (err instanceof ConfigError) return new ConfigError(message, options);
  return new ConnectorError(err.kind, message, err.retryAfterMs, options);
}

/** Builds the connector for one Oracle Cloud tenancy. */
export function createOciConnector(config: OciAccountConfig, deps: OciConnectorDeps = {}): OciConnector {
  const catalog = deps.catalog === undefined ? defaultOciCatalog : deps.catalog;
  const open = deps.openApi ?? openOciApi;
  const account = config.name;
  let api: Promise<OciApi> | null = null;
  let resolvedApi: OciApi | null = null;
  const apiOnce = (): Promise<OciApi> => {
    api ??= open(config).then((opened) => {
      resolvedApi = opened;
      return opened;
    }, (err: unknown) => {
      api = null; // a missing key may be fixed before the next sync
      throw err;
    });
    return api;
  };

  let regionCache: { at: number; regions: string[]; home: string } | null = null;
  let compartmentCache: { at: number; list: Compartment[] } | null = null;
  const access = new Map<string, CompartmentAccess>();
  const lastGood = new Map<string, { at: Date; resources: GpuResource[] }>();
  let unmeasured: UnmeasuredInstance[] = [];
  const openLifecycle = new ObservedIncidents();

  function record(entry: Omit<CompartmentAccess, 'at'>, now: Date): void {
    access.set(`${entry.operation}\u0000${entry.region}\u0000${entry.compartmentId}`, { ...entry, at: now.toISOString() });
  }

  async function regions(ctx: StreamContext): Promise<{ regions: string[]; home: string }> {
    const oci = await apiOnce();
    const now = ctx.now.getTime();
    if (regionCache && now - regionCache.at < REGION_CACHE_MS) return regionCache;
    const ask = config.homeRegion ?? oci.profileRegion ?? config.regions?.[0];
    if (!ask) throw new ConfigError(`account ${account}: no region to reach Identity in; set homeRegion (or a region in the profile)`);
    const subs = await oci.regionSubscriptions(ask, ctx.signal);
    const ready = subs.filter((s) => s.status === 'READY').map((s) => s.regionName);
    const home = config.homeRegion ?? subs.find((s) => s.isHomeRegion)?.regionName ?? ask;
    let list = ready;
    if (config.regions) {
      const missing = config.regions.filter((r) => !ready.includes(r));
      if (missing.length > 0) throw new ConfigError(`account ${account}: the tenancy is not subscribed to ${missing.join(', ')} (subscribed: ${ready.join(', ') || 'none'})`);
      list = config.regions;
    }
    regionCache = { at: now, regions: list, home };
    return regionCache;
  }

  async function compartments(ctx: StreamContext, home: string): Promise<Compartment[]> {
    const oci = await apiOnce();
    const now = ctx.now.getTime();
    if (compartmentCache && now - compartmentCache.at < COMPARTMENT_CACHE_MS) return compartmentCache.list;
    const roots = config.compartmentIds ?? [oci.tenancyId];
    const all = new Map<string, RawCompartment & { path: string }>();
    const found: Compartment[] = [];
    for (const root of roots) {
      const listed = await oci.compartments(home, root, ctx.signal);
      const byId = new Map(listed.map((c) => [c.id, c]));
      const pathOf = (c: RawCompartment): string => {
        const names: string[] = [];
        let cur: RawCompartment | undefined = c;
        for (let depth = 0; cur && depth < 10; depth++) {
          names.unshift(cur.name);
          cur = byId.get(cur.compartmentId);
        }
        return names.join('/');
      };
      found.push({ id: root, name: root === oci.tenancyId ? 'root' : root });
      for (const c of listed) if (!all.has(c.id)) all.set(c.id, { ...c, path: pathOf(c) });
    }
    const excluded = new Set(config.excludeCompartmentIds);
    const isExcluded = (id: string): boolean => {
      let cur: string | undefined = id;
      for (let depth = 0; cur && depth < 12; depth++) {
        if (excluded.has(cur)) return true;
        cur = all.get(cur)?.compartmentId;
      }
      return false;
    };
    const list: Compartment[] = [];
    for (const c of found) if (!isExcluded(c.id) && !list.some((x) => x.id === c.id)) list.push(c);
    for (const c of all.values()) {
      if (c.lifecycleState !== 'ACTIVE' || isExcluded(c.id) || list.some((x) => x.id === c.id)) continue;
      if (c.isAccessible === false) {
        // Listed with access level ANY but closed to us: nothing can be read there, now or before.
        for (const region of regionCache?.regions ?? []) {
          record({ compartmentId: c.id, compartment: c.path, region, operation: 'ListInstances', status: 'denied', message: 'compartment not accessible', policy: policyStatement({ operation: 'ListInstances', region, compartment: c.path, subject: oci.policySubject }) }, ctx.now);
        }
        continue;
      }
      list.push({ id: c.id, name: c.path });
    }
    compartmentCache = { at: now, list };
    return list;
  }

  async function* inventory(ctx: StreamContext): AsyncIterable<GpuResource[]> {
    const oci = await apiOnce();
    const { regions: regionList, home } = await regions(ctx);
    const comps = await compartments(ctx, home);
    for (const region of regionList) {
      for (const c of comps) {
        const key = `${region}\u0000${c.id}`;
        const policy = policyStatement({ operation: 'ListInstances', region, compartment: c.name, subject: oci.policySubject });
        let batch: GpuResource[];
        try {
          batch = [];
          for await (const page of oci.instancePages(region, c.id, c.name, ctx.signal)) {
            for (const raw of page) {
              const r = mapInstance(raw, { account, region, compartmentName: c.name, catalog });
              if (r) batch.push(r);
            }
          }
        } catch (err) {
          if (ctx.signal.aborted) throw err;
          const denied = isDenied(err);
          const signature = err instanceof AuthError && !denied;
          if (signature || !(err instanceof ConnectorError)) throw err;
          const prev = lastGood.get(key);
          if (prev) {
            // Keep what we knew, marked stale, so one closed compartment does not hide its GPUs.
            record({ compartmentId: c.id, compartment: c.name, region, operation: 'ListInstances', status: 'stale', message: err.message, policy: denied ? policy : null }, ctx.now);
            if (prev.resources.length > 0) yield markStale(prev.resources, prev.at, err.message);
            continue;
          }
          if (denied) {
            // No policy and nothing known from this process: the compartment is listed as denied.
            record({ compartmentId: c.id, compartment: c.name, region, operation: 'ListInstances', status: 'denied', message: err.message, policy }, ctx.now);
            continue;
          }
          // A transient failure with nothing to fall back on: fail the run so the stored snapshot stays.
          throw rewrap(err, `inventory not replaced: compartment ${c.name} in ${region} could not be read: ${err.message}`);
        }
        lastGood.set(key, { at: ctx.now, resources: batch });
        record({ compartmentId: c.id, compartment: c.name, region, operation: 'ListInstances', status: 'ok', message: null, policy: null }, ctx.now);
        if (batch.length > 0) yield batch;
      }
    }
  }

  async function* metrics(req: Parameters<Connector['metrics']>[0]): AsyncIterable<GpuSample[]> {
    const oci = await apiOnce();
    const mine = req.resources.filter((r) => r.cloud === 'oci');
    const read = config.monitoring.faults && !config.monitoring.metrics.includes('Fault') ? [...config.monitoring.metrics, 'Fault' as const] : config.monitoring.metrics;
    const calls = planMetricCalls(mine, read, { from: req.from, to: req.to, now: req.now.getTime() }, config.monitoring);
    const byId = new Map(mine.map((r) => [r.id, r]));
    const groups = new Map<string, MetricCall[]>();
    for (const c of calls) {
      const key = `${c.region}\u0000${c.compartmentId}\u0000${c.resourceIds[0] ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    const measured = new Set<string>();
    const covered: GpuResource[] = [];
    for (const group of groups.values()) {
      const first = group[0] as MetricCall;
      const name = byId.get(first.resourceIds[0] ?? '')?.tags['oci:compartment'] ?? first.compartmentId;
      const merger = new SampleMerger(req.from, req.to, byId);
      let denied = false;
      for (const c of group) {
        try {
          const data = await oci.summarizeMetrics(
            { region: c.region, compartmentId: c.compartmentId, compartmentName: name, namespace: config.monitoring.namespace, query: c.query, from: c.from, to: c.to },
            req.signal,
          );
          for (const d of data) merger.add(c.metric, d);
        } catch (err) {
          if (!isDenied(err)) throw err;
          // No "read metrics" here: its GPUs stay unmeasured; the account view names the policy.
          denied = true;
          record({ compartmentId: c.compartmentId, compartment: name, region: c.region, operation: 'SummarizeMetricsData', status: 'denied', message: (err as Error).message, policy: policyStatement({ operation: 'SummarizeMetricsData', region: c.region, compartment: name, subject: oci.policySubject, namespace: config.monitoring.namespace }) }, req.now);
          break;
        }
      }
      if (denied) continue;
      record({ compartmentId: first.compartmentId, compartment: name, region: first.region, operation: 'SummarizeMetricsData', status: 'ok', message: null, policy: null }, req.now);
      const samples = merger.samples();
      for (const id of merger.measured) measured.add(id);
      for (const id of first.resourceIds) {
        const r = byId.get(id);
        if (r) covered.push(r);
      }
      for (let i = 0; i < samples.length; i += SAMPLE_BATCH) yield samples.slice(i, i + SAMPLE_BATCH);
    }
    unmeasured = unmeasuredInstances(covered, measured, config.monitoring.namespace);
  }

  async function* costs(req: Parameters<Connector['costs']>[0]): AsyncIterable<FocusCostRow[]> {
    // With FOCUS reports the rows arrive through `fleetpane import-focus`; nothing to pull here.
    if (config.costSource === 'focus-export') return;
    const oci = await apiOnce();
    const { home } = await regions(req);
    const names = new Map((await compartments(req, home)).map((c) => [c.id, c.name]));
    const from = Math.floor(req.from / DAY) * DAY;
    const to = Math.ceil(req.to / DAY) * DAY;
    const ctx = { tenancyId: oci.tenancyId, tenancyName: null, compartmentNames: names };
    for await (const page of oci.usagePages(home, from, to, req.signal)) {
      const rows = page
        .map((u) => mapUsage(u, ctx))
        .filter((r): r is FocusCostRow => r !== null)
        .filter((r) => {
          const t = Date.parse(r.ChargePeriodStart);
          return t >= req.from && t < req.to;
        });
      if (rows.length > 0) yield rows;
    }
  }

  async function* incidents(req: Parameters<Connector['incidents']>[0]): AsyncIterable<Incident[]> {
    const oci = await apiOnce();
    const mine = req.resources.filter((r) => r.cloud === 'oci');
    const byId = new Map(mine.map((r) => [r.id, r]));
    const out: Incident[] = [];
    const opts = config.incidents;

    if (opts.maintenanceEvents) {
      const places = new Map<string, { region: string; compartmentId: string; name: string }>();
      for (const r of mine) {
        const id = r.tags['oci:compartmentId'];
        if (id) places.set(`${r.region}\u0000${id}`, { region: r.region, compartmentId: id, name: r.tags['oci:compartment'] ?? id });
      }
      for (const p of places.values()) {
        try {
          const events = await oci.maintenanceEvents(p.region, p.compartmentId, p.name, req.signal);
          out.push(...mapMaintenanceEvents(events, { account, resources: byId, now: req.now, endedWithinDays: opts.endedWithinDays }));
        } catch (err) {
          if (!isDenied(err)) throw err;
          record({ compartmentId: p.compartmentId, compartment: p.name, region: p.region, operation: 'ListInstanceMaintenanceEvents', status: 'denied', message: (err as Error).message, policy: policyStatement({ operation: 'ListInstanceMaintenanceEvents', region: p.region, compartment: p.name, subject: oci.policySubject }) }, req.now);
        }
      }
    }

    // Troubled lifecycle states: keep the first sighting as the start; end what recovered.
    out.push(...openLifecycle.update(lifecycleIncidents(mine, account, req.now), req.now));

    if (opts.announcements) {
      const { home } = await regions(req);
      const fleetRegions = new Set(mine.map((r) => r.region));
      const listed = await oci.announcements(home, req.signal);
      // Affected resources are only on the full announcement: fetch those that may be incidents here.
      const detailed: RawAnnouncement[] = [];
      let budget = opts.maxAnnouncementDetails;
      for (const a of listed) {
        const candidate = a.lifecycleState === 'ACTIVE' && touchesFleet(a, fleetRegions) && !/^(INFORMATION|ACTION_RECOMMENDED)$/.test(a.announcementType);
        if (candidate && budget > 0) {
          budget -= 1;
          detailed.push(await oci.announcement(home, a.id, req.signal));
        } else {
          detailed.push(a);
        }
      }
      out.push(...mapAnnouncements(detailed, { account, regions: fleetRegions, resources: byId, now: req.now, endedWithinDays: opts.endedWithinDays }));
    }
    if (out.length > 0) yield out;
  }

  const compartmentAccess = (): CompartmentAccess[] =>
    [...access.values()].sort((a, b) => a.compartment.localeCompare(b.compartment) || a.region.localeCompare(b.region) || a.operation.localeCompare(b.operation));
  const callCounts = (): Record<string, number> => resolvedApi?.callCounts() ?? {};

  return {
    provider: 'oci',
    account,
    clouds: ['oci'],
    inventory,
    metrics,
    costs,
    incidents,
    compartmentAccess,
    unmeasured: () => [...unmeasured],
    callCounts,
    diagnostics: () => ociDiagnostics(compartmentAccess(), unmeasured, callCounts()),
    identity: async () => ociIdentity(config),
  };
}
