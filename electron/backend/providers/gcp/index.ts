/**
 * The Google Cloud connector: GPUs and TPUs of the configured (or discovered) projects, Cloud
 * Monitoring utilisation aligned and reduced on the server, spend from the Cloud Billing export in
 * BigQuery, and the status dashboard's incidents for the products and regions the fleet uses.
 */
import type { GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { lookupInstance, lookupMachine, normaliseGpuModel } from '../../catalog';
import { AuthError, ConfigError, ConnectorError, type Connector } from '../types';
import type { AccessProblem } from '../../../../shared/connector-diagnostics';
import { isServiceDisabled, openGcpApi, resolveAuth, type GcpApi, type SeriesQuery } from './client';
import { gcpIdentity } from './identity';
import { GcpAccountConfig } from './config';
import {
  maintenanceIncidents,
  mapBillingRow,
  mapInstance,
  mapServiceHealthEvents,
  mapStatusIncidents,
  mapTpuNode,
  preemptionIncidents,
  resourceIncidents,
  SampleMerger,
  seriesResolver,
  type GpuCatalog,
  type SeriesRole,
} from './map';
import { ObservedIncidents } from '../common/observed-incidents';
import type { RawTimeSeries } from './raw';
export { GcpAccountConfig } from './config';

/** The catalog the connector prices and names GPUs with. */
export const defaultGcpCatalog: GpuCatalog = { lookupInstance, normaliseGpuModel, lookupMachine };

/** Longest window one round of timeSeries.list calls covers, so memory stays bounded on backfills. */
const METRICS_SLICE_MS = 60 * 60_000;
const SAMPLE_BATCH = 5000;

interface MetricQuery {
  role: SeriesRole;
  metricType: string;
  extraFilter: string;
  resourceType: string;
  groupByFields: readonly string[];
  appliesTo: (r: GpuResource) => boolean;
}

const isGceGpu = (r: GpuResource) => r.id.startsWith('//compute.googleapis.com/') && r.kind === 'vm';
const isGkeTpu = (r: GpuResource) => r.id.startsWith('//compute.googleapis.com/') && r.kind === 'tpu-vm';
/** A GCE GPU VM that is a GKE node (GKE labels its node VMs with the cluster name). */
export const isGkeGpuNode = (r: GpuResource) => isGceGpu(r) && r.tags['goog-k8s-cluster-name'] !== undefined;
const isCloudTpu = (r: GpuResource) => r.id.startsWith('//tpu.googleapis.com/');
const GCE_GPU_GROUPS = ['resource.labels.zone', 'resource.labels.instance_id', 'metric.labels.gpu_number'] as const;

/** The metric types read per project; each is one (paged) timeSeries.list call. */
export function metricQueries(config: GcpAccountConfig): MetricQuery[] {
  const q: MetricQuery[] = [];
  if (config.monitoring.dcgm) {
    q.push({ role: 'util-prof', metricType: 'workload.googleapis.com/gpu.dcgm.utilization', extraFilter: '', resourceType: 'gce_instance', groupByFields: GCE_GPU_GROUPS, appliesTo: isGceGpu });
  }
  q.push(
    { role: 'util-dev', metricType: 'agent.googleapis.com/gpu/utilization', extraFilter: '', resourceType: 'gce_instance', groupByFields: GCE_GPU_GROUPS, appliesTo: isGceGpu },
    {
      role: 'memory-bytes',
      metricType: 'agent.googleapis.com/gpu/memory/bytes_used',
      extraFilter: ' AND metric.labels.memory_state = "used"',
      resourceType: 'gce_instance',
      groupByFields: GCE_GPU_GROUPS,
      appliesTo: isGceGpu,
    },
  );
  // GKE's node duty cycle: the provider's utilisation of GKE TPU chips and of GKE GPU nodes' GPUs
  // (used for a GPU only where no DCGM or Ops Agent series covers the minute: glossary order).
  const tpu = config.monitoring.tpu;
  q.push({
    role: 'util-provider',
    metricType: 'kubernetes.io/node/accelerator/duty_cycle',
    extraFilter: '',
    resourceType: 'k8s_node',
    groupByFields: ['resource.labels.location', 'resource.labels.node_name', 'metric.labels.accelerator_id'],
    appliesTo: (r) => isGkeGpuNode(r) || (tpu && isGkeTpu(r)),
  });
  if (config.monitoring.tpu) {
    q.push(
      {
        role: 'util-provider',
        metricType: 'tpu.googleapis.com/accelerator/duty_cycle',
        extraFilter: '',
        resourceType: 'tpu_worker',
        groupByFields: ['resource.labels.zone', 'resource.labels.node_id', 'resource.labels.worker_id', 'metric.labels.accelerator_id'],
        appliesTo: isCloudTpu,
      },
    );
  }
  return q;
}

export interface GcpConnectorDeps {
  /** GPU catalog for model names and prices; null uses the connector's own accelerator table only. */
  catalog?: GpuCatalog | null;
  /** Opens the API surface (tests and the demo can swap it). */
  openApi?: (config: GcpAccountConfig) => Promise<GcpApi>;
}

/** Builds the connector for one Google Cloud account. */
export function createGcpConnector(config: GcpAccountConfig, deps: GcpConnectorDeps = {}): Connector {
  const catalog = deps.catalog === undefined ? defaultGcpCatalog : deps.catalog;
  const open = deps.openApi ?? openGcpApi;
  let api: Promise<GcpApi> | null = null;
  const apiOnce = (): Promise<GcpApi> => {
    api ??= open(config).catch((err: unknown) => {
      api = null; // a missing credential may be fixed before the next sync
      throw err;
    });
    return api;
  };
  // Resource incidents raised by earlier syncs, so a recovered machine's incident is ended.
  const resourceHealth = new ObservedIncidents();
  // Host maintenance: Google names the window, which may be rescheduled, so its start is the report's.
  const maintenance = new ObservedIncidents('reported');
  // Projects whose Personalized Service Health could not be read: a note, not a failed stream.
  const serviceHealthProblems = new Map<string, AccessProblem>();

  /** PSH incidents of every project (deduplicated: one event can concern several projects). */
  async function serviceHealth(gcp: GcpApi, regions: ReadonlySet<string>, now: Date, signal: AbortSignal): Promise<Incident[]> {
    const byId = new Map<string, Incident>();
    const since = now.getTime() - config.incidents.endedWithinDays * 86_400_000;
    for (const project of await projects(signal)) {
      let events;
      try {
        events = await gcp.serviceHealthEvents(project, since, signal);
      } catch (err) {
        // Denied or not enabled: the public feed still covers the outage; say why PSH is missing.
        const disabled = isServiceDisabled(err);
        if (!(err instanceof AuthError) && !disabled) throw err;
        serviceHealthProblems.set(project, {
          scope: `project ${project}`,
          operation: 'servicehealth events.list',
          status: 'denied',
          message: err instanceof ConnectorError ? err.message : String(err),
          fix: disabled
            ? `enable the Service Health API (servicehealth.googleapis.com) in project ${project}`
            : `grant the credential Service Health Viewer (roles/servicehealth.viewer) on project ${project}`,
          at: now.toISOString(),
        });
        continue;
      }
      serviceHealthProblems.delete(project);
      const mapped = mapServiceHealthEvents(events, {
        account: config.name,
        project,
        regions,
        products: config.incidents.products,
        now,
        endedWithinDays: config.incidents.endedWithinDays,
      });
      for (const i of mapped) if (!byId.has(i.id)) byId.set(i.id, i);
    }
    return [...byId.values()];
  }

  async function projects(signal: AbortSignal): Promise<string[]> {
    if (config.projectIds) return config.projectIds;
    const found = await (await apiOnce()).listProjects(signal);
    if (found.length === 0) throw new ConfigError(`account ${config.name}: the credential sees no active project; set projectIds`);
    return found;
  }

  return {
    provider: 'gcp',
    account: config.name,
    clouds: ['gcp'],

    /** Non-fatal notes: projects whose Personalized Service Health events could not be read. */
    diagnostics: () => ({ budget: [], access: [...serviceHealthProblems.values()], unmeasured: [], calls: [] }),

    /** client_email of the credential, else the token's info (test connection shows it). */
    identity: async () => gcpIdentity(config, await resolveAuth(config)),

    async *inventory(ctx) {
      const gcp = await apiOnce();
      for (const project of await projects(ctx.signal)) {
        const mapCtx = { account: config.name, project, catalog };
        for await (const page of gcp.instancePages(project, ctx.signal)) {
          const batch = page.map((i) => mapInstance(i, mapCtx)).filter((r): r is GpuResource => r !== null);
          if (batch.length > 0) yield batch;
        }
        if (config.tpuVms) {
          for await (const page of gcp.tpuNodePages(project, ctx.signal)) {
            const batch = page.map((n) => mapTpuNode(n, mapCtx)).filter((r): r is GpuResource => r !== null);
            if (batch.length > 0) yield batch;
          }
        }
      }
    },

    async *metrics(req) {
      const gcp = await apiOnce();
      const byProject = new Map<string, GpuResource[]>();
      for (const r of req.resources) {
        const project = r.tags['gcp:project'];
        if (r.cloud !== 'gcp' || !project || r.powerState === 'stopped') continue;
        byProject.set(project, [...(byProject.get(project) ?? []), r]);
      }
      const alignmentMs = config.monitoring.alignmentPeriodSeconds * 1000;
      const queries = metricQueries(config);
      for (let from = req.from; from < req.to; from += METRICS_SLICE_MS) {
        const to = Math.min(req.to, from + METRICS_SLICE_MS);
        for (const [project, resources] of byProject) {
          const resolver = seriesResolver(project, resources);
          const merger = new SampleMerger(from, to, alignmentMs);
          for (const q of queries) {
            // Only ask for metric types some machine in this project can write.
            if (!resources.some(q.appliesTo)) continue;
            const query: SeriesQuery = {
              filter: `metric.type = "${q.metricType}" AND resource.type = "${q.resourceType}"${q.extraFilter}`,
              from,
              to,
              alignmentSeconds: config.monitoring.alignmentPeriodSeconds,
              groupByFields: q.groupByFields,
              pageSize: config.monitoring.pageSize,
            };
            if (q.resourceType === 'k8s_node') {
              // GPU series of GKE nodes name their GPU by UUID: read the whole answer (one series per
              // accelerator) so each node's UUIDs are known, sorted, before any point is placed.
              const all: RawTimeSeries[] = [];
              for await (const page of gcp.timeSeriesPages(project, query, req.signal)) all.push(...page);
              resolver.learn(all);
              for (const series of all) {
                const target = resolver.resolve(series);
                if (target) merger.add(q.role, target, series);
              }
              continue;
            }
            for await (const page of gcp.timeSeriesPages(project, query, req.signal)) {
              for (const series of page) {
                const target = resolver.resolve(series);
                if (target) merger.add(q.role, target, series);
              }
            }
          }
          const samples: GpuSample[] = merger.samples();
          for (let i = 0; i < samples.length; i += SAMPLE_BATCH) yield samples.slice(i, i + SAMPLE_BATCH);
        }
      }
    },

    async *costs(req) {
      // With FOCUS exports the rows arrive through `fleetpane import-focus`; nothing to pull here.
      if (config.costSource === 'focus-export') return;
      const gcp = await apiOnce();
      for await (const page of gcp.billingPages(req.from, req.to, req.signal)) {
        const rows = page.map(mapBillingRow).filter((r) => {
          const start = Date.parse(r.ChargePeriodStart);
          return start >= req.from && start < req.to;
        });
        if (rows.length > 0) yield rows;
      }
    },

    async *incidents(req) {
      const gcp = await apiOnce();
      const mine = req.resources.filter((r) => r.cloud === 'gcp');
      const regions = new Set(mine.map((r) => r.region));
      const feed = await gcp.statusIncidents(req.signal);
      const status = mapStatusIncidents(feed, {
        account: config.name,
        regions,
        products: config.incidents.products,
        now: req.now,
        endedWithinDays: config.incidents.endedWithinDays,
        ...(config.endpoints.status ? { baseUrl: config.endpoints.status } : {}),
      });
      // PSH events keep their own ids; the triage merge joins each with the public incident of the same outage.
      const psh = config.incidents.serviceHealth ? await serviceHealth(gcp, regions, req.now, req.signal) : [];
      // Keep the first sighting as the start, so each sync does not move it; end what recovered.
      const observed = [...resourceIncidents(mine, config.name, req.now), ...preemptionIncidents(mine, config.name, req.now)];
      const out: Incident[] = [
        ...status,
        ...psh,
        ...resourceHealth.update(observed, req.now),
        ...maintenance.update(maintenanceIncidents(mine, config.name, req.now), req.now),
      ];
      if (out.length > 0) yield out;
    },
  };
}
