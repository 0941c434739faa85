/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine and the triage watcher, wired as the app wires them; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../../../../shared/config';
import { GPU_STATES, IDLE_THRESHOLD_PERCENT, STATE_WINDOW_MS, type CloudId, type GpuState } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { lookupGpuClass, lookupInstance } from '../../catalog';
import { kubernetesProvider } from './provider';
import { buildFleet, fleetNodes, fleetOpenMetrics, fleetPods, reports, scrapeTimes, type FleetNode } from './testing/fleet';
import { startK8sEmulator, type K8sEmulator } from './testing/k8s-emulator';
import { prometheusSkipReason, startPrometheus, type RunningPrometheus } from './testing/prometheus-server';
import type { Connector } from '../types';

const HOUR = 3_600_000;
const now = Math.floor(Date.now() / HOUR) * HOUR;
const fleet = buildFleet(now, 200);
const skip = prometheusSkipReason();
if (skip) console.warn(`skipping the kubernetes sync integration test: ${skip}`);

/** A node's hourly price from the catalog: its instance type's, or CoreWeave's class price per physical GPU. */
function priceOf(n: FleetNode): number | null {
  const type = n.labels['node.kubernetes.io/instance-type'];
  const cls = n.labels['gpu.nvidia.com/class'];
  const price = type ? lookupInstance(n.cloud, type, n.region)?.hourlyPrice : cls ? lookupGpuClass(cls, 'coreweave', n.region)?.hourlyPrice : null;
  if (!price) return null;
  return type ? Number(price) : Number(price) * n.paneGpus;
}

/** The pane's numbers computed straight from the generated series (glossary definitions). */
function truth() {
  const times = scrapeTimes(fleet);
  const FIVE_MIN = 5 * 60_000;
  const todayStart = now - (now % 86_400_000);
  const out = new Map<CloudId, { counts: Record<GpuState, number>; avg1h: number[]; avg24h: number[]; idleWaste: number }>();
  fleet.nodes.forEach((n) => {
    const c = out.get(n.cloud) ?? { counts: { stopped: 0, unhealthy: 0, unknown: 0, busy: 0, idle: 0 }, avg1h: [], avg24h: [], idleWaste: 0 };
    const price = priceOf(n);
    // A MIG-partitioned GPU is one GPU; a node the connector can only bound shows its lower bound.
    for (const g of n.gpus.slice(0, n.paneGpus)) {
      const window = (from: number) => times.filter((t) => t >= from && t < now && reports(n, fleet, t)).map((t) => g.util(t));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const recent = window(now - STATE_WINDOW_MS);
      const xid = (fleet.xid.get(g.uuid) ?? []).some((t) => t >= now - STATE_WINDOW_MS);
      const state: GpuState = !n.ready || xid ? 'unhealthy' : recent.length === 0 ? 'unknown' : mean(recent) >= IDLE_THRESHOLD_PERCENT ? 'busy' : 'idle';
      c.counts[state] += 1;
      const h1 = window(now - HOUR);
      if (h1.length) c.avg1h.push(mean(h1));
      const h24 = window(now - 24 * HOUR);
      if (h24.length) c.avg24h.push(mean(h24));
      // Idle waste: each idle 5-minute bucket of today costs 5/60 h of the node's price per physical GPU.
      const buckets = new Map<number, number[]>();
      for (const t of times.filter((x) => x >= todayStart && x < now && reports(n, fleet, x))) {
        const b = Math.floor(t / FIVE_MIN) * FIVE_MIN;
        buckets.set(b, [...(buckets.get(b) ?? []), g.util(t)]);
      }
      const idle = [...buckets.values()].filter((xs) => mean(xs) < IDLE_THRESHOLD_PERCENT).length;
      if (price !== null) c.idleWaste += (idle * price) / n.paneGpus / 12;
    }
    out.set(n.cloud, c);
  });
  return out;
}

describe.skipIf(skip !== null)('kubernetes account synced into the store', () => {
  let emu: K8sEmulator;
  let prom: RunningPrometheus;
  let synced: SyncedStore;
  let overview: Overview;
  let connector: Connector;

  beforeAll(async () => {
    emu = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
    prom = await startPrometheus(fleetOpenMetrics(fleet));
    const config = kubernetesProvider.parseConfig(
      AccountConfigBase.parse({ name: 'gpu-clusters', provider: 'kubernetes', kubeconfig: emu.kubeconfigPath, prometheus: { url: prom.url }, metricsBackfillHours: 24 }),
    );
    // Synced as the app wires it: derived signals (node-down, XID...) run after each commit.
    connector = await kubernetesProvider.create(config);
    synced = await syncIntoStore([{ config, connector }], { now: new Date(now), dirPrefix: 'fleetpane-k8s-sync-', triage: true });
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
    // Backfill, Prometheus start and a full sync of 24 h: slow on a busy shared CI machine.
  }, 300_000);
  afterAll(async () => {
    await synced?.close();
    await prom?.stop();
    await emu?.close();
  });

  it('shows GPU counts by state exactly and utilisation per cloud within 0.1 point', () => {
    const expected = truth();
    for (const [cloud, t] of expected) {
      const c = overview.clouds.find((x) => x.provider === cloud);
      expect(c, cloud).toBeDefined();
      const total = GPU_STATES.reduce((n, s) => n + t.counts[s], 0);
      expect(c?.gpus, cloud).toEqual({ total, ...t.counts });
      const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      expect(Math.abs((c?.utilisation.avg1h ?? NaN) - avg(t.avg1h)), `${cloud} avg1h`).toBeLessThan(0.1);
      expect(Math.abs((c?.utilisation.avg24h ?? NaN) - avg(t.avg24h)), `${cloud} avg24h`).toBeLessThan(0.1);
    }
  });

  it('prices idle waste per physical GPU, MIG GPUs included', () => {
    for (const [cloud, t] of truth()) {
      const c = overview.clouds.find((x) => x.provider === cloud);
      const waste = Number(c?.spend.find((s) => s.currency === 'USD')?.idleWasteToday ?? '0');
      expect(Math.abs(waste - t.idleWaste), `${cloud} idle waste ${waste} vs ${t.idleWaste}`).toBeLessThan(0.01);
    }
  });

  it('reports the MIG node it cannot count in the account diagnostics, with a placement gap', () => {
    expect(connector.diagnostics?.().unplaced).toEqual([
      expect.objectContaining({ resourceId: 'k8s-node:gpu-other-mig-unsure', reason: expect.stringContaining('at least 2 GPUs') }),
    ]);
  });

  it('lists the node-down and XID incidents as active, derived by analytics after the commits', () => {
    const ids = overview.clouds.flatMap((c) => c.incidents.list.map((i) => i.id));
    expect(ids.filter((id) => id.startsWith('derived:signal:node-down:gpu-clusters:k8s-node:gpu-oci-017@'))).toHaveLength(1);
    expect(ids.filter((id) => id.startsWith('derived:signal:xid:gpu-clusters:k8s-node:gpu-azure-030@'))).toHaveLength(1);
    // The connector raises none of its own, so each condition is one incident, not two merged.
    expect(ids.filter((id) => id.startsWith('derived:') && !id.startsWith('derived:signal:'))).toEqual([]);
  });
});
