import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesConfig } from './config';
import { kubernetesIdentity, kubernetesIdentityOf } from './identity';

describe('kubernetesIdentityOf', () => {
  it('takes the server answer: user name, uid and groups (not the implicit one)', () => {
    const id = kubernetesIdentityOf(
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'alice@example.com', uid: 'u-1', groups: ['sre', 'system:authenticated'] } } },
      'alice-kubeconfig',
      'prod',
    );
    expect(id).toEqual({
      name: 'alice@example.com',
      kind: 'user',
      details: [{ label: 'uid', value: 'u-1' }, { label: 'groups', value: 'sre' }],
      source: 'the API server (SelfSubjectReview)',
    });
  });

  it('recognises a service account and caps a long group list', () => {
    const groups = Array.from({ length: 14 }, (_, i) => `g${i}`);
    const id = kubernetesIdentityOf({ status: { userInfo: { username: 'system:serviceaccount:ops:fleetpane', groups } } }, null, null);
    expect(id.kind).toBe('service account');
    expect(id.details).toEqual([{ label: 'groups', value: 'g0, g1, g2, g3, g4, g5, g6, g7, g8, g9 (and 4 more)' }]);
  });

  it('falls back to the kubeconfig user of the context', () => {
    expect(kubernetesIdentityOf(null, 'clusterUser_rg_aks', 'aks-prod')).toEqual({
      name: 'clusterUser_rg_aks',
      kind: 'kubeconfig user',
      details: [{ label: 'context', value: 'aks-prod' }],
      source: 'kubeconfig (the server offers no SelfSubjectReview)',
    });
  });
});

describe('kubernetesIdentity against an API server', () => {
  let server: Server | null = null;
  afterEach(() => server?.close());

  async function serve(offersReview: boolean): Promise<{ kubeconfig: string; requests: string[] }> {
    const requests: string[] = [];
    server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      if (offersReview && req.method === 'POST' && req.url?.startsWith('/apis/authentication.k8s.io/v1/selfsubjectreviews')) {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'oidc:alice', groups: ['sre'] } } }));
        return;
      }
      res.statusCode = 404;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'Status', code: 404 }));
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'kube-id-'));
    const kubeconfig = join(dir, 'config');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "http://127.0.0.1:' + String(port) + '", insecure-skip-tls-verify: true } }]',
        'users: [{ name: alice-user, user: { token: PLANTED-K8S-TOKEN } }]',
        'contexts: [{ name: prod, context: { cluster: c, user: alice-user } }]',
        'current-context: prod',
      ].join('\n'),
    );
    return { kubeconfig, requests };
  }

  it('asks SelfSubjectReview where the server offers it', async () => {
    const { kubeconfig, requests } = await serve(true);
    const id = await kubernetesIdentity(KubernetesConfig.parse({ name: 'k', provider: 'kubernetes', kubeconfig, context: 'prod' }));
    expect(id).toMatchObject({ name: 'oidc:alice', source: 'the API server (SelfSubjectReview)' });
    expect(requests).toHaveLength(1);
    expect(JSON.stringify(id)).not.toContain('PLANTED');
  });

  it('uses the kubeconfig user name where the server answers 404', async () => {
    const { kubeconfig } = await serve(false);
    const id = await kubernetesIdentity(KubernetesConfig.parse({ name: 'k', provider: 'kubernetes', kubeconfig, context: 'prod' }));
    expect(id).toMatchObject({ name: 'alice-user', kind: 'kubeconfig user' });
  });
});
