import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, MalformedResponseError, UnavailableError } from '../types';
import type { MatrixSink } from '../common/prom-matrix';
import { PrometheusClient } from './client';
import { PrometheusConfig } from './config';

/** How the loopback Prometheus answers a query (by its text): status, body, and whether the connection drops after half of it. */
const answers = new Map<string, { status: number; body: string; cut?: boolean }>();
let server: Server;
let url = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const a = answers.get(new URLSearchParams(text).get('query') ?? '') ?? { status: 404, body: '' };
      if (a.cut) {
        // Promises the whole body, sends half, then drops the connection.
        res.writeHead(a.status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(a.body)) });
        res.write(a.body.slice(0, a.body.length >> 1), () => res.destroy());
        return;
      }
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const series = (gpu: number) => ({ metric: { Hostname: 'node-1', gpu: String(gpu), UUID: `GPU-${gpu}` }, values: [[1_800_000_060, `${gpu}.5`], [1_800_000_120, 'NaN']] });
const matrix = (result: unknown) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } });
const signal = new AbortController().signal;

function client(): PrometheusClient {
  return new PrometheusClient(PrometheusConfig.parse({ url }), 'lab');
}

/** The same query through both readers: what queryRange returns or throws, and what queryRangeInto streams or throws. */
async function both(query: string): Promise<{ parsed: unknown; streamed: unknown }> {
  const c = client();
  const parsed = await c.queryRange(query, 1, 2, 60, signal).catch((e: unknown) => e);
  const got: Array<{ metric: Record<string, string>; times: number[]; values: number[] }> = [];
  const sink: MatrixSink = { series: (metric, times, values, count) => got.push({ metric: { ...metric }, times: [...times.subarray(0, count)], values: [...values.subarray(0, count)] }) };
  const streamed = await c.queryRangeInto(query, 1, 2, 60, signal, sink).then(() => got, (e: unknown) => e);
  return { parsed, streamed };
}

describe('Prometheus range queries, parsed whole or streamed into a sink', () => {
  it('give the same series, values read as numbers', async () => {
    answers.set('ok', { status: 200, body: matrix([series(0), series(1)]) });
    const { parsed, streamed } = await both('ok');
    expect(parsed).toEqual([series(0), series(1)]);
    expect(streamed).toEqual([
      { metric: series(0).metric, times: [1_800_000_060, 1_800_000_120], values: [0.5, Number.NaN] },
      { metric: series(1).metric, times: [1_800_000_060, 1_800_000_120], values: [1.5, Number.NaN] },
    ]);
  });

  it('throw the same typed errors, with the same messages, for every malformed answer', async () => {
    const cases: Array<[string, { status: number; body: string; cut?: boolean }, new (...args: never[]) => Error, RegExp]> = [
      ['truncated', { status: 200, body: matrix([series(0), series(1)]).slice(0, 90) }, MalformedResponseError, /answer is not JSON \(HTTP 200\)$/],
      ['dropped', { status: 200, body: matrix(Array.from({ length: 2000 }, (_, i) => series(i))), cut: true }, MalformedResponseError, /answer is not JSON \(HTTP 200\)$/],
      ['html', { status: 200, body: '<html>proxy error</html>' }, MalformedResponseError, /answer is not JSON \(HTTP 200\)$/],
      ['503 html', { status: 503, body: '<html>down</html>' }, UnavailableError, /answered 503$/],
      ['vector', { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }) }, MalformedResponseError, /: not a matrix answer$/],
      ['label type', { status: 200, body: matrix([series(0), { metric: { gpu: 1 }, values: [] }]) }, MalformedResponseError, /: series 1 of the matrix answer is malformed$/],
      ['point type', { status: 200, body: matrix([series(0), series(1), { metric: {}, values: [[1_800_000_060, 2]] }]) }, MalformedResponseError, /: series 2 of the matrix answer is malformed$/],
      ['bad_data', { status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error' }) }, ConfigError, /: bad_data: parse error$/],
      ['503 error', { status: 503, body: JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'shutting down' }) }, UnavailableError, /: unavailable: shutting down$/],
    ];
    for (const [query, a, type, message] of cases) {
      answers.set(query, a);
      const { parsed, streamed } = await both(query);
      expect(parsed, query).toBeInstanceOf(type);
      expect(streamed, query).toBeInstanceOf(type);
      expect((streamed as Error).message, query).toMatch(message);
      expect((streamed as Error).message, query).toBe((parsed as Error).message);
    }
  });
});
