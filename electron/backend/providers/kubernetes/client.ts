/** I/O of the kubernetes provider: the Kubernetes API (official client) and the Prometheus HTTP API. */
import { existsSync } from 'node:fs';
import { ApiException, CoreV1Api, KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { AuthError, ConfigError, ConnectorError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import type { KubernetesConfig, PrometheusConfig } from './config';
import { defaultKubeconfigPath, loadKubeconfig } from './kubeconfig';
import { readSecret } from '../common/secret-ref';
import { Semaphore } from '../common/semaphore';

/** Builds the client config for the account's context, applying endpoint and token overrides. */
export async function buildKubeConfig(cfg: KubernetesConfig): Promise<KubeConfig> {
  const token = cfg.token ? await readSecret(cfg.token, { account: cfg.name, field: 'token', kind: 'token' }) : undefined;
  const path = cfg.kubeconfig ?? defaultKubeconfigPath();
  if (!cfg.kubeconfig && !existsSync(path) && cfg.endpoint && token) {
    // Headless: no kubeconfig at all, just an endpoint and a bearer token.
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'endpoint', server: cfg.endpoint, skipTLSVerify: false }],
      users: [{ name: 'token', token }],
      contexts: [{ name: 'endpoint', cluster: 'endpoint', user: 'token' }],
      currentContext: 'endpoint',
    });
    return kc;
  }
  const kc = loadKubeconfig(path);
  if (cfg.context) {
    if (!kc.getContextObject(cfg.context)) throw new ConfigError(`kubeconfig ${path} has no context "${cfg.context}"`);
    kc.setCurrentContext(cfg.context);
  }
  const ctx = kc.getContextObject(kc.getCurrentContext());
  if (!ctx) throw new ConfigError(`kubeconfig ${path} has no current context; set "context"`);
  const cluster = kc.getCluster(ctx.cluster);
  if (!cluster) throw new ConfigError(`kubeconfig ${path}: context "${ctx.name}" names a missing cluster`);
  if (!cfg.endpoint && !token) return kc;
  const user = kc.getUser(ctx.user);
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ ...cluster, server: cfg.endpoint ?? cluster.server }],
    users: [token ? { name: ctx.user, token } : (user ?? { name: ctx.user })],
    contexts: [ctx],
    currentContext: ctx.name,
  });
  return out;
}

/** Maps a Kubernetes API failure to a typed connector error (no response bodies in messages). */
export function kubeError(what: string, error: unknown): ConnectorError {
  if (error instanceof ConnectorError) return error;
  if (error instanceof ApiException) {
    const code = error.code;
    if (code === 401 || code === 403) return new AuthError(`${what}: Kubernetes API answered ${code}`, { cause: error });
    if (code === 429) {
      const retry = Number((error.headers as Record<string, string> | undefined)?.['retry-after'] ?? '5');
      return new ThrottledError(`${what}: Kubernetes API throttled`, (Number.isFinite(retry) ? retry : 5) * 1000);
    }
    if (code === 410) return new UnavailableError(`${what}: list continue token expired`, 0, { cause: error });
    if (code >= 500) return new UnavailableError(`${what}: Kubernetes API answered ${code}`, null, { cause: error });
    return new MalformedResponseError(`${what}: Kubernetes API answered ${code}`, { cause: error });
  }
  return new UnavailableError(`${what}: Kubernetes API unreachable`, null, { cause: error });
}

/** Lists every node, page by page (continue tokens). */
export async function* listNodes(api: CoreV1Api, pageSize: number): AsyncGenerator<V1Node[]> {
  let cont: string | undefined;
  do {
    const page = await api.listNode({ limit: pageSize, _continue: cont }).catch((e: unknown) => {
      throw kubeError('listing nodes', e);
    });
    yield page.items;
    cont = page.metadata?._continue || undefined;
  } while (cont);
}

/** Lists every pod that is not finished, page by page. */
export async function* listActivePods(api: CoreV1Api, pageSize: number): AsyncGenerator<V1Pod[]> {
  let cont: string | undefined;
  do {
    const page = await api
      .listPodForAllNamespaces({ limit: pageSize, _continue: cont, fieldSelector: 'status.phase!=Succeeded,status.phase!=Failed' })
      .catch((e: unknown) => {
        throw kubeError('listing pods', e);
      });
    yield page.items;
    cont = page.metadata?._continue || undefined;
  } while (cont);
}

/** Creates the CoreV1 API client for an account. */
export async function coreApi(cfg: KubernetesConfig): Promise<CoreV1Api> {
  return (await buildKubeConfig(cfg)).makeApiClient(CoreV1Api);
}

/** One series of a range-query answer. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}
// The envelope goes through zod; the points (millions in a backfill) get the hand-written check below.
const QueryRangeResponse = z.discriminatedUnion('status', [
  z.object({ status: z.literal('success'), data: z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }) }).loose(),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }).loose(),
]);

/** Checks each series of a matrix answer (string labels, [number, string] points); the index of the first bad one, or -1. */
export function firstMalformedSeries(result: readonly unknown[]): number {
  for (let i = 0; i < result.length; i++) {
    const s = result[i] as { metric?: unknown; values?: unknown } | null;
    if (typeof s !== 'object' || s === null || typeof s.metric !== 'object' || s.metric === null || !Array.isArray(s.values)) return i;
    // Plain loops: a 100k-GPU minute is 700k series, and Object.values would copy every label set.
    const metric = s.metric as Record<string, unknown>;
    for (const k in metric) if (typeof metric[k] !== 'string') return i;
    const values = s.values as unknown[];
    for (let j = 0; j < values.length; j++) {
      const p = values[j];
      if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'string') return i;
    }
  }
  return -1;
}

/** Whether answers should come gzip-compressed: `auto` means everywhere but loopback. */
export function wantsCompression(cfg: Pick<PrometheusConfig, 'url' | 'compression'>): boolean {
  if (cfg.compression !== 'auto') return cfg.compression === 'gzip';
  const host = new URL(cfg.url).hostname;
  return !(host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host));
}

/** A Prometheus-compatible query API client (fetch, bearer or basic auth, tenant header). */
export class PrometheusClient {
  private headers: Record<string, string> | null = null;
  /** Every query of this source waits here, so parallel windows never exceed `cfg.concurrency`. */
  readonly limit: Semaphore;
  constructor(
    private readonly cfg: PrometheusConfig,
    /** The account it queries for, named when a secret cannot be read. */
    private readonly account: string,
  ) {
    this.limit = new Semaphore(cfg.concurrency);
  }

  private async authHeaders(): Promise<Record<string, string>> {
    if (this.headers) return this.headers;
    const h: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (!wantsCompression(this.cfg)) h['accept-encoding'] = 'identity';
    const auth = this.cfg.auth;
    if (auth?.type === 'bearer') h.authorization = `Bearer ${await readSecret(auth.token, { account: this.account, field: 'prometheus.auth.token', kind: 'token' })}`;
    if (auth?.type === 'basic') {
      // A password goes base64-encoded into Basic auth, so any one line is safe there.
      const password = await readSecret(auth.password, { account: this.account, field: 'prometheus.auth.password', kind: 'password' });
      h.authorization = `Basic ${Buffer.from(`${auth.username}:${password}`).toString('base64')}`;
    }
    if (this.cfg.tenant) h['x-scope-orgid'] = this.cfg.tenant;
    this.headers = h;
    return h;
  }

  /** Runs /api/v1/query_range; times are epoch seconds, step in seconds. */
  queryRange(query: string, start: number, end: number, step: number, signal: AbortSignal): Promise<MatrixSeries[]> {
    return this.limit.run(() => this.queryRangeNow(query, start, end, step, signal), signal);
  }

  private async queryRangeNow(query: string, start: number, end: number, step: number, signal: AbortSignal): Promise<MatrixSeries[]> {
    const url = `${this.cfg.url.replace(/\/+$/, '')}/api/v1/query_range`;
    const body = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: await this.authHeaders(),
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(this.cfg.timeoutMs)]),
      });
    } catch (cause) {
      if (signal.aborted) throw cause;
      throw new UnavailableError(`Prometheus at ${this.cfg.url} unreachable`, null, { cause });
    }
    if (res.status === 401 || res.status === 403) throw new AuthError(`Prometheus at ${this.cfg.url} answered ${res.status}`);
    if (res.status === 429) {
      const retry = Number(res.headers.get('retry-after') ?? '10');
      throw new ThrottledError(`Prometheus at ${this.cfg.url} throttled`, (Number.isFinite(retry) ? retry : 10) * 1000);
    }
    if (res.status >= 500 && res.status !== 503) throw new UnavailableError(`Prometheus at ${this.cfg.url} answered ${res.status}`);
    let json: unknown;
    try {
      json = await res.json();
    } catch (cause) {
      if (res.status === 503) throw new UnavailableError(`Prometheus at ${this.cfg.url} answered 503`);
      throw new MalformedResponseError(`Prometheus at ${this.cfg.url}: answer is not JSON (HTTP ${res.status})`, { cause });
    }
    const parsed = QueryRangeResponse.safeParse(json);
    if (!parsed.success) throw new MalformedResponseError(`Prometheus at ${this.cfg.url}: not a matrix answer`);
    if (parsed.data.status === 'error') {
      const msg = `Prometheus at ${this.cfg.url}: ${parsed.data.errorType ?? 'error'}: ${parsed.data.error ?? ''}`;
      if (parsed.data.errorType === 'bad_data') throw new ConfigError(msg);
      throw new UnavailableError(msg);
    }
    const result = parsed.data.data.result;
    const bad = firstMalformedSeries(result);
    if (bad >= 0) throw new MalformedResponseError(`Prometheus at ${this.cfg.url}: series ${bad} of the matrix answer is malformed`);
    return result as MatrixSeries[];
  }
}
