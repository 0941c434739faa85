import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEvent, FleetFilter } from '../../../shared/contract';
import type { Overview } from '../../../shared/overview';
import { createApi, createEventHub, type EventHub } from '../api/index';
import { createFakeStore } from '../api/testing/fake-store';
import { createReadCoalescer, KEEP_ANSWER_MS } from './read-coalescer';
import { startServer, type RunningServer } from './index';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('read coalescer', () => {
  it('computes identical reads asked at the same time once, and hands every caller the same answer', async () => {
    const reads = createReadCoalescer();
    const gate = deferred<{ n: number }>();
    let computed = 0;
    const compute = () => {
      computed += 1;
      return gate.promise;
    };
    const asked = [reads.run('overview', compute), reads.run('overview', compute), reads.run('overview', compute)];
    await Promise.resolve();
    gate.resolve({ n: 1 });
    const answers = await Promise.all(asked);
    expect(computed).toBe(1);
    expect(answers[1]).toBe(answers[0]);
    expect(answers[2]).toBe(answers[0]);
    expect(reads.inFlight).toBe(0);
  });

  it('keeps a finished answer for later requests of the same data state, until a change', async () => {
    const reads = createReadCoalescer();
    let computed = 0;
    const compute = async () => ++computed;
    expect(await reads.run('series', compute)).toBe(1);
    // Later rounds of requests (the pane refreshing) get the same answer without a computation.
    expect(await reads.run('series', compute)).toBe(1);
    expect(await reads.run('series', compute)).toBe(1);
    reads.invalidate();
    expect(await reads.run('series', compute)).toBe(2);
  });

  it('keeps a finished answer only KEEP_ANSWER_MS, and never one its caller says not to keep', async () => {
    let clock = 0;
    const reads = createReadCoalescer({ now: () => clock });
    let computed = 0;
    const compute = async () => ++computed;
    expect(await reads.run('overview', compute)).toBe(1);
    clock += KEEP_ANSWER_MS - 1;
    expect(await reads.run('overview', compute)).toBe(1);
    clock += 1;
    expect(await reads.run('overview', compute)).toBe(2);
    const refused = async () => ({ status: 500 });
    expect(await reads.run('filters', refused, (a) => a.status === 200)).toEqual({ status: 500 });
    expect(await reads.run('filters', async () => ({ status: 200 }), (a) => a.status === 200)).toEqual({ status: 200 });
  });

  it('never keeps an answer whose computation started before a change', async () => {
    const reads = createReadCoalescer();
    const gate = deferred<string>();
    const before = reads.run('overview', () => gate.promise);
    reads.invalidate();
    gate.resolve('before the change');
    expect(await before).toBe('before the change');
    expect(await reads.run('overview', async () => 'after the change')).toBe('after the change');
  });

  it('never joins a computation that started before a change, nor one of another key', async () => {
    const reads = createReadCoalescer();
    const first = deferred<string>();
    const before = reads.run('overview', () => first.promise);
    const otherKey = reads.run('series', async () => 'series');
    reads.invalidate();
    const after = reads.run('overview', async () => 'after the change');
    first.resolve('before the change');
    expect(await before).toBe('before the change');
    expect(await after).toBe('after the change');
    expect(await otherKey).toBe('series');
  });

  it('shares a failure with everyone who joined, then forgets it', async () => {
    const reads = createReadCoalescer();
    const gate = deferred<string>();
    const asked = [reads.run('k', () => gate.promise), reads.run('k', () => gate.promise)];
    gate.reject(new Error('store closed'));
    for (const a of asked) await expect(a).rejects.toThrow('store closed');
    expect(await reads.run('k', async () => 'recovered')).toBe('recovered');
  });
});

interface Reply {
  status: number;
  body: string;
}

function post(server: RunningServer, channel: string, body: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const text = JSON.stringify(body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path: `/api/${channel}`,
        method: 'POST',
        headers: { Authorization: `Bearer ${server.token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) },
      },
      (res) => {
        let received = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (received += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: received }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** Opens the event stream; resolves once the server has answered with its headers. */
function openStream(server: RunningServer): Promise<{ res: IncomingMessage; text: () => string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, path: '/api/events', headers: { Authorization: `Bearer ${server.token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      resolve({ res, text: () => text, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

function eventsIn(text: string): string[] {
  return text
    .split('\n\n')
    .filter((message) => message.startsWith('event: '))
    .map((message) => /\ndata: (.*)/.exec(message)?.[1] ?? '');
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('serve mode with many sessions', () => {
  let dir: string;
  let server: RunningServer;
  let hub: EventHub;
  let overviewCalls: number;
  let gate: ReturnType<typeof deferred<void>>;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetpane-shared-reads-'));
    hub = createEventHub();
    const store = createFakeStore();
    const overview = store.overview.bind(store);
    overviewCalls = 0;
    gate = deferred<void>();
    // Each overview waits for the gate, so the test decides which requests overlap.
    store.overview = async (asOf: Date, filter: FleetFilter): Promise<Overview> => {
      overviewCalls += 1;
      await gate.promise;
      return overview(asOf, filter);
    };
    const api = createApi({ store, mode: 'serve', version: '0.0.0-test', demo: () => true });
    server = await startServer({ api, dataDir: dir, port: 0, rendererDir: join(dir, 'renderer'), events: hub, log: () => undefined });
  });

  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers 20 identical overview requests with one store computation and the same reply', async () => {
    // Panes hold the event stream open; sharing needs it (an event is what ends a shared read's reuse).
    const stream = await openStream(server);
    // Key order does not matter: the request is keyed as its schema reads it.
    const asked = Array.from({ length: 20 }, (_, i) =>
      post(server, 'fleet:overview', { filter: i % 2 === 0 ? { clouds: [], regions: [], gpuModels: [] } : { gpuModels: [], regions: [], clouds: [] } }),
    );
    await until(() => overviewCalls > 0, 'the first overview');
    await new Promise((r) => setTimeout(r, 50));
    gate.resolve();
    const replies = await Promise.all(asked);
    expect(overviewCalls).toBe(1);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.body).toBe(replies[0]?.body);
    }
    expect(JSON.parse(replies[0]?.body ?? '{}')).toMatchObject({ ok: true, data: { totals: { gpus: { total: 8 } } } });
    stream.close();
  });

  it('shares nothing while no session streams events (nothing would tell it of a change)', async () => {
    const asked = [post(server, 'fleet:overview', {}), post(server, 'fleet:overview', {})];
    await until(() => overviewCalls === 2, 'two overviews');
    gate.resolve();
    for (const reply of await Promise.all(asked)) expect(reply.status).toBe(200);
  });

  it('computes again for a request that arrives after an event (the store may have changed)', async () => {
    const stream = await openStream(server);
    const before = post(server, 'fleet:overview', {});
    await until(() => overviewCalls === 1, 'the first overview');
    hub.emit({ type: 'data-changed', account: 'demo', streams: ['metrics'] });
    const after = post(server, 'fleet:overview', {});
    await until(() => overviewCalls === 2, 'a second overview');
    gate.resolve();
    expect((await before).status).toBe(200);
    expect((await after).status).toBe(200);
    stream.close();
  });

  it('answers every round of the sessions with one computation per data state: batch progress keeps it, data-changed ends it', async () => {
    const stream = await openStream(server);
    gate.resolve();
    const round = () => Promise.all(Array.from({ length: 10 }, () => post(server, 'fleet:overview', {})));
    for (const reply of await round()) expect(reply.status).toBe(200);
    expect(overviewCalls).toBe(1);
    // A sync running: its progress comes before its transaction commits, so the store is unchanged.
    hub.emit({ type: 'sync-progress', account: 'demo', stream: 'costs', phase: 'started', rows: 0, error: null });
    hub.emit({ type: 'sync-progress', account: 'demo', stream: 'costs', phase: 'batch', rows: 5000, error: null });
    for (const reply of await round()) expect(reply.status).toBe(200);
    expect(overviewCalls).toBe(1);
    // Its commit: every request after the event gets an answer computed after it.
    hub.emit({ type: 'data-changed', account: 'demo', streams: ['costs'] });
    for (const reply of await round()) expect(reply.status).toBe(200);
    expect(overviewCalls).toBe(2);
    hub.emit({ type: 'sync-progress', account: 'demo', stream: 'costs', phase: 'finished', rows: 5000, error: null });
    await round();
    expect(overviewCalls).toBe(3);
    stream.close();
  });

  it('never shares a request that does not parse: each gets its own 400', async () => {
    const replies = await Promise.all([post(server, 'fleet:overview', { filter: 'x' }), post(server, 'fleet:overview', { filter: 'x' })]);
    for (const reply of replies) expect(reply.status).toBe(400);
    expect(overviewCalls).toBe(0);
  });

  it('serialises each event once and delivers it to every session', async () => {
    const streams = await Promise.all(Array.from({ length: 12 }, () => openStream(server)));
    let serialised = 0;
    const event = {
      type: 'data-changed',
      account: 'demo',
      streams: ['metrics'],
      // JSON.stringify calls toJSON once per serialisation.
      toJSON() {
        serialised += 1;
        return { type: 'data-changed', account: 'demo', streams: ['metrics'] };
      },
    } as unknown as AppEvent;
    hub.emit(event);
    await until(() => streams.every((s) => eventsIn(s.text()).length === 1), 'the event on every stream');
    expect(serialised).toBe(1);
    for (const s of streams) expect(JSON.parse(eventsIn(s.text())[0] ?? '')).toEqual({ type: 'data-changed', account: 'demo', streams: ['metrics'] });
    for (const s of streams) s.close();
  });

  it('loses no event on a session that stops reading for a while', async () => {
    const slow = await openStream(server);
    const quick = await openStream(server);
    slow.res.pause();
    // Far more than the socket buffers hold, so the server has to keep them for the slow reader.
    const account = 'a'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) hub.emit({ type: 'data-changed', account: `${i}:${account}`, streams: ['costs'] });
    await until(() => eventsIn(quick.text()).length === 200, 'every event on the quick stream');
    expect(eventsIn(slow.text()).length).toBeLessThan(200);
    slow.res.resume();
    await until(() => eventsIn(slow.text()).length === 200, 'every event on the slow stream');
    const order = eventsIn(slow.text()).map((data) => Number((JSON.parse(data) as { account: string }).account.split(':')[0]));
    expect(order).toEqual(Array.from({ length: 200 }, (_, i) => i));
    slow.close();
    quick.close();
  });
});
