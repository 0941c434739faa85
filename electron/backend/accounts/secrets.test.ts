/**
 * A planted secret, typed into the accounts screen, reaches the connector (the fake Kubernetes API
 * sees it as the bearer token) and nowhere else: not the config file, the vault file (ciphertext
 * only), the logs, the store file, or any HTTP response of any channel we call. Also: a malformed
 * hand-typed field is refused with the field named, and removing the account removes its data.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createEventHub } from '../api/index';
import { createEngine } from '../sync/wiring';
import { providers } from '../providers/registry';
import { startServer, type RunningServer } from '../server/index';
import { openStore } from '../store/index';
import type { FleetStore } from '../store/types';
import { tempDataDir } from '../store/test-support';
import type { SyncEngine } from '../sync/engine';
import { jsonLineLogger } from '../sync/logger';
import { AccountsService } from './accounts-service';
import { EncryptedFileVault, type SecretCipher } from './secret-vault';

const PLANTED = `planted-${randomBytes(12).toString('hex')}`;
const SECRET = 'FLEETPANE_SECRET_K8S_LAB_TOKEN';

/** A real cipher (AES-256-GCM, random key) standing in for safeStorage. */
function testCipher(): SecretCipher {
  const key = randomBytes(32);
  return {
    unavailableReason: async () => null,
    encrypt: async (text) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
    },
    decrypt: async (b64) => {
      const raw = Buffer.from(b64, 'base64');
      const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

let data: { dir: string; cleanup: () => Promise<void> };
let store: FleetStore;
let engine: SyncEngine;
let server: RunningServer;
let kubeApi: Server;
let kubeUrl: string;
let kubeconfig: string;
const seenAuth: string[] = [];
const logs: string[] = [];
const responses: string[] = [];

async function call(channel: string, body: unknown): Promise<{ status: number; json: { ok: boolean; data?: unknown; error?: { code: string; message: string } } }> {
  const res = await fetch(`${server.origin}/api/${channel}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  responses.push(text);
  return { status: res.status, json: JSON.parse(text) };
}

beforeAll(async () => {
  data = await tempDataDir();
  kubeApi = createServer((req, res) => {
    seenAuth.push(req.headers.authorization ?? '');
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
  });
  await new Promise<void>((resolve) => kubeApi.listen(0, '127.0.0.1', resolve));
  kubeUrl = `http://127.0.0.1:${(kubeApi.address() as AddressInfo).port}`;
  // The cluster comes from a kubeconfig (plain http needs insecure-skip-tls-verify); the user's
  // credential is the typed bearer token, which overrides the kubeconfig user.
  kubeconfig = join(data.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\ncurrent-context: lab\nclusters:\n- name: lab\n  cluster: { server: "${kubeUrl}", insecure-skip-tls-verify: true }\nusers:\n- name: nobody\n  user: {}\ncontexts:\n- name: lab\n  context: { cluster: lab, user: nobody }\n`,
  );

  store = await openStore(data.dir);
  const logger = jsonLineLogger((line) => logs.push(line));
  const events = createEventHub();
  let service: AccountsService | null = null;
  engine = await createEngine(store, [], (e) => {
    events.emit(e);
    service?.onEvent(e);
  }, logger);
  const vault = await EncryptedFileVault.open(join(data.dir, 'secrets.json'), testCipher());
  service = new AccountsService({
    store,
    engine,
    configFile: join(data.dir, 'config.json'),
    entries: [],
    manageRefusal: null,
    vault,
    // Every provider of the build, without discovery (these tests never look at the machine's credentials).
    providers: { ...providers, discoverers: [] },
    discoveryContext: () => ({ home: data.dir, env: {}, platform: 'linux', signal: AbortSignal.timeout(1000), now: new Date() }),
    log: (line) => logs.push(line),
  });
  await service.init();
  const accounts = service;
  // Serve started with --manage-accounts: the accounts screen may change the config.
  const serveWrites = { accounts: true };
  const api = createApi({ store, engine, accounts, mode: 'serve', version: 'test', demo: () => accounts.demoOnly(), serveWrites });
  server = await startServer({ api, dataDir: data.dir, port: 0, rendererDir: data.dir, events, log: (line) => logs.push(line), serveWrites });
  engine.start();
});

afterAll(async () => {
  await engine?.stop();
  await server?.close();
  await store?.close();
  await new Promise((resolve) => kubeApi?.close(resolve));
  delete process.env[SECRET];
  await data?.cleanup();
});

const entry = () => ({ name: 'k8s-lab', provider: 'kubernetes', kubeconfig, context: 'lab', token: { env: SECRET }, cloud: 'other' });

describe('accounts over HTTP', () => {
  it('refuses a malformed hand-typed field and names it', async () => {
    const bad = { ...entry(), prometheus: { url: 'not a url' } };
    const validated = await call('accounts:validate', { entry: bad });
    expect(validated.json.data).toMatchObject({ ok: false, issues: [expect.objectContaining({ path: 'prometheus.url' })] });
    const saved = await call('accounts:save', { entry: bad });
    expect(saved.status).toBe(400);
    expect(saved.json.error?.message).toMatch(/prometheus\.url/);
    const badName = await call('accounts:validate', { entry: { ...entry(), name: 'has space' } });
    expect(badName.json.data).toMatchObject({ ok: false, issues: [expect.objectContaining({ path: 'name' })] });
  });

  it('refuses a typed secret the entry does not reference', async () => {
    const saved = await call('accounts:save', { entry: { ...entry(), token: undefined }, secrets: { [SECRET]: PLANTED } });
    expect(saved.status).toBe(400);
    expect(saved.json.error?.message).toMatch(/not referenced/);
  });

  it('saves the account, delivers the secret to the connector only, and keeps it out of every file, log and response', async () => {
    const saved = await call('accounts:save', { entry: entry(), secrets: { [SECRET]: PLANTED } });
    expect(saved.json).toEqual({ ok: true, data: { name: 'k8s-lab' } });

    const tested = await call('accounts:test', { name: 'k8s-lab' });
    expect(tested.json.data).toMatchObject({ ok: false, errorKind: 'auth' });
    // The connector read the secret: the API server was asked with it as the bearer token.
    expect(seenAuth).toContain(`Bearer ${PLANTED}`);

    await call('sync:now', { account: 'k8s-lab' });
    await expect.poll(async () => ((await call('sync:runs', { account: 'k8s-lab' })).json.data as { runs: unknown[] }).runs.length, { timeout: 15_000 }).toBeGreaterThan(0);

    for (const [channel, body] of [
      ['accounts:state', {}],
      ['accounts:export', {}],
      ['accounts:list', {}],
      ['accounts:discover', {}],
      ['sync:runs', {}],
      ['fleet:overview', {}],
      ['app:info', {}],
    ] as const) {
      const r = await call(channel, body);
      expect(r.json.ok, channel).toBe(true);
    }
    const state = (await call('accounts:state', {})).json.data as { accounts: { name: string; secrets: { name: string; available: boolean }[] }[] };
    expect(state.accounts.find((a) => a.name === 'k8s-lab')?.secrets).toEqual([{ name: SECRET, available: true }]);

    for (const text of responses) expect(text).not.toContain(PLANTED);
    expect(readFileSync(join(data.dir, 'config.json'), 'utf8')).toContain(SECRET);
    expect(readFileSync(join(data.dir, 'config.json'), 'utf8')).not.toContain(PLANTED);
    expect(readFileSync(join(data.dir, 'secrets.json'), 'utf8')).not.toContain(PLANTED);
    expect(logs.join('\n')).not.toContain(PLANTED);
    // Every file of the data dir, the DuckDB store and its write-ahead log included.
    for (const name of readdirSync(data.dir)) {
      const path = join(data.dir, name);
      try {
        expect(readFileSync(path).includes(Buffer.from(PLANTED)), name).toBe(false);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EISDIR') throw error;
      }
    }
  });

  it('removes the account only after a confirm, with its stored runs and its secret', async () => {
    const refused = await call('accounts:remove', { name: 'k8s-lab', confirm: 'k8s' });
    expect(refused.status).toBe(400);
    const removed = await call('accounts:remove', { name: 'k8s-lab', confirm: 'k8s-lab' });
    expect(removed.json).toEqual({ ok: true, data: { name: 'k8s-lab' } });
    expect(((await call('sync:runs', { account: 'k8s-lab' })).json.data as { runs: unknown[] }).runs).toEqual([]);
    expect(((await call('accounts:list', {})).json.data as { accounts: { name: string }[] }).accounts.map((a) => a.name)).not.toContain('k8s-lab');
    expect(JSON.parse(readFileSync(join(data.dir, 'config.json'), 'utf8'))).toEqual({ accounts: [] });
    expect(JSON.parse(readFileSync(join(data.dir, 'secrets.json'), 'utf8')).secrets).toEqual({});
    expect(process.env[SECRET]).toBeUndefined();
  });
});
