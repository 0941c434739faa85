/**
 * A credential field pointed at a file that is not a credential (the process environment, a shadow
 * file, a file holding a planted secret) or at a variable that holds no token: the answer names the
 * field, the file and what is wrong, and the content appears nowhere: not in the accounts:test
 * response, not in a stored lastError, not in accounts:state or accounts:list, not in the log.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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
import { EnvironmentOnlyVault } from './secret-vault';

const PLANTED_FILE = `plantedfile${randomBytes(10).toString('hex')}`;
const PLANTED_ENV = `plantedenv${randomBytes(10).toString('hex')}`;
const ENV_NOT_A_TOKEN = 'FLEETPANE_SECRET_NOT_A_TOKEN';
const ENV_TOKEN = 'FLEETPANE_SECRET_GOOD_TOKEN';
// The first real variable of this process's start environment, as /proc/self/environ shows it.
const START_ENV = readFileSync('/proc/self/environ', 'latin1').split('\0').filter((kv) => /^[A-Z_]+=.{8,}/.test(kv));

let data: { dir: string; cleanup: () => Promise<void> };
let store: FleetStore;
let engine: SyncEngine;
let server: RunningServer;
let files: Record<'environ' | 'shadow' | 'procEnviron', string>;
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

/** The message of an answer: the test result's, or the refusal's. */
function answerText(reply: { json: { data?: unknown; error?: { message: string } } }): string {
  return reply.json.error?.message ?? (reply.json.data as { message?: string } | undefined)?.message ?? '';
}

function expectNothingLeaked(): void {
  const seen = [...responses, ...logs].join('\n');
  expect(seen).not.toContain(PLANTED_FILE);
  expect(seen).not.toContain(PLANTED_ENV);
  expect(seen).not.toContain('$6$');
  for (const kv of START_ENV) expect(seen).not.toContain(kv.slice(kv.indexOf('=') + 1));
}

beforeAll(async () => {
  data = await tempDataDir();
  files = { environ: join(data.dir, 'environ'), shadow: join(data.dir, 'shadow'), procEnviron: '/proc/self/environ' };
  writeFileSync(files.environ, `HOME=/root\0FLEETPANE_SECRET_DB=${PLANTED_FILE}\0TERM=xterm\0`);
  writeFileSync(files.shadow, `root:$6$${PLANTED_FILE}:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n`);
  process.env[ENV_NOT_A_TOKEN] = `token is ${PLANTED_ENV} with spaces`;
  process.env[ENV_TOKEN] = 'good-token-value';
  store = await openStore(data.dir);
  const events = createEventHub();
  let service: AccountsService | null = null;
  engine = await createEngine(store, [], (e) => {
    events.emit(e);
    service?.onEvent(e);
  }, jsonLineLogger((line) => logs.push(line)));
  service = new AccountsService({
    store,
    engine,
    configFile: join(data.dir, 'config.json'),
    entries: [],
    manageRefusal: null,
    vault: new EnvironmentOnlyVault('serve'),
    // Every provider of the build, without discovery (these tests never look at the machine's credentials).
    providers: { ...providers, discoverers: [] },
    discoveryContext: () => ({ home: data.dir, env: {}, platform: 'linux', signal: AbortSignal.timeout(1000), now: new Date() }),
    log: (line) => logs.push(line),
  });
  await service.init();
  const accounts = service;
  // Serve started with --manage-accounts: the accounts screen may change the config.
  const serveWrites = { accounts: true };
  const api = createApi({ store, engine, accounts, mode: 'serve', version: 'test', demo: () => false, serveWrites });
  server = await startServer({ api, dataDir: data.dir, port: 0, rendererDir: data.dir, events, log: (line) => logs.push(line), serveWrites });
});

afterAll(async () => {
  await engine?.stop();
  await server?.close();
  await store?.close();
  delete process.env[ENV_NOT_A_TOKEN];
  delete process.env[ENV_TOKEN];
  await data?.cleanup();
});

const SUBSCRIPTION = '00000000-0000-4000-8000-000000000001';
const TENANCY = 'ocid1.tenancy.oc1..aaaaaaaatenancy';
const USER = 'ocid1.user.oc1..aaaaaaaauser';
const FINGERPRINT = '12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0';
// A closed loopback port: where a request would go if a credential got that far.
const NOWHERE = 'https://127.0.0.1:9';

type FileName = keyof typeof files;
/** Every credential path field of every provider, as an entry built around one file. */
const fileFields: Record<string, (file: string) => Record<string, unknown>> = {
  'azure credential.path (tokenFile)': (f) => ({ provider: 'azure', subscriptionIds: [SUBSCRIPTION], cloud: 'custom', armEndpoint: NOWHERE, credential: { type: 'tokenFile', path: f } }),
  'azure tlsCaFile': (f) => ({ provider: 'azure', subscriptionIds: [SUBSCRIPTION], cloud: 'custom', armEndpoint: NOWHERE, credential: { type: 'tokenEnv', variable: ENV_TOKEN }, tlsCaFile: f }),
  'gcp credential.path (keyFile)': (f) => ({ provider: 'gcp', projectIds: ['proj-123456'], costSource: 'focus-export', credential: { type: 'keyFile', path: f } }),
  'gcp credential.file (token)': (f) => ({ provider: 'gcp', projectIds: ['proj-123456'], costSource: 'focus-export', credential: { type: 'token', file: f } }),
  'oci credential.path (configFile)': (f) => ({ provider: 'oci', credential: { type: 'configFile', path: f } }),
  'oci credential.keyFile (apiKey)': (f) => ({ provider: 'oci', tenancyId: TENANCY, homeRegion: 'us-ashburn-1', credential: { type: 'apiKey', user: USER, fingerprint: FINGERPRINT, keyFile: f } }),
  'oci credential.passphrase.file': (f) => ({ provider: 'oci', tenancyId: TENANCY, homeRegion: 'us-ashburn-1', credential: { type: 'apiKey', user: USER, fingerprint: FINGERPRINT, keyFile: f, passphrase: { file: f } } }),
  'kubernetes kubeconfig': (f) => ({ provider: 'kubernetes', kubeconfig: f, cloud: 'other' }),
  'kubernetes token.file': (f) => ({ provider: 'kubernetes', endpoint: NOWHERE, token: { file: f }, cloud: 'other' }),
  'kubernetes prometheus.auth.token.file': (f) => ({ provider: 'kubernetes', endpoint: NOWHERE, token: { env: ENV_TOKEN }, cloud: 'other', prometheus: { url: NOWHERE, auth: { type: 'bearer', token: { file: f } } } }),
  'kubernetes prometheus.auth.password.file': (f) => ({ provider: 'kubernetes', endpoint: NOWHERE, token: { env: ENV_TOKEN }, cloud: 'other', prometheus: { url: NOWHERE, auth: { type: 'basic', username: 'u', password: { file: f } } } }),
  'coreweave kubeconfig': (f) => ({ provider: 'coreweave', kubeconfig: f }),
  'coreweave token.file': (f) => ({ provider: 'coreweave', endpoint: NOWHERE, token: { file: f } }),
};
const envFields: Record<string, (variable: string) => Record<string, unknown>> = {
  'azure credential.variable (tokenEnv)': (v) => ({ provider: 'azure', subscriptionIds: [SUBSCRIPTION], cloud: 'custom', armEndpoint: NOWHERE, credential: { type: 'tokenEnv', variable: v } }),
  'gcp credential.env (token)': (v) => ({ provider: 'gcp', projectIds: ['proj-123456'], costSource: 'focus-export', credential: { type: 'token', env: v } }),
  'oci credential.passphrase.env': (v) => ({ provider: 'oci', tenancyId: TENANCY, homeRegion: 'us-ashburn-1', credential: { type: 'apiKey', user: USER, fingerprint: FINGERPRINT, keyFile: files.shadow, passphrase: { env: v } } }),
  'kubernetes token.env': (v) => ({ provider: 'kubernetes', endpoint: NOWHERE, token: { env: v }, cloud: 'other' }),
  'kubernetes prometheus.auth.token.env': (v) => ({ provider: 'kubernetes', endpoint: NOWHERE, token: { env: ENV_TOKEN }, cloud: 'other', prometheus: { url: NOWHERE, auth: { type: 'bearer', token: { env: v } } } }),
  'coreweave token.env': (v) => ({ provider: 'coreweave', endpoint: NOWHERE, token: { env: v } }),
};

describe('credential files and variables that hold something else', () => {
  // Each case is judged on its own answers and log lines.
  beforeEach(() => {
    responses.length = 0;
    logs.length = 0;
  });

  for (const [field, build] of Object.entries(fileFields)) {
    it(`${field}: the test answer names the file, never its content`, async () => {
      for (const which of ['procEnviron', 'environ', 'shadow'] as FileName[]) {
        const tested = await call('accounts:test', { entry: { name: 'probe', ...build(files[which]) } });
        expect(tested.status, `${field} ${which}: ${JSON.stringify(tested.json)}`).toBeLessThan(500);
        if (tested.json.ok) expect((tested.json.data as { ok: boolean }).ok, which).toBe(false);
        // The answer says which file is wrong (Prometheus secrets are read by the metrics sync, not the test).
        if (!field.includes('prometheus')) expect(answerText(tested), `${field} ${which}`).toContain(files[which]);
      }
      expectNothingLeaked();
    });
  }
  for (const [field, build] of Object.entries(envFields)) {
    it(`${field}: a variable that holds no token is refused without its value`, async () => {
      const tested = await call('accounts:test', { entry: { name: 'probe', ...build(ENV_NOT_A_TOKEN) } });
      expect(tested.status).toBeLessThan(500);
      // A passphrase may hold spaces (the key file is what is wrong there); Prometheus is read by the metrics sync.
      if (!field.includes('passphrase') && !field.includes('prometheus')) expect(answerText(tested)).toContain(ENV_NOT_A_TOKEN);
      expectNothingLeaked();
    });
  }

  it('an OCI profile read from /proc/self/environ: refused by line, and its stored lastError and the lists stay clean', async () => {
    const tested = await call('accounts:test', { entry: { name: 'oci-environ', ...fileFields['oci credential.path (configFile)']!(files.procEnviron) } });
    expect(tested.json.data).toMatchObject({ ok: false, message: expect.stringMatching(/line 1 of the OCI config file \/proc\/self\/environ/) });
    const keyFile = join(data.dir, 'oci-config');
    writeFileSync(keyFile, `[DEFAULT]\nuser=${USER}\nfingerprint=${FINGERPRINT}\ntenancy=${TENANCY}\nregion=us-ashburn-1\nkey_file=${files.shadow}\n`);
    for (const [name, path] of [['oci-environ', files.procEnviron], ['oci-shadow-key', keyFile]] as const) {
      const saved = await call('accounts:save', { entry: { name, provider: 'oci', credential: { type: 'configFile', path } } });
      expect(saved.json.ok, JSON.stringify(saved.json)).toBe(true);
      await call('sync:now', { account: name });
    }
    await expect
      .poll(async () => ((await call('sync:runs', {})).json.data as { runs: { status: string }[] }).runs.filter((r) => r.status !== 'running').length, { timeout: 20_000 })
      .toBeGreaterThanOrEqual(2);
    const state = (await call('accounts:state', {})).json.data as { accounts: { name: string; streams: Record<string, { lastError: { message: string } | null }> }[] };
    const errors = state.accounts.flatMap((a) => Object.values(a.streams).map((s) => s.lastError?.message ?? '')).filter((m) => m !== '');
    expect(errors.some((m) => /line 1 of the OCI config file/.test(m))).toBe(true);
    expect(errors.some((m) => /is not a PEM private key/.test(m))).toBe(true);
    await call('accounts:list', {});
    expectNothingLeaked();
  });
});
