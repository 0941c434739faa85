/** I/O of the kubernetes provider: the Kubernetes API (official client) and the Prometheus HTTP API. */
import { existsSync } from 'node:fs';
import { ApiException, CoreV1Api, KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { AuthError, ConfigError, ConnectorError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import type { KubernetesConfig, PrometheusConfig } from './config';
import { defaultKubeconfigPath, loadKubeconfig } from './kubeconfig';
import { readSecret } from '../common/secret-ref';
import { MACHINE_PAGE_LANES, Semaphore, type WaitOptions } from '../common/semaphore';
import { MatrixScanner, readMatrixAnswer, scanAnswer, type MatrixSeries, type MatrixSink, type MatrixVerdict } from '../common/prom-matrix';

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

export type { MatrixSeries } from '../common/prom-matrix';

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
    this.limit = new Semaphore(cfg.concurrency, MACHINE_PAGE_LANES);
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
    return this.limit.run(async () => {
      const res = await this.post(query, start, end, step, signal);
      let json: unknown;
      try {
        json = await res.json();
      } catch (cause) {
        return this.refuse({ kind: 'not-json', cause }, res.status);
      }
      const { verdict, series } = readMatrixAnswer(json);
      if (verdict.kind !== 'matrix') return this.refuse(verdict, res.status);
      return series;
    }, signal);
  }

  /**
   * Runs /api/v1/query_range and hands each series to `sink` as the answer's bytes arrive (no parsed
   * matrix is ever held), then checks the answer was a whole matrix; errors are queryRange's. A sink
   * whose answer failed may have been given part of it. `wait.first`: ahead of the queries waiting
   * for a permit (a machine page's, ahead of a backfill's).
   */
  queryRangeInto(query: string, start: number, end: number, step: number, signal: AbortSignal, sink: MatrixSink, wait: WaitOptions = {}): Promise<void> {
    return this.limit.run(
      async () => {
        const res = await this.post(query, start, end, step, signal);
        const verdict = await scanAnswer(res.body, new MatrixScanner(sink), signal);
        if (verdict.kind !== 'matrix') this.refuse(verdict, res.status);
      },
      signal,
      wait,
    );
  }

  /** Sends the query; a response whose status already says how it failed is thrown as that. */
  private async post(query: string, start: number, end: number, step: number, signal: AbortSignal): Promise<Response> {
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
    return res;
  }

  /** Throws the typed error for an answer that is not a whole matrix (HTTP `status`). */
  private refuse(verdict: Exclude<MatrixVerdict, { kind: 'matrix' }>, status: number): never {
    switch (verdict.kind) {
      case 'not-json':
        if (status === 503) throw new UnavailableError(`Prometheus at ${this.cfg.url} answered 503`);
        throw new MalformedResponseError(`Prometheus at ${this.cfg.url}: answer is not JSON (HTTP ${status})`, { cause: verdict.cause });
      case 'not-matrix':
        throw new MalformedResponseError(`Prometheus at ${this.cfg.url}: not a matrix answer`);
      case 'error': {
        const msg = `Prometheus at ${this.cfg.url}: ${verdict.errorType ?? 'error'}: ${verdict.error ?? ''}`;
        if (verdict.errorType === 'bad_data') throw new ConfigError(msg);
        throw new UnavailableError(msg);
      }
      case 'bad-series':
        throw new MalformedResponseError(`Prometheus at ${this.cfg.url}: series ${verdict.index} of the matrix answer is malformed`);
    }
  }
}
