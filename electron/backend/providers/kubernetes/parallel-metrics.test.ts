import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { AccountConfigBase } from '../../../../shared/config';
import { resource } from '../../domain/testing/factories';
import { kubernetesProvider } from './provider';
import { groupsAhead, planMetricsQueries, uuidShards } from '../common/dcgm-window-read';
import { wantsCompression } from './client';
import { MACHINE_PAGE_LANES } from '../common/semaphore';

const HOUR = 3_600_000;
const to = Math.floor(Date.now() / HOUR) * HOUR;
const from = to - 2 * HOUR;
const signal = new AbortController().signal;

// 40 nodes x 8 GPUs; the last node's GPUs carry UUIDs no hex shard names (uppercase, non-hex end, none).
const nodes = Array.from({ length: 40 }, (_, n) => `node-${String(n).padStart(2, '0')}`);
const uuidOf = (n: number, g: number): string | null => {
  if (n < 39) return `GPU-${((n * 8 + g) * 2654435761 >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-${(n * 131 + g * 17).toString(16).padStart(12, '0')}`;
  return ['GPU-ABCDEF', 'GPU-legacy-x', null, 'GPU-0', 'GPU-F', 'gpu-7', 'GPU-9z', 'GPU-A'][g] ?? null;
};
const resources: GpuResource[] = nodes.map((name) =>
  resource(`k8s-node:${name}`, {
    account: 'prom-fake', cloud: 'other', region: 'lab', name, kind: 'node', instanceType: 'gpu-node',
    gpuCount: 8, hourlyPrice: null, gpuUuids: Array.from({ length: 8 }, () => null),
  }),
);

/** A Prometheus that answers the DCGM utilisation and temperature queries and counts requests in flight. */
interface CountingProm {
  url: string;
  inFlight: number;
  maxInFlight: number;
  requests: number;
  /** Each range query's metric name and how many evaluation points it asked for. */
  asked: Array<{ metric: string; points: number }>;
  /** Answers 500 to the range queries it matches (by query and start), as a Prometheus failing half-way through a backfill. */
  failWhen: ((query: string, start: number) => boolean) | null;
  /** Every range query's PromQL, in the order they came. */
  queries: string[];
  /** How long each answer takes (3 ms unless a test sets it). */
  delayMs: number;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(new URLSearchParams(text)));
  });
}

async function startCountingProm(): Promise<CountingProm> {
  const prom: CountingProm = { url: '', inFlight: 0, maxInFlight: 0, requests: 0, asked: [], failWhen: null, queries: [], delayMs: 3, close: async () => {} };
  const server: Server = createServer((req, res) => {
    seenEncodings.add(String(req.headers['accept-encoding']));
    prom.requests += 1;
    prom.inFlight += 1;
    prom.maxInFlight = Math.max(prom.maxInFlight, prom.inFlight);
    void body(req).then((params) => {
      const query = params.get('query') ?? '';
      prom.queries.push(query);
      const start = Number(params.get('start'));
      const end = Number(params.get('end'));
      const step = Number(params.get('step'));
      prom.asked.push({ metric: `${/(\w+)\(DCGM/.exec(query)?.[1] ?? ''}(${/DCGM_FI_[A-Z_]+/.exec(query)?.[0] ?? query})`, points: Math.floor((end - start) / step) + 1 });
      const shard = /UUID=~"((?:[^"\\]|\\.)*)"/.exec(query)?.[1];
      const inShard = (uuid: string) => (shard === undefined ? true : new RegExp(`^(?:${shard})$`).test(uuid));
      const field = query.includes('PROF_GR_ENGINE_ACTIVE') ? 'prof' : query.includes('GPU_TEMP') ? 'temp' : null;
      const result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> = [];
      if (field) {
        for (let n = 0; n < nodes.length; n++) {
          for (let g = 0; g < 8; g++) {
            const uuid = uuidOf(n, g);
            if (!inShard(uuid ?? '')) continue;
            const values: Array<[number, string]> = [];
            for (let t = start; t <= end; t += step) values.push([t, String(field === 'prof' ? ((n * 8 + g + t / 60) % 100) : 40 + g)]);
            result.push({ metric: { Hostname: nodes[n] ?? '', gpu: String(g), ...(uuid ? { UUID: uuid } : {}) }, values });
          }
        }
      }
      // A short delay so requests overlap when the connector runs them in parallel.
      const fail = prom.failWhen?.(query, start) ?? false;
      setTimeout(() => {
        prom.inFlight -= 1;
        if (fail) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: 'error', errorType: 'internal', error: 'query processing failed' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result } }));
      }, prom.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  prom.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  prom.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return prom;
}

let prom: CountingProm;
const seenEncodings = new Set<string>();
beforeAll(async () => {
  prom = await startCountingProm();
});
afterAll(async () => {
  await prom.close();
});

async function backfill(concurrency: number): Promise<{ samples: GpuSample[]; maxInFlight: number; requests: number }> {
  prom.maxInFlight = 0;
  prom.requests = 0;
  const raw = AccountConfigBase.parse({
    name: 'prom-fake',
    provider: 'kubernetes',
    endpoint: 'http://127.0.0.1:1',
    // Small answers force the plan into 16 UUID shards and several time chunks.
    prometheus: { url: prom.url, concurrency, pointsPerRequest: 1000 },
  });
  const connector = await kubernetesProvider.create(kubernetesProvider.parseConfig(raw));
  const samples: GpuSample[] = [];
  for await (const batch of connector.metrics({ signal, now: new Date(to), from, to, resources })) samples.push(...batch);
  return { samples, maxInFlight: prom.maxInFlight, requests: prom.requests };
}

describe('metrics backfill in parallel under the per-source limit', () => {
  let one: Awaited<ReturnType<typeof backfill>>;
  let eight: Awaited<ReturnType<typeof backfill>>;
  beforeAll(async () => {
    one = await backfill(1);
    eight = await backfill(8);
  }, 120_000);

  it('never has more range queries in flight than the limit, and uses it', () => {
    expect(one.maxInFlight).toBe(1);
    expect(eight.maxInFlight).toBeLessThanOrEqual(8);
    // With a limit above one, the backfill really overlaps its queries.
    expect(eight.maxInFlight).toBeGreaterThan(1);
    // 2 h at 1 minute, 20 GPUs per shard at 1000 points: 3 chunks x 16 shards x 7 queries.
    expect(one.requests).toBe(3 * 16 * 7);
    expect(eight.requests).toBe(3 * 16 * 7);
  });

  it('yields the same samples in the same order with limit 1 and limit 8, every GPU of every shard', () => {
    expect(eight.samples).toEqual(one.samples);
    // Every GPU (those with no, odd or uppercase UUIDs too) has each of the 120 minutes exactly once.
    const keys = new Set(one.samples.map((s) => `${s.resourceId}#${s.gpuIndex}#${s.ts}`));
    expect(keys.size).toBe(one.samples.length);
    expect(one.samples.length).toBe(nodes.length * 8 * 120);
    const sample = one.samples.find((s) => s.resourceId === 'k8s-node:node-03' && s.gpuIndex === 5 && s.ts === from + 10 * 60_000);
    expect(sample?.utilisation).toBeCloseTo((3 * 8 + 5 + (from / 1000 + 11 * 60) / 60) % 100, 6);
  });
});

describe('query groups fetched ahead of a slow consumer', () => {
  it('asks for the group being read and groupsAhead() more, not a group per permit', async () => {
    prom.requests = 0;
    const raw = AccountConfigBase.parse({ name: 'prom-fake', provider: 'kubernetes', endpoint: 'http://127.0.0.1:1', prometheus: { url: prom.url, concurrency: 8, pointsPerRequest: 1000 } });
    const connector = await kubernetesProvider.create(kubernetesProvider.parseConfig(raw));
    const stream = connector.metrics({ signal, now: new Date(to), from, to, resources })[Symbol.asyncIterator]();
    try {
      // The first batch comes once the first group is in; then the consumer stops reading (a store busy writing).
      expect((await stream.next()).done).toBe(false);
      // Until no request has come for half a second: every group fetched ahead has asked all it will.
      let seen = -1;
      while (seen !== prom.requests) {
        seen = prom.requests;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // 8 permits over 7 queries a group: two groups queue 8 queries, and a third keeps them queued across a group's end.
      expect(groupsAhead(8)).toBe(3);
      expect(groupsAhead(4)).toBe(2);
      expect(prom.requests).toBe(7 * (1 + groupsAhead(8)));
    } finally {
      await stream.return?.(undefined);
    }
  }, 60_000);
});

describe('a machine page during a backfill', () => {
  it("asks the page's queries at once on the permit held back for them, then ahead of the backfill's waiting ones", async () => {
    prom.delayMs = 30;
    prom.maxInFlight = 0;
    const raw = AccountConfigBase.parse({ name: 'prom-fake', provider: 'kubernetes', endpoint: 'http://127.0.0.1:1', prometheus: { url: prom.url, concurrency: 1, pointsPerRequest: 1000, storage: 'rollups' } });
    const connector = await kubernetesProvider.create(kubernetesProvider.parseConfig(raw));
    const stream = connector.metrics({ signal, now: new Date(to), from, to, resources })[Symbol.asyncIterator]();
    try {
      // The backfill's first group is in; the groups it fetches ahead queue their queries behind the one permit.
      expect((await stream.next()).done).toBe(false);
      const machine = resources[3]!;
      const before = prom.queries.length;
      const page = await connector.machineSeries!({ signal, resource: machine, machines: resources, from: to - 10 * 60_000, to });
      expect(page.samples.length).toBe(8 * 10);
      // At most the backfill query holding the permit came first; then the page's seven, then the backfill's waiting ones.
      const next = prom.queries.slice(before, before + 8);
      expect(next.filter((q) => q.includes(`Hostname="${machine.name}"`))).toHaveLength(7);
      // The page did not wait for the backfill's query in flight: it ran beside it, one over the limit
      // (MACHINE_PAGE_LANES), and never more.
      expect(prom.maxInFlight).toBe(1 + MACHINE_PAGE_LANES);
    } finally {
      prom.delayMs = 3;
      await stream.return?.(undefined);
    }
  }, 60_000);
});

describe('a backfill whose Prometheus fails half-way', () => {
  it('yields every unit before the failing one whole, none of it, and then the error', async () => {
    const whole = await backfill(1);
    // With one query in flight the units run in order: the first temperature query of another start
    // is the second chunk's first shard, one query of the seven of its unit.
    let firstStart: number | null = null;
    let failedStart: number | null = null;
    prom.failWhen = (query, start) => {
      if (!query.includes('GPU_TEMP')) return false;
      firstStart ??= start;
      if (start !== firstStart) failedStart ??= start;
      return start === failedStart;
    };
    try {
      const raw = AccountConfigBase.parse({ name: 'prom-fake', provider: 'kubernetes', endpoint: 'http://127.0.0.1:1', prometheus: { url: prom.url, concurrency: 1, pointsPerRequest: 1000 } });
      const connector = await kubernetesProvider.create(kubernetesProvider.parseConfig(raw));
      const samples: GpuSample[] = [];
      const read = async () => {
        for await (const batch of connector.metrics({ signal, now: new Date(to), from, to, resources })) samples.push(...batch);
      };
      await expect(read()).rejects.toThrow(/answered 500/);
      expect(failedStart).not.toBeNull();
      // The first chunk's minutes, all of them, and no sample of the unit whose six other answers were folded.
      const chunkFrom = ((failedStart ?? 0) - 60) * 1000;
      expect(samples.length).toBeGreaterThan(0);
      expect(samples).toEqual(whole.samples.filter((x) => x.ts < chunkFrom));
    } finally {
      prom.failWhen = null;
    }
  }, 60_000);
});

describe('a steady one-minute sync', () => {
  it('asks one evaluation per series for the new minute; only the XID last value also for the minute before (its seed)', async () => {
    prom.asked = [];
    const raw = AccountConfigBase.parse({ name: 'prom-fake', provider: 'kubernetes', endpoint: 'http://127.0.0.1:1', prometheus: { url: prom.url } });
    const connector = await kubernetesProvider.create(kubernetesProvider.parseConfig(raw));
    const minute = to - 60_000;
    const samples: GpuSample[] = [];
    for await (const batch of connector.metrics({ signal, now: new Date(to), from: minute, to, resources })) samples.push(...batch);
    expect(prom.asked).toHaveLength(7);
    for (const a of prom.asked) expect(a.points, a.metric).toBe(a.metric === 'last_over_time(DCGM_FI_DEV_XID_ERRORS)' ? 2 : 1);
    // Every GPU's new minute, and only it, with the utilisation evaluated at the minute's end.
    expect(samples).toHaveLength(nodes.length * 8);
    expect(new Set(samples.map((s) => s.ts))).toEqual(new Set([minute]));
    const sample = samples.find((s) => s.resourceId === 'k8s-node:node-03' && s.gpuIndex === 5);
    expect(sample?.utilisation).toBeCloseTo((3 * 8 + 5 + to / 1000 / 60) % 100, 6);
    expect(sample?.temperatureC).toBe(45);
  });
});

describe('query plan', () => {
  it('keeps a small fleet to one unsharded query per chunk, as before', () => {
    const plan = planMetricsQueries(to - 6 * HOUR, to, 60, 400, 360, 250_000);
    expect(plan.shards).toEqual(['']);
    expect(plan.chunks).toHaveLength(1);
  });

  it('splits a 100k-GPU window into 16 shards of bounded answers', () => {
    const plan = planMetricsQueries(to - 6 * HOUR, to, 60, 100_000, 360, 250_000);
    expect(plan.shards).toHaveLength(16);
    const steps = (plan.chunks[0]?.to ?? 0) - (plan.chunks[0]?.from ?? 0);
    expect((100_000 / 16) * (steps / 60_000)).toBeLessThanOrEqual(250_000);
  });

  it('puts every UUID into exactly one shard', () => {
    const shards = uuidShards(16).map((m) => new RegExp(`^(?:${/"(.*)"/.exec(m)?.[1] ?? ''})$`));
    for (const uuid of ['', 'GPU-1', 'GPU-a', 'GPU-A', 'GPU-x', 'GPU-', 'f', 'F', '0', '-', 'GPU-9a9a6c50-2a47-2f51-a902-b82c3b127e94']) {
      expect(shards.filter((r) => r.test(uuid)), uuid).toHaveLength(1);
    }
  });
});

describe('answer compression', () => {
  it('asks for gzip except on loopback, unless told', () => {
    expect(wantsCompression({ url: 'http://127.0.0.1:9090', compression: 'auto' })).toBe(false);
    expect(wantsCompression({ url: 'http://localhost:9090', compression: 'auto' })).toBe(false);
    expect(wantsCompression({ url: 'http://[::1]:9090', compression: 'auto' })).toBe(false);
    expect(wantsCompression({ url: 'https://prometheus.example.com', compression: 'auto' })).toBe(true);
    expect(wantsCompression({ url: 'http://127.0.0.1:9090', compression: 'gzip' })).toBe(true);
    expect(wantsCompression({ url: 'https://prometheus.example.com', compression: 'none' })).toBe(false);
  });

  it('sends Accept-Encoding: identity to a loopback Prometheus', () => {
    expect(seenEncodings.size).toBeGreaterThan(0);
    expect([...seenEncodings]).toEqual(['identity']);
  });
});
