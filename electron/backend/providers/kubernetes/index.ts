/** The kubernetes connector: GPU nodes and pods of one kubeconfig context, DCGM metrics from Prometheus. */
import type { CoreV1Api, V1Node, V1Pod } from '@kubernetes/client-node';
import type { ConnectorDiagnostics, UnplacedMachine } from '../../../../shared/connector-diagnostics';
import type { CloudId, GpuResource } from '../../../../shared/domain';
import { ConfigError, ConnectorError, type Connector, type CostsRequest, type IncidentsRequest, type MachineSeries, type MachineSeriesRequest, type MetricsRequest, type StreamContext } from '../types';
import { machineSelector, sourceName } from '../common/dcgm';
import { readDcgmWindow, readMachineWindow } from '../common/dcgm-window-read';
import type { GpuSampleColumns } from '../../domain/sample-columns';
import { coreApi, listActivePods, listNodes, PrometheusClient } from './client';
import { KubernetesConfig, type PrometheusConfig } from './config';
import { kubernetesIdentity } from './identity';
import { BillingCostDays, EstimateCostDays, gpuWorkloadByNode, nodeToResource, placeOnNodes, pointRanges, settleMigFromDcgm } from './map';
import { gpuCountQuery, gpuParentsQuery } from './promql';
export { describeKubeconfig, type KubeconfigContext } from './kubeconfig';
export { KubernetesConfig } from './config';

/**
 * Reads the whole inventory (nodes with GPUs, their GPU pods) from the Kubernetes API; MIG nodes
 * whose labels cannot tell their physical GPUs are settled from dcgm-exporter series when Prometheus
 * is configured.
 */
async function readInventory(api: CoreV1Api, cfg: KubernetesConfig, prom: PrometheusClient | null, ctx: StreamContext): Promise<GpuResource[]> {
  const nodes: V1Node[] = [];
  for await (const page of listNodes(api, cfg.pageSize)) nodes.push(...page);
  const pods: V1Pod[] = [];
  for await (const page of listActivePods(api, cfg.pageSize)) pods.push(...page);
  const workload = gpuWorkloadByNode(pods, cfg.teamLabel);
  const out: GpuResource[] = [];
  for (const node of nodes) {
    const r = nodeToResource(node, workload.get(node.metadata?.name ?? ''), { account: cfg.name, cloud: cfg.cloud, defaultRegion: cfg.defaultRegion, site: cfg.site });
    if (r) out.push(r);
  }
  const p = cfg.prometheus;
  if (!prom || !p || !out.some((r) => r.coverageGaps?.some((g) => g.kind === 'placement'))) return out;
  const at = Math.floor(ctx.now.getTime() / 1000);
  try {
    const parents = await prom.queryRange(gpuParentsQuery(p.nodeLabels, p.selector), at, at, 60, ctx.signal);
    return settleMigFromDcgm(out, parents, p.nodeLabels);
  } catch (err) {
    // A Prometheus outage must not cost the inventory: the lower bounds stand, and their gaps say why.
    if (ctx.signal.aborted || !(err instanceof ConnectorError)) throw err;
    const why = `; DCGM parent GPUs could not be read (${err.message})`;
    return out.map((r) => (r.coverageGaps ? { ...r, coverageGaps: r.coverageGaps.map((g) => (g.kind === 'placement' ? { ...g, reason: g.reason + why } : g)) } : r));
  }
}

/** The inventory's placement gaps as diagnostics: what was assumed for each machine and why. */
function unplacedOf(resources: readonly GpuResource[]): UnplacedMachine[] {
  return resources.flatMap((r) =>
    (r.coverageGaps ?? []).filter((g) => g.kind === 'placement').map((g) => ({ resourceId: r.id, name: r.name, region: r.region, scope: r.tags['k8s.node-pool'] ?? '', reason: g.reason })),
  );
}

/** Per-GPU samples for a window, read from Prometheus as common/dcgm-window-read.ts plans them. */
function readMetrics(prom: PrometheusClient, p: PrometheusConfig, req: MetricsRequest): AsyncGenerator<GpuSampleColumns> {
  return readDcgmWindow(prom, { ...p, groupLabels: p.nodeLabels }, req, placeOnNodes(req.resources, p.nodeLabels));
}

/** One machine's samples asked of Prometheus, its queries narrowed to that machine's series. */
async function readMachine(prom: PrometheusClient, cfg: KubernetesConfig, req: MachineSeriesRequest): Promise<MachineSeries> {
  const p = cfg.prometheus;
  if (!p) throw new ConfigError(`account "${cfg.name}" has no prometheus endpoint to ask for machine ${req.resource.name}'s minutes`);
  const selector = machineSelector(p.selector, req.resource.gpuUuids, p.nodeLabels[0] ?? 'Hostname', req.resource.name);
  const samples = await readMachineWindow(prom, { ...p, groupLabels: p.nodeLabels }, selector, req, req.machines, (machines) => placeOnNodes(machines, p.nodeLabels));
  return { source: sourceName('Prometheus', p.url), samples };
}

/** Builds the connector for one validated kubernetes account. */
export function createKubernetesConnector(cfg: KubernetesConfig): Connector {
  let api: CoreV1Api | null = null;
  const k8s = async () => (api ??= await coreApi(cfg));
  const prom = cfg.prometheus ? new PrometheusClient(cfg.prometheus, cfg.name) : null;
  const clouds: CloudId[] = cfg.cloud ? [cfg.cloud] : ['azure', 'gcp', 'oci', 'aws', 'coreweave', 'other'];
  let unplaced: UnplacedMachine[] = [];

  return {
    provider: cfg.provider === 'coreweave' ? 'coreweave' : 'kubernetes',
    account: cfg.name,
    clouds,
    identity: () => kubernetesIdentity(cfg),
    async *inventory(ctx: StreamContext) {
      const resources = await readInventory(await k8s(), cfg, prom, ctx);
      unplaced = unplacedOf(resources);
      for (let i = 0; i < resources.length; i += 500) yield resources.slice(i, i + 500);
      if (resources.length === 0) yield [];
    },
    async *metrics(req: MetricsRequest) {
      if (!prom || !cfg.prometheus) return;
      yield* readMetrics(prom, cfg.prometheus, req);
    },
    async *costs(req: CostsRequest) {
      if (!prom || !cfg.prometheus) return;
      const resources = await readInventory(await k8s(), cfg, prom, req);
      const fallback: CloudId = cfg.cloud ?? 'other';
      const hour = 3600;
      const start = Math.ceil(req.from / 1000 / hour) * hour + hour;
      const end = Math.floor(req.to / 1000 / hour) * hour;
      if (end < start) return;
      // The window (35 days by default: 10.5M hourly points at 12,500 nodes) is asked for in ranges
      // of bounded size, each summed as it comes. Rows come only once every range has been read: a
      // range that fails restates nothing.
      const p = cfg.prometheus;
      const ranges = pointRanges(start, end, hour, Math.min(p.stepsPerRequest, p.maxPointsPerSeries - 1, Math.floor(p.pointsPerRequest / Math.max(1, resources.length))));
      if (cfg.billing) {
        const billing = new BillingCostDays(resources, cfg.billing.nodeLabel, cfg.billing.currency, cfg.name, fallback, req.from, req.to);
        // Read whole, range by range: the hours' text is rounded as written, which the streamed numbers are not.
        const query = `avg_over_time((${cfg.billing.query})[1h:5m])`;
        for (const [from, to] of ranges) billing.add(await prom.queryRange(query, from, to, hour, req.signal));
        if (billing.series > 0) {
          yield* billing.rows();
          return;
        }
      }
      // Summed as each answer's bytes arrive.
      const estimate = new EstimateCostDays(resources, p.nodeLabels, cfg.name, fallback, req.from, req.to);
      const query = gpuCountQuery(p.nodeLabels, p.selector, hour);
      for (const [from, to] of ranges) await prom.queryRangeInto(query, from, to, hour, req.signal, estimate);
      // In batches: the consumer gives the event loop a turn between them.
      yield* estimate.rows();
    },
    // A cluster has no provider incident feed of its own. Node conditions reach the store as the
    // inventory's health and healthReason, XID errors as metric samples; domain/derived-signals.ts
    // is the one place that turns them into node-down and XID incidents.
    async *incidents(_req: IncidentsRequest) {
      yield [];
    },
    diagnostics: (): ConnectorDiagnostics => ({ budget: [], access: [], unmeasured: [], unplaced: [...unplaced], calls: [] }),
    // Spend is estimated from Prometheus GPU counts: without Prometheus the cluster owns no cost rows,
    // so the engine leaves alone what was imported for the account by hand.
    bills: prom !== null,
    metricsStorage: cfg.prometheus?.storage ?? 'raw',
    ...(prom ? { machineSeries: (req: MachineSeriesRequest) => readMachine(prom, cfg, req) } : {}),
  };
}
