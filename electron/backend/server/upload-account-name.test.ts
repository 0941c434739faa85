/**
 * A FOCUS upload names its account in ?account=. Against a real serve over a real store: a name with
 * markup, or one that differs from a configured or imported account only in letter case, is refused
 * with 400 naming the field before anything is written; a configured, an imported and a new name are
 * accepted, and the new one is then listed as an imported account that the API can remove (a spend
 * change: only with --manage-spend).
 */
import { mkdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOCUS_UPLOAD_PATH } from '../../../shared/bridge';
import { createApi, createEventHub } from '../api/index';
import { importAccountRefusal } from '../api/imported-accounts';
import { importFocusWithEvents } from '../api/spend-handlers';
import { openStore } from '../store/index';
import { account, tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { startServer, type RunningServer } from './index';

const SAMPLE = fileURLToPath(new URL('../reports/testing/fixtures/focus_1.0_sample_oracle.csv', import.meta.url));

interface Reply {
  status: number;
  body: string;
}

function post(server: RunningServer, path: string, contentType: string, body: Buffer | string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { Authorization: `Bearer ${server.token}`, 'Content-Type': contentType };
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const upload = (server: RunningServer, name: string, csv: Buffer): Promise<Reply> =>
  post(server, `${FOCUS_UPLOAD_PATH}?account=${encodeURIComponent(name)}&file=a.csv`, 'application/octet-stream', csv);

const call = (server: RunningServer, channel: string, request: unknown): Promise<Reply> =>
  post(server, `/api/${channel}`, 'application/json', JSON.stringify(request));

describe('FOCUS upload account names', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  let csv: Buffer;
  let server: RunningServer;
  let readOnly: RunningServer;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDataDir());
    csv = await readFile(SAMPLE);
    store = await openStore(dir);
    // Serve without a config: the store's accounts are the configured ones.
    await store.upsertAccounts([account('oci-prod', { provider: 'oci' })]);
    // An imported account, as `fleetpane import-focus --account finance-import` leaves it.
    await store.importFocus([SAMPLE], 'finance-import');
    const renderer = join(dir, 'renderer');
    await mkdir(renderer, { recursive: true });
    const events = createEventHub();
    const base = { dataDir: dir, port: 0, rendererDir: renderer, events, log: () => undefined };
    server = await startServer({
      ...base,
      api: createApi({ store, mode: 'serve', version: '0.0.0-test', demo: () => false, serveWrites: { spend: true } }),
      serveWrites: { spend: true },
      focusUpload: {
        tempDir: join(dir, 'uploads'),
        maxBytes: 1024 * 1024,
        maxRows: 1000,
        importFile: (path, name, limits) => importFocusWithEvents(store, [path], name, events.emit, limits),
        accountRefusal: (name) => importAccountRefusal(name, { store, now: () => new Date() }),
      },
    });
    readOnly = await startServer({ ...base, api: createApi({ store, mode: 'serve', version: '0.0.0-test', demo: () => false }) });
  });

  afterAll(async () => {
    await server?.close();
    await readOnly?.close();
    await store?.close();
    await cleanup?.();
  });

  const accountNames = async (): Promise<string[]> => (await store.costAccounts()).map((a) => a.name);

  it('refuses markup, spaces, overlong and dot-led names with 400 naming the field, never echoing them', async () => {
    for (const name of ['<img src=x onerror=alert(1)>', 'billing team', 'a'.repeat(65), '.hidden', '../etc', 'naïve']) {
      const res = await upload(server, name, csv);
      expect(res.status, name).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^account: /) } });
      expect(res.body).not.toContain('<img');
    }
    expect(await accountNames()).toEqual(['finance-import']);
  });

  it('refuses a name that differs from a configured or an imported account only in letter case', async () => {
    for (const [name, existing] of [['OCI-Prod', 'oci-prod'], ['Finance-Import', 'finance-import']] as const) {
      const res = await upload(server, name, csv);
      expect(res.status, name).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(new RegExp(`^account: .*"${existing}"`)) } });
    }
    expect(await accountNames()).toEqual(['finance-import']);
  });

  it('accepts a configured, an imported and a new account; the new one is listed and removable as imported', async () => {
    for (const name of ['oci-prod', 'finance-import', 'oci-billing_2024.q3']) {
      const res = await upload(server, name, csv);
      expect(res.status, `${name}: ${res.body}`).toBe(200);
    }
    expect(await accountNames()).toEqual(['finance-import', 'oci-billing_2024.q3', 'oci-prod']);

    const listed = JSON.parse((await call(server, 'accounts:imported', {})).body) as { ok: true; data: { accounts: { name: string; rows: number }[] } };
    expect(listed.data.accounts.map((a) => a.name)).toEqual(['finance-import', 'oci-billing_2024.q3']);
    expect(listed.data.accounts[1]?.rows).toBeGreaterThan(0);

    // A spend change: refused without --manage-spend, and for a configured account.
    const refused = await call(readOnly, 'accounts:remove-imported', { name: 'oci-billing_2024.q3', confirm: 'oci-billing_2024.q3' });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('--manage-spend');
    const configured = await call(server, 'accounts:remove-imported', { name: 'oci-prod', confirm: 'oci-prod' });
    expect(configured.status).toBe(400);

    const removed = await call(server, 'accounts:remove-imported', { name: 'oci-billing_2024.q3', confirm: 'oci-billing_2024.q3' });
    expect(removed.status).toBe(200);
    expect(await accountNames()).toEqual(['finance-import', 'oci-prod']);
  });
});
