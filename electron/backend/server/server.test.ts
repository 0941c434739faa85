import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_COOKIE_PREFIX } from '../../../shared/bridge';
import { AppEvent, ApiReply, channelNamesHostPaths, SERVE_WRITE_FLAGS, WRITE_KINDS } from '../../../shared/contract';
import { Overview } from '../../../shared/overview';
import { createApi, createEventHub } from '../api/index';
import { createFakeStore } from '../api/testing/fake-store';
import { managingAccounts, WRITE_REQUESTS, writeChannels } from '../api/testing/write-requests';
import { CONTENT_SECURITY_POLICY, startServer, type RunningServer } from './index';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw HTTP (not fetch) so paths like /../ reach the server unnormalised and Host can be forged. */
function send(
  server: RunningServer,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

const bearer = (server: RunningServer) => ({ Authorization: `Bearer ${server.token}` });

describe('serve mode over real HTTP', () => {
  let dir: string;
  let server: RunningServer;
  const hub = createEventHub();
  const logged: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetpane-serve-'));
    const renderer = join(dir, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'index.html'), '<!doctype html><title>Fleetpane</title>');
    await writeFile(join(renderer, 'assets', 'app-1234.js'), 'console.log("app")');
    await writeFile(join(dir, 'secret.txt'), 'not for the browser');
    const api = createApi({ store: createFakeStore(), mode: 'serve', version: '0.0.0-test', demo: () => true });
    server = await startServer({ api, dataDir: dir, port: 0, rendererDir: renderer, events: hub, log: (line) => logged.push(line), heartbeatMs: 50 });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a loopback URL with a 32-byte base64url token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
  });

  it('answers 401 with one line of JSON without a token', async () => {
    for (const path of ['/', '/api/app:info', '/api/events', '/assets/app-1234.js']) {
      const res = await send(server, path, { method: path.startsWith('/api/app') ? 'POST' : 'GET' });
      expect(res.status, path).toBe(401);
      expect(res.body).not.toContain('\n');
      expect(ApiReply.parse(JSON.parse(res.body))).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    }
    expect(logged.some((line) => line.includes('401') && line.includes('no token'))).toBe(true);
    const wrong = await send(server, '/?token=nope');
    expect(wrong.status).toBe(401);
    const wrongBearer = await send(server, '/', { headers: { Authorization: 'Bearer nope' } });
    expect(wrongBearer.status).toBe(401);
  });

  it('trades the token for an HttpOnly SameSite=Strict cookie and drops it from the address', async () => {
    const first = await send(server, `/fleet?token=${server.token}&view=gpu`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/fleet?view=gpu');
    const setCookie = String(first.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE_PREFIX}[0-9a-f]{12}=`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain(server.token);

    const cookie = setCookie.split(';')[0] ?? '';
    const page = await send(server, '/fleet?view=gpu', { headers: { Cookie: cookie } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Fleetpane</title>');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();

    const forged = await send(server, '/', { headers: { Cookie: `${cookie.split('=')[0]}=forged` } });
    expect(forged.status).toBe(401);
  });

  it('keeps sessions per process: a second server with the same token neither accepts nor replaces the first one\'s cookie', async () => {
    const login = async (s: RunningServer) => String((await send(s, `/?token=${s.token}`)).headers['set-cookie']).split(';')[0] ?? '';
    const first = await login(server);
    const second = await startServer({ api: createApi({ store: createFakeStore(), mode: 'serve', version: '0.0.0-test', demo: () => true }), dataDir: dir, port: 0, token: server.token, rendererDir: join(dir, 'renderer'), events: hub, log: () => undefined });
    try {
      const other = await login(second);
      // Different names: the browser keeps both, so logging in to one does not log out the other.
      expect(other.split('=')[0]).not.toBe(first.split('=')[0]);
      // Different values, though the token is the same: a session is not derived from the token.
      expect(other.split('=')[1]).not.toBe(first.split('=')[1]);
      const both = `${first}; ${other}`;
      expect((await send(server, '/', { headers: { Cookie: both } })).status).toBe(200);
      expect((await send(second, '/', { headers: { Cookie: both } })).status).toBe(200);
      // One server's cookie opens nothing on the other, even renamed to the other's cookie name.
      const refused = await send(second, '/', { headers: { Cookie: first } });
      expect(refused.status).toBe(401);
      expect(refused.body).toContain('another Fleetpane server');
      expect((await send(second, '/', { headers: { Cookie: `${other.split('=')[0]}=${first.split('=')[1]}` } })).status).toBe(401);
    } finally {
      await second.close();
    }
    // A restart with the same token (--token-file) does not honour the old session.
    const restarted = await startServer({ api: createApi({ store: createFakeStore(), mode: 'serve', version: '0.0.0-test', demo: () => true }), dataDir: dir, port: 0, token: server.token, rendererDir: join(dir, 'renderer'), events: hub, log: () => undefined });
    try {
      expect((await send(restarted, '/', { headers: { Cookie: first } })).status).toBe(401);
    } finally {
      await restarted.close();
    }
  });

  it('caps what a flood of refused requests with 15 KB paths writes to the log', async () => {
    const lines: string[] = [];
    const open = await startServer({ api: createApi({ store: createFakeStore(), mode: 'serve', version: '0.0.0-test', demo: () => true }), dataDir: dir, port: 0, rendererDir: join(dir, 'renderer'), events: hub, log: (line) => lines.push(line) });
    try {
      const path = `/${'a'.repeat(15 * 1024)}`;
      for (let i = 0; i < 200; i += 20) {
        const replies = await Promise.all(Array.from({ length: 20 }, () => send(open, path)));
        for (const reply of replies) expect(reply.status).toBe(401);
      }
      const forged = await send(open, '/', { headers: { Host: `${'evil'.repeat(4000)}.example` } });
      expect(forged.status).toBe(403);
      const written = lines.filter((line) => !line.includes('listening on')).join('\n');
      // 200 requests once wrote 3 MB; now a handful of short lines.
      expect(written.length).toBeLessThan(4 * 1024);
      expect(lines.some((line) => line.includes('401 GET /aaaa') && line.includes('(15361 chars)'))).toBe(true);
    } finally {
      await open.close();
    }
  });

  it('refuses a Host header that is not the bound address', async () => {
    const res = await send(server, '/', { headers: { ...bearer(server), Host: `evil.example:${server.port}` } });
    expect(res.status).toBe(403);
    const ok = await send(server, '/', { headers: { ...bearer(server), Host: `localhost:${server.port}` } });
    expect(ok.status).toBe(200);
  });

  it('answers an API call with the contract reply', async () => {
    const res = await send(server, '/api/fleet:overview', {
      method: 'POST',
      headers: { ...bearer(server), 'Content-Type': 'application/json' },
      body: JSON.stringify({ asOf: '2026-11-25T12:00:00Z' }),
    });
    expect(res.status).toBe(200);
    const reply = ApiReply.parse(JSON.parse(res.body));
    expect(reply.ok).toBe(true);
    if (reply.ok) expect(Overview.parse(reply.data).totals.gpus.total).toBe(8);

    const info = await send(server, '/api/app:info', { method: 'POST', headers: { ...bearer(server), 'Content-Type': 'application/json' }, body: '{}' });
    expect(JSON.parse(info.body)).toMatchObject({ ok: true, data: { mode: 'serve', readOnly: true } });
  });

  it('refuses acknowledgements, notes and alert-rule edits as read-only, saying how to allow them', async () => {
    const json = { ...bearer(server), 'Content-Type': 'application/json' };
    const res = await send(server, '/api/triage:add-note', { method: 'POST', headers: json, body: JSON.stringify({ id: 'status:1', body: 'looking' }) });
    expect(res.status).toBe(403);
    expect(ApiReply.parse(JSON.parse(res.body))).toMatchObject({ ok: false, error: { code: 'read-only', message: expect.stringContaining('--allow-triage') } });
    const read = await send(server, '/api/triage:list', { method: 'POST', headers: json, body: '{}' });
    expect(read.status).toBe(200);
  });

  it('accepts them when started with allowTriage, and still refuses other changes', async () => {
    const store = createFakeStore();
    const api = createApi({ store, mode: 'serve', version: '0.0.0-test', demo: () => true, serveWrites: { triage: true } });
    const open = await startServer({ api, dataDir: dir, port: 0, rendererDir: join(dir, 'renderer'), events: hub, log: () => undefined, serveWrites: { triage: true } });
    try {
      const json = { ...bearer(open), 'Content-Type': 'application/json' };
      const note = await send(open, '/api/triage:add-note', { method: 'POST', headers: json, body: JSON.stringify({ id: 'status:1', body: 'looking' }) });
      expect(note.status).toBe(200);
      expect(store.calls.map((c) => c.method)).toContain('addIncidentNote');
      const budget = await send(open, '/api/spend:budget-delete', { method: 'POST', headers: json, body: JSON.stringify({ id: 'b1' }) });
      expect(budget.status).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('refuses each write channel without its flag and serves it with it, as the contract declares', async () => {
    const started: RunningServer[] = [];
    const serveWith = async (serveWrites: Record<string, boolean>) => {
      const api = createApi({ store: createFakeStore(), accounts: managingAccounts(), mode: 'serve', version: '0.0.0-test', demo: () => true, serveWrites });
      const open = await startServer({ api, dataDir: dir, port: 0, rendererDir: join(dir, 'renderer'), events: hub, log: () => undefined, serveWrites });
      started.push(open);
      return open;
    };
    try {
      const servers = Object.fromEntries(
        await Promise.all(WRITE_KINDS.map(async (kind) => [kind, { without: await serveWith(Object.fromEntries(WRITE_KINDS.filter((k) => k !== kind).map((k) => [k, true]))), with: await serveWith({ [kind]: true }) }] as const)),
      );
      for (const { channel, kind } of writeChannels()) {
        const post = (open: RunningServer) =>
          send(open, `/api/${channel}`, { method: 'POST', headers: { ...bearer(open), 'Content-Type': 'application/json' }, body: JSON.stringify(WRITE_REQUESTS[channel]) });
        const refused = await post(servers[kind]!.without);
        expect(refused.status, channel).toBe(403);
        const hint = channelNamesHostPaths(channel) ? 'serving host' : SERVE_WRITE_FLAGS[kind].flag;
        expect(ApiReply.parse(JSON.parse(refused.body)), channel).toMatchObject({ ok: false, error: { code: 'read-only', message: expect.stringContaining(hint) } });
        const allowed = await post(servers[kind]!.with);
        // A path on the serving host stays refused with every flag; anything else reaches its handler.
        if (channelNamesHostPaths(channel)) expect(allowed.status, channel).toBe(403);
        else expect([200, 404], `${channel}: ${allowed.body}`).toContain(allowed.status);
      }
    } finally {
      await Promise.all(started.map((open) => open.close()));
    }
  });

  it('refuses bad API requests with the right status', async () => {
    const json = { ...bearer(server), 'Content-Type': 'application/json' };
    const bad = await send(server, '/api/fleet:utilisation-series', { method: 'POST', headers: json, body: '{"range":"2y"}' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.message).toContain('range');
    expect((await send(server, '/api/fleet:nope', { method: 'POST', headers: json, body: '{}' })).status).toBe(404);
    expect((await send(server, '/api/app:info', { method: 'GET', headers: bearer(server) })).status).toBe(405);
    expect((await send(server, '/api/app:info', { method: 'POST', headers: json, body: '{oops' })).status).toBe(400);
    const form = await send(server, '/api/app:info', { method: 'POST', headers: { ...bearer(server), 'Content-Type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
    const big = await send(server, '/api/app:info', { method: 'POST', headers: json, body: JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(big.status).toBe(413);
    const crossOrigin = await send(server, '/api/app:info', { method: 'POST', headers: { ...json, Origin: 'http://evil.example' }, body: '{}' });
    expect(crossOrigin.status).toBe(403);
  });

  it('delivers events over SSE, with heartbeats', async () => {
    const event: AppEvent = { type: 'data-changed', account: 'demo', streams: ['inventory'] };
    const received = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: bearer(server) }, (res) => {
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toContain('text/event-stream');
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('data: ') && text.includes(': heartbeat')) {
            req.destroy();
            resolve(text);
          }
        });
        // Emit only once the stream is open, so the listener is registered.
        setTimeout(() => hub.emit(event), 20);
      });
      req.on('error', reject);
      req.end();
    });
    const dataLine = received.split('\n').find((line) => line.startsWith('data: '));
    expect(AppEvent.parse(JSON.parse(dataLine?.slice('data: '.length) ?? ''))).toEqual(event);
    expect(received).toContain('event: fleetpane:event');
    await expect.poll(() => hub.size).toBe(0);
  });

  it('refuses path traversal and serves only the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/%00']) {
      const res = await send(server, path, { headers: bearer(server) });
      expect([403, 404], path).toContain(res.status);
      expect(res.body, path).not.toContain('not for the browser');
    }
    const asset = await send(server, '/assets/app-1234.js', { headers: bearer(server) });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await send(server, '/assets/missing.js', { headers: bearer(server) })).status).toBe(404);
  });
});
