/**
 * A loopback emulator of the AWS APIs the connector calls, answering in their real wire shapes so the
 * official SDK v3 clients parse them: EC2 (EC2 Query protocol, XML with `item` lists and `nextToken`),
 * STS (awsQuery XML), CloudWatch (JSON 1.0 with awsQuery-compatible errors, the protocol of
 * @aws-sdk/client-cloudwatch 3.1164), Organizations and Health (JSON 1.1). One HTTP server; the
 * service is the first path segment (`/ec2`, `/sts`, `/monitoring`, `/organizations`, `/health`), the
 * region and the caller come from the SigV4 `Authorization` header's credential scope and key id.
 *
 * Faults are injectable: a page that is throttled once half-way through a listing, actions denied per
 * account (403 `UnauthorizedOperation` / `AccessDenied`), actions throttled on every attempt, the
 * member role that cannot be assumed, Health without a support plan (`SubscriptionRequiredException`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AddressInfo } from 'node:net';
import { readBody } from '../../common/testing/http';
import { Sha256 } from '../sha256';
import { agentSeries, stateCode, type AgentSeries, type Fleet, type FleetInstance } from './fleet';

export const BASE_ACCESS_KEY = 'AKIAFLEETPANETEST001';
export const BASE_SECRET_KEY = 'emulator-secret-not-a-real-key';
/** The secret of the credentials AssumeRole hands out for a member account (not the base one). */
export const roleSecretKey = (accountId: string) => `emulator-role-secret-${accountId}`;

const MIN = 60_000;

export interface EmulatorFaults {
  /** `${action}` listings whose second page answers a throttling error once (the first listing that reaches it only). */
  throttleSecondPageOnce: Set<string>;
  /** `${accountId}:${action}` answered 403. */
  deny: Set<string>;
  /** Actions (`${action}`, or `${region}:${action}` for one region) answered with throttling on every attempt. */
  throttleAlways: Set<string>;
  /** The public Health Dashboard feed answers 503. */
  publicFeedDown: boolean;
  /** `${action}` listings whose second page answers this HTTP status (500) on every attempt. */
  failSecondPage: Map<string, number>;
  /** `${action}` the endpoint does not offer: 404 (plain text, as a proxy answers) or 400 `UnsupportedOperation`. */
  unsupported: Map<string, 404 | 400>;
}

export interface AwsEmulator {
  url: string;
  /** Endpoint override of one service. */
  endpoint(service: 'ec2' | 'sts' | 'monitoring' | 'organizations' | 'health'): string;
  /** The public AWS Health Dashboard feed's URL. */
  publicFeedUrl: string;
  faults: EmulatorFaults;
  /** What DescribeHealthServiceStatusForOrganization answers (`DISABLED` until a test enables it). */
  health: { organizationView: 'ENABLED' | 'DISABLED' };
  /** Calls answered per action (throttled and denied ones included). */
  calls: Map<string, number>;
  /** Every request in arrival order: who, where, which page, which SDK attempt. */
  requests: EmulatorRequest[];
  /** Requests refused because their SigV4 signature did not match the key's secret. */
  signatureFailures(): number;
  /** Number of MetricDataQueries in each GetMetricData call (to check the 500 limit). */
  metricQueriesPerCall: number[];
  close(): Promise<void>;
}

export interface EmulatorRequest {
  action: string;
  accessKey: string | null;
  region: string | null;
  nextToken: string | null;
  /** The SDK's attempt number of this request (`amz-sdk-request: attempt=N`), 1 on the first try. */
  attempt: number;
}

export interface EmulatorOptions {
  /** Items per page of EC2 and Organizations listings. */
  pageSize?: number;
  /** Datapoints per GetMetricData page. */
  datapointsPerPage?: number;
}

// --------------------------------------------------------------------------------------------
// XML and JSON helpers

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
type Node = string | number | boolean | null | undefined | Node[] | { [k: string]: Node };
/** Serializes a value as EC2/STS XML: arrays become `<item>` lists. */
function xml(value: Node): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => `<item>${xml(v)}</item>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
      .join('');
  }
  return esc(String(value));
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'x-amzn-requestid': 'req-emulator', ...headers });
  res.end(body);
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function ec2Error(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, 'text/xml;charset=UTF-8', `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>req-emulator</RequestID></Response>`);
}
function stsError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, 'text/xml', `<ErrorResponse xmlns="${STS_NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>req-emulator</RequestId></ErrorResponse>`);
}
function jsonError(res: ServerResponse, status: number, type: string, message: string, queryCode?: string): void {
  send(res, status, 'application/x-amz-json-1.1', JSON.stringify({ __type: type, message }), queryCode ? { 'x-amzn-query-error': `${queryCode};Sender` } : {});
}

const token = (n: number) => Buffer.from(`page:${n}`).toString('base64');
const untoken = (t: string | undefined) => (t ? Number(Buffer.from(t, 'base64').toString('utf8').slice(5)) || 0 : 0);
const secs = (ms: number) => ms / 1000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');

/** Who is calling and where: the SigV4 credential scope of the Authorization header. */
function scopeOf(req: IncomingMessage): { accessKey: string; region: string } | null {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers['authorization'] ?? ''));
  return m ? { accessKey: m[1] as string, region: m[2] as string } : null;
}

/** Starts the emulator on 127.0.0.1 over the fleet. */
export async function startAwsEmulator(fleet: Fleet, options: EmulatorOptions = {}): Promise<AwsEmulator> {
  const pageSize = options.pageSize ?? 2;
  const datapointsPerPage = options.datapointsPerPage ?? 1500;
  const faults: EmulatorFaults = { throttleSecondPageOnce: new Set(), deny: new Set(), throttleAlways: new Set(), publicFeedDown: false, failSecondPage: new Map(), unsupported: new Map() };
  const healthState: AwsEmulator['health'] = { organizationView: 'DISABLED' };
  const throttledOnce = new Set<string>();
  const calls = new Map<string, number>();
  const requests: EmulatorRequest[] = [];
  let signatureFailures = 0;
  const metricQueriesPerCall: number[] = [];
  const now = fleet.now.getTime();

  /**
   * Recomputes the request's SigV4 signature with the secret the emulator gave that key (the base
   * secret, or the assumed role's), over the headers it says it signed: true only when they match.
   */
  async function signatureValid(req: IncomingMessage, body: string): Promise<boolean> {
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(String(req.headers['authorization'] ?? ''));
    if (!m) return false;
    const [, accessKey = '', region = '', service = '', signed = '', signature = ''] = m;
    const acct = accountOf(accessKey);
    if (!acct) return false;
    const secret = accessKey === BASE_ACCESS_KEY ? BASE_SECRET_KEY : roleSecretKey(acct);
    const headers: Record<string, string> = {};
    for (const h of signed.split(';')) headers[h] = String(req.headers[h] ?? '');
    const amz = headers['x-amz-date'] ?? '';
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amz);
    if (!d) return false;
    const url = new URL(req.url ?? '/', 'http://emulator');
    const signer = new SignatureV4({ credentials: { accessKeyId: accessKey, secretAccessKey: secret, ...(headers['x-amz-security-token'] ? { sessionToken: headers['x-amz-security-token'] } : {}) }, region, service, sha256: Sha256 });
    const out = await signer.sign(
      { method: req.method ?? 'POST', protocol: 'http:', hostname: url.hostname, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body },
      { signingDate: new Date(`${d[1]}-${d[2]}-${d[3]}T${d[4]}:${d[5]}:${d[6]}Z`) },
    );
    return /Signature=([0-9a-f]{64})/.exec(String(out.headers['authorization'] ?? ''))?.[1] === signature;
  }

  /** The account a key belongs to: the base key is the caller's; assumed-role keys name theirs. */
  function accountOf(accessKey: string): string | null {
    if (accessKey === BASE_ACCESS_KEY) return fleet.callerAccountId;
    const m = /^ASIAROLE(\d{12})$/.exec(accessKey);
    return m ? (m[1] as string) : null;
  }

  function pageOf<T>(items: T[], next: string | undefined, action: string, size = pageSize): { page: T[]; nextToken: string | undefined } | 'throttle' | 'fail' {
    const start = untoken(next);
    if (start === size && faults.failSecondPage.has(action)) return 'fail';
    // Only the second page, once: keyed by offset this also throttled the third page of a longer listing.
    if (start === size && faults.throttleSecondPageOnce.has(action) && !throttledOnce.has(action)) {
      throttledOnce.add(action);
      return 'throttle';
    }
    const page = items.slice(start, start + size);
    return { page, nextToken: start + size < items.length ? token(start + size) : undefined };
  }

  function instanceXml(x: FleetInstance): Node {
    // Every optional element absent, as EC2 answers for a stopped machine launched without tags:
    // no privateDnsName/privateIpAddress, placement without availabilityZone, an empty instanceLifecycle.
    if (x.sparse) {
      return { instanceId: x.id, instanceState: { code: stateCode(x.state), name: x.state }, instanceType: x.type.type, placement: { tenancy: 'default' }, instanceLifecycle: '' };
    }
    return {
      instanceId: x.id,
      imageId: 'ami-0123456789abcdef0',
      instanceState: { code: stateCode(x.state), name: x.state },
      privateDnsName: x.privateDnsName,
      privateIpAddress: x.privateIp,
      instanceType: x.type.type,
      launchTime: iso(x.launchTime),
      placement: { availabilityZone: x.zone, tenancy: 'default' },
      monitoring: { state: 'disabled' },
      // Optional fields really absent on some machines: no tags at all, no reservation.
      tagSet: Object.keys(x.tags).length > 0 ? Object.entries(x.tags).map(([key, value]) => ({ key, value })) : undefined,
      capacityReservationId: x.capacityReservationId ?? undefined,
      architecture: 'x86_64',
    };
  }

  function ec2(res: ServerResponse, params: URLSearchParams, account: string, region: string): void {
    const action = params.get('Action') ?? '';
    const values = (prefix: string) => [...params.entries()].filter(([k]) => new RegExp(`^${prefix}\\.\\d+$`).test(k)).map(([, v]) => v);
    const filter = (name: string): string[] | null => {
      for (const [k, v] of params.entries()) {
        const m = /^Filter\.(\d+)\.Name$/.exec(k);
        if (m && v === name) return values(`Filter\\.${m[1]}\\.Value`);
      }
      return null;
    };
    const mine = fleet.instances.filter((x) => x.accountId === account && x.region === region);
    const reply = (root: string, body: Node) => send(res, 200, 'text/xml;charset=UTF-8', `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${EC2_NS}"><requestId>req-emulator</requestId>${xml(body)}</${root}>`);
    switch (action) {
      case 'DescribeRegions': {
        const all = params.get('AllRegions') === 'true';
        const optIn = filter('opt-in-status');
        const list = fleet.regions.filter((r) => (all || r.optIn !== 'not-opted-in') && (!optIn || optIn.includes(r.optIn)));
        return reply('DescribeRegionsResponse', { regionInfo: list.map((r) => ({ regionName: r.name, regionEndpoint: `ec2.${r.name}.amazonaws.com`, optInStatus: r.optIn })) });
      }
      case 'DescribeInstances': {
        const states = filter('instance-state-name');
        // EC2 filters take * and ? wildcards.
        const types = filter('instance-type')?.map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
        const list = mine.filter((x) => (!states || states.includes(x.state)) && (!types || types.some((re) => re.test(x.type.type))));
        // One reservation per two instances, as launches of several instances group them.
        const reservations: FleetInstance[][] = [];
        for (let i = 0; i < list.length; i += 2) reservations.push(list.slice(i, i + 2));
        const p = pageOf(reservations, params.get('NextToken') ?? undefined, action);
        if (p === 'throttle') return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
        if (p === 'fail') return ec2Error(res, faults.failSecondPage.get(action) ?? 500, 'InternalError', 'An internal error has occurred');
        return reply('DescribeInstancesResponse', {
          reservationSet: p.page.map((r, i) => ({ reservationId: `r-${String(i).padStart(17, '0')}`, ownerId: account, groupSet: [], instancesSet: r.map(instanceXml) })),
          nextToken: p.nextToken,
        });
      }
      case 'DescribeInstanceTypes': {
        const asked = values('InstanceType');
        const types = [...new Map(fleet.instances.map((x) => [x.type.type, x.type])).values()].filter((t) => asked.length === 0 || asked.includes(t.type));
        const p = pageOf(types, params.get('NextToken') ?? undefined, action);
        if (p === 'throttle') return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
        if (p === 'fail') return ec2Error(res, faults.failSecondPage.get(action) ?? 500, 'InternalError', 'An internal error has occurred');
        return reply('DescribeInstanceTypesResponse', {
          instanceTypeSet: p.page.map((t) => ({
            instanceType: t.type,
            currentGeneration: true,
            gpuInfo: t.gpu
              ? {
                  gpus: [{ name: t.gpu.name, manufacturer: t.gpu.manufacturer, count: t.gpu.count, memoryInfo: { sizeInMiB: t.gpu.memoryMiB }, gpuPartitionSize: t.gpu.partition, logicalGpuCount: t.gpu.logicalCount }],
                  totalGpuMemoryInMiB: Math.max(t.gpu.count, t.gpu.logicalCount ?? 0) * t.gpu.memoryMiB,
                }
              : undefined,
            neuronInfo: t.neuron
              ? { neuronDevices: [{ count: t.neuron.count, name: t.neuron.name, coreInfo: { count: t.neuron.cores, version: 2 }, memoryInfo: { sizeInMiB: t.neuron.memoryMiB } }], totalNeuronDeviceMemoryInMiB: t.neuron.count * t.neuron.memoryMiB }
              : undefined,
          })),
          nextToken: p.nextToken,
        });
      }
      case 'DescribeInstanceStatus': {
        const all = params.get('IncludeAllInstances') === 'true';
        const list = mine.filter((x) => x.state !== 'terminated' && (all || x.state === 'running'));
        const p = pageOf(list, params.get('NextToken') ?? undefined, action);
        if (p === 'throttle') return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
        if (p === 'fail') return ec2Error(res, faults.failSecondPage.get(action) ?? 500, 'InternalError', 'An internal error has occurred');
        const summary = (bad: boolean, name: string) => ({ status: bad ? 'impaired' : 'ok', details: [{ name: 'reachability', status: bad ? 'failed' : 'passed', impairedSince: bad ? iso(now - 20 * MIN) : undefined }], _n: name });
        return reply('DescribeInstanceStatusResponse', {
          instanceStatusSet: p.page.map((x) => {
            const running = x.state === 'running';
            const sys = summary(x.impaired === 'system', 'system');
            const inst = summary(x.impaired === 'instance', 'instance');
            return {
              instanceId: x.id,
              availabilityZone: x.zone,
              eventsSet: x.events.length > 0 ? x.events.map((e) => ({ instanceEventId: e.id, code: e.code, description: e.description, notBefore: iso(e.notBefore), notAfter: e.notAfter === null ? undefined : iso(e.notAfter) })) : undefined,
              instanceState: { code: stateCode(x.state), name: x.state },
              systemStatus: running ? { status: sys.status, details: sys.details } : { status: 'not-applicable' },
              instanceStatus: running ? { status: inst.status, details: inst.details } : { status: 'not-applicable' },
            };
          }),
          nextToken: p.nextToken,
        });
      }
      case 'DescribeCapacityReservations': {
        const ids = values('CapacityReservationId');
        const list = fleet.reservations.filter((r) => r.accountId === account && r.region === region && (ids.length === 0 || ids.includes(r.id)));
        const p = pageOf(list, params.get('NextToken') ?? undefined, action);
        if (p === 'throttle') return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
        if (p === 'fail') return ec2Error(res, faults.failSecondPage.get(action) ?? 500, 'InternalError', 'An internal error has occurred');
        return reply('DescribeCapacityReservationsResponse', {
          capacityReservationSet: p.page.map((r) => ({
            capacityReservationId: r.id,
            ownerId: account,
            instanceType: r.instanceType,
            instancePlatform: 'Linux/UNIX',
            availabilityZone: r.zone,
            tenancy: 'default',
            totalInstanceCount: 4,
            availableInstanceCount: 1,
            state: 'active',
            startDate: iso(r.start),
            endDate: r.end === null ? undefined : iso(r.end),
            endDateType: r.end === null ? 'unlimited' : 'limited',
            instanceMatchCriteria: 'targeted',
            reservationType: r.blockId ? 'capacity-block' : 'default',
            capacityBlockId: r.blockId ?? undefined,
          })),
          nextToken: p.nextToken,
        });
      }
      default:
        return ec2Error(res, 400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
    }
  }

  function sts(res: ServerResponse, params: URLSearchParams, account: string, accessKey: string): void {
    const action = params.get('Action');
    if (action === 'GetCallerIdentity') {
      const arn = accessKey === BASE_ACCESS_KEY ? `arn:aws:iam::${account}:user/fleetpane` : `arn:aws:sts::${account}:assumed-role/${fleet.roleName}/fleetpane`;
      return send(res, 200, 'text/xml', `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult><Arn>${arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>req-emulator</RequestId></ResponseMetadata></GetCallerIdentityResponse>`);
    }
    if (action === 'AssumeRole') {
      const arn = params.get('RoleArn') ?? '';
      const m = /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(arn);
      const target = fleet.accounts.find((a) => a.id === m?.[1]);
      if (!m || !target || !target.assumable || m[2] !== fleet.roleName) {
        return stsError(res, 403, 'AccessDenied', `User: arn:aws:iam::${account}:user/fleetpane is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
      }
      const expiration = iso(Date.now() + 3600_000);
      return send(res, 200, 'text/xml', `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:${esc(params.get('RoleSessionName') ?? '')}</AssumedRoleId><Arn>arn:aws:sts::${target.id}:assumed-role/${fleet.roleName}/${esc(params.get('RoleSessionName') ?? '')}</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIAROLE${target.id}</AccessKeyId><SecretAccessKey>${roleSecretKey(target.id)}</SecretAccessKey><SessionToken>session-${target.id}</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>req-emulator</RequestId></ResponseMetadata></AssumeRoleResponse>`);
    }
    return stsError(res, 400, 'InvalidAction', `Could not find operation ${action ?? ''}`);
  }

  /** A metric's identity in CloudWatch: its full dimension set, order aside. */
  const dimsKey = (dims: readonly { Name: string; Value: string }[]) => dims.map((d) => `${d.Name}=${d.Value}`).sort().join('\u0000');
  const series = agentSeries(fleet);
  const seriesByKey = new Map(series.map((a) => [`${a.accountId}/${a.region}/${dimsKey(a.dimensions)}`, a]));
  const metricValue = (a: AgentSeries, metric: string): number | null => {
    const u = a.utilisation;
    const g = Number(a.dimensions.find((d) => d.Name === 'index')?.Value ?? 0);
    switch (metric) {
      case 'nvidia_smi_utilization_gpu': return u;
      case 'nvidia_smi_memory_used': return 1024 + g * 10;
      case 'nvidia_smi_power_draw': return 70 + u * 3;
      case 'nvidia_smi_temperature_gpu': return 40 + Math.round(u / 5);
      default: return null;
    }
  };

  function cloudwatch(res: ServerResponse, target: string, body: Record<string, unknown>, account: string, region: string): void {
    if (target === 'ListMetrics') {
      const name = body['MetricName'] as string | undefined;
      const all = series.filter((a) => a.accountId === account && a.region === region).map((a) => ({ Namespace: 'CWAgent', MetricName: name ?? 'nvidia_smi_utilization_gpu', Dimensions: a.dimensions }));
      const p = pageOf(all, body['NextToken'] as string | undefined, 'ListMetrics', 500);
      if (p === 'throttle') return jsonError(res, 400, 'com.amazonaws.cloudwatch#ThrottlingException', 'Rate exceeded', 'Throttling');
      if (p === 'fail') return jsonError(res, 500, 'InternalServiceError', 'Internal error');
      return send(res, 200, 'application/x-amz-json-1.0', JSON.stringify({ Metrics: p.page, NextToken: p.nextToken }));
    }
    if (target === 'GetMetricData') {
      const queries = (body['MetricDataQueries'] as { Id: string; MetricStat: { Metric: { MetricName: string; Dimensions: { Name: string; Value: string }[] }; Period: number } }[]) ?? [];
      if (queries.length > 500) return jsonError(res, 400, 'com.amazonaws.cloudwatch#InvalidParameterValueException', 'The collection MetricDataQueries must not have a size greater than 500.', 'InvalidParameterValue');
      if (!body['NextToken']) metricQueriesPerCall.push(queries.length);
      const start = Math.ceil((body['StartTime'] as number) * 1000 / MIN) * MIN;
      const end = Math.min((body['EndTime'] as number) * 1000, now);
      const points: { id: string; ts: number; v: number }[] = [];
      for (const q of queries) {
        // A query names one metric by its whole dimension set, as CloudWatch matches it.
        const a = seriesByKey.get(`${account}/${region}/${dimsKey(q.MetricStat.Metric.Dimensions)}`);
        if (!a) continue;
        // ScanBy TimestampDescending (the default): newest first.
        for (let ts = Math.floor((end - 1) / MIN) * MIN; ts >= start; ts -= MIN) {
          const v = metricValue(a, q.MetricStat.Metric.MetricName);
          if (v !== null) points.push({ id: q.Id, ts, v });
        }
      }
      const p = pageOf(points, body['NextToken'] as string | undefined, 'GetMetricData', datapointsPerPage);
      if (p === 'throttle') return jsonError(res, 400, 'com.amazonaws.cloudwatch#ThrottlingException', 'Rate exceeded', 'Throttling');
      if (p === 'fail') return jsonError(res, 500, 'InternalServiceError', 'Internal error');
      const byId = new Map<string, { Timestamps: number[]; Values: number[] }>();
      for (const q of queries) byId.set(q.Id, { Timestamps: [], Values: [] });
      for (const pt of p.page) {
        const r = byId.get(pt.id) as { Timestamps: number[]; Values: number[] };
        r.Timestamps.push(secs(pt.ts));
        r.Values.push(pt.v);
      }
      return send(res, 200, 'application/x-amz-json-1.0', JSON.stringify({
        MetricDataResults: [...byId.entries()].map(([Id, r]) => ({ Id, Label: Id, ...r, StatusCode: p.nextToken ? 'PartialData' : 'Complete' })),
        NextToken: p.nextToken,
        Messages: [],
      }));
    }
    return jsonError(res, 400, 'UnknownOperationException', target);
  }

  function organizations(res: ServerResponse, target: string, body: Record<string, unknown>, account: string): void {
    if (account !== fleet.callerAccountId) return jsonError(res, 400, 'AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
    if (target !== 'ListAccounts') return jsonError(res, 400, 'UnknownOperationException', target);
    const p = pageOf(fleet.accounts, body['NextToken'] as string | undefined, 'ListAccounts', 2);
    if (p === 'throttle') return jsonError(res, 400, 'TooManyRequestsException', 'AWS Organizations can\'t complete your request because another request is already in progress.');
    if (p === 'fail') return jsonError(res, 500, 'ServiceException', 'Internal error');
    return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({
      Accounts: p.page.map((a) => ({ Id: a.id, Arn: `arn:aws:organizations::${fleet.callerAccountId}:account/o-example/${a.id}`, Email: `${a.name}@example.com`, Name: a.name, Status: a.status, State: a.status, JoinedMethod: 'CREATED', JoinedTimestamp: secs(now - 400 * 86_400_000) })),
      NextToken: p.nextToken,
    }));
  }

  const eventJson = (e: Fleet['health'][number]) => ({
    arn: e.arn, service: e.service, eventTypeCode: e.eventTypeCode, eventTypeCategory: e.eventTypeCategory, region: e.region,
    startTime: secs(e.startTime), ...(e.endTime === null || e.noEndTime ? {} : { endTime: secs(e.endTime) }), lastUpdatedTime: secs(e.endTime ?? e.startTime + 5 * MIN),
    statusCode: e.statusCode, eventScopeCode: e.scope ?? (e.entities.length > 0 ? 'ACCOUNT_SPECIFIC' : 'PUBLIC'),
  });

  /** The organizational view (botocore health 2016-08-04): only the management account asks it, only when enabled. */
  function healthOrganization(res: ServerResponse, target: string, body: Record<string, unknown>, account: string): void {
    if (target === 'DescribeHealthServiceStatusForOrganization') {
      return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ healthServiceAccessStatusForOrganization: healthState.organizationView }));
    }
    if (account !== fleet.callerAccountId || healthState.organizationView !== 'ENABLED') {
      return jsonError(res, 400, 'ConcurrentModificationException', 'The organizational view is not enabled for this account.');
    }
    if (target === 'DescribeEventsForOrganization') {
      const filter = (body['filter'] ?? {}) as { regions?: string[]; services?: string[] };
      // One event per ARN however many accounts it touches.
      const list = [...new Map(fleet.health.map((e) => [e.arn, e])).values()].filter((e) => (!filter.regions || filter.regions.includes(e.region)) && (!filter.services || filter.services.includes(e.service)));
      const p = pageOf(list, body['nextToken'] as string | undefined, target, 1);
      if (p === 'throttle') return jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
      if (p === 'fail') return jsonError(res, 500, 'InternalFailure', 'Internal error');
      // OrganizationEvent has no availabilityZone; eventScopeCode and endTime may be absent.
      return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ events: p.page.map(eventJson), nextToken: p.nextToken }));
    }
    // DescribeAffectedEntitiesForOrganization
    const filters = (body['organizationEntityFilters'] ?? []) as { eventArn: string; awsAccountId?: string }[];
    if (filters.length > 10) return jsonError(res, 400, 'InvalidPaginationToken', 'organizationEntityFilters must have at most 10 items');
    const entities = fleet.health
      .filter((e) => filters.some((f) => f.eventArn === e.arn && (!f.awsAccountId || f.awsAccountId === e.accountId)))
      .flatMap((e) => e.entities.map((id) => ({ entityArn: `arn:aws:health:${e.region}:${e.accountId}:entity/${id}`, eventArn: e.arn, entityValue: id, awsAccountId: e.accountId, lastUpdatedTime: secs(e.startTime), statusCode: 'IMPAIRED' })));
    return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ entities, failedSet: [] }));
  }

  function health(res: ServerResponse, target: string, body: Record<string, unknown>, account: string): void {
    const acct = fleet.accounts.find((a) => a.id === account);
    if (!acct?.healthApi) return jsonError(res, 400, 'SubscriptionRequiredException', 'The AWS Health API is available only with a Business, Enterprise On-Ramp or Enterprise Support plan.');
    if (/ForOrganization$/.test(target)) return healthOrganization(res, target, body, account);
    const filter = (body['filter'] ?? {}) as { regions?: string[]; services?: string[]; eventArns?: string[] };
    const events = fleet.health.filter((e) => e.accountId === account);
    if (target === 'DescribeEvents') {
      const list = events.filter((e) => (!filter.regions || filter.regions.includes(e.region)) && (!filter.services || filter.services.includes(e.service)));
      const p = pageOf(list, body['nextToken'] as string | undefined, 'DescribeEvents', 2);
      if (p === 'throttle') return jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
      if (p === 'fail') return jsonError(res, 500, 'InternalFailure', 'Internal error');
      return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({
        events: p.page.map(eventJson),
        nextToken: p.nextToken,
      }));
    }
    if (target === 'DescribeAffectedEntities') {
      const list = events.filter((e) => filter.eventArns?.includes(e.arn)).flatMap((e) => e.entities.map((id) => ({
        entityArn: `arn:aws:health:${e.region}:${account}:entity/${id}`, eventArn: e.arn, entityValue: id, awsAccountId: account, lastUpdatedTime: secs(e.startTime), statusCode: 'IMPAIRED',
      })));
      // Paged as AWS pages it (nextToken), 2 entities a page here.
      const p = pageOf(list, body['nextToken'] as string | undefined, 'DescribeAffectedEntities', 2);
      if (p === 'throttle') return jsonError(res, 400, 'ThrottlingException', 'Rate exceeded');
      if (p === 'fail') return jsonError(res, 500, 'InternalFailure', 'Internal error');
      return send(res, 200, 'application/x-amz-json-1.1', JSON.stringify({ entities: p.page, nextToken: p.nextToken }));
    }
    return jsonError(res, 400, 'UnknownOperationException', target);
  }

  /**
   * The public dashboard's current events, in its observed shape; adversarial: an entry without a
   * service key, a date as a string, no arn, a region and a service the fleet does not use.
   */
  function publicFeed(): Record<string, unknown>[] {
    const s = (ms: number) => Math.floor(ms / 1000);
    return [
      { arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/PUBLIC1', date: String(s(now - 30 * MIN)), region_name: 'N. Virginia', status: '1', service: 'ec2-us-east-1', service_name: 'Amazon Elastic Compute Cloud (N. Virginia)', summary: '[Investigating] Increased launch error rates', event_log: [{ summary: '[Investigating] Increased launch error rates', message: 'We are investigating increased error rates for instance launches.', status: 1, timestamp: s(now - 30 * MIN) }] },
      { date: s(now - 3 * 3600_000), service: 'ec2-eu-west-1', service_name: 'Amazon Elastic Compute Cloud (Ireland)', summary: '[RESOLVED] Network connectivity', event_log: [{ summary: '[RESOLVED] Network connectivity', message: 'Resolved.', status: 0, timestamp: s(now - 2 * 3600_000) }] },
      { arn: 'arn:aws:health:ap-northeast-1::event/EC2/X/PUBLICTOKYO', date: s(now - 10 * MIN), service: 'ec2-ap-northeast-1', summary: '[Investigating] Tokyo' },
      { arn: 'arn:aws:health:us-west-2::event/S3/X/PUBLICS3', date: s(now - 10 * MIN), service: 's3-us-west-2', summary: '[Investigating] S3' },
      { date: s(now - 5 * MIN), summary: 'an entry without a service key' },
    ];
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const service = (req.url ?? '/').split('/')[1] ?? '';
      if (req.url === '/public/currentevents') {
        calls.set('PublicFeed', (calls.get('PublicFeed') ?? 0) + 1);
        if (faults.publicFeedDown) return send(res, 503, 'text/plain', 'Service Unavailable');
        // Served as the dashboard serves it: UTF-16 big-endian with a byte-order mark.
        const text = JSON.stringify(publicFeed());
        const le = Buffer.from(text, 'utf16le');
        const be = Buffer.alloc(le.length + 2);
        be[0] = 0xfe;
        be[1] = 0xff;
        for (let i = 0; i + 1 < le.length; i += 2) {
          be[i + 2] = le[i + 1] as number;
          be[i + 3] = le[i] as number;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(be);
        return;
      }
      const scope = scopeOf(req);
      const account = scope ? accountOf(scope.accessKey) : null;
      const isJson = String(req.headers['content-type'] ?? '').includes('json');
      const target = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
      const params = new URLSearchParams(isJson ? '' : body);
      const action = isJson ? target : params.get('Action') ?? '';
      calls.set(action, (calls.get(action) ?? 0) + 1);
      const nextToken = isJson ? null : params.get('NextToken');
      const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
      requests.push({ action, accessKey: scope?.accessKey ?? null, region: scope?.region ?? null, nextToken, attempt });
      if (scope && account && !(await signatureValid(req, body))) {
        signatureFailures++;
        if (isJson) return jsonError(res, 403, 'InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
        return ec2Error(res, 403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      }
      if (!scope || !account) {
        if (isJson) return jsonError(res, 403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
        return ec2Error(res, 401, 'AuthFailure', 'AWS was not able to validate the provided access credentials');
      }
      if (faults.throttleAlways.has(action) || faults.throttleAlways.has(`${scope.region}:${action}`)) {
        if (service === 'ec2') return ec2Error(res, 503, 'RequestLimitExceeded', 'Request limit exceeded.');
        return jsonError(res, 400, 'com.amazonaws.cloudwatch#ThrottlingException', 'Rate exceeded', 'Throttling');
      }
      const unsupported = faults.unsupported.get(action);
      if (unsupported === 404) return send(res, 404, 'text/plain', 'Not Found');
      if (unsupported === 400) return ec2Error(res, 400, 'UnsupportedOperation', `The operation ${action} is not supported in this region.`);
      if (faults.deny.has(`${account}:${action}`)) {
        const who = account === fleet.callerAccountId ? `arn:aws:iam::${account}:user/fleetpane` : `arn:aws:sts::${account}:assumed-role/${fleet.roleName}/fleetpane`;
        const prefix = { ec2: 'ec2', monitoring: 'cloudwatch', health: 'health', organizations: 'organizations', sts: 'sts' }[service] ?? service;
        const message = `User: ${who} is not authorized to perform: ${prefix}:${action} because no identity-based policy allows the ${prefix}:${action} action`;
        if (service === 'ec2') return ec2Error(res, 403, 'UnauthorizedOperation', `You are not authorized to perform this operation. ${message}`);
        if (service === 'sts') return stsError(res, 403, 'AccessDenied', message);
        return jsonError(res, 400, 'AccessDeniedException', message, 'AccessDenied');
      }
      const json = (): Record<string, unknown> => (body ? (JSON.parse(body) as Record<string, unknown>) : {});
      switch (service) {
        case 'ec2': return ec2(res, params, account, scope.region);
        case 'sts': return sts(res, params, account, scope.accessKey);
        case 'monitoring': return cloudwatch(res, target, json(), account, scope.region);
        case 'organizations': return organizations(res, target, json(), account);
        case 'health': return health(res, target, json(), account);
        default: return send(res, 404, 'text/plain', 'no such service');
      }
    })().catch((err: unknown) => send(res, 500, 'text/plain', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    endpoint: (service) => `${url}/${service}`,
    publicFeedUrl: `${url}/public/currentevents`,
    faults,
    health: healthState,
    calls,
    requests,
    signatureFailures: () => signatureFailures,
    metricQueriesPerCall,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
