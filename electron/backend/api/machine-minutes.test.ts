/**
 * The machine page of a rollups-only account asks the metrics source for the machine's minutes and
 * says so; when the source is down it shows the store's rollups and says why, never an empty page.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../../../shared/config';
import type { ResponseOf } from '../../../shared/contract';
import type { GpuResource, GpuSample } from '../../../shared/domain';
import { kubernetesProvider } from '../providers/kubernetes/provider';
import { buildFleet, fleetNodes, fleetOpenMetrics, fleetPods } from '../providers/kubernetes/testing/fleet';
import { startK8sEmulator, type K8sEmulator } from '../providers/kubernetes/testing/k8s-emulator';
import { prometheusSkipReason, startPrometheus, type RunningPrometheus } from '../providers/kubernetes/testing/prometheus-server';
import type { Connector } from '../providers/types';
import { openStore } from '../store';
import { account, batchesOf, resource, run, tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { createApi } from './index';
import { seriesFromSamples, withSourceMinutes, type MachineMinutesSource } from './machine-minutes';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T = Date.parse('2026-11-25T12:00:00Z');

function storeDetail(): ResponseOf<'fleet:resource'> {
  const points = (v: number | null) => Array.from({ length: 3 }, (_, i) => ({ t: T - (2 - i) * MIN, value: v }));
  return {
    asOf: new Date(T).toISOString(),
    resource: resource('node-1', { gpuCount: 2 }),
    gpus: [],
    stepMs: MIN,
    series: [
      { key: '0', label: 'GPU 0', points: points(10) },
      { key: '1', label: 'GPU 1', points: points(20) },
    ],
    incidents: [],
  };
}

const sample = (gpuIndex: number, ts: number, utilisation: number | null): GpuSample => ({
  resourceId: 'node-1', gpuIndex, ts, utilisation, utilSource: 'prof', memoryUsedMiB: null, powerWatts: null, temperatureC: null, xidErrors: 0,
});

describe('machine minutes of a rollups-only account', () => {
  it('lays the source minutes on the store grid: per GPU and minute the mean, null where none', () => {
    const grid = storeDetail().series;
    const series = seriesFromSamples(grid, [sample(0, T - 2 * MIN, 40), sample(0, T - 2 * MIN + 30_000, 60), sample(1, T, 5), sample(1, T - MIN, null)], MIN);
    expect(series.map((s) => s.points.map((p) => p.value))).toEqual([
      [50, null, null],
      [null, null, 5],
    ]);
  });

  it('asks the source for the hour it shows, and names it', async () => {
    let asked: { from: number; to: number; resource: GpuResource; machines: readonly GpuResource[] } | null = null;
    const source: MachineMinutesSource = {
      metricsStorage: 'rollups',
      machineSeries: async (req) => {
        asked = req;
        return { source: 'Prometheus at prom.example:9090', samples: [sample(0, T, 70)] };
      },
    };
    // The account's machines go with the question: the source places its series among them.
    const machines = [storeDetail().resource, { ...storeDetail().resource, id: 'node-2', name: 'node-2' }];
    const out = await withSourceMinutes(storeDetail(), '1h', source, async () => machines);
    expect(asked).toMatchObject({ from: T - 2 * MIN, to: T + MIN, resource: { id: 'node-1' } });
    expect(asked!.machines.map((m) => m.id)).toEqual(['node-1', 'node-2']);
    expect(out.seriesOrigin).toEqual({ source: 'source', sourceName: 'Prometheus at prom.example:9090', unreachable: null });
    expect(out.series[0]?.points.map((p) => p.value)).toEqual([null, null, 70]);
  });

  it("shows the store's rollups and says why when the source cannot answer", async () => {
    const source: MachineMinutesSource = {
      metricsStorage: 'rollups',
      machineSeries: () => Promise.reject(new Error('Prometheus at prom.example:9090 is unavailable (connection refused)')),
    };
    const out = await withSourceMinutes(storeDetail(), '1h', source);
    expect(out.series).toEqual(storeDetail().series);
    expect(out.seriesOrigin).toEqual({ source: 'store', sourceName: null, unreachable: 'Prometheus at prom.example:9090 is unavailable (connection refused)' });
  });

  it('never passes a credential in the source\'s error on to the page', async () => {
    const source: MachineMinutesSource = {
      metricsStorage: 'rollups',
      machineSeries: () => Promise.reject(new Error('GET https://svc:hunter2secret@prom.example/api/v1/query_range failed: Authorization: Bearer abcdef123456')),
    };
    const why = (await withSourceMinutes(storeDetail(), '1h', source)).seriesOrigin?.unreachable ?? '';
    expect(why).toContain('prom.example');
    expect(why).not.toContain('hunter2secret');
    expect(why).not.toContain('abcdef123456');
  });

  it('keeps the store answer for raw accounts and for the ranges the rollups answer', async () => {
    let calls = 0;
    const machineSeries = async () => {
      calls++;
      return { source: 'x', samples: [] };
    };
    expect((await withSourceMinutes(storeDetail(), '1h', { metricsStorage: 'raw', machineSeries })).seriesOrigin?.source).toBe('store');
    expect((await withSourceMinutes(storeDetail(), '24h', { metricsStorage: 'rollups', machineSeries })).seriesOrigin?.source).toBe('store');
    expect((await withSourceMinutes(storeDetail(), '1h', undefined)).seriesOrigin?.source).toBe('store');
    expect(calls).toBe(0);
  });
});

const skip = prometheusSkipReason();
if (skip) console.warn(`skipping the Prometheus drill-down test: ${skip}`);

describe.skipIf(skip !== null)('drill-down of a rollups-only kubernetes account against a real Prometheus', () => {
  const fixtures = fileURLToPath(new URL('../providers/kubernetes/testing/fixtures/', import.meta.url));
  const lambda = JSON.parse(readFileSync(fixtures + 'node_labels_lambda_cloud_k3s_h100x8_v100x8_gpu_operator.json', 'utf8')) as Array<{ metadata: { labels: Record<string, string> } }>;
  const now = Math.floor(Date.now() / HOUR) * HOUR;
  const fleet = buildFleet(now, 10, lambda[0]?.metadata.labels ?? {});
  const signal = new AbortController().signal;
  let emu: K8sEmulator;
  let prom: RunningPrometheus;
  let connector: Connector;
  let store: FleetStore;
  let cleanup: () => Promise<void>;
  let machine: GpuResource;

  beforeAll(async () => {
    emu = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
    prom = await startPrometheus(fleetOpenMetrics(fleet));
    const raw = AccountConfigBase.parse({
      name: 'k8s-test', provider: 'kubernetes', kubeconfig: emu.kubeconfigPath, context: 'emu', prometheus: { url: prom.url, storage: 'rollups' },
    });
    connector = await kubernetesProvider.create(kubernetesProvider.parseConfig(raw));
    const resources: GpuResource[] = [];
    for await (const b of connector.inventory({ signal, now: new Date(now) })) resources.push(...b);
    machine = resources.find((r) => r.gpuCount === 8)!;
    let dir: string;
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir, { now: () => new Date(now) });
    await store.upsertAccounts([account('k8s-test', { provider: 'kubernetes' })]);
    await store.writeInventory(run('k8s-test', 'inventory'), batchesOf(resources));
    const window = { from: now - 2 * HOUR, to: now };
    await store.writeMetrics(run('k8s-test', 'metrics'), window, connector.metrics({ signal, now: new Date(now), ...window, resources }), connector.metricsStorage);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await cleanup?.();
    await prom?.stop();
    await emu?.close();
  });

  it('asks Prometheus for the machine minutes and says they are not stored here; falls back to the rollups when it is down', async () => {
    expect(connector.metricsStorage).toBe('rollups');
    const api = createApi({ store, mode: 'desktop', version: 'test', demo: () => false, now: () => new Date(now), machineSource: () => connector });
    const request = { account: 'k8s-test', id: machine.id, range: '1h' as const, asOf: new Date(now).toISOString() };
    const stored = await store.resourceDetail(new Date(now), 'k8s-test', machine.id, '1h');
    const values = (d: { series: { points: { value: number | null }[] }[] }) => d.series.flatMap((s) => s.points.map((p) => p.value));
    expect(values(stored!).filter((v) => v !== null).length).toBeGreaterThan(100);

    const live = await api['fleet:resource'](request);
    expect(live.seriesOrigin).toEqual({ source: 'source', sourceName: `Prometheus at ${new URL(prom.url).host}`, unreachable: null });
    // The same minutes the sync stored, now read from the source for this one machine.
    const fromSource = values(live);
    values(stored!).forEach((v, i) => (v === null ? expect(fromSource[i]).toBeNull() : expect(fromSource[i]).toBeCloseTo(v, 6)));

    await prom.stop();
    const fallback = await api['fleet:resource'](request);
    expect(fallback.seriesOrigin?.source).toBe('store');
    expect(fallback.seriesOrigin?.unreachable).toMatch(/\S/);
    expect(values(fallback)).toEqual(values(stored!));
  }, 120_000);
});
