import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FocusCostRow, GpuResource, GpuSample } from '../../../../shared/domain';
import { AccountConfigBase } from '../../../../shared/config';
import { detectNodeDown, detectXid, type SignalInput, type XidHits } from '../../domain/derived-signals';
import { AuthError, ThrottledError } from '../types';
import { createKubernetesConnector, describeKubeconfig } from './index';
import { kubernetesProvider } from './provider';
import { dcgmQueries } from './promql';
import { buildFleet, fleetNodes, fleetOpenMetrics, fleetPods, reports, scrapeTimes, type Fleet } from './testing/fleet';
import { startK8sEmulator, type K8sEmulator } from './testing/k8s-emulator';
import { prometheusSkipReason, startPrometheus, type RunningPrometheus } from './testing/prometheus-server';

const fixtures = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const lambda = JSON.parse(readFileSync(fixtures + 'node_labels_lambda_cloud_k3s_h100x8_v100x8_gpu_operator.json', 'utf8')) as Array<{ metadata: { labels: Record<string, string> } }>;
// Real GFD labels underneath; the generated ones (product, count, memory) override per node.
const gfd = lambda[0]?.metadata.labels ?? {};

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / HOUR) * HOUR;
const fleet: Fleet = buildFleet(now, 200, gfd);
const signal = new AbortController().signal;

let emu: K8sEmulator;
beforeAll(async () => {
  emu = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
});
afterAll(async () => {
  await emu.close();
});

function connector(extra: Record<string, unknown> = {}) {
  const raw = AccountConfigBase.parse({ name: 'k8s-test', provider: 'kubernetes', kubeconfig: emu.kubeconfigPath, context: 'emu', pageSize: 37, ...extra });
  return createKubernetesConnector(kubernetesProvider.parseConfig(raw));
}

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

describe('kubeconfig', () => {
  it('names the contexts that run exec plugins, without reading credentials', () => {
    const d = describeKubeconfig(emu.kubeconfigPath);
    expect(d.currentContext).toBe('emu');
    expect(d.contexts).toEqual([
      { name: 'emu', cluster: 'emu-cluster', usesExec: false },
      { name: 'cloud-sso', cluster: 'emu-cluster', usesExec: true },
    ]);
  });
});

describe('inventory from a loopback Kubernetes API', () => {
  it('pages through nodes and pods and maps GPUs, clouds, health, cordons and teams', async () => {
    emu.requests.length = 0;
    const resources = await collect(connector().inventory({ signal, now: new Date(now) }));
    for (const r of resources) GpuResource.parse(r);
    expect(resources).toHaveLength(fleet.nodes.length);
    expect(emu.requests.filter((r) => r.startsWith('GET /api/v1/nodes')).length).toBe(Math.ceil(fleet.nodes.length / 37));
    expect(emu.requests.some((r) => r.includes('continue=37'))).toBe(true);
    const byCloud = Object.fromEntries(['azure', 'gcp', 'oci', 'coreweave', 'other'].map((c) => [c, resources.filter((r) => r.cloud === c).length]));
    expect(byCloud).toEqual({ azure: 41, gcp: 41, oci: 40, coreweave: 41, other: 41 });
    expect(resources.reduce((n, r) => n + r.gpuCount, 0)).toBe(fleet.nodes.reduce((n, f) => n + f.paneGpus, 0));
    const down = resources.find((r) => r.name === fleet.nodes[17]?.name);
    expect(down).toMatchObject({ health: 'unavailable' });
    expect(down?.healthReason).toContain('container runtime is down');
    expect(resources.find((r) => r.name === fleet.nodes[41]?.name)?.tags['k8s.cordoned']).toBe('true');
    const first = resources.find((r) => r.name === fleet.nodes[0]?.name);
    expect(first).toMatchObject({ gpuModel: 'H100 80GB', gpuCount: 8, region: 'eastus', zone: 'eastus-a', kind: 'node' });
    expect(first?.tags).toMatchObject({ team: 'search', namespace: 'ml-search', 'k8s.gpus-requested': '8', 'k8s.node-pool': 'gpu' });
    // CoreWeave nodes are priced per GPU-hour from the catalog's class price.
    const cw = resources.find((r) => r.cloud === 'coreweave');
    expect(cw?.hourlyPrice).not.toBeNull();
  });

  it('counts MIG-partitioned GPUs as physical GPUs and names the nodes it can only bound', async () => {
    const c = connector();
    const resources = await collect(c.inventory({ signal, now: new Date(now) }));
    const byName = new Map(resources.map((r) => [r.name, r]));
    // GFD single strategy: 56 MIG devices of 1g.10gb are 8 H100s, with the physical model and memory.
    expect(byName.get('gpu-azure-mig-single')).toMatchObject({ gpuCount: 8, gpuModel: 'H100 80GB', gpuMemoryGiB: 80, tags: { 'nvidia.mig.devices': '56x1g.10gb' } });
    expect(byName.get('gpu-azure-mig-single')?.gpuUuids).toHaveLength(8);
    expect(byName.get('gpu-gcp-mig-mixed')).toMatchObject({ gpuCount: 8, gpuModel: 'H100 80GB', tags: { 'nvidia.mig.strategy': 'mixed' } });
    // Every generated A100 MIG node (7 x 1g.10gb per GPU) counts its physical GPUs.
    for (const n of fleet.nodes.filter((x) => x.gpus[0]?.kind === 'mig')) expect(byName.get(n.name)?.gpuCount, n.name).toBe(n.paneGpus);
    // CoreWeave prices per physical GPU-hour: 8 x A100_NVLINK_80GB at $2.21, not 16.
    expect(byName.get('gpu-coreweave-mig-a100')).toMatchObject({ gpuCount: 8, gpuModel: 'A100 80GB', hourlyPrice: '17.68' });
    // Without Prometheus, neither the A100 node (no mig.config) nor the custom layout can be told.
    const unsure = byName.get('gpu-other-mig-unsure');
    expect(unsure?.gpuCount).toBe(2);
    expect(unsure?.coverageGaps).toEqual([{ kind: 'placement', reason: expect.stringContaining('12 MIG devices of profile 1g.10gb') }]);
    const gapped = resources.filter((r) => r.coverageGaps?.length).map((r) => r.name).sort();
    expect(gapped).toEqual(['gpu-coreweave-mig-a100', 'gpu-other-mig-unsure']);
    expect(c.diagnostics?.().unplaced?.map((u) => u.name).sort()).toEqual(gapped);
  });

  it('keeps the inventory, with the lower bounds and why, when Prometheus cannot name the DCGM parent GPUs', async () => {
    // A loopback port nobody listens on any more: the parent query fails fast.
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
      });
    });
    const c = connector({ prometheus: { url: `http://127.0.0.1:${port}` } });
    const resources = await collect(c.inventory({ signal, now: new Date(now) }));
    expect(resources).toHaveLength(fleet.nodes.length);
    const unsure = resources.find((r) => r.name === 'gpu-other-mig-unsure');
    expect(unsure?.gpuCount).toBe(2);
    expect(unsure?.coverageGaps?.[0]?.reason).toContain(`DCGM parent GPUs could not be read (Prometheus at http://127.0.0.1:${port} unreachable)`);
  });

  it('throws typed errors for a bad token and for throttling', async () => {
    process.env.FLEETPANE_TEST_BAD_TOKEN = 'wrong';
    await expect(collect(connector({ token: { env: 'FLEETPANE_TEST_BAD_TOKEN' } }).inventory({ signal, now: new Date(now) }))).rejects.toBeInstanceOf(AuthError);
    emu.failWith = 429;
    try {
      await expect(collect(connector().inventory({ signal, now: new Date(now) }))).rejects.toBeInstanceOf(ThrottledError);
    } finally {
      emu.failWith = null;
    }
  });
});

const skip = prometheusSkipReason();
if (skip) console.warn(`skipping the Prometheus tests: ${skip}`);

describe.skipIf(skip !== null)('metrics from a real Prometheus with 24 h of dcgm-exporter series', () => {
  let prom: RunningPrometheus;
  let resources: GpuResource[];
  let samples: GpuSample[];
  let unplaced: string[] | undefined;
  beforeAll(async () => {
    prom = await startPrometheus(fleetOpenMetrics(fleet));
    const c = connector({ prometheus: { url: prom.url } });
    resources = await collect(c.inventory({ signal, now: new Date(now) }));
    unplaced = c.diagnostics?.().unplaced?.map((u) => u.name);
    samples = await collect(c.metrics({ signal, now: new Date(now), from: now - 24 * HOUR, to: now, resources }));
  });
  afterAll(async () => {
    await prom?.stop();
  });

  const idOf = (name: string) => `k8s-node:${name}`;
  const truthMean = (from: number, to: number) => {
    const perGpu = new Map<string, number>();
    for (const n of fleet.nodes)
      for (const g of n.gpus) {
        const xs = scrapeTimes(fleet).filter((t) => t >= from && t < to && reports(n, fleet, t)).map((t) => g.util(t));
        if (xs.length) perGpu.set(`${idOf(n.name)}#${g.index}`, xs.reduce((a, b) => a + b, 0) / xs.length);
      }
    return perGpu;
  };
  const measuredMean = (from: number, to: number) => {
    const acc = new Map<string, number[]>();
    for (const s of samples) {
      if (s.ts < from || s.ts >= to || s.utilisation === null) continue;
      const k = `${s.resourceId}#${s.gpuIndex}`;
      acc.set(k, [...(acc.get(k) ?? []), s.utilisation]);
    }
    return new Map([...acc].map(([k, xs]) => [k, xs.reduce((a, b) => a + b, 0) / xs.length]));
  };

  it('settles MIG nodes the labels cannot tell from the DCGM parent GPUs, and keeps the gap where no series exist', () => {
    const byName = new Map(resources.map((r) => [r.name, r]));
    expect(byName.get('gpu-coreweave-mig-a100')).toMatchObject({ gpuCount: 8, hourlyPrice: '17.680000', tags: { 'nvidia.mig.gpus-counted-by': 'dcgm' } });
    expect(byName.get('gpu-coreweave-mig-a100')?.coverageGaps).toBeUndefined();
    expect(byName.get('gpu-other-mig-unsure')?.coverageGaps?.[0]?.kind).toBe('placement');
    expect(unplaced).toEqual(['gpu-other-mig-unsure']);
    // MIG slices map to their parent GPU's index: never beyond the node's physical GPUs.
    for (const name of ['gpu-azure-mig-single', 'gpu-gcp-mig-mixed', 'gpu-coreweave-mig-a100']) {
      const idx = new Set(samples.filter((s) => s.resourceId === idOf(name)).map((s) => s.gpuIndex));
      expect([...idx].sort(), name).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
  });

  it('yields one valid sample per GPU per scrape, PROF preferred, MIG GPUs counted once', () => {
    for (const s of samples.slice(0, 2000)) GpuSample.parse(s);
    const keys = new Set(samples.map((s) => `${s.resourceId}#${s.gpuIndex}#${s.ts}`));
    expect(keys.size).toBe(samples.length);
    const expected = fleet.nodes.reduce((n, node) => n + node.gpus.length * scrapeTimes(fleet).filter((t) => reports(node, fleet, t)).length, 0);
    expect(samples.length).toBe(expected);
    const mig = fleet.nodes.find((n) => n.gpus[0]?.kind === 'mig');
    const migSamples = samples.filter((s) => s.resourceId === idOf(mig?.name ?? ''));
    expect(migSamples.every((s) => s.utilSource === 'prof')).toBe(true);
    const dev = fleet.nodes.find((n) => n.gpus[0]?.kind === 'dev');
    expect(samples.filter((s) => s.resourceId === idOf(dev?.name ?? '')).every((s) => s.utilSource === 'dev')).toBe(true);
    expect(samples.filter((s) => s.resourceId === idOf(fleet.nodes[0]?.name ?? '')).every((s) => s.utilSource === 'prof')).toBe(true);
  });

  it('matches the generated truth per GPU and per cloud over 1 h and 24 h', () => {
    for (const [from, label] of [
      [now - HOUR, '1h'],
      [now - 24 * HOUR, '24h'],
    ] as const) {
      const truth = truthMean(from, now);
      const measured = measuredMean(from, now);
      expect([...measured.keys()].sort(), label).toEqual([...truth.keys()].sort());
      for (const [k, v] of truth) expect(measured.get(k), `${label} ${k}`).toBeCloseTo(v, 3);
      for (const cloud of ['azure', 'gcp', 'oci', 'coreweave', 'other']) {
        const ids = new Set(resources.filter((r) => r.cloud === cloud).map((r) => r.id));
        const pick = (m: Map<string, number>) => [...m].filter(([k]) => ids.has(k.split('#')[0] ?? '')).map(([, v]) => v);
        const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        expect(Math.abs(avg(pick(measured)) - avg(pick(truth))), `${label} ${cloud}`).toBeLessThan(0.1);
      }
    }
  });

  it('shows the silent node stopping and counts the XID burst on the right GPU', () => {
    const silent = fleet.nodes[23];
    const last = Math.max(...samples.filter((s) => s.resourceId === idOf(silent?.name ?? '')).map((s) => s.ts));
    expect(last).toBeLessThan(now - 45 * 60_000);
    const burstNode = idOf(fleet.nodes[30]?.name ?? '');
    const xid = samples.filter((s) => s.xidErrors > 0);
    expect(new Set(xid.map((s) => `${s.resourceId}#${s.gpuIndex}`))).toEqual(new Set([`${burstNode}#2`]));
    expect(xid.reduce((n, s) => n + s.xidErrors, 0)).toBe(3);
  });

  it('asks Prometheus for XID changes only where there were some, not a zero for every GPU', async () => {
    const body = new URLSearchParams({ query: dcgmQueries(60, ['Hostname'], '').xidChanges, start: String((now - HOUR) / 1000), end: String(now / 1000), step: '60' });
    const answer = (await (await fetch(`${prom.url}/api/v1/query_range`, { method: 'POST', body })).json()) as { data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    // Scraped once a minute, no GPU changes within a minute (the burst shows across minutes, through
    // the last values, as the test above counts it): the answer is empty, not a zero for each GPU.
    expect(answer.data.result).toEqual([]);
  });

  it('keeps every query under 11,000 points per series for a 7-day window', async () => {
    const c = connector({ prometheus: { url: prom.url, maxPointsPerSeries: 2000 } });
    const week = await collect(c.metrics({ signal, now: new Date(now), from: now - 7 * 24 * HOUR, to: now, resources: resources.slice(0, 5) }));
    // 7 days / 2000 points -> 6-minute steps: no two samples of a GPU closer than that.
    const ts = week.filter((s) => s.resourceId === resources[0]?.id && s.gpuIndex === 0).map((s) => s.ts).sort((a, b) => a - b);
    expect(ts.length).toBeGreaterThan(100);
    expect(Math.min(...ts.slice(1).map((t, i) => t - (ts[i] ?? 0)))).toBeGreaterThanOrEqual(6 * 60_000);
  });

  it('leaves node-down and XID incidents to analytics: its inventory and samples are enough for those rules', async () => {
    const c = connector({ prometheus: { url: prom.url } });
    // The connector raises no incident of its own (a cluster has no provider incident feed)...
    expect(await collect(c.incidents({ signal, now: new Date(now), resources }))).toEqual([]);
    // ...and what it reports is what analytics' rules read: the down node through health, the XID
    // burst through samples, aggregated per GPU as the store does for the signal input.
    const xid = new Map<string, XidHits>();
    for (const s of samples.filter((x) => x.xidErrors > 0)) {
      const key = `${s.resourceId}#${s.gpuIndex}`;
      const h = xid.get(key) ?? { resourceId: s.resourceId, gpuIndex: s.gpuIndex, firstMs: s.ts, lastMs: s.ts, errors: 0 };
      xid.set(key, { ...h, firstMs: Math.min(h.firstMs, s.ts), lastMs: Math.max(h.lastMs, s.ts), errors: h.errors + s.xidErrors });
    }
    const input: SignalInput = { account: 'gpu-clusters', asOfMs: now, resources, xid: [...xid.values()], lastSeen: [], metricsFresh: false, buckets: [] };
    const down = detectNodeDown(input);
    expect(down.map((d) => d.incident.resourceIds)).toEqual([[idOf(fleet.nodes[17]?.name ?? '')]]);
    expect(down[0]?.incident.summary).toContain('container runtime is down');
    const burst = detectXid(input);
    expect(burst.map((d) => d.incident.resourceIds)).toEqual([[idOf(fleet.nodes[30]?.name ?? '')]]);
    expect(burst[0]?.incident.title).toContain('GPU 2');
  });

  it('estimates spend from GPU-hours x catalog price, labelled as estimate', async () => {
    const c = connector({ prometheus: { url: prom.url } });
    const rows = await collect(c.costs({ signal, now: new Date(now), from: now - 24 * HOUR, to: now }));
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      FocusCostRow.parse(r);
      expect(r.ChargeDescription?.startsWith('estimate:')).toBe(true);
      expect(r.Tags['fleetpane.estimate']).toBe('true');
    }
    const cw = rows.filter((r) => r.ProviderName === 'CoreWeave');
    expect(cw.length).toBeGreaterThan(0);
  });

  it('estimates the same spend when the counts come in many range queries, and none when one of them fails', async () => {
    const window = { signal, now: new Date(now), from: now - 24 * HOUR, to: now };
    const keyed = (rows: FocusCostRow[]) => rows.map((r) => [r.ResourceId, r.ChargePeriodStart, r.PricingQuantity, r.BilledCost].join(' ')).sort();
    const whole = await collect(connector({ prometheus: { url: prom.url } }).costs(window));
    expect(whole.length).toBeGreaterThan(0);
    // 24 hourly points at 10 a query: three ranges, summed as each answer arrives.
    const proxy = await startCountsProxy(prom.url);
    try {
      const ranged = await collect(connector({ prometheus: { url: proxy.url, stepsPerRequest: 10 } }).costs(window));
      expect(proxy.countQueries).toBe(3);
      expect(keyed(ranged)).toEqual(keyed(whole));
      // From the second range on, the source fails: no row comes, so no day is restated from part of the window.
      proxy.failFrom = proxy.countQueries + 2;
      const got: FocusCostRow[] = [];
      await expect(
        (async () => {
          for await (const batch of connector({ prometheus: { url: proxy.url, stepsPerRequest: 10 } }).costs(window)) got.push(...batch);
        })(),
      ).rejects.toThrow(/Prometheus/);
      expect(proxy.countQueries).toBeGreaterThanOrEqual(5);
      expect(got).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('bills from a billing metric read in many range queries as from one answer', async () => {
    const window = { signal, now: new Date(now), from: now - 24 * HOUR, to: now };
    const keyed = (rows: FocusCostRow[]) => rows.map((r) => [r.ResourceId, r.ChargePeriodStart, r.PricingQuantity, r.BilledCost].join(' ')).sort();
    // A node's cost per hour: 1.25 per GPU that reports a temperature.
    const billing = { query: 'count by (Hostname) (DCGM_FI_DEV_GPU_TEMP) * 1.25', nodeLabel: 'Hostname', currency: 'EUR' };
    const whole = await collect(connector({ prometheus: { url: prom.url }, billing }).costs(window));
    expect(whole.length).toBeGreaterThan(0);
    expect(whole.every((r) => r.Tags['fleetpane.source'] === 'billing-metric' && r.BillingCurrency === 'EUR')).toBe(true);
    const proxy = await startCountsProxy(prom.url);
    try {
      const ranged = await collect(connector({ prometheus: { url: proxy.url, stepsPerRequest: 10 }, billing }).costs(window));
      expect(proxy.billingQueries).toBe(3);
      expect(keyed(ranged)).toEqual(keyed(whole));
    } finally {
      await proxy.close();
    }
  });

  it('owns the account\'s cost rows only with a Prometheus to estimate them from', () => {
    expect(connector({ prometheus: { url: prom.url } }).bills).toBe(true);
    expect(connector().bills).toBe(false);
  });
});

/**
 * A proxy to a Prometheus that counts the cost queries (GPU counts, and a billing metric's), and
 * fails the GPU-count ones from the `failFrom`th on with a 500.
 */
async function startCountsProxy(target: string): Promise<{ url: string; countQueries: number; billingQueries: number; failFrom: number; close: () => Promise<void> }> {
  const state = { url: '', countQueries: 0, billingQueries: 0, failFrom: Number.POSITIVE_INFINITY, close: async () => {} };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const query = req.url?.startsWith('/api/v1/query_range') === true ? (new URLSearchParams(body.toString()).get('query') ?? '') : '';
      if (query.startsWith('avg_over_time((count by (Hostname)')) state.billingQueries += 1;
      const isCount = query.startsWith('count by');
      if (isCount && ++state.countQueries >= state.failFrom) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'error', errorType: 'internal', error: 'query processing failed' }));
        return;
      }
      void fetch(`${target}${req.url ?? ''}`, { method: req.method, headers: { 'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded') }, body: req.method === 'GET' ? undefined : body }).then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
