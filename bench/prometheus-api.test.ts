import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../shared/config';
import { kubernetesProvider } from '../electron/backend/providers/kubernetes/provider';
import { fleetNodes, fleetPods } from '../electron/backend/providers/kubernetes/testing/fleet';
import { startK8sEmulator, type K8sEmulator } from '../electron/backend/providers/kubernetes/testing/k8s-emulator';
import { backfillOpenMetrics, prometheusSkipReason, startPrometheusIn, type RunningPrometheus } from '../electron/backend/providers/kubernetes/testing/prometheus-server';
import { openStore } from '../electron/backend/store/index';
import { SyncEngine } from '../electron/backend/sync/engine';
import { systemClock } from '../electron/backend/sync/clock';
import { buildBenchFleet, writeOpenMetrics } from './prometheus';
import { DCGM_FAMILIES, startPrometheusApi, type PrometheusApi } from './prometheus-api';

const MINUTE = 60_000;
const skip = prometheusSkipReason();
if (skip) console.warn(`skipping the bench Prometheus API comparison: ${skip}`);

interface Answer {
  status: string;
  errorType?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> };
}

async function ask(url: string, request: PrometheusApi['requests'][number]): Promise<Answer> {
  const res = await fetch(`${url}/api/v1/query_range`, { method: 'POST', body: new URLSearchParams(request) });
  const answer = (await res.json()) as Answer;
  // Series in one order: Prometheus sorts a range query's series, and the comparison should not hinge on how.
  answer.data?.result.sort((a, b) => JSON.stringify(a.metric).localeCompare(JSON.stringify(b.metric)));
  return answer;
}

describe.skipIf(skip !== null)("the bench's Prometheus API answers the connector as Debian's Prometheus does", () => {
  // 12 nodes: node 3 silent for the last 45 minutes, node 7 reporting DEV utilisation only.
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const fleet = buildBenchFleet(96, now);
  let work: string;
  let prom: RunningPrometheus;
  let api: PrometheusApi;
  let k8s: K8sEmulator;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetpane-prom-api-'));
    const input = join(work, 'dcgm.om');
    // Every family dcgm-exporter writes, so the framebuffer, power, temperature and XID queries are compared too.
    await writeOpenMetrics(fleet, input, DCGM_FAMILIES);
    backfillOpenMetrics(input, join(work, 'prometheus', 'data'));
    prom = await startPrometheusIn(join(work, 'prometheus'));
    api = await startPrometheusApi(fleet, DCGM_FAMILIES);
    k8s = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
  });
  afterAll(async () => {
    await Promise.all([prom?.stop(), api?.close(), k8s?.close()]);
    await rm(work, { recursive: true, force: true });
  });

  it('gives the same answer to every query a first backfill asks, in shards, the silent node included', async () => {
    // Few points per request: the window is asked as 16 UUID shards over several time chunks, as at 100,000 GPUs.
    const config = kubernetesProvider.parseConfig(
      AccountConfigBase.parse({
        name: 'gpu-clusters',
        provider: 'kubernetes',
        kubeconfig: k8s.kubeconfigPath,
        prometheus: { url: api.url, pointsPerRequest: 1000 },
        metricsBackfillHours: 3,
      }),
    );
    const store = await openStore(join(work, 'store'), { now: () => new Date(now - MINUTE) });
    try {
      const engine = new SyncEngine({
        store,
        accounts: [{ config, connector: await kubernetesProvider.create(config) }],
        clock: { ...systemClock, now: () => new Date(now - MINUTE) },
        random: () => 0.5,
      });
      const result = await engine.syncOnce();
      // 11 nodes of 8 GPUs for the window's 180 minutes; the silent node's last sample is 45.5
      // minutes before now, and the window ends a minute before now: 136 of its minutes.
      expect(result.accounts[0]?.streams.metrics.rows).toBe(88 * 180 + 8 * 136);
    } finally {
      await store.close();
    }
    // What the sync asked (the comparison below asks again).
    const asked = [...api.requests];
    expect(asked.some((r) => r.query.includes('UUID=~'))).toBe(true);
    const withSeries = new Set<string>();
    for (const request of asked) {
      const [ours, theirs] = await Promise.all([ask(api.url, request), ask(prom.url, request)]);
      expect({ request, answer: ours }).toEqual({ request, answer: theirs });
      if ((theirs.data?.result.length ?? 0) > 0) withSeries.add(/DCGM_FI_[A-Z_]+/.exec(request.query)?.[0] ?? request.query);
    }
    // Answers with series of every family (the XID changes query answers none: no GPU had one).
    expect([...withSeries].sort()).toEqual(DCGM_FAMILIES.slice().sort());
  });

  it('refuses a query it does not know instead of guessing', async () => {
    const answer = await ask(api.url, { query: 'sum(rate(DCGM_FI_DEV_GPU_UTIL[5m]))', start: String(now / 1000 - 600), end: String(now / 1000), step: '60' });
    expect(answer).toMatchObject({ status: 'error', errorType: 'bad_data' });
  });
});
