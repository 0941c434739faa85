/** A loopback Kubernetes API that serves NodeList and PodList with continue-token paging. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node, V1Pod } from '@kubernetes/client-node';

export interface K8sEmulator {
  url: string;
  /** A kubeconfig for the emulator (one exec-free context "emu", one exec context "cloud-sso"). */
  kubeconfigPath: string;
  /** Requests seen, e.g. "GET /api/v1/nodes?limit=50". */
  requests: string[];
  /** Answer the next requests with this status (e.g. 401, 429, 503) until cleared. */
  failWith: number | null;
  close(): Promise<void>;
}

/** Starts the emulator; `token` must be presented as a bearer token. */
export async function startK8sEmulator(nodes: readonly V1Node[], pods: readonly V1Pod[], token = 'test-token'): Promise<K8sEmulator> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpane-k8s-'));
  const emu: K8sEmulator = { url: '', kubeconfigPath: join(dir, 'kubeconfig'), requests: [], failWith: null, close: async () => {} };
  const page = <T>(items: readonly T[], kind: string, query: URLSearchParams) => {
    const limit = Number(query.get('limit') ?? '0') || items.length;
    const offset = Number(query.get('continue') ?? '0');
    const slice = items.slice(offset, offset + limit);
    const next = offset + limit < items.length ? String(offset + limit) : undefined;
    return { apiVersion: 'v1', kind, metadata: { resourceVersion: '1', ...(next ? { continue: next } : {}) }, items: slice };
  };
  const server: Server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    emu.requests.push(`${req.method} ${u.pathname}${u.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '3' } : {}) });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { kind: 'Status', code: 401, reason: 'Unauthorized' });
    if (emu.failWith) return send(emu.failWith, { kind: 'Status', code: emu.failWith });
    if (u.pathname === '/api/v1/nodes') return send(200, page(nodes, 'NodeList', u.searchParams));
    if (u.pathname === '/api/v1/pods') {
      const selector = u.searchParams.get('fieldSelector') ?? '';
      const active = selector.includes('status.phase!=Succeeded') ? pods.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed') : pods;
      return send(200, page(active, 'PodList', u.searchParams));
    }
    send(404, { kind: 'Status', code: 404 });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  emu.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  writeFileSync(
    emu.kubeconfigPath,
    [
      'apiVersion: v1',
      'kind: Config',
      'current-context: emu',
      'clusters:',
      '- name: emu-cluster',
      '  cluster:',
      `    server: ${emu.url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: emu-user',
      '  user:',
      `    token: ${token}`,
      '- name: sso-user',
      '  user:',
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1beta1',
      '      command: cloud-login',
      '      args: ["token"]',
      'contexts:',
      '- name: emu',
      '  context: { cluster: emu-cluster, user: emu-user }',
      '- name: cloud-sso',
      '  context: { cluster: emu-cluster, user: sso-user }',
      '',
    ].join('\n'),
  );
  emu.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => {
        rmSync(dir, { recursive: true, force: true });
        resolve();
      });
      server.closeAllConnections();
    });
  return emu;
}
