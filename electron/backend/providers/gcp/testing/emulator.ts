/**
 * A loopback emulator of the Google Cloud REST APIs the connector calls, answering in the shapes of
 * the reference fixtures: Compute Engine aggregated instance lists (pageToken paging, per-zone
 * warnings), Cloud TPU nodes, Resource Manager project search, Monitoring timeSeries.list (aligned,
 * reduced, int64 values as strings, points newest first), BigQuery jobs.query/getQueryResults over
 * the billing export, Personalized Service Health events (filtered by state and update_time, paged),
 * and the status dashboard's incidents.json. Faults can be injected per API.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { regionOfZone, type BillingRow, type Fleet, type FleetInstance } from './fleet';
import { readBody } from '../../common/testing/http';
import { microsTextTrimmed, toMicros } from '../../common/testing/micros';

export type EmulatedApi = 'compute' | 'monitoring' | 'bigquery' | 'tpu' | 'resourcemanager' | 'servicehealth' | 'status';

export type FaultKind =
  | 'http-429'
  | 'resource-exhausted'
  | 'bigquery-rate-limit'
  | 'forbidden'
  | 'server-error'
  | 'truncated-json';

export interface Fault {
  api: EmulatedApi;
  kind: FaultKind;
  /** How many matching requests fail before the API answers normally again. */
  times: number;
  /** Only requests whose path contains this text (e.g. a project id). */
  pathContains?: string;
}

export interface RecordedRequest {
  api: EmulatedApi;
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface EmulatorOptions {
  /** Bearer token every request must carry. */
  token: string;
  /** The billing table the emulator serves, as `project.dataset.table`. */
  billingTable: string;
  /** Max instances per aggregatedList page when the request asks for more. */
  computePageSize?: number;
  /** Max rows per BigQuery result page when the request asks for more. */
  bigqueryPageSize?: number;
}

export interface GcpEmulator {
  readonly port: number;
  readonly requests: RecordedRequest[];
  inject(fault: Fault): void;
  close(): Promise<void>;
}

const BQ_FIELDS = [
  'billing_account_id', 'project_id', 'project_name', 'service_id', 'service_name', 'sku_id', 'sku_description',
  'region', 'zone', 'resource_name', 'resource_global_name', 'cost_type', 'currency', 'invoice_month', 'charge_day',
  'cost', 'credits', 'pricing_quantity', 'pricing_unit', 'usage_quantity', 'usage_unit', 'labels_json',
] as const;

/** Starts the emulator on 127.0.0.1 with an ephemeral port. */
export async function startGcpEmulator(fleet: Fleet, options: EmulatorOptions): Promise<GcpEmulator> {
  const faults: Fault[] = [];
  const requests: RecordedRequest[] = [];
  const queryJobs = new Map<string, { rows: unknown[]; pageSize: number }>();
  let jobSeq = 0;

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    const api = apiOf(url.pathname);
    requests.push({ api, method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    if (api !== 'status' && req.headers.authorization !== `Bearer ${options.token}`) {
      return sendError(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
    }
    const faultIndex = faults.findIndex((f) => f.api === api && f.times > 0 && (f.pathContains === undefined || url.pathname.includes(f.pathContains)));
    if (faultIndex >= 0) {
      const fault = faults[faultIndex] as Fault;
      fault.times -= 1;
      return sendFault(res, fault, url.pathname);
    }
    switch (api) {
      case 'compute':
        return computeAggregated(url, res);
      case 'tpu':
        return tpuNodes(url, res);
      case 'resourcemanager':
        return sendJson(res, 200, {
          projects: fleet.projects.map((p, i) => ({ name: `projects/${1000 + i}`, projectId: p, state: 'ACTIVE', displayName: p })),
        });
      case 'monitoring':
        return timeSeries(url, res);
      case 'bigquery':
        return bigquery(req.method ?? 'GET', url, body, res);
      case 'servicehealth':
        return serviceHealthEvents(url, res);
      case 'status':
        return sendJson(res, 200, fleet.incidents);
    }
  };

  function serviceHealthEvents(url: URL, res: ServerResponse): void {
    const m = /^\/v1\/projects\/([^/]+)\/locations\/global\/events$/.exec(url.pathname);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
    const filter = url.searchParams.get('filter') ?? '';
    // The connector's filter: category=INCIDENT AND (state=ACTIVE OR update_time>="...").
    const since = /update_time>="([^"]+)"/.exec(filter)?.[1];
    const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
    const full = url.searchParams.get('view') === 'EVENT_VIEW_FULL';
    const events = fleet.serviceHealth
      .filter((e) => !filter.includes('state=ACTIVE') || e.state === 'ACTIVE' || Date.parse(e.updateTime) >= sinceMs)
      .map(({ eventId, updates, ...rest }) => ({ name: `projects/${m[1]}/locations/global/events/${eventId}`, ...rest, ...(full ? { updates } : {}) }));
    const pageSize = Math.min(Number(url.searchParams.get('pageSize') ?? '100'), 2);
    const offset = Number(url.searchParams.get('pageToken') || '0');
    sendJson(res, 200, {
      events: events.slice(offset, offset + pageSize),
      ...(offset + pageSize < events.length ? { nextPageToken: String(offset + pageSize) } : {}),
    });
  }

  function computeAggregated(url: URL, res: ServerResponse): void {
    const m = /^\/compute\/v1\/projects\/([^/]+)\/aggregated\/instances$/.exec(url.pathname);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
    const project = m[1] as string;
    const all = [...fleet.instances, ...fleet.plainInstances]
      .filter((i) => i.project === project)
      .sort((a, b) => a.zone.localeCompare(b.zone) || a.name.localeCompare(b.name));
    const asked = Number(url.searchParams.get('maxResults') ?? '500');
    const pageSize = Math.min(asked > 0 ? asked : 500, options.computePageSize ?? 500);
    const offset = Number(url.searchParams.get('pageToken') ?? '0');
    const page = all.slice(offset, offset + pageSize);
    const items: Record<string, unknown> = {};
    // Zones with nothing on this page carry the NO_RESULTS_ON_PAGE warning, as in the fixture.
    for (const zone of new Set(fleet.instances.map((i) => i.zone))) {
      items[`zones/${zone}`] = {
        warning: { code: 'NO_RESULTS_ON_PAGE', message: `No results for the scope 'zones/${zone}'.`, data: [{ key: 'scope', value: `zones/${zone}` }] },
      };
    }
    for (const inst of page) {
      const key = `zones/${inst.zone}`;
      const scoped = items[key] as { instances?: unknown[] };
      if (!scoped.instances) items[key] = { instances: [] };
      (items[key] as { instances: unknown[] }).instances.push(instanceJson(inst));
    }
    const next = offset + pageSize < all.length ? String(offset + pageSize) : undefined;
    sendJson(res, 200, {
      kind: 'compute#instanceAggregatedList',
      id: `projects/${project}/aggregated/instances`,
      items,
      ...(next ? { nextPageToken: next } : {}),
      selfLink: `https://www.googleapis.com/compute/v1/projects/${project}/aggregated/instances`,
    });
  }

  function tpuNodes(url: URL, res: ServerResponse): void {
    const m = /^\/v2\/projects\/([^/]+)\/locations\/-\/nodes$/.exec(url.pathname);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
    const nodes = fleet.tpuNodes.filter((n) => n.project === m[1]);
    const offset = Number(url.searchParams.get('pageToken') || '0');
    const page = nodes.slice(offset, offset + 2);
    sendJson(res, 200, {
      nodes: page.map((n) => ({
        name: `projects/${n.project}/locations/${n.zone}/nodes/${n.name}`,
        acceleratorType: n.acceleratorType,
        state: n.state,
        health: n.state === 'REPAIRING' ? 'UNHEALTHY_MAINTENANCE' : 'HEALTHY',
        runtimeVersion: 'tpu-ubuntu2204-base',
        acceleratorConfig: { type: n.acceleratorType.startsWith('v5litepod') ? 'V5LITE_POD' : n.acceleratorType.startsWith('v5p') ? 'V5P' : 'V4', topology: n.topology },
        networkEndpoints: [{ ipAddress: '10.0.0.2', port: 8470 }],
        labels: { team: 'research' },
        createTime: '2026-11-01T00:00:00Z',
      })),
      ...(offset + 2 < nodes.length ? { nextPageToken: String(offset + 2) } : {}),
    });
  }

  function timeSeries(url: URL, res: ServerResponse): void {
    const m = /^\/v3\/projects\/([^/]+)\/timeSeries$/.exec(url.pathname);
    if (!m) return sendError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
    const project = m[1] as string;
    const filter = url.searchParams.get('filter') ?? '';
    const type = /metric\.type\s*=\s*"([^"]+)"/.exec(filter)?.[1];
    const end = url.searchParams.get('interval.endTime');
    const start = url.searchParams.get('interval.startTime');
    if (!type || !end || !start) return sendError(res, 400, 'INVALID_ARGUMENT', 'filter with one metric.type and interval are required');
    const period = Number((url.searchParams.get('aggregation.alignmentPeriod') ?? '60s').replace(/s$/, ''));
    const groupBy = url.searchParams.getAll('aggregation.groupByFields');
    // The REST client sends enums as numbers (enum-encoding=int): REDUCE_NONE is 0.
    const reducer = url.searchParams.get('aggregation.crossSeriesReducer') ?? 'REDUCE_NONE';
    const reduced = reducer !== 'REDUCE_NONE' && reducer !== '0';
    const from = Date.parse(start);
    const to = Date.parse(end);
    const minutes: number[] = [];
    // Aligned points cover [from, to) in alignment periods, newest first.
    for (let t = to - period * 1000; t >= from; t -= period * 1000) minutes.push(t);
    const series: Array<Record<string, unknown>> = [];
    const keep = (labels: Record<string, string>, prefix: string): Record<string, string> =>
      reduced ? Object.fromEntries(Object.entries(labels).filter(([k]) => groupBy.includes(`${prefix}.labels.${k}`))) : labels;
    const point = (t: number, value: Record<string, unknown>) => ({
      interval: { startTime: new Date(t).toISOString(), endTime: new Date(t + period * 1000).toISOString() },
      value,
    });
    const running = fleet.instances.filter((i) => i.project === project && i.status === 'RUNNING');
    const gpuSeries = (inst: FleetInstance, value: (gpu: number) => Record<string, unknown>, valueType: string, extra: Record<string, string> = {}) => {
      for (let g = 0; g < inst.shape.gpus; g++) {
        series.push({
          metric: { type, labels: keep({ model: `NVIDIA ${inst.shape.model}`, uuid: `GPU-${inst.id}-${g}`, gpu_number: String(g), ...extra }, 'metric') },
          resource: { type: 'gce_instance', labels: keep({ instance_id: inst.id, zone: inst.zone, project_id: project }, 'resource') },
          metricKind: 'GAUGE',
          valueType,
          points: minutes.map((t) => point(t, value(g))),
        });
      }
    };
    if (type === 'workload.googleapis.com/gpu.dcgm.utilization') {
      for (const inst of running.filter((i) => i.agent === 'dcgm')) gpuSeries(inst, (g) => ({ doubleValue: (inst.utilisation[g] as number) / 100 }), 'DOUBLE');
    } else if (type === 'agent.googleapis.com/gpu/utilization') {
      for (const inst of running.filter((i) => i.agent !== 'none')) gpuSeries(inst, (g) => ({ doubleValue: inst.utilisation[g] as number }), 'DOUBLE');
    } else if (type === 'agent.googleapis.com/gpu/memory/bytes_used') {
      for (const inst of running.filter((i) => i.agent !== 'none')) gpuSeries(inst, (g) => ({ int64Value: String(inst.memoryUsedBytes[g]) }), 'INT64', { memory_state: 'used' });
    } else if (type === 'kubernetes.io/node/accelerator/duty_cycle') {
      for (const inst of running.filter((i) => i.shape.model.startsWith('TPU'))) {
        for (let c = 0; c < inst.shape.gpus; c++) {
          series.push({
            metric: { type, labels: keep({ accelerator_id: String(c), make: 'google', model: 'tpu-v5-lite-podslice' }, 'metric') },
            resource: { type: 'k8s_node', labels: keep({ project_id: project, location: inst.zone, cluster_name: 'tpu-cluster', node_name: inst.name }, 'resource') },
            metricKind: 'GAUGE',
            valueType: 'INT64',
            points: minutes.map((t) => point(t, { int64Value: String(inst.utilisation[c]) })),
          });
        }
      }
    } else if (type === 'tpu.googleapis.com/accelerator/duty_cycle') {
      for (const node of fleet.tpuNodes.filter((n) => n.project === project && n.dutyCycle)) {
        (node.dutyCycle as number[]).forEach((v, c) => {
          series.push({
            metric: { type, labels: keep({ accelerator_id: String(c) }, 'metric') },
            resource: { type: 'tpu_worker', labels: keep({ project_id: project, zone: node.zone, node_id: node.name, worker_id: '0' }, 'resource') },
            metricKind: 'GAUGE',
            valueType: 'DOUBLE',
            points: minutes.map((t) => point(t, { doubleValue: v })),
          });
        });
      }
    }
    // Page by points, whole series per page, as the API bounds pages by points with view=FULL.
    const pageSize = Number(url.searchParams.get('pageSize') ?? '100000');
    const offset = Number(url.searchParams.get('pageToken') || '0');
    const page: unknown[] = [];
    let points = 0;
    let i = offset;
    for (; i < series.length; i++) {
      const n = (series[i]?.points as unknown[]).length;
      if (page.length > 0 && points + n > pageSize) break;
      page.push(series[i]);
      points += n;
    }
    sendJson(res, 200, {
      ...(page.length > 0 ? { timeSeries: page } : {}),
      ...(i < series.length ? { nextPageToken: String(i) } : {}),
      unit: type.includes('bytes') ? 'By' : type.includes('dcgm') ? '1' : '%',
    });
  }

  function bigquery(method: string, url: URL, body: string, res: ServerResponse): void {
    const insert = /^\/bigquery\/v2\/projects\/([^/]+)\/queries$/.exec(url.pathname);
    if (insert && method === 'POST') {
      const req = JSON.parse(body) as {
        query: string;
        maxResults?: number;
        queryParameters?: Array<{ name: string; parameterValue: { value: string } }>;
      };
      if (!req.query.includes(`\`${options.billingTable}\``)) {
        return sendJson(res, 404, { error: { code: 404, message: `Not found: Table ${options.billingTable}`, errors: [{ reason: 'notFound' }], status: 'NOT_FOUND' } });
      }
      const missing = BQ_FIELDS.filter((f) => !new RegExp(`AS ${f}\\b`).test(req.query));
      if (missing.length > 0) return sendError(res, 400, 'INVALID_ARGUMENT', `query lacks columns ${missing.join(', ')}`);
      const param = (name: string) => req.queryParameters?.find((p) => p.name === name)?.parameterValue.value;
      const from = Date.parse(param('from') ?? '');
      const to = Date.parse(param('to') ?? '');
      if (Number.isNaN(from) || Number.isNaN(to)) return sendError(res, 400, 'INVALID_ARGUMENT', 'from/to parameters are required');
      const rows = aggregateBilling(fleet.billing.filter((r) => Date.parse(r.usageStart) >= from && Date.parse(r.usageStart) < to));
      const jobId = `job_${++jobSeq}`;
      const pageSize = Math.min(req.maxResults ?? 10_000, options.bigqueryPageSize ?? 10_000);
      queryJobs.set(jobId, { rows, pageSize });
      return sendJson(res, 200, bqPage(insert[1] as string, jobId, 0));
    }
    const get = /^\/bigquery\/v2\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(url.pathname);
    if (get && method === 'GET') {
      const job = queryJobs.get(get[2] as string);
      if (!job) return sendError(res, 404, 'NOT_FOUND', 'job not found');
      return sendJson(res, 200, bqPage(get[1] as string, get[2] as string, Number(url.searchParams.get('pageToken') || '0')));
    }
    sendError(res, 404, 'NOT_FOUND', `no route ${url.pathname}`);
  }

  function bqPage(project: string, jobId: string, offset: number): unknown {
    const job = queryJobs.get(jobId) as { rows: unknown[]; pageSize: number };
    const rows = job.rows.slice(offset, offset + job.pageSize);
    const next = offset + job.pageSize < job.rows.length ? String(offset + job.pageSize) : undefined;
    return {
      kind: 'bigquery#getQueryResultsResponse',
      schema: { fields: BQ_FIELDS.map((name) => ({ name, type: name === 'charge_day' ? 'DATE' : 'STRING', mode: 'NULLABLE' })) },
      jobReference: { projectId: project, jobId, location: 'US' },
      totalRows: String(job.rows.length),
      rows,
      ...(next ? { pageToken: next } : {}),
      totalBytesProcessed: '1048576',
      jobComplete: true,
      cacheHit: false,
    };
  }

  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => sendError(res, 500, 'INTERNAL', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    inject: (fault) => faults.push({ ...fault }),
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

/** The Compute Engine REST form of one fleet instance (fields as in the captured fixtures). */
export function instanceJson(inst: FleetInstance): Record<string, unknown> {
  const base = `https://www.googleapis.com/compute/v1/projects/${inst.project}/zones/${inst.zone}`;
  return {
    kind: 'compute#instance',
    id: inst.id,
    creationTimestamp: '2026-10-01T09:00:44.503-07:00',
    name: inst.name,
    machineType: `${base}/machineTypes/${inst.shape.machineType}`,
    status: inst.status,
    zone: base,
    ...(inst.shape.accelerator
      ? { guestAccelerators: [{ acceleratorCount: inst.shape.accelerator.count, acceleratorType: `${base}/acceleratorTypes/${inst.shape.accelerator.type}` }] }
      : {}),
    scheduling: inst.spot
      ? { onHostMaintenance: 'TERMINATE', automaticRestart: false, preemptible: false, provisioningModel: 'SPOT', instanceTerminationAction: 'STOP' }
      : { onHostMaintenance: inst.shape.gpus > 0 ? 'TERMINATE' : 'MIGRATE', automaticRestart: true, preemptible: false, provisioningModel: 'STANDARD' },
    ...(inst.upcomingMaintenance ? { resourceStatus: { upcomingMaintenance: inst.upcomingMaintenance } } : {}),
    ...(inst.lastStopTimestamp ? { lastStopTimestamp: inst.lastStopTimestamp } : {}),
    labels: inst.labels,
    selfLink: `${base}/instances/${inst.name}`,
    cpuPlatform: 'Intel Sapphire Rapids',
    fingerprint: 'i-nouvmUFmw=',
    lastStartTimestamp: '2026-10-01T09:01:00.000-07:00',
  };
}

/** Mirrors the connector's SQL: one row per resource, SKU and UTC day, cost and credits summed exactly. */
export function aggregateBilling(rows: readonly BillingRow[]): unknown[] {
  const groups = new Map<string, { row: BillingRow; day: string; cost: bigint; credits: bigint; pq: bigint; uq: bigint }>();
  for (const r of rows) {
    const day = r.usageStart.slice(0, 10);
    const key = [r.project.id, r.sku.id, day, r.resource.globalName, r.costType, r.currency, r.invoiceMonth, r.location.zone].join('|');
    const g = groups.get(key) ?? { row: r, day, cost: 0n, credits: 0n, pq: 0n, uq: 0n };
    g.cost += toMicros(r.cost);
    for (const c of r.credits) g.credits += toMicros(c);
    g.pq += toMicros(r.pricingAmount);
    g.uq += toMicros(r.usageAmount);
    groups.set(key, g);
  }
  const v = (x: string | null) => ({ v: x });
  return [...groups.values()].map(({ row: r, day, cost, credits, pq, uq }) => ({
    f: [
      v(r.billingAccountId), v(r.project.id), v(r.project.name), v(r.service.id), v(r.service.description), v(r.sku.id),
      v(r.sku.description), v(r.location.region), v(r.location.zone), v(r.resource.name), v(r.resource.globalName),
      v(r.costType), v(r.currency), v(r.invoiceMonth), v(day), v(microsTextTrimmed(cost)), v(microsTextTrimmed(credits)),
      v(microsTextTrimmed(pq)), v(r.pricingUnit), v(microsTextTrimmed(uq)), v(r.usageUnit),
      v(JSON.stringify(Object.entries(r.labels).map(([key, value]) => ({ key, value })))),
    ],
  }));
}

// Tests sum the billing truth in micro-units; BigQuery NUMERIC prints without trailing zeros.
export { toMicros as micros, microsTextTrimmed as fromMicros };

function apiOf(path: string): EmulatedApi {
  if (path.startsWith('/compute/')) return 'compute';
  if (path.startsWith('/v3/projects:search')) return 'resourcemanager';
  if (path.startsWith('/v3/')) return 'monitoring';
  if (path.startsWith('/bigquery/')) return 'bigquery';
  if (path.startsWith('/v2/')) return 'tpu';
  if (path.startsWith('/v1/projects/')) return 'servicehealth';
  return 'status';
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, code: number, status: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, code, { error: { code, message, status, errors: [{ message, domain: 'global', reason: status.toLowerCase() }] } }, headers);
}

function sendFault(res: ServerResponse, fault: Fault, path: string): void {
  const project = /projects\/([^/]+)/.exec(path)?.[1] ?? 'unknown';
  switch (fault.kind) {
    case 'http-429':
      return sendError(res, 429, 'RESOURCE_EXHAUSTED', 'Too many requests.', { 'retry-after': '1' });
    case 'resource-exhausted':
      return sendError(res, 429, 'RESOURCE_EXHAUSTED', `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service for consumer 'project_number:${project}'.`);
    case 'bigquery-rate-limit':
      return sendJson(res, 403, { error: { code: 403, message: 'Exceeded rate limits: too many api requests per user per method for this user_method.', errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits', message: 'Exceeded rate limits' }], status: 'PERMISSION_DENIED' } });
    case 'forbidden':
      return sendError(res, 403, 'PERMISSION_DENIED', `Required permission denied on resource 'projects/${project}' (or it may not exist).`);
    case 'server-error':
      return sendError(res, 500, 'INTERNAL', 'Internal error. Please try again.');
    case 'truncated-json': {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end('{"kind": "compute#instanceAggregatedList", "items": {"zones/us-central1-a": {"instances": [{"id": "12');
      return;
    }
  }
}

export { regionOfZone };
