/**
 * `fleetpane serve --manage-accounts` run as users run it: whoever holds the token drives the
 * accounts screen, so an entry they send reads secrets only by the names the operator allowed and
 * names a custom endpoint only with --allow-endpoint-overrides; the operator's own config file is
 * trusted as written.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess, stopProcess } from './testing/fleetpane-process';

const PLANTED = `planted-${randomBytes(12).toString('hex')}`;
const ALLOWED = `allowed-${randomBytes(12).toString('hex')}`;

let home: string;
let kubeApi: Server;
let kubeUrl: string;
const seenAuth: string[] = [];

interface Reply {
  status: number;
  json: { ok: boolean; data?: unknown; error?: { code: string; message: string } };
}

async function call(url: URL, channel: string, body: unknown): Promise<Reply> {
  const res = await fetch(new URL(`/api/${channel}`, url), {
    method: 'POST',
    headers: { authorization: `Bearer ${url.searchParams.get('token') ?? ''}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Reply['json'] };
}

function childEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    XDG_CONFIG_HOME: join(home, 'xdg'),
    HOME: home,
    NODE_ENV: 'test',
    PLANTED_SECRET: PLANTED,
    FLEETPANE_SECRET_LAB_TOKEN: ALLOWED,
  };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'fleetpane-serve-accounts-'));
  await mkdir(join(home, 'secrets'));
  await writeFile(join(home, 'planted-token'), PLANTED);
  await writeFile(join(home, 'secrets', 'lab-token'), ALLOWED);
  kubeApi = createServer((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
  });
  await new Promise<void>((resolve) => kubeApi.listen(0, '127.0.0.1', resolve));
  kubeUrl = `http://127.0.0.1:${(kubeApi.address() as AddressInfo).port}`;
  // Plain http needs insecure-skip-tls-verify, which only a kubeconfig can say.
  const kubeconfig = `apiVersion: v1\nkind: Config\ncurrent-context: lab\nclusters:\n- name: lab\n  cluster: { server: "${kubeUrl}", insecure-skip-tls-verify: true }\nusers:\n- name: nobody\n  user: {}\ncontexts:\n- name: lab\n  context: { cluster: lab, user: nobody }\n`;
  await writeFile(join(home, 'kubeconfig'), kubeconfig);
  await writeFile(join(home, 'secrets', 'kubeconfig'), kubeconfig);
});

afterAll(async () => {
  await new Promise((resolve) => kubeApi?.close(resolve));
  await rm(home, { recursive: true, force: true });
});

const entry = (fields: Record<string, unknown>) => ({ name: 'lab', provider: 'kubernetes', cloud: 'other', ...fields });

async function withServe(name: string, flags: string[], body: (url: URL) => Promise<void>): Promise<void> {
  const config = join(home, `${name}.json`);
  // The operator's own account: a token file outside any secrets folder, a custom endpoint.
  await writeFile(config, JSON.stringify({ accounts: [{ name: 'operator-lab', provider: 'kubernetes', enabled: false, cloud: 'other', kubeconfig: join(home, 'kubeconfig'), endpoint: kubeUrl, token: { file: join(home, 'planted-token') }, syncIntervals: { inventory: 86400, metrics: 86400, costs: 86400, incidents: 86400 } }] }));
  let child: ChildProcess | undefined;
  try {
    const started = await startServeProcess(['--config', config, '--manage-accounts', ...flags, '--data-dir', join(home, `${name}-data`), '--port', '0'], childEnv());
    child = started.child;
    await body(started.url);
  } finally {
    if (child) await stopProcess(child);
  }
}

describe('serve --manage-accounts: what an entry from the browser may read', () => {
  it('refuses files, variables and endpoints the operator did not allow, naming the field; trusts the config file', async () => {
    await withServe('closed', [], async (url) => {
      seenAuth.length = 0;
      const file = await call(url, 'accounts:test', { entry: entry({ kubeconfig: join(home, 'kubeconfig'), token: { file: join(home, 'planted-token') } }) });
      expect(file.status).toBe(400);
      expect(file.json.error?.message).toMatch(/kubeconfig: serve reads no files named from the screen.*--secrets-dir/);
      expect(file.json.error?.message).toMatch(/token\.file: serve reads no files/);
      const variable = await call(url, 'accounts:test', { entry: entry({ token: { env: 'PLANTED_SECRET' } }) });
      expect(variable.status).toBe(400);
      expect(variable.json.error?.message).toMatch(/token\.env: .*FLEETPANE_SECRET_/);
      const endpoint = await call(url, 'accounts:test', { entry: entry({ endpoint: kubeUrl, token: { env: 'FLEETPANE_SECRET_LAB_TOKEN' } }) });
      expect(endpoint.status).toBe(400);
      expect(endpoint.json.error?.message).toMatch(/endpoint: .*--allow-endpoint-overrides/);
      const saved = await call(url, 'accounts:save', { entry: entry({ endpoint: kubeUrl, token: { file: join(home, 'planted-token') } }) });
      expect(saved.status).toBe(400);
      const validated = await call(url, 'accounts:validate', { entry: entry({ prometheus: { url: kubeUrl, auth: { type: 'bearer', token: { env: 'PLANTED_SECRET' } } } }) });
      expect(validated.json.data).toMatchObject({ ok: false, issues: expect.arrayContaining([expect.objectContaining({ path: 'prometheus.url' }), expect.objectContaining({ path: 'prometheus.auth.token.env' })]) });
      const imported = await call(url, 'accounts:import', { text: JSON.stringify({ accounts: [entry({ endpoint: kubeUrl, token: { env: 'PLANTED_SECRET' } })] }) });
      expect(imported.status).toBe(400);
      expect(seenAuth).toEqual([]);
      // The operator's own account reads its file and talks to its endpoint as before.
      const trusted = await call(url, 'accounts:test', { name: 'operator-lab' });
      expect(trusted.json.data).toMatchObject({ ok: false, errorKind: 'auth' });
      expect(seenAuth).toContain(`Bearer ${PLANTED}`);
    });
  }, 180_000);

  it('with --secrets-dir and --allow-endpoint-overrides: files inside that folder and FLEETPANE_SECRET_* variables only', async () => {
    await withServe('open', ['--secrets-dir', join(home, 'secrets'), '--allow-endpoint-overrides'], async (url) => {
      seenAuth.length = 0;
      const kubeconfig = join(home, 'secrets', 'kubeconfig');
      const outside = await call(url, 'accounts:test', { entry: entry({ kubeconfig, endpoint: kubeUrl, token: { file: join(home, 'planted-token') } }) });
      expect(outside.status).toBe(400);
      expect(outside.json.error?.message).toMatch(/token\.file: the file is not inside the secrets folder/);
      const escape = await call(url, 'accounts:test', { entry: entry({ kubeconfig, endpoint: kubeUrl, token: { file: join(home, 'secrets', '..', 'planted-token') } }) });
      expect(escape.status).toBe(400);
      const inside = await call(url, 'accounts:test', { entry: entry({ kubeconfig, endpoint: kubeUrl, token: { file: join(home, 'secrets', 'lab-token') } }) });
      expect(inside.json.data).toMatchObject({ ok: false, errorKind: 'auth' });
      const variable = await call(url, 'accounts:test', { entry: entry({ kubeconfig, endpoint: kubeUrl, token: { env: 'FLEETPANE_SECRET_LAB_TOKEN' } }) });
      expect(variable.json.data).toMatchObject({ ok: false, errorKind: 'auth' });
      expect(seenAuth.length).toBeGreaterThan(0);
      expect(new Set(seenAuth)).toEqual(new Set([`Bearer ${ALLOWED}`]));
    });
  }, 180_000);
});
