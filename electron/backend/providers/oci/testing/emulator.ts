/**
 * Loopback emulator of the OCI APIs the connector calls (Identity, Core, Monitoring, Usage API,
 * Announcements), built from the SDK models in the shared fixtures. Every request's signature is
 * verified with the profile's public key (draft-cavage HTTP signatures as OCI uses them, with the
 * body hash for POST). Lists page with `opc-next-page`; faults are injected per operation.
 */
import { createHash, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OciOperation } from '../errors';
import { DAY, MINUTE, type Fleet, type FleetInstance } from './fleet';
import { readBody } from '../../common/testing/http';

/** The emulator answers exactly the operations the connector calls. */
export type EmulatedOperation = OciOperation;

/** A fault answered instead of the real response, `times` times, to matching requests. */
export interface Fault {
  operation: EmulatedOperation;
  region?: string;
  compartmentId?: string;
  status: number;
  code?: string;
  message?: string;
  /** Sent as the Retry-After header. */
  retryAfter?: string;
  /** Sent as the body instead of an error document (malformed answers). */
  rawBody?: string;
  times: number;
}

export interface RecordedRequest {
  operation: EmulatedOperation | 'unknown';
  region: string;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  status: number;
}

export interface EmulatorOptions {
  publicKey: KeyObject;
  /** keyId the signature must name: tenancy/user/fingerprint. */
  keyId: string;
  pageSize?: number;
}

export interface OciEmulator {
  port: number;
  /** Endpoint template for one service, e.g. http://127.0.0.1:PORT/{region}/iaas. */
  endpoint(service: 'iaas' | 'identity' | 'telemetry' | 'usage' | 'announcements'): string;
  requests: RecordedRequest[];
  faults: Fault[];
  close(): Promise<void>;
}

const GPU_NAMESPACE = 'gpu_infrastructure_health';
const METRIC_QUERY = /^(GpuUtilization|GpuMemoryUtilization|GpuPowerDraw|GpuTemperature|Fault)\[1m\](?:\{resourceId =~ "([^"]*)"\})?\.groupBy\(resourceId, gpuId\)\.(mean|max)\(\)$/;

/** Checks an OCI request signature; returns why it fails, or null when it is good. */
export function checkSignature(req: IncomingMessage, body: string, publicKey: KeyObject, keyId: string): string | null {
  const auth = req.headers.authorization;
  if (!auth || !auth.startsWith('Signature ')) return 'missing Signature authorization';
  const params = new Map<string, string>();
  for (const m of auth.slice('Signature '.length).matchAll(/(\w+)="([^"]*)"/g)) params.set(m[1] as string, m[2] as string);
  if (params.get('keyId') !== keyId) return `unknown keyId ${params.get('keyId') ?? ''}`;
  if (params.get('algorithm') !== 'rsa-sha256') return 'algorithm must be rsa-sha256';
  // Header names are case-insensitive; the signing string uses them lower-cased.
  const headers = (params.get('headers') ?? '').split(' ').filter(Boolean).map((h) => h.toLowerCase());
  const required = ['(request-target)', 'host', req.method === 'POST' || req.method === 'PUT' ? 'x-content-sha256' : null].filter(Boolean) as string[];
  if (!headers.includes('date') && !headers.includes('x-date')) return 'date or x-date must be signed';
  for (const h of required) if (!headers.includes(h)) return `${h} must be signed`;
  if (req.method === 'POST' || req.method === 'PUT') {
    const sha = createHash('sha256').update(body).digest('base64');
    if (req.headers['x-content-sha256'] !== sha) return 'x-content-sha256 does not match the body';
  }
  const lines = headers.map((h) => (h === '(request-target)' ? `(request-target): ${(req.method ?? 'GET').toLowerCase()} ${req.url ?? '/'}` : `${h}: ${String(req.headers[h] ?? '')}`));
  const ok = verify('sha256', Buffer.from(lines.join('\n')), publicKey, Buffer.from(params.get('signature') ?? '', 'base64'));
  return ok ? null : 'signature does not verify';
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'opc-request-id': `req-${Math.random().toString(36).slice(2, 12)}`, ...headers });
  res.end(body);
}

function page<T>(items: readonly T[], query: URLSearchParams, size: number): { items: T[]; next: string | null } {
  const limit = Math.min(Number(query.get('limit') ?? size) || size, size);
  const start = Number(query.get('page') ?? '0');
  const slice = items.slice(start, start + limit);
  return { items: slice, next: start + limit < items.length ? String(start + limit) : null };
}

function instanceJson(i: FleetInstance, fleet: Fleet): Record<string, unknown> {
  return {
    id: i.id,
    compartmentId: i.compartmentId,
    availabilityDomain: i.ad,
    faultDomain: 'FAULT-DOMAIN-1',
    displayName: i.name,
    lifecycleState: i.lifecycle,
    // OCI names two regions by their short code here (the connector uses the endpoint's region).
    region: i.region === 'us-ashburn-1' ? 'iad' : i.region,
    shape: i.shape,
    shapeConfig: i.gpu
      ? { ocpus: 64, memoryInGBs: 1024, gpus: i.gpu.gpus, gpuDescription: i.gpu.model, localDisks: 0 }
      : { ocpus: 2, memoryInGBs: 16, gpus: 0, localDisks: 0 },
    definedTags: i.definedTags,
    freeformTags: i.freeformTags,
    timeCreated: new Date(fleet.now.getTime() - 30 * DAY).toISOString(),
    agentConfig:
      i.plugin === 'absent'
        ? { isMonitoringDisabled: false, isManagementDisabled: false, areAllPluginsDisabled: false }
        : { isMonitoringDisabled: false, isManagementDisabled: false, areAllPluginsDisabled: false, pluginsConfig: [{ name: 'Compute RDMA GPU Monitoring', desiredState: i.plugin }] },
  };
}

/** JSON with some values written as raw number text (amounts the way OCI puts them on the wire). */
function jsonWithNumbers(value: unknown): string {
  return JSON.stringify(value).replace(/"__num__(-?[0-9.]+)"/g, '$1');
}

/** Starts the emulator on 127.0.0.1 over the fleet. */
export async function startOciEmulator(fleet: Fleet, options: EmulatorOptions): Promise<OciEmulator> {
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const size = options.pageSize ?? 10;

  function operationOf(service: string, method: string, rest: string): EmulatedOperation | 'unknown' {
    if (service === 'identity' && method === 'GET' && /^\/20160918\/tenancies\/[^/]+\/regionSubscriptions$/.test(rest)) return 'ListRegionSubscriptions';
    if (service === 'identity' && method === 'GET' && rest === '/20160918/compartments') return 'ListCompartments';
    if (service === 'iaas' && method === 'GET' && rest === '/20160918/instances') return 'ListInstances';
    if (service === 'iaas' && method === 'GET' && rest === '/20160918/instanceMaintenanceEvents') return 'ListInstanceMaintenanceEvents';
    if (service === 'telemetry' && method === 'POST' && rest === '/20180401/metrics/actions/summarizeMetricsData') return 'SummarizeMetricsData';
    if (service === 'usage' && method === 'POST' && rest === '/20200107/usage') return 'RequestSummarizedUsages';
    if (service === 'announcements' && method === 'GET' && rest === '/20180904/announcements') return 'ListAnnouncements';
    if (service === 'announcements' && method === 'GET' && /^\/20180904\/announcements\/[^/]+$/.test(rest)) return 'GetAnnouncement';
    return 'unknown';
  }

  const denied = (compartmentId: string | null) => fleet.compartments.some((c) => c.id === compartmentId && c.denied);
  const notAuthorized = JSON.stringify({ code: 'NotAuthorizedOrNotFound', message: 'Authorization failed or requested resource not found.' });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const [, region = '', service = '', ...restParts] = url.pathname.split('/');
    const rest = `/${restParts.join('/')}`;
    const method = req.method ?? 'GET';
    const text = await readBody(req);
    const operation = operationOf(service, method, rest);
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const q = url.searchParams;
    const log: RecordedRequest = { operation, region, method, path: url.pathname, query: q, body, status: 200 };
    requests.push(log);
    const reply = (status: number, payload: string, headers: Record<string, string> = {}) => {
      log.status = status;
      send(res, status, payload, headers);
    };

    const bad = checkSignature(req, text, options.publicKey, options.keyId);
    if (bad) return reply(401, JSON.stringify({ code: 'NotAuthenticated', message: `The required information to complete authentication was not provided or was incorrect: ${bad}` }));

    const fault = faults.find(
      (f) => f.times > 0 && f.operation === operation && (!f.region || f.region === region) && (!f.compartmentId || f.compartmentId === q.get('compartmentId')),
    );
    if (fault) {
      fault.times -= 1;
      return reply(
        fault.status,
        fault.rawBody ?? JSON.stringify({ code: fault.code ?? 'InternalError', message: fault.message ?? 'injected fault' }),
        fault.retryAfter ? { 'retry-after': fault.retryAfter } : {},
      );
    }
    const regionInfo = fleet.regions.find((r) => r.name === region);
    if (!regionInfo) return reply(404, JSON.stringify({ code: 'NotAuthorizedOrNotFound', message: `unknown region ${region}` }));

    switch (operation) {
      case 'ListRegionSubscriptions':
        return reply(200, JSON.stringify(fleet.regions.map((r) => ({ regionKey: r.key, regionName: r.name, status: r.status, isHomeRegion: r.home }))));
      case 'ListCompartments': {
        if (q.get('compartmentId') !== fleet.tenancyId || q.get('compartmentIdInSubtree') !== 'true' || q.get('accessLevel') !== 'ANY') {
          return reply(400, JSON.stringify({ code: 'InvalidParameter', message: 'the emulator expects the tenancy subtree with accessLevel ANY' }));
        }
        const all = fleet.compartments.map((c) => ({
          id: c.id,
          compartmentId: c.parentId,
          name: c.name,
          description: c.name,
          timeCreated: '2025-01-01T00:00:00.000Z',
          lifecycleState: 'ACTIVE',
          isAccessible: true,
        }));
        const p = page(all, q, size);
        return reply(200, JSON.stringify(p.items), p.next ? { 'opc-next-page': p.next } : {});
      }
      case 'ListInstances': {
        const compartmentId = q.get('compartmentId');
        if (denied(compartmentId)) return reply(404, notAuthorized);
        const all = fleet.instances.filter((i) => i.region === region && i.compartmentId === compartmentId).map((i) => instanceJson(i, fleet));
        const p = page(all, q, size);
        return reply(200, JSON.stringify(p.items), p.next ? { 'opc-next-page': p.next } : {});
      }
      case 'ListInstanceMaintenanceEvents': {
        const compartmentId = q.get('compartmentId');
        if (denied(compartmentId)) return reply(404, notAuthorized);
        const inRegion = new Set(fleet.instances.filter((i) => i.region === region).map((i) => i.id));
        const all = fleet.maintenance
          .filter((m) => m.compartmentId === compartmentId && inRegion.has(m.instanceId))
          .map((m) => ({
            id: m.id,
            instanceId: m.instanceId,
            compartmentId: m.compartmentId,
            displayName: `maintenance ${m.id.slice(-6)}`,
            maintenanceCategory: m.category,
            maintenanceReason: m.reason,
            instanceAction: 'REBOOT_MIGRATION',
            alternativeResolutionActions: [],
            timeWindowStart: new Date(m.windowStart).toISOString(),
            ...(m.started ? { timeStarted: new Date(m.started).toISOString() } : {}),
            ...(m.finished ? { timeFinished: new Date(m.finished).toISOString() } : {}),
            canReschedule: true,
            timeCreated: new Date(m.windowStart - 7 * DAY).toISOString(),
            lifecycleState: m.lifecycleState,
            createdBy: 'CUSTOMER',
          }));
        const p = page(all, q, size);
        return reply(200, JSON.stringify(p.items), p.next ? { 'opc-next-page': p.next } : {});
      }
      case 'SummarizeMetricsData': {
        const compartmentId = q.get('compartmentId');
        if (denied(compartmentId)) return reply(404, notAuthorized);
        const d = body as { namespace?: string; query?: string; startTime?: string; endTime?: string; resolution?: string };
        if (d.namespace !== GPU_NAMESPACE) return reply(200, '[]');
        const m = METRIC_QUERY.exec(d.query ?? '');
        if (!m) return reply(400, JSON.stringify({ code: 'InvalidParameter', message: `the emulator does not understand the query ${d.query ?? ''}` }));
        const metric = m[1] as string;
        const filter = m[2] ? new Set(m[2].split('|')) : null;
        const start = Date.parse(d.startTime ?? '');
        const end = Date.parse(d.endTime ?? '');
        if (d.resolution !== '1m' || !(start < end)) return reply(400, JSON.stringify({ code: 'InvalidParameter', message: 'resolution 1m and startTime < endTime required' }));
        if (start < fleet.now.getTime() - 7 * DAY) return reply(400, JSON.stringify({ code: 'InvalidParameter', message: '1m resolution is available for 7 days only' }));
        const publishing = fleet.instances.filter(
          (i) => i.gpu && i.region === region && i.compartmentId === compartmentId && i.lifecycle === 'RUNNING' && i.plugin === 'ENABLED' && (!filter || filter.has(i.id)),
        );
        const streams = publishing.reduce((s, i) => s + (i.gpu?.gpus ?? 0), 0);
        const minutes = Math.ceil((end - start) / MINUTE);
        if (streams > 2000) return reply(400, JSON.stringify({ code: 'InvalidParameter', message: `${streams} metric streams exceed the 2000 limit` }));
        if (streams * minutes > 100_000) return reply(400, JSON.stringify({ code: 'InvalidParameter', message: `${streams * minutes} data points exceed the 100000 limit` }));
        const out: unknown[] = [];
        for (const i of publishing) {
          // Older agents publish no Fault at all: the stream is absent, not 0.
          if (metric === 'Fault' && !i.faultReported) continue;
          for (let g = 0; g < (i.gpu?.gpus ?? 0); g++) {
            const value = (t: number): number =>
              metric === 'GpuUtilization' ? (i.utilisation[g] as number)
                : metric === 'GpuMemoryUtilization' ? (i.memoryPercent[g] as number)
                  : metric === 'GpuPowerDraw' ? 300 + g
                    : metric === 'Fault' ? ((i.faultWindows ?? []).some((w) => w.gpu === g && t >= w.from && t < w.to) ? 1 : 0)
                      : 60 + g;
            const points: unknown[] = [];
            for (let t = Math.ceil(start / MINUTE) * MINUTE; t < end; t += MINUTE) points.push({ timestamp: new Date(t).toISOString(), value: value(t) });
            out.push({
              namespace: GPU_NAMESPACE,
              compartmentId,
              name: metric,
              dimensions: { resourceId: i.id, gpuId: String(g) },
              metadata: { unit: metric === 'Fault' ? 'count' : 'percent' },
              resolution: '1m',
              aggregatedDatapoints: points,
            });
          }
        }
        return reply(200, JSON.stringify(out));
      }
      case 'RequestSummarizedUsages': {
        const d = body as { tenantId?: string; timeUsageStarted?: string; timeUsageEnded?: string; granularity?: string; groupBy?: string[] };
        if (d.tenantId !== fleet.tenancyId || d.granularity !== 'DAILY') return reply(400, JSON.stringify({ code: 'InvalidParameter', message: 'tenantId and DAILY granularity required' }));
        const start = Date.parse(d.timeUsageStarted ?? '');
        const end = Date.parse(d.timeUsageEnded ?? '');
        if (start % DAY !== 0 || end % DAY !== 0) return reply(400, JSON.stringify({ code: 'InvalidParameter', message: 'DAILY queries need times at 00:00 UTC' }));
        const rows = fleet.usage
          .filter((u) => u.day >= start && u.day < end)
          .map((u) => ({
            tenantId: fleet.tenancyId,
            tenantName: fleet.tenancyName,
            compartmentId: u.compartmentId,
            service: u.service,
            resourceId: u.resourceId,
            region: u.region,
            skuPartNumber: u.skuPartNumber,
            skuName: u.skuName,
            unit: u.unit,
            timeUsageStarted: new Date(u.day).toISOString(),
            timeUsageEnded: new Date(u.day + DAY).toISOString(),
            computedAmount: `__num__${u.amount}`,
            computedQuantity: `__num__${u.quantity}`,
            currency: u.currency,
            isForecast: false,
          }));
        const p = page(rows, q, size * 10);
        return reply(200, jsonWithNumbers({ groupBy: d.groupBy ?? [], items: p.items }), p.next ? { 'opc-next-page': p.next } : {});
      }
      case 'ListAnnouncements':
      case 'GetAnnouncement': {
        if (q.get('compartmentId') !== fleet.tenancyId && operation === 'ListAnnouncements') return reply(404, notAuthorized);
        const json = (a: Fleet['announcements'][number], full: boolean) => ({
          type: full ? 'Announcement' : 'AnnouncementSummary',
          id: a.id,
          referenceTicketNumber: a.referenceTicketNumber,
          summary: a.summary,
          timeOneTitle: a.timeOneType === 'NEW_START_TIME' ? 'New Start Time' : 'Start Time',
          timeOneType: a.timeOneType ?? 'START_TIME',
          timeOneValue: new Date(a.timeOne).toISOString(),
          ...(a.timeTwo
            ? { timeTwoTitle: a.timeTwoType === 'NEW_END_TIME' ? 'New End Time' : 'End Time', timeTwoType: a.timeTwoType ?? 'END_TIME', timeTwoValue: new Date(a.timeTwo).toISOString() }
            : {}),
          services: a.services,
          affectedRegions: a.affectedRegions,
          announcementType: a.announcementType,
          lifecycleState: a.lifecycleState,
          isBanner: false,
          timeCreated: new Date(a.created ?? a.timeOne).toISOString(),
          timeUpdated: new Date(a.updated).toISOString(),
          platformType: 'IAAS',
          ...(full
            ? {
                description: `<p>${a.summary}.</p><br/>We are working on it.`,
                affectedResources: a.affectedResourceIds.map((id) => ({ resourceId: id, resourceName: id.slice(-8), region: region })),
              }
            : {}),
        });
        if (operation === 'GetAnnouncement') {
          const id = decodeURIComponent(rest.split('/').pop() ?? '');
          const a = fleet.announcements.find((x) => x.id === id);
          return a ? reply(200, JSON.stringify(json(a, true))) : reply(404, notAuthorized);
        }
        const p = page(fleet.announcements, q, 2);
        return reply(200, JSON.stringify({ items: p.items.map((a) => json(a, false)) }), p.next ? { 'opc-next-page': p.next } : {});
      }
      default:
        return reply(404, JSON.stringify({ code: 'NotAuthorizedOrNotFound', message: `no route ${method} ${url.pathname}` }));
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, JSON.stringify({ code: 'InternalServerError', message: String(err) })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    endpoint: (service) => `http://127.0.0.1:${port}/{region}/${service}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
