import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { prometheusSkipReason, startPrometheus, type RunningPrometheus } from '../kubernetes/testing/prometheus-server';
import { AuthError, MalformedResponseError } from '../types';
import { startApsProxy, type ApsProxy } from './testing/aps-proxy';
import { BASE_ACCESS_KEY, BASE_SECRET_KEY } from './testing/emulator';
import { visibleInstances, type FleetInstance } from './testing/fleet';
import { BASE_CREDENTIALS, startAwsHarness, type AwsHarness } from './testing/harness';

const MIN = 60_000;
const SCRAPE_OFFSETS = [7, 22, 37, 52];

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}
const ctx = (now: Date) => ({ signal: new AbortController().signal, now });

/** One dcgm-exporter series of the workspace: its labels, its constant reading, the GPU it really is. */
interface DcgmSeries {
  labels: Record<string, string>;
  /** Its reading at a scrape time (epoch ms); most series are constant. */
  value: number | ((t: number) => number);
  owner: { instanceId: string; gpu: number } | null;
}

/**
 * What dcgm-exporter on EKS nodes scraped into the workspace would hold for the fleet's running GPU
 * machines: `Hostname` as the full private DNS name, its first label in upper case, or the Name tag;
 * some series with no Hostname, named only by the scrape `instance` (IP:port); a GPU with no series, a
 * phantom index, a machine outside the fleet, and the two instances sharing one private IP by host.
 */
function dcgmSeries(xs: readonly FleetInstance[]): DcgmSeries[] {
  const out: DcgmSeries[] = [];
  let silenced = false;
  let phantom = false;
  xs.forEach((x, k) => {
    const label = x.privateDnsName.split('.')[0] as string;
    const variant = x.hostShared ? 1 : k % 4;
    const host = variant === 0 ? x.privateDnsName : variant === 1 ? label.toUpperCase() : variant === 3 && x.name ? x.name : null;
    for (let g = 0; g < x.type.accelerators; g++) {
      if (!silenced && x.type.accelerators >= 4 && g === x.type.accelerators - 1 && !x.hostShared) {
        silenced = true;
        continue;
      }
      const labels: Record<string, string> = { gpu: String(g), UUID: `GPU-${x.id.slice(2)}-${g}`, device: `nvidia${g}`, modelName: `NVIDIA ${x.type.gpu?.name ?? ''}`, instance: `${x.privateIp}:9400`, job: 'dcgm-exporter' };
      if (host) labels.Hostname = host;
      out.push({ labels, value: x.utilisation[g] as number, owner: x.hostShared ? null : { instanceId: x.id, gpu: g } });
    }
    if (!phantom && !x.hostShared) {
      phantom = true;
      out.push({ labels: { gpu: String(x.type.accelerators), UUID: `GPU-phantom-${x.id}`, Hostname: x.privateDnsName, instance: `${x.privateIp}:9400` }, value: 100, owner: null });
    }
  });
  out.push({ labels: { gpu: '0', UUID: 'GPU-stranger', Hostname: 'ip-172-31-250-9.ec2.internal', instance: '172.31.250.9:9400' }, value: 100, owner: null });
  return out;
}

/** A NeuronCore's utilisation ratio as neuron-monitor's Prometheus exporter reports it (0-1). */
const coreRatio = (k: number, core: number) => ((k * 7 + core * 13) % 100) / 100;

/**
 * neuron-monitor's `neuroncore_utilization_ratio` per NeuronCore of each running Trainium machine but
 * the first (which runs no neuron-monitor), named by `instance_id`: two cores per device.
 */
function neuronSeries(xs: readonly FleetInstance[]): DcgmSeries[] {
  const out: DcgmSeries[] = [];
  xs.forEach((x, k) => {
    if (k === 0 || !x.type.neuron) return;
    for (let core = 0; core < x.type.neuron.count * x.type.neuron.cores; core++) {
      const labels = { instance_id: x.id, instance_type: x.type.type, neuroncore: String(core), region: x.region, runtime_tag: '367' };
      out.push({ labels, value: coreRatio(k, core), owner: { instanceId: x.id, gpu: Math.floor(core / x.type.neuron.cores) } });
    }
  });
  return out;
}

function openMetrics(families: Record<string, readonly DcgmSeries[]>, from: number, to: number): string {
  const lines: string[] = [];
  for (const [name, series] of Object.entries(families)) {
    lines.push(`# TYPE ${name} gauge`);
    for (const s of series) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',');
      for (let t = from; t < to; t += MIN) {
        for (const o of SCRAPE_OFFSETS) lines.push(`${name}{${labels}} ${typeof s.value === 'number' ? s.value : s.value(t + o * 1000)} ${t / 1000 + o}`);
      }
    }
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

const skip = prometheusSkipReason();
if (skip) console.warn(`skipping the Amazon Managed Service for Prometheus test: ${skip}`);
describe.skipIf(skip !== null)('aws metrics from an Amazon Managed Service for Prometheus workspace (SigV4 proxy in front of a real Prometheus)', () => {
  let h: AwsHarness;
  let prom: RunningPrometheus;
  let proxy: ApsProxy;
  let inventory: GpuResource[];
  let series: DcgmSeries[];
  let cores: DcgmSeries[];
  let xidGpu: DcgmSeries;
  const XID_AT_MIN = 40;
  let trainium: FleetInstance[];
  const config = () => ({ metrics: { prometheus: { url: proxy.workspaceUrl, region: 'us-east-1' } } });

  beforeAll(async () => {
    h = await startAwsHarness();
    const to = h.fleet.now.getTime();
    const running = visibleInstances(h.fleet).filter((x) => x.state === 'running' && x.type.gpu);
    series = dcgmSeries(running);
    trainium = visibleInstances(h.fleet).filter((x) => x.state === 'running' && x.type.neuron);
    cores = neuronSeries(trainium);
    // dcgm-exporter's XID gauge holds the last XID of each GPU: 0, then 79 (fallen off the bus) on one GPU only.
    xidGpu = series.find((s) => s.owner !== null && s.owner.gpu === 3) as DcgmSeries;
    const xidAt = to - 60 * MIN + XID_AT_MIN * MIN;
    const xids = series.filter((s) => s.owner !== null).map((s) => ({ ...s, value: s === xidGpu ? (t: number) => (t >= xidAt ? 79 : 0) : 0 }));
    prom = await startPrometheus(
      openMetrics({ DCGM_FI_DEV_GPU_UTIL: series, DCGM_FI_DEV_XID_ERRORS: xids, neuroncore_utilization_ratio: cores }, to - 60 * MIN, to),
    );
    proxy = await startApsProxy(prom.url, 'ws-fleet', { [BASE_ACCESS_KEY]: BASE_SECRET_KEY });
    inventory = await collect(h.connector(config()).inventory(ctx(h.fleet.now)));
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await prom?.stop();
    await h?.close();
  });

  it('reads each GPU through the common DCGM rule with SigV4-signed queries, matching Hostname or instance to the machine; the rest not measured', async () => {
    const c = h.connector(config());
    const to = h.fleet.now.getTime();
    const samples: GpuSample[] = await collect(c.metrics({ ...ctx(h.fleet.now), from: to - 60 * MIN, to, resources: inventory }));
    expect(proxy.forwarded).toBeGreaterThan(0);
    expect(proxy.refused).toBe(0);
    expect(new Set(proxy.scopes)).toEqual(new Set(['aps/us-east-1']));
    const owned = series.filter((s) => s.owner !== null);
    expect(owned.length).toBeGreaterThan(100);
    for (const s of owned) {
      const { instanceId, gpu } = s.owner as { instanceId: string; gpu: number };
      const mine = samples.filter((x) => x.resourceId === instanceId && x.gpuIndex === gpu);
      expect(mine.length, `${instanceId} gpu ${gpu}`).toBe(60);
      for (const x of mine) {
        expect(x.utilSource).toBe('dev');
        expect(x.utilisation as number).toBeCloseTo(s.value as number, 9);
      }
    }
    // Neuron devices: the mean of their two NeuronCores, in percent; the machine without neuron-monitor not measured.
    expect(trainium.length).toBeGreaterThan(1);
    for (const x of trainium.slice(1)) {
      for (let d = 0; d < x.type.accelerators; d++) {
        const mine = samples.filter((s) => s.resourceId === x.id && s.gpuIndex === d);
        const want = cores.filter((c) => c.owner?.instanceId === x.id && c.owner.gpu === d).map((c) => (c.value as number) * 100);
        expect(want).toHaveLength(2);
        expect(mine.length, `${x.id} device ${d}`).toBe(60);
        for (const s of mine) expect(s.utilisation as number).toBeCloseTo((want[0]! + want[1]!) / 2, 9);
      }
    }
    // With a workspace the inventory leaves a Neuron machine's metrics to the metrics run to tell.
    expect((inventory.find((r) => r.id === trainium[0]?.id)?.coverageGaps ?? []).filter((g) => g.kind === 'metrics')).toEqual([]);
    expect(c.unmeasured().find((u) => u.resourceId === trainium[0]?.id)?.reason).toContain('neuron-monitor');
    // Nothing else: no sample for a GPU without a series of its own, a phantom index, a stranger or a shared host.
    const ownedKeys = new Set([...owned, ...cores].map((s) => `${s.owner?.instanceId}/${s.owner?.gpu}`));
    expect(samples.filter((x) => !ownedKeys.has(`${x.resourceId}/${x.gpuIndex}`))).toEqual([]);
    const shared = visibleInstances(h.fleet).filter((x) => x.hostShared).map((x) => x.id).sort();
    expect(shared).toHaveLength(2);
    const unmeasured = c.unmeasured();
    for (const id of shared) expect(unmeasured.find((u) => u.resourceId === id)?.reason).toMatch(/which 2 instances answer to/);
    expect(c.seriesIgnored()).toEqual([{ scope: `Prometheus workspace ${proxy.workspaceUrl}`, ambiguousHosts: 1, badIndex: 1, foreign: 1 }]);
  }, 60_000);

  it('asks a large window as UUID (NeuronCores: instance_id) shards and time chunks within the workspace limits, and yields what one request gives', async () => {
    const to = h.fleet.now.getTime();
    // Two more Trainium machines that no neuron-monitor reports: the core series the plan allows for
    // (every Neuron machine's) are then over the limit below, as a large Trainium fleet's are.
    const trn = inventory.find((r) => r.id === trainium[1]?.id) as GpuResource;
    const silent = ['i-0feedc0ffee0000a1', 'i-0feedc0ffee0000b2'].map((id) => ({ ...trn, id, name: id }));
    const resources = [...inventory, ...silent];
    const neuronCores = resources.reduce((n, r) => n + (r.tags['aws:accelerator'] === 'neuron' ? r.gpuCount * Number(r.tags['aws:neuronCoresPerDevice']) : 0), 0);
    const window = { ...ctx(h.fleet.now), from: to - 60 * MIN, to, resources };
    const key = (x: GpuSample): string => JSON.stringify([x.resourceId, x.gpuIndex, x.ts, x.utilisation, x.xidErrors]);
    const whole = await collect(h.connector(config()).metrics(window));
    expect(whole.some((x) => trainium.some((t) => t.id === x.resourceId))).toBe(true);
    const before = proxy.forwarded;
    const queriesBefore = proxy.queries.length;
    // The limits split this fleet's hour as the defaults split a 100,000-GPU workspace's (issue 16).
    const limits = { pointsPerRequest: 1000, stepsPerRequest: 10, concurrency: 3 };
    // Our request budget (10 a second) paces the 768 queries; a test need not wait for it.
    const budget = { capacity: 1000, refillPerSecond: 1000 };
    const c = h.connector({ metrics: { prometheus: { url: proxy.workspaceUrl, region: 'us-east-1', ...limits } } }, { apiOptions: { credentials: BASE_CREDENTIALS, budget } });
    // Answers held 10 ms, so queries asked together overlap at the workspace.
    proxy.delayMs = 10;
    const sharded = await collect(c.metrics(window)).finally(() => {
      proxy.delayMs = 0;
    });
    expect(sharded.map(key).sort()).toEqual(whole.map(key).sort());
    // 16 shards x 6 chunks of 10 minutes x the seven DCGM queries; the NeuronCores' query the same
    // way, by instance_id (the Neuron machines' core series x 10 steps would be over the limit in one answer).
    const asked = proxy.queries.slice(queriesBefore);
    const neuron = asked.filter((q) => q.includes('neuroncore_utilization_ratio'));
    expect(neuronCores * 10).toBeGreaterThan(limits.pointsPerRequest);
    expect(asked.length - neuron.length).toBe(16 * 6 * 7);
    expect(neuron).toHaveLength(16 * 6);
    expect(new Set(neuron.map((q) => /instance_id=~"[^"]*"/.exec(q)?.[0])).size).toBe(16);
    // The NeuronCore queries run up to the limit at once, never over it.
    const inFlight = proxy.inFlight.slice(queriesBefore).filter((_, i) => asked[i]!.includes('neuroncore_utilization_ratio'));
    expect(Math.max(...inFlight)).toBe(limits.concurrency);
    expect(proxy.forwarded - before).toBe(16 * 6 * 8);
    expect(c.seriesIgnored()).toEqual([{ scope: `Prometheus workspace ${proxy.workspaceUrl}`, ambiguousHosts: 1, badIndex: 1, foreign: 1 }]);
  }, 60_000);

  it("answers a machine page's minutes from the workspace, asking for that machine's series only, however its series name it", async () => {
    const to = h.fleet.now.getTime();
    const from = to - 20 * MIN;
    const c = h.connector({ metrics: { prometheus: { url: proxy.workspaceUrl, region: 'us-east-1', storage: 'rollups' } } });
    expect(c.metricsStorage).toBe('rollups');
    const all: GpuSample[] = await collect(c.metrics({ ...ctx(h.fleet.now), from, to, resources: inventory }));
    const key = (x: GpuSample): string => JSON.stringify([x.gpuIndex, x.ts, x.utilisation, x.xidErrors]);
    // A machine per way its series name it: the full private DNS name, the first label in upper
    // case, the Name tag, no Hostname at all (the scrape instance only); and a Neuron machine.
    const owned = series.filter((s) => s.owner !== null);
    const dns = (id: string) => inventory.find((r) => r.id === id)?.tags['aws:privateDnsName'] ?? '';
    const named = [
      owned.find((s) => s.labels.Hostname !== undefined && s.labels.Hostname === dns(s.owner!.instanceId)),
      owned.find((s) => s.labels.Hostname !== undefined && s.labels.Hostname === dns(s.owner!.instanceId).split('.')[0]!.toUpperCase()),
      owned.find((s) => s.labels.Hostname !== undefined && !dns(s.owner!.instanceId).toLowerCase().startsWith(s.labels.Hostname.toLowerCase())),
      owned.find((s) => s.labels.Hostname === undefined),
    ].map((s) => s?.owner?.instanceId);
    expect(named.every((id) => id !== undefined)).toBe(true);
    for (const id of [...named, trainium[1]?.id]) {
      const machine = inventory.find((r) => r.id === id);
      if (!machine) throw new Error(`machine ${id} is not in the inventory`);
      const before = proxy.queries.length;
      const answer = await c.machineSeries!({ signal: new AbortController().signal, resource: machine, machines: inventory, from, to });
      expect(answer.source).toBe(`Amazon Managed Service for Prometheus at ${new URL(proxy.workspaceUrl).host}`);
      const mine = all.filter((x) => x.resourceId === machine.id);
      expect(mine.length, machine.id).toBeGreaterThan(0);
      expect(answer.samples.every((x) => x.resourceId === machine.id)).toBe(true);
      expect(answer.samples.map(key).sort(), machine.id).toEqual(mine.map(key).sort());
      // Every query named this machine: by its host names, or its instance id for neuron-monitor's series.
      const asked = proxy.queries.slice(before);
      expect(asked.length).toBeGreaterThan(0);
      for (const q of asked) expect(q).toMatch(machine.tags['aws:accelerator'] === 'neuron' ? `instance_id="${machine.id}"` : /(Hostname|instance)=~"\(\?i\)/);
    }
    // A host name two instances answer to: the metrics read left its series unplaced, and so does the machine page.
    const sharedHost = inventory.find((r) => visibleInstances(h.fleet).some((x) => x.hostShared && x.id === r.id));
    if (!sharedHost) throw new Error('no instance sharing a host name in the fleet');
    expect(all.filter((x) => x.resourceId === sharedHost.id)).toEqual([]);
    const before = proxy.queries.length;
    const shared = await c.machineSeries!({ signal: new AbortController().signal, resource: sharedHost, machines: inventory, from, to });
    expect(proxy.queries.length).toBeGreaterThan(before);
    expect(shared.samples).toEqual([]);
    // The same from a connector that has read no metrics yet (the page opened right after start-up).
    const fresh = h.connector({ metrics: { prometheus: { url: proxy.workspaceUrl, region: 'us-east-1', storage: 'rollups' } } });
    expect((await fresh.machineSeries!({ signal: new AbortController().signal, resource: sharedHost, machines: inventory, from, to })).samples).toEqual([]);
  }, 60_000);

  it('carries an XID error on the GPU that reported it, in the minute it changed, and on no other GPU', async () => {
    const c = h.connector(config());
    const to = h.fleet.now.getTime();
    const samples: GpuSample[] = await collect(c.metrics({ ...ctx(h.fleet.now), from: to - 60 * MIN, to, resources: inventory }));
    const { instanceId, gpu } = xidGpu.owner as { instanceId: string; gpu: number };
    const faulted = samples.filter((x) => x.xidErrors > 0);
    expect(faulted.length).toBeGreaterThan(0);
    for (const x of faulted) expect(`${x.resourceId}/${x.gpuIndex}`).toBe(`${instanceId}/${gpu}`);
    expect(faulted.reduce((n, x) => n + x.xidErrors, 0)).toBe(1);
    expect(faulted[0]?.ts).toBe(to - 60 * MIN + XID_AT_MIN * MIN);
  }, 60_000);

  it('fails the stream as a malformed answer when the connection drops half-way through one', async () => {
    const c = h.connector(config());
    const to = h.fleet.now.getTime();
    // The third of the window's queries: half its answer, then the connection is gone.
    proxy.cutAnswer(2);
    const err = await collect(c.metrics({ ...ctx(h.fleet.now), from: to - 10 * MIN, to, resources: inventory })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as MalformedResponseError).message).toMatch(/not JSON/);
  }, 60_000);

  it('fails as auth naming aps:QueryMetrics when the workspace refuses the signature, and nothing reaches Prometheus', async () => {
    const c = h.connector(config());
    const to = h.fleet.now.getTime();
    const before = proxy.forwarded;
    proxy.secrets.set(BASE_ACCESS_KEY, 'rotated-secret');
    try {
      const err = await collect(c.metrics({ ...ctx(h.fleet.now), from: to - 10 * MIN, to, resources: inventory })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as AuthError).kind).toBe('auth');
      expect((err as AuthError).message).toContain('aps:QueryMetrics');
      expect(proxy.forwarded).toBe(before);
      expect(proxy.refused).toBeGreaterThan(0);
      expect(c.access().find((a) => a.operation === 'aps:QueryMetrics')).toMatchObject({ status: 'denied', fix: expect.stringContaining('aps:QueryMetrics') });
    } finally {
      proxy.secrets.set(BASE_ACCESS_KEY, BASE_SECRET_KEY);
    }
  }, 60_000);
});
