/**
 * A FOCUS upload names its account in ?account=; a name with markup or one the accounts screen cannot
 * address is refused with 400 naming the field, before anything is written or imported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOCUS_UPLOAD_PATH } from '../../../shared/bridge';
import { createApi, createEventHub } from '../api/index';
import { createFakeStore } from '../api/testing/fake-store';
import { startServer, type RunningServer } from './index';

function upload(server: RunningServer, account: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const path = `${FOCUS_UPLOAD_PATH}?account=${encodeURIComponent(account)}&file=a.csv`;
    const headers = { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/octet-stream' };
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end('BilledCost\n1\n');
  });
}

describe('FOCUS upload account names', () => {
  let dir: string;
  let server: RunningServer;
  const imported: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetpane-upload-name-'));
    server = await startServer({
      api: createApi({ store: createFakeStore(), mode: 'serve', version: '0.0.0-test', demo: () => false, allowSpendEdits: true }),
      dataDir: dir,
      port: 0,
      rendererDir: dir,
      events: createEventHub(),
      log: () => undefined,
      focusUpload: {
        tempDir: join(dir, 'uploads'),
        maxBytes: 1024,
        maxRows: 100,
        importFile: async (_path, account) => {
          imported.push(account);
          return { files: [], rows: 0, accounts: [account] } as never;
        },
      },
    });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses markup, spaces, overlong and dot-led names with 400 naming the field', async () => {
    for (const name of ['<img src=x onerror=alert(1)>', 'billing team', 'a'.repeat(65), '.hidden', '../etc', 'naïve']) {
      const res = await upload(server, name);
      expect(res.status, name).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^account: /) } });
    }
    expect(imported).toEqual([]);
  });

  it('accepts a name of the config schema', async () => {
    const res = await upload(server, 'oci-billing_2024.q3');
    expect(res.status).toBe(200);
    expect(imported).toEqual(['oci-billing_2024.q3']);
  });
});
