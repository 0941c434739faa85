/**
 * A loopback ARM emulator over https that answers with the response shapes of the Azure fixtures
 * (compute, resource SKUs, Resource Health, Service Health, Cost Management, subscriptions) for a
 * generated fleet, plus the managed Prometheus query API, with injectable faults.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FLEET_REGIONS, FLEET_SIZES, fleetUtilisationOf, migInstanceUtilisation, regionDisplayName, type Fleet, type FleetVm } from './fleet';
import type { TestCertificate } from './tls';
import { readBody } from '../../common/testing/http';
import { parseMatchers } from '../../common/testing/prom-matchers';

/** A fault the next matching requests get instead of their answer. */
export interface Fault {
  /** Matched against `METHOD path?query`. */
  match: RegExp;
  /** `dropped` (managed Prometheus only): half of the real answer, then the connection is closed. */
  kind: '429-wrapped' | '429-bare' | '429-qpu' | '500' | 'timeout' | 'truncated' | 'dropped' | '401' | '403' | '404-invalid-resource-type' | 'malformed';
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Managed Prometheus only: matching requests answered before the fault starts (a window failing half-way). */
  after?: number;
  retryAfterSeconds?: number;
}

export interface EmulatorOptions {
  fleet: Fleet;
  tls: TestCertificate;
  /** Items per page of list calls (ARM pages are opaque; small pages exercise nextLink). */
  pageSize?: number;
  /** Starting value of x-ms-ratelimit-remaining-subscription-reads; decremented per call. */
  readBudget?: number;
}

export interface RequestLog {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | null;
  /** The managed-Prometheus stand-in: the request's Accept-Encoding (its answer is gzipped when it names gzip). */
  acceptEncoding?: string | null;
}

export interface ArmEmulator {
  url: string;
  /** Every request received, in order. */
  requests: RequestLog[];
  addFault(fault: Fault): void;
  clearFaults(): void;
  setReadBudget(n: number): void;
  /** RSS the public status feed path (`/status/feed/`) answers with; null answers 404. */
  setStatusFeed(xml: string | null): void;
  close(): Promise<void>;
}

/** Path of the stand-in public status feed (no credential, like the real one). */
export const STATUS_FEED_PATH = '/status/feed/';

/** Starts the emulator on 127.0.0.1 with a random port. */
export async function startArmEmulator(opts: EmulatorOptions): Promise<ArmEmulator> {
  const { fleet } = opts;
  const pageSize = opts.pageSize ?? 50;
  let readBudget = opts.readBudget ?? 11999;
  const faults: (Fault & { left: number })[] = [];
  const requests: RequestLog[] = [];
  const sockets = new Set<Socket>();
  let base = '';
  let statusFeed: string | null = null;

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const body = await readBody(req);
    requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization ?? null });
    if (req.method === 'GET' && url.pathname === STATUS_FEED_PATH) {
      if (statusFeed === null) return send(res, 404, { error: { code: 'NotFound', message: 'no status feed' } });
      res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
      return void res.end(statusFeed);
    }
    if (!req.headers.authorization?.startsWith('Bearer ')) return send(res, 401, { error: { code: 'AuthenticationFailed', message: 'no bearer token' } });
    readBudget = Math.max(0, readBudget - 1);
    res.setHeader('x-ms-ratelimit-remaining-subscription-reads', String(readBudget));
    const key = `${req.method} ${url.pathname}${url.search}`;
    const fault = faults.find((f) => f.left > 0 && f.match.test(key));
    if (fault) {
      fault.left -= 1;
      return applyFault(res, fault);
    }
    try {
      route(req.method ?? 'GET', url, body, res);
    } catch (err) {
      send(res, 500, { error: { code: 'EmulatorError', message: String(err) } });
    }
  };

  function route(method: string, url: URL, body: string, res: ServerResponse): void {
    const p = url.pathname;
    const sub = fleet.subscriptionId;
    const q = url.searchParams;
    let m: RegExpExecArray | null;
    if (method === 'GET' && p === '/subscriptions') {
      return send(res, 200, { value: [{ id: `/subscriptions/${sub}`, subscriptionId: sub, displayName: fleet.subscriptionName, state: 'Enabled', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' }] });
    }
    if (!p.toLowerCase().startsWith(`/subscriptions/${sub}`)) return send(res, 404, { error: { code: 'SubscriptionNotFound', message: `The subscription '${p.split('/')[2]}' could not be found.` } });
    const rest = p.slice(`/subscriptions/${sub}`.length);
    if (method === 'GET' && rest === '/providers/Microsoft.Compute/virtualMachines') {
      const all = fleet.vms.filter((v) => v.scaleSet === null);
      const statusOnly = q.get('statusOnly') === 'true';
      return sendPage(res, url, all.map((v) => (statusOnly ? vmStatusJson(v) : vmJson(v))));
    }
    if (method === 'GET' && rest === '/providers/Microsoft.Compute/virtualMachineScaleSets') {
      return sendPage(res, url, fleet.scaleSets.map((s) => ({
        id: s.id,
        name: s.name,
        type: 'Microsoft.Compute/virtualMachineScaleSets',
        location: s.location,
        tags: {},
        sku: { name: s.size, tier: 'Standard', capacity: s.capacity },
        properties: { orchestrationMode: s.orchestrationMode, provisioningState: 'Succeeded', virtualMachineProfile: { osProfile: { computerNamePrefix: s.computerNamePrefix, adminUsername: 'azureuser' } } },
      })));
    }
    if (method === 'GET' && (m = /^\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachineScaleSets\/([^/]+)\/virtualMachines$/.exec(rest))) {
      const [, rg, name] = m;
      const vms = fleet.vms.filter((v) => v.scaleSet?.name === name && v.resourceGroup === rg);
      return sendPage(res, url, vms.map((v) => scaleSetVmJson(v, q.get('$expand') === 'instanceView')));
    }
    if (method === 'GET' && rest === '/providers/Microsoft.Compute/skus') {
      const skus: Record<string, unknown>[] = Object.entries(FLEET_SIZES).map(([name, s]) => ({
        resourceType: 'virtualMachines',
        name,
        tier: 'Standard',
        size: name.replace('Standard_', ''),
        family: s.family,
        locations: [...FLEET_REGIONS],
        locationInfo: FLEET_REGIONS.map((l) => ({ location: l, zones: ['1', '2', '3'] })),
        capabilities: [{ name: 'vCPUs', value: '24' }, ...(s.gpus > 0 ? [{ name: 'GPUs', value: String(s.gpus) }] : []), { name: 'MemoryGB', value: '220' }],
        restrictions: [],
      }));
      skus.push({ resourceType: 'disks', name: 'Premium_LRS', tier: 'Premium', size: 'P1', family: '', locations: ['eastus'], locationInfo: [], capabilities: [], restrictions: [] });
      return sendPage(res, url, skus);
    }
    if (method === 'GET' && rest === '/providers/Microsoft.ResourceHealth/availabilityStatuses') {
      return sendPage(res, url, fleet.vms.map(availabilityJson));
    }
    if (method === 'GET' && rest === '/providers/Microsoft.ResourceHealth/events') {
      return sendPage(res, url, fleet.events.map((e) => ({
        id: `/providers/Microsoft.ResourceHealth/events/${e.trackingId}`,
        name: e.trackingId,
        type: '/providers/Microsoft.ResourceHealth/events',
        properties: {
          eventType: e.eventType,
          eventSource: 'ResourceHealth',
          status: e.status,
          title: e.title,
          summary: `${e.title}. More information will be provided as it is known.`,
          level: 'Warning',
          eventLevel: 'Informational',
          impactStartTime: e.start,
          impactMitigationTime: e.mitigation ?? undefined,
          lastUpdateTime: e.posted ?? e.mitigation ?? e.start,
          impact: [{ impactedService: e.service, impactedRegions: [{ impactedRegion: regionDisplayName(e.region), status: e.status, impactedSubscriptions: [sub] }] }],
        },
      })));
    }
    if (method === 'GET' && rest === '/providers/Microsoft.Insights/metrics') {
      return sendPlatformMetrics(res, q);
    }
    if (method === 'POST' && rest === '/providers/Microsoft.CostManagement/query') {
      return sendCostPage(res, url, body);
    }
    return send(res, 404, { error: { code: 'NotFound', message: `emulator has no route for ${method} ${p}` } });
  }

  function sendPage(res: ServerResponse, url: URL, items: unknown[]): void {
    const skip = Number(url.searchParams.get('$skipToken') ?? '0');
    const page = items.slice(skip, skip + pageSize);
    let nextLink: string | null = null;
    if (skip + pageSize < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set('$skipToken', String(skip + pageSize));
      nextLink = next.toString();
    }
    send(res, 200, { value: page, nextLink });
  }

  // Subscription-scope Azure Monitor metrics: one series per VM named in the $filter, split by Microsoft.ResourceId.
  function sendPlatformMetrics(res: ServerResponse, q: URLSearchParams): void {
    const region = q.get('region');
    const names = (q.get('metricnames') ?? '').split(',');
    const timespan = (q.get('timespan') ?? '').split('/');
    const from = Date.parse(timespan[0] ?? '');
    const to = Date.parse(timespan[1] ?? '');
    if (!region || Number.isNaN(from) || Number.isNaN(to) || q.get('metricnamespace')?.toLowerCase() !== 'microsoft.compute/virtualmachines') {
      return send(res, 400, { code: 'BadRequest', message: 'region, timespan and metricnamespace are required' });
    }
    const ids = [...(q.get('$filter') ?? '').matchAll(/Microsoft\.ResourceId eq '((?:[^']|'')*)'/g)].map((m) => (m[1] ?? '').replace(/''/g, "'").toLowerCase());
    const top = Number(q.get('top') ?? '10');
    const vms = fleet.vms.filter((v) => ids.includes(v.id.toLowerCase()) && v.location === region && v.power === 'running' && v.platform !== 'missing').slice(0, top);
    const minutes: string[] = [];
    for (let t = from; t < to; t += 60_000) minutes.push(new Date(t).toISOString().replace('.000Z', 'Z'));
    const metric = (name: string, unit: string, value: (v: FleetVm, i: number) => number) => ({
      id: `/subscriptions/${fleet.subscriptionId}/providers/Microsoft.Insights/metrics/${name}`,
      type: 'Microsoft.Insights/metrics',
      name: { value: name, localizedValue: name },
      displayDescription: '',
      unit,
      errorCode: 'Success',
      timeseries: vms.map((v) => ({
        metadatavalues: [{ name: { value: 'Microsoft.ResourceId', localizedValue: 'Microsoft.ResourceId' }, value: v.id }],
        // The newest minute is not aggregated yet: Azure Monitor leaves it without a value.
        data: minutes.map((timeStamp, i) => (i === minutes.length - 1 ? { timeStamp } : { timeStamp, average: value(v, i) })),
      })),
    });
    const value = names.flatMap((n) =>
      n === 'VmAvailabilityMetric' ? [metric(n, 'Count', (v) => (v.platform === 'down' ? 0 : 1))] : n === 'Percentage CPU' ? [metric(n, 'Percent', (v, i) => (v.platform === 'down' ? 0 : 20 + ((i * 7) % 30)))] : [],
    );
    send(res, 200, { cost: minutes.length * vms.length, timespan: q.get('timespan'), interval: 'PT1M', namespace: 'Microsoft.Compute/virtualMachines', resourceregion: region, value });
  }

  function sendCostPage(res: ServerResponse, url: URL, body: string): void {
    const def = JSON.parse(body) as { timePeriod?: { from?: string; to?: string } };
    const from = Date.parse(def.timePeriod?.from ?? '');
    const to = Date.parse(def.timePeriod?.to ?? '');
    const rows = fleet.costRows.filter((r) => {
      const t = Date.UTC(Math.floor(r.usageDate / 10_000), Math.floor((r.usageDate % 10_000) / 100) - 1, r.usageDate % 100);
      return t >= from && t <= to;
    });
    if (rows.length === 0) {
      res.writeHead(204);
      return void res.end();
    }
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    const page = rows.slice(skip, skip + pageSize * 10);
    let nextLink: string | null = null;
    if (skip + page.length < rows.length) {
      const next = new URL(url.toString());
      next.searchParams.set('$skiptoken', String(skip + page.length));
      nextLink = next.toString();
    }
    // Amounts are written as JSON number literals with their exact digits, as Cost Management does.
    const rowText = page.map((r) => `[${r.cost},${r.usageDate},${JSON.stringify(r.resourceId)},${JSON.stringify(r.meter)},${JSON.stringify(r.currency)}]`).join(',');
    const text = `{"id":"subscriptions/${fleet.subscriptionId}/providers/Microsoft.CostManagement/query/q1","name":"q1","type":"microsoft.costmanagement/Query","properties":{"nextLink":${JSON.stringify(nextLink)},"columns":[{"name":"Cost","type":"Number"},{"name":"UsageDate","type":"Number"},{"name":"ResourceId","type":"String"},{"name":"Meter","type":"String"},{"name":"Currency","type":"String"}],"rows":[${rowText}]}}`;
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(text);
  }

  function applyFault(res: ServerResponse, f: Fault): void {
    const after = String(f.retryAfterSeconds ?? 1);
    switch (f.kind) {
      case '429-wrapped':
        res.setHeader('Retry-After', after);
        return send(res, 429, { error: { code: 'TooManyRequests', message: 'The request is being throttled.' } });
      case '429-bare':
        res.setHeader('Retry-After', after);
        res.setHeader('x-ms-ratelimit-remaining-resource', 'Microsoft.Compute/HighCostGet;0');
        return send(res, 429, {
          code: 'OperationNotAllowed',
          message: 'The server rejected the request because too many requests have been received for this subscription.',
          details: [{ code: 'TooManyRequests', target: 'HighCostGet', message: '{"operationGroup":"HighCostGet","allowedRequestCount":300,"measuredRequestCount":1238}' }],
        });
      case '429-qpu':
        // Cost Management's own throttling header, which the SDK's retry policy does not read.
        res.setHeader('x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after', after);
        res.setHeader('x-ms-ratelimit-microsoft.costmanagement-qpu-remaining', '0');
        return send(res, 429, { error: { code: '429', message: 'Too many requests. Please retry.' } });
      case '500':
        return send(res, 500, { error: { code: 'InternalServerError', message: 'Encountered internal server error.' } });
      case '404-invalid-resource-type':
        // What ARM answers where Microsoft.Insights has no subscription-scope metrics (sovereign clouds, Azure Stack Hub, older api-versions).
        return send(res, 404, {
          error: {
            code: 'InvalidResourceType',
            message: "The resource type 'metrics' could not be found in the namespace 'microsoft.insights' for api version '2023-10-01'. The supported api-versions are '2018-01-01,2019-07-01,2021-05-01'.",
          },
        });
      case 'malformed':
        // A 200 whose body is JSON of the wrong shape.
        return send(res, 200, { value: [{ name: 42, timeseries: 'none' }] });
      case '401':
        return send(res, 401, { error: { code: 'ExpiredAuthenticationToken', message: 'The access token expiry UTC time is earlier than current UTC time.' } });
      case '403':
        return send(res, 403, { error: { code: 'AuthorizationFailed', message: 'The client does not have authorization to perform action.' } });
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        return void res.end('{"value":[{"id":"/subscriptions/x","name":"trunc');
      case 'timeout':
        return; // never answer; the client's timeout fires
    }
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  const server: Server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    handler(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: base,
    requests,
    addFault: (f) => faults.push({ ...f, left: f.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    setReadBudget: (n) => {
      readBudget = n;
    },
    setStatusFeed: (xml) => {
      statusFeed = xml;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

function powerCode(v: FleetVm): string {
  return `PowerState/${v.power}`;
}

function statusesJson(v: FleetVm) {
  return [
    { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time: '2026-01-01T00:00:00+00:00' },
    { code: powerCode(v), level: 'Info', displayStatus: `VM ${v.power}` },
  ];
}

function vmJson(v: FleetVm) {
  return {
    id: v.id,
    name: v.name,
    type: 'Microsoft.Compute/virtualMachines',
    location: v.location,
    ...(Object.keys(v.tags).length > 0 ? { tags: v.tags } : {}),
    ...(v.zone ? { zones: [v.zone] } : {}),
    properties: {
      vmId: `vm-${v.name}`,
      hardwareProfile: { vmSize: v.size },
      // A VM attached from a specialized disk has no osProfile at all.
      ...(v.computerName !== null ? { osProfile: { computerName: v.computerName, adminUsername: 'azureuser' } } : {}),
      provisioningState: 'Succeeded',
      timeCreated: '2026-01-14T16:43:41.683Z',
      ...(v.name.startsWith('flex-') ? { virtualMachineScaleSet: { id: v.id.replace(/virtualMachines\/.*/, 'virtualMachineScaleSets/flex-gpu') } } : {}),
    },
  };
}

function vmStatusJson(v: FleetVm) {
  const agent = v.agentComputerName !== null && v.power === 'running' ? { computerName: v.agentComputerName, osName: 'ubuntu', osVersion: '22.04' } : {};
  return { id: v.id, name: v.name, type: 'Microsoft.Compute/virtualMachines', location: v.location, properties: { instanceView: { ...agent, statuses: statusesJson(v) } } };
}

function scaleSetVmJson(v: FleetVm, expand: boolean) {
  return {
    name: v.name,
    id: v.id,
    type: 'Microsoft.Compute/virtualMachines',
    location: v.location,
    tags: v.tags,
    instanceId: v.scaleSet?.instanceId,
    sku: { name: v.size, tier: 'Standard' },
    properties: {
      latestModelApplied: true,
      vmId: `vm-${v.name}`,
      hardwareProfile: {},
      ...(v.computerName !== null ? { osProfile: { computerName: v.computerName, adminUsername: 'azureuser' } } : {}),
      provisioningState: 'Succeeded',
      ...(expand ? { instanceView: { platformUpdateDomain: 0, statuses: statusesJson(v) } } : {}),
    },
  };
}

function availabilityJson(v: FleetVm) {
  const summary = v.health === 'Available' ? 'Vm is available' : v.health === 'Degraded' ? 'The virtual machine is degraded: host hardware fault' : v.healthReasonType === 'Unplanned' ? "We are sorry, we couldn't automatically recover your virtual machine" : 'This virtual machine is stopped and deallocated';
  return {
    id: `${v.id}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`,
    name: 'current',
    type: 'Microsoft.ResourceHealth/AvailabilityStatuses',
    location: v.location,
    properties: {
      availabilityState: v.health,
      title: v.health,
      summary,
      reasonType: v.healthReasonType,
      occuredTime: '2026-11-20T09:12:00Z',
      reportedTime: '2026-11-20T11:11:29.7598931Z',
    },
  };
}

/** Starts a managed-Prometheus stand-in answering query_range with the fleet's per-GPU DCGM series. */
export async function startPrometheusEmulator(opts: { fleet: Fleet; tls: TestCertificate; faults?: Fault[] }): Promise<ArmEmulator> {
  const { fleet } = opts;
  const faults: (Fault & { left: number; passed: number })[] = (opts.faults ?? []).map((f) => ({ ...f, left: f.times ?? 1, passed: 0 }));
  const requests: RequestLog[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const params = new URLSearchParams(body);
      const acceptEncoding = req.headers['accept-encoding'] ?? null;
      requests.push({ method: req.method ?? 'GET', path: url.pathname, query: params, authorization: req.headers.authorization ?? null, acceptEncoding });
      const json = (status: number, b: unknown) => {
        // Compressed where the client asks for it, as the workspace's front end does.
        if (/\bgzip\b/.test(acceptEncoding ?? '')) {
          res.writeHead(status, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
          res.end(gzipSync(JSON.stringify(b)));
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      if (!req.headers.authorization?.startsWith('Bearer ')) return json(401, { status: 'error', error: 'unauthorized' });
      const fault = faults.find((f) => f.left > 0 && f.match.test(`${req.method} ${url.pathname}`) && f.passed++ >= (f.after ?? 0));
      if (fault && fault.kind !== 'dropped') {
        fault.left -= 1;
        if (fault.kind === 'timeout') return;
        if (fault.kind === 'truncated') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return void res.end('{"status":"success","data":{"resultType":"matr');
        }
        return json(Number(fault.kind.slice(0, 3)), { status: 'error', errorType: 'server_error', error: fault.kind });
      }
      if (url.pathname !== '/api/v1/query_range') return json(404, { status: 'error', error: 'not found' });
      const query = params.get('query') ?? '';
      const start = Number(params.get('start'));
      const end = Number(params.get('end'));
      const step = Number((params.get('step') ?? '60s').replace(/s$/, ''));
      // The selector narrows the series as a workspace's does (UUID shards, a machine's drill-down).
      const matchers = parseMatchers(/\{([^}]*)\}/.exec(query)?.[1] ?? '');
      if (matchers === null) return json(400, { status: 'error', errorType: 'bad_data', error: 'parse error: bad selector' });
      const result = promSeries(fleet, query, start, end, step).filter((s) => matchers.every((m) => m(s.metric)));
      if (fault?.kind === 'dropped') {
        fault.left -= 1;
        // The answer's length announced, half of it sent, then the connection gone (a front end restarting).
        const text = JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        return void res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
      }
      json(200, { status: 'success', data: { resultType: 'matrix', result } });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    addFault: (f) => faults.push({ ...f, left: f.times ?? 1, passed: 0 }),
    clearFaults: () => void faults.splice(0),
    setReadBudget: () => undefined,
    setStatusFeed: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** A GPU's UUID as dcgm-exporter reports it (GPU-8-4-4-4-12 hex), fixed per machine and index. */
function gpuUuid(vmName: string, gpu: number): string {
  const h = createHash('sha256').update(`${vmName}/${gpu}`).digest('hex');
  return `GPU-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Per-GPU utilisation of a machine at a minute (the fleet's truth uses the same function). */
export const fleetUtilisation = fleetUtilisationOf;

// The emulator stands in for the server-side aggregation: it answers each DCGM query per GPU.
function promSeries(fleet: Fleet, query: string, start: number, end: number, step: number) {
  const field = /PROF_GR_ENGINE_ACTIVE/.test(query) ? 'prof' : /GPU_UTIL/.test(query) ? 'dev' : /FB_USED/.test(query) ? 'memory' : /POWER_USAGE/.test(query) ? 'power' : /GPU_TEMP/.test(query) ? 'temperature' : /last_over_time\(DCGM_FI_DEV_XID_ERRORS/.test(query) ? 'xidLast' : /XID_ERRORS/.test(query) ? 'xid' : null;
  // A range function over [Ns] evaluated at t covers (t - N, t]: the value of the minute starting at t - N.
  const range = Number(/\[(\d+)s\]/.exec(query)?.[1] ?? 0);
  if (!field) return [];
  const out: { metric: Record<string, string>; values: [number, string][] }[] = [];
  for (const vm of fleet.vms) {
    const gpus = FLEET_SIZES[vm.size].gpus;
    if (gpus === 0 || vm.power !== 'running' || vm.load === 'silent') continue;
    if (field === 'prof' && !vm.prof) continue;
    // A MIG-enabled GPU reports no DCGM_FI_DEV_GPU_UTIL; GR_ENGINE_ACTIVE and framebuffer per instance.
    if (field === 'dev' && vm.mig) continue;
    if ((field === 'power' || field === 'temperature') && vm.noPowerOrTemperature) continue;
    const instances = (field === 'prof' || field === 'memory') && vm.mig ? vm.mig : [null];
    const slices = (vm.mig ?? []).reduce((n, i) => n + i.slices, 0);
    for (let g = 0; g < gpus; g++) for (const instance of instances) {
      const values: [number, string][] = [];
      // No evaluation after the fleet's now: a workspace has no samples from the future.
      for (let t = start; t <= Math.min(end, fleet.now.getTime() / 1000); t += step) {
        const minute = t - range;
        const u = fleetUtilisation(vm, g, minute);
        // The XID gauge turns to 79 ten minutes before the fleet's now on one GPU, and stays: one new
        // XID, at one instant whatever range or chunk is asked.
        const xidAt = fleet.now.getTime() / 1000 - 600;
        const xid = vm.xid && g === 0 && minute >= xidAt ? 79 : 0;
        const xidStart = vm.xid && g === 0 && minute === xidAt;
        const v =
          field === 'prof' || field === 'dev' ? u : field === 'memory' ? 1024 + u * 100 : field === 'power' ? 80 + u * 3 : field === 'temperature' ? 35 + u / 4 : field === 'xidLast' ? xid : xidStart ? 1 : 0;
        // A MIG instance: its own utilisation, and its share of the GPU's framebuffer by slices.
        const mine = instance === null ? v : field === 'prof' ? migInstanceUtilisation(u, instance) : (v * instance.slices) / slices;
        values.push([t, String(mine)]);
      }
      // `> 0` keeps only the points where the XID counter changed, as PromQL's comparison filter does.
      const kept = /\)\s*>\s*0\s*$/.test(query) ? values.filter(([, v]) => Number(v) > 0) : values;
      const labels = { Hostname: vm.hostName, gpu: String(g), UUID: gpuUuid(vm.name, g), ...(instance === null ? {} : { GPU_I_PROFILE: instance.profile, GPU_I_ID: instance.id }) };
      if (kept.length > 0) out.push({ metric: labels, values: kept });
    }
  }
  return out;
}
