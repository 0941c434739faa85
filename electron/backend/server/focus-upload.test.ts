import { mkdir, readdir, readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FOCUS_UPLOAD_PATH } from '../../../shared/bridge';
import { ApiReply, type AppEvent } from '../../../shared/contract';
import { CostReportQuery, FocusImportSummary } from '../../../shared/contract-spend';
import { createApi, createEventHub } from '../api/index';
import { importFocusWithEvents } from '../api/spend-handlers';
import { importAccountRefusal } from '../api/imported-accounts';
import { openStore } from '../store/index';
import { tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { uploadFileName } from './focus-upload';
import { startServer, type RunningServer } from './index';

const SAMPLE = fileURLToPath(new URL('../reports/testing/fixtures/focus_1.0_sample_oracle.csv', import.meta.url));
const MAX_BYTES = 64 * 1024;
const MAX_ROWS = 50;

interface Reply {
  status: number;
  body: string;
}

function post(server: RunningServer, path: string, body: Buffer | string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
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

const upload = (server: RunningServer, body: Buffer | string, query: string, extra: Record<string, string> = {}) =>
  post(server, `${FOCUS_UPLOAD_PATH}?${query}`, body, {
    Authorization: `Bearer ${server.token}`,
    'Content-Type': 'application/octet-stream',
    ...extra,
  });

const monthQuery = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] });

describe('serve mode FOCUS upload', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  let writable: RunningServer;
  let readOnly: RunningServer;
  const events: AppEvent[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir, { now: () => new Date('2024-10-02T00:00:00Z') });
    const hub = createEventHub();
    hub.subscribe((event) => events.push(event));
    const api = createApi({ store, mode: 'serve', version: '0.0.0-test', demo: () => false });
    const renderer = join(dir, 'renderer');
    await mkdir(renderer, { recursive: true });
    const base = { api, dataDir: dir, port: 0, rendererDir: renderer, events: hub, log: () => undefined };
    writable = await startServer({
      ...base,
      api: createApi({ store, mode: 'serve', version: '0.0.0-test', demo: () => false, serveWrites: { spend: true } }),
      serveWrites: { spend: true },
      focusUpload: {
        tempDir: join(dir, 'uploads'),
        maxBytes: MAX_BYTES,
        maxRows: MAX_ROWS,
        importFile: (path, account, limits) => importFocusWithEvents(store, [path], account, hub.emit, limits),
        accountRefusal: (account) => importAccountRefusal(account, { store, now: () => new Date() }),
      },
    });
    readOnly = await startServer(base);
  });

  afterAll(async () => {
    await writable?.close();
    await readOnly?.close();
    await store?.close();
    await cleanup?.();
  });

  it('refuses without the token, on a read-only serve, and with a form content type', async () => {
    const csv = await readFile(SAMPLE);
    const anonymous = await post(writable, `${FOCUS_UPLOAD_PATH}?account=billing&file=a.csv`, csv, { 'Content-Type': 'application/octet-stream' });
    expect(anonymous.status).toBe(401);
    const refused = await upload(readOnly, csv, 'account=billing&file=a.csv');
    expect(refused.status).toBe(403);
    expect(ApiReply.parse(JSON.parse(refused.body))).toMatchObject({ ok: false, error: { code: 'read-only', message: expect.stringContaining('--manage-spend') } });
    const form = await upload(writable, csv, 'account=billing&file=a.csv', { 'Content-Type': 'text/plain' });
    expect(form.status).toBe(415);
    const crossSite = await upload(writable, csv, 'account=billing&file=a.csv', { Origin: 'http://evil.example' });
    expect(crossSite.status).toBe(403);
    expect((await store.costReport(monthQuery)).totals).toEqual([]);
  });

  it('refuses a body over the limit with 413 and writes nothing', async () => {
    const big = Buffer.alloc(MAX_BYTES + 1, 'a');
    // Declared length over the limit: refused before reading.
    const declared = await upload(writable, big, 'account=billing&file=big.csv');
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ ok: false, error: { message: expect.stringContaining('big.csv: the upload is over 65536 bytes') } });
    // Chunked (no Content-Length): counted while streaming.
    const chunked = await upload(writable, big, 'account=billing&file=big.csv', { 'Transfer-Encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect((await store.costReport(monthQuery)).totals).toEqual([]);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('refuses a gzip bomb quickly while decompressing, names the limit and keeps no temp file', async () => {
    const [header] = (await readFile(SAMPLE, 'utf8')).split('\n');
    // 50 MB of CSV in about 50 kB: under the body limit, far over the content limit.
    const bomb = gzipSync(`${header}\n"${'x'.repeat(50_000_000)}"\n`, { level: 9 });
    expect(bomb.length).toBeLessThan(MAX_BYTES);
    const started = Date.now();
    const res = await upload(writable, bomb, 'account=billing&file=bomb.csv.gz');
    expect(res.status).toBe(413);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { message: expect.stringContaining(`bomb.csv.gz: the upload decompresses to more than ${MAX_BYTES} bytes`) } });
    expect((await store.costReport(monthQuery)).totals).toEqual([]);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('refuses more rows than the limit, plain or gzipped, naming it', async () => {
    const [header, row] = (await readFile(SAMPLE, 'utf8')).split('\n');
    const many = `${header}\n${`${row}\n`.repeat(MAX_ROWS + 1)}`;
    for (const [file, body] of [['rows.csv.gz', gzipSync(many)], ['rows.csv', Buffer.from(many.slice(0, MAX_BYTES))]] as const) {
      const res = await upload(writable, body, `account=billing&file=${file}`);
      expect(res.status, file).toBe(413);
      expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { message: expect.stringContaining(`${file}: the upload holds more than ${MAX_ROWS} cost rows`) } });
    }
    expect((await store.costReport(monthQuery)).totals).toEqual([]);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('refuses a Parquet file with more rows than the limit from its footer, with 413', async () => {
    const parquet = join(dir, 'many.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await conn.run(`COPY (SELECT * FROM read_csv('${SAMPLE}', header = true, all_varchar = true, nullstr = 'NULL'), range(${MAX_ROWS})) TO '${parquet}' (FORMAT parquet)`);
    conn.closeSync();
    instance.closeSync();
    const res = await upload(writable, await readFile(parquet), 'account=billing&file=many.parquet');
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { message: expect.stringContaining(`many.parquet: holds more than ${MAX_ROWS} cost rows`) } });
    expect((await store.costReport(monthQuery)).totals).toEqual([]);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('refuses a damaged gzip by name and keeps no temp file', async () => {
    const gz = gzipSync(await readFile(SAMPLE));
    const res = await upload(writable, gz.subarray(0, Math.floor(gz.length / 2)), 'account=billing&file=cut.csv.gz');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { message: expect.stringContaining('cut.csv.gz: is not a complete gzip file') } });
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('deletes the temp file at once when the client goes away mid-upload', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: writable.port,
        path: `${FOCUS_UPLOAD_PATH}?account=billing&file=gone.csv`,
        method: 'POST',
        headers: { Authorization: `Bearer ${writable.token}`, 'Content-Type': 'application/octet-stream', 'Content-Length': '60000' },
      });
      req.on('error', () => resolve());
      req.write('BilledCost\n1\n', () => setTimeout(() => {
        req.destroy();
        resolve();
      }, 100));
    });
    for (let i = 0; i < 50 && (await readdir(join(dir, 'uploads'))).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('imports a gzipped file under the limits with the name the user gave', async () => {
    const res = await upload(writable, gzipSync(await readFile(SAMPLE)), 'account=gz-billing&file=oracle.csv.gz');
    expect(res.status).toBe(200);
    const reply = ApiReply.parse(JSON.parse(res.body));
    if (!reply.ok) throw new Error(reply.error.message);
    expect(FocusImportSummary.parse(reply.data).files.map((f) => `${f.file} ${f.rows}`)).toEqual(['oracle.csv.gz 7']);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
    await store.removeAccount('gz-billing');
  });

  it('refuses a bad file naming the file, row and column, and leaves the store unchanged', async () => {
    const lines = (await readFile(SAMPLE, 'utf8')).split('\n');
    // BilledCost is the second column, and the first holds no comma.
    expect((lines[0] ?? '').split(',')[1]).toBe('"BilledCost"');
    const cells = (lines[3] ?? '').split(',');
    cells[1] = 'twelve';
    lines[3] = cells.join(',');
    const res = await upload(writable, lines.join('\n'), 'account=billing&file=september%20bill.csv');
    expect(res.status).toBe(400);
    const reply = ApiReply.parse(JSON.parse(res.body));
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toMatch(/^september_bill\.csv: row 3, column BilledCost: /);
    expect((await store.costReport(monthQuery)).totals).toEqual([]);
    expect(events.some((e) => e.type === 'focus-import-progress' && e.phase === 'failed' && e.file === 'september_bill.csv')).toBe(true);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('imports a good file, answers with its name, sends progress and deletes the temp file', async () => {
    events.length = 0;
    const res = await upload(writable, await readFile(SAMPLE), 'account=billing&file=oracle.csv');
    expect(res.status).toBe(200);
    const reply = ApiReply.parse(JSON.parse(res.body));
    if (!reply.ok) throw new Error(reply.error.message);
    const summary = FocusImportSummary.parse(reply.data);
    expect(summary.files.map((f) => f.file)).toEqual(['oracle.csv']);
    expect(summary.rows).toBeGreaterThan(0);
    const report = await store.costReport(monthQuery);
    expect(report.groups.map((g) => g.keys[0])).toContain('billing');
    const phases = events.filter((e) => e.type === 'focus-import-progress').map((e) => (e.type === 'focus-import-progress' ? `${e.file}:${e.phase}` : ''));
    expect(phases).toContain('oracle.csv:done');
    expect(events.some((e) => e.type === 'data-changed')).toBe(true);
    expect(await readdir(join(dir, 'uploads'))).toEqual([]);
  });

  it('four uploads of the same file at once all succeed and bill it once', async () => {
    const body = await readFile(SAMPLE);
    const replies = await Promise.all([1, 2, 3, 4].map(() => upload(writable, body, 'account=together&file=oracle.csv')));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const filter = { clouds: [], accounts: ['together'], regions: [], services: [], gpuModels: [], tags: {} };
    const report = await store.costReport({ ...monthQuery, filter });
    expect(report.totals.map((t) => t.rows)).toEqual([7]);
    await store.removeAccount('together');
  });

  it('keeps only a safe base name ending in a FOCUS extension', () => {
    expect(uploadFileName('../../etc/passwd')).toBeNull();
    expect(uploadFileName('C:\\exports\\..\\bill 2024.csv.gz')).toBe('bill_2024.csv.gz');
    expect(uploadFileName('../.hidden.parquet')).toBe('hidden.parquet');
    expect(uploadFileName(null)).toBeNull();
  });

  it('--manage-spend serves budget edits but never a path import; read-only serve refuses both', async () => {
    const channel = (server: RunningServer, name: string, body: unknown) =>
      post(server, `/api/${name}`, JSON.stringify(body), { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json' });
    const budget = { id: 'b1', name: 'Oracle', scope: { kind: 'cloud', cloud: 'oci' }, currency: 'USD', monthlyAmount: '100' };
    expect((await channel(writable, 'spend:budget-save', budget)).status).toBe(200);
    const refusedEdit = await channel(readOnly, 'spend:budget-save', budget);
    expect(refusedEdit.status).toBe(403);
    expect(refusedEdit.body).toContain('--manage-spend');
    const pathImport = await channel(writable, 'spend:import-focus', { account: 'x', files: [SAMPLE] });
    expect(pathImport.status).toBe(403);
    expect((await store.budgets(new Date('2024-10-02T00:00:00Z'))).map((b) => b.id)).toEqual(['b1']);
  });
});
