import { describe, expect, it, vi } from 'vitest';
import { ApiError, type AppEvent } from '../../../shared/contract';
import { overview } from '../testing/fixtures';
import { createHttpClient, type EventStreamLike } from './http-client';
import { readLaunchToken, stripLaunchToken } from './get-client';

function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('createHttpClient', () => {
  it('POSTs the request as JSON to /api/<channel> with same-origin credentials and returns parsed data', async () => {
    const fetchFn = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) => jsonResponse({ ok: true, data: overview() }));
    const client = createHttpClient('http://127.0.0.1:4000/', fetchFn);
    const result = await client['fleet:overview']({ filter: { clouds: ['azure'] } });
    expect(result.clouds.map((c) => c.provider)).toEqual(['azure', 'gcp']);
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe('http://127.0.0.1:4000/api/fleet:overview');
    expect(init?.method).toBe('POST');
    expect(init?.credentials).toBe('same-origin');
    expect(JSON.parse(String(init?.body))).toEqual({ filter: { clouds: ['azure'] } });
  });

  it('throws the ApiError an error reply carries', async () => {
    const fetchFn = vi.fn(async () => jsonResponse({ ok: false, error: { code: 'unauthorized', message: 'token required' } }, 401));
    const client = createHttpClient('', fetchFn);
    const error = await client['accounts:list']({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('unauthorized');
    expect((error as ApiError).message).toBe('token required');
  });

  it('rejects data that does not match the channel response schema', async () => {
    const bad = { ...overview(), clouds: [{ provider: 'azure' }] };
    const client = createHttpClient('', vi.fn(async () => jsonResponse({ ok: true, data: bad })));
    const error = await client['fleet:overview']({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('internal');
    expect((error as ApiError).message).toMatch(/fleet:overview: response does not match the contract: clouds\.0\./);
  });

  it('rejects a reply that is not an ApiReply envelope, and a body that is not JSON', async () => {
    const notEnvelope = createHttpClient('', vi.fn(async () => jsonResponse({ accounts: [] })));
    await expect(notEnvelope['accounts:list']({})).rejects.toThrow(/malformed reply/);
    const html = createHttpClient('', vi.fn(async () => new Response('<html>', { status: 502 })));
    await expect(html['accounts:list']({})).rejects.toThrow(/HTTP 502/);
    const unauth = createHttpClient('', vi.fn(async () => new Response('no', { status: 401 })));
    await expect(unauth['accounts:list']({})).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('turns a network failure into an ApiError', async () => {
    const client = createHttpClient('', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    await expect(client['accounts:list']({})).rejects.toMatchObject({ name: 'ApiError', code: 'internal', message: expect.stringMatching(/cannot reach.*Failed to fetch/) });
  });

  it('sends the launch token until the server accepts it, and reports its first use once', async () => {
    const urls: string[] = [];
    const replies = [jsonResponse({ ok: false, error: { code: 'internal', message: 'boom' } }, 500), jsonResponse({ ok: true, data: { accounts: [] } }), jsonResponse({ ok: true, data: { accounts: [] } })];
    const fetchFn = vi.fn(async (url: RequestInfo | URL) => {
      urls.push(String(url));
      return replies.shift() ?? jsonResponse({ ok: true, data: { accounts: [] } });
    });
    const onTokenUsed = vi.fn();
    const client = createHttpClient('', fetchFn, { token: 's3cr3t&x', onTokenUsed });
    await client['accounts:list']({}).catch(() => undefined);
    await client['accounts:list']({});
    await client['accounts:list']({});
    expect(urls).toEqual(['/api/accounts:list?token=s3cr3t%26x', '/api/accounts:list?token=s3cr3t%26x', '/api/accounts:list']);
    expect(onTokenUsed).toHaveBeenCalledTimes(1);
  });

  it('opens one event stream for all subscribers, validates events and closes with the last subscriber', () => {
    const listeners = new Map<string, (e: MessageEvent) => void>();
    const stream: EventStreamLike & { closed: boolean } = {
      closed: false,
      addEventListener: (type, l) => listeners.set(type, l),
      close() {
        this.closed = true;
      },
    };
    const openEventStream = vi.fn((_url: string) => stream);
    const client = createHttpClient('', vi.fn(), { openEventStream });
    const seenA: AppEvent[] = [];
    const seenB: AppEvent[] = [];
    const offA = client.onEvent((e) => seenA.push(e));
    const offB = client.onEvent((e) => seenB.push(e));
    expect(openEventStream).toHaveBeenCalledTimes(1);
    expect(openEventStream).toHaveBeenCalledWith('/api/events');
    const send = listeners.get('fleetpane:event');
    send?.(new MessageEvent('fleetpane:event', { data: JSON.stringify({ type: 'data-changed', account: 'a', streams: ['metrics'] }) }));
    send?.(new MessageEvent('fleetpane:event', { data: JSON.stringify({ type: 'bogus' }) }));
    send?.(new MessageEvent('fleetpane:event', { data: 'not json' }));
    expect(seenA).toEqual([{ type: 'data-changed', account: 'a', streams: ['metrics'] }]);
    expect(seenB).toHaveLength(1);
    offA();
    expect(stream.closed).toBe(false);
    offB();
    expect(stream.closed).toBe(true);
  });
});

describe('launch token in the address', () => {
  it('reads ?token= and strips only it, keeping the hash route', () => {
    expect(readLaunchToken({ search: '?token=abc&x=1' })).toBe('abc');
    expect(readLaunchToken({ search: '' })).toBeNull();
    const replaceState = vi.fn();
    stripLaunchToken({ pathname: '/', search: '?token=abc&x=1', hash: '#/cloud/azure' }, { replaceState, state: null });
    expect(replaceState).toHaveBeenCalledWith(null, '', '/?x=1#/cloud/azure');
    replaceState.mockClear();
    stripLaunchToken({ pathname: '/app', search: '?token=abc', hash: '' }, { replaceState, state: null });
    expect(replaceState).toHaveBeenCalledWith(null, '', '/app');
  });

  it('uploads each FOCUS file as octet-stream with account and name, and says which files were imported before a refusal', async () => {
    const done = (file: string) => ({ account: 'billing', rows: 10, replacedRows: 0, files: [{ file, focusVersion: '1.0', rows: 10, billingPeriods: [], emptyCellsReadAsNull: {} }] });
    const fetchFn = vi
      .fn(async (_url: RequestInfo | URL, _init?: RequestInit) => jsonResponse({ ok: true, data: done('a.csv') }))
      .mockImplementationOnce(async () => jsonResponse({ ok: true, data: done('a.csv') }))
      .mockImplementationOnce(async () => jsonResponse({ ok: false, error: { code: 'bad-request', message: 'b.csv: row 2, column BilledCost: bad' } }, 400));
    const client = createHttpClient('', fetchFn, { token: 'tok' });
    const fileA = new File(['x'], 'a.csv');
    const error = await client.importFocusFiles('billing', [fileA, new File(['y'], 'b.csv')]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-request', message: 'b.csv: row 2, column BilledCost: bad (already imported before it: a.csv)' });
    const [url, init] = fetchFn.mock.calls[0] ?? [];
    expect(url).toBe('/api/upload/focus?account=billing&file=a.csv&token=tok');
    expect(new Headers(init?.headers).get('content-type')).toBe('application/octet-stream');
    expect(init?.body).toBe(fileA);
    // The token went once; the session cookie carries the next request.
    expect(fetchFn.mock.calls[1]?.[0]).toBe('/api/upload/focus?account=billing&file=b.csv');
    const one = await client.importFocusFiles('billing', [fileA]);
    expect(one).toEqual(done('a.csv'));
  });
});
