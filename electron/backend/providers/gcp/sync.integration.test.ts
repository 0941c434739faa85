/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDecimals, multiplyDecimalByInteger, normaliseDecimal } from '../../../../shared/decimal';
import { IDLE_THRESHOLD_PERCENT, type GpuResource, type GpuState, type Incident } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { sameOutage } from '../../domain/incident-merge';
import { gcpProvider } from './provider';
import { lookupInstance, lookupMachine } from '../../catalog';
import { fromMicros, micros } from './testing/emulator';
import { regionOfZone, type FleetInstance } from './testing/fleet';
import { startGcpHarness, type GcpHarness } from './testing/harness';

/** The pane's numbers computed straight from the emulator's fleet (glossary definitions). */
function truth(h: GcpHarness) {
  const counts: Record<GpuState, number> = { stopped: 0, unhealthy: 0, unknown: 0, busy: 0, idle: 0 };
  const byModel = new Map<string, { total: number; busy: number; idle: number }>();
  const add = (model: string, state: GpuState) => {
    counts[state] += 1;
    const m = byModel.get(model) ?? { total: 0, busy: 0, idle: 0 };
    m.total += 1;
    if (state === 'busy') m.busy += 1;
    if (state === 'idle') m.idle += 1;
    byModel.set(model, m);
  };
  for (const inst of h.fleet.instances) {
    const measured = inst.status === 'RUNNING' && (inst.agent !== 'none' || inst.shape.model.startsWith('TPU'));
    for (let g = 0; g < inst.shape.gpus; g++) {
      const util = inst.utilisation[g] as number;
      const state: GpuState =
        inst.status === 'TERMINATED' || inst.status === 'SUSPENDED' ? 'stopped'
          : inst.status === 'REPAIRING' ? 'unhealthy'
            : !measured ? 'unknown'
              : util >= IDLE_THRESHOLD_PERCENT ? 'busy' : 'idle';
      add(inst.shape.model, state);
    }
  }
  for (const node of h.fleet.tpuNodes) {
    for (let c = 0; c < node.chips; c++) {
      const util = node.dutyCycle?.[c];
      add(node.model, node.state === 'STOPPED' ? 'stopped' : util === undefined ? 'unknown' : util >= IDLE_THRESHOLD_PERCENT ? 'busy' : 'idle');
    }
  }
  const month = h.fleet.now.toISOString().slice(0, 7);
  const billed = h.fleet.billing
    // The fleet also holds rows for later today; a sync at `now` cannot have them.
    .filter((r) => r.usageStart.slice(0, 7) === month && r.currency === 'USD' && Date.parse(r.usageStart) < h.fleet.now.getTime())
    .reduce((s, r) => s + micros(r.cost) + r.credits.reduce((c, x) => c + micros(x), 0n), 0n);
  const repairing = h.fleet.instances.filter((i) => i.status === 'REPAIRING').length;
  // Host maintenance whose window has begun, and Spot VMs Compute Engine stopped (preempted).
  const inMaintenance = h.fleet.instances.filter((i) => i.upcomingMaintenance && Date.parse(i.upcomingMaintenance.windowStartTime) <= h.fleet.now.getTime()).length;
  const preempted = h.fleet.instances.filter((i) => i.spot && i.status === 'TERMINATED').length;
  // Run-rate: running machines x their list price, over today's hours (the export lags a day, so
  // none of today is billed). Built-in GPU machines (a2, a3, g2) at the machine type's price; N1
  // with attached GPUs at GPUs x the accelerator's price plus the N1 machine; a4 has no price.
  const priceOf = (inst: FleetInstance): string | null => {
    const region = regionOfZone(inst.zone);
    if (inst.shape.pricing === 'machine') return lookupInstance('gcp', inst.shape.machineType, region)?.hourlyPrice ?? null;
    const acc = inst.shape.accelerator as { type: string; count: number };
    const gpu = lookupInstance('gcp', acc.type, region)?.hourlyPrice;
    const machine = lookupMachine('gcp', inst.shape.machineType, region)?.hourlyPrice;
    return gpu && machine ? addDecimals(multiplyDecimalByInteger(gpu, acc.count), machine) : null;
  };
  let hourly = '0';
  let unpriced = 0;
  for (const inst of h.fleet.instances) {
    if (inst.status !== 'RUNNING' && inst.status !== 'REPAIRING') continue;
    const price = priceOf(inst);
    if (price === null) unpriced += 1;
    else hourly = addDecimals(hourly, price);
  }
  for (const node of h.fleet.tpuNodes) {
    const price = node.state === 'READY' ? lookupInstance('gcp', node.acceleratorType, regionOfZone(node.zone))?.hourlyPrice : null;
    if (price) hourly = addDecimals(hourly, price);
  }
  const hoursToday = (h.fleet.now.getTime() % 86_400_000) / 3_600_000;
  const runRate = multiplyDecimalByInteger(hourly, hoursToday);
  return { counts, byModel, billed, repairing, inMaintenance, preempted, runRate, unpriced };
}

describe('gcp account synced into the store', () => {
  let h: GcpHarness;
  let synced: SyncedStore;
  let overview: Overview;

  beforeAll(async () => {
    // The billing export lags a day, as it may: today's run-rate is then all of today's hours.
    h = await startGcpHarness({ billingLagDays: 1 });
    const now = h.fleet.now;
    const config = h.config({ metricsBackfillHours: 1, incidents: { serviceHealth: true } });
    synced = await syncIntoStore([{ config, connector: await gcpProvider.create(config) }], { now, dirPrefix: 'fleetpane-gcp-sync-', triage: false });
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
  });
  afterAll(async () => {
    await synced?.close();
    await h?.close();
  });

  it('shows GPU counts by state and by model exactly as the emulator holds them', () => {
    const t = truth(h);
    const gcp = overview.clouds.find((c) => c.provider === 'gcp');
    expect(gcp?.accounts).toEqual(['gcp-prod']);
    const total = Object.values(t.counts).reduce((a, b) => a + b, 0);
    expect(gcp?.gpus).toEqual({ total, ...t.counts });
    const byModel = Object.fromEntries((gcp?.byModel ?? []).map((m) => [m.model, { total: m.total, busy: m.busy, idle: m.idle }]));
    expect(byModel).toEqual(Object.fromEntries(t.byModel));
  });

  it('shows spend billed month to date to the cent (exactly, in fact)', () => {
    const t = truth(h);
    const usd = overview.clouds.find((c) => c.provider === 'gcp')?.spend.find((s) => s.currency === 'USD');
    expect(usd).toBeDefined();
    expect(fromMicros(micros(usd?.billedMonthToDate ?? 'x'))).toBe(fromMicros(t.billed));
  });

  it('shows run-rate today as running machines x list price: built-in GPU machines priced as the machine, N1 per GPU plus the machine', () => {
    const t = truth(h);
    const usd = overview.clouds.find((c) => c.provider === 'gcp')?.spend.find((s) => s.currency === 'USD');
    // Accelerator-optimized machines list their GPUs in guestAccelerators; before, they were left unpriced.
    expect(t.unpriced).toBeGreaterThan(0);
    expect(Number(t.runRate)).toBeGreaterThan(10_000);
    expect(normaliseDecimal(usd?.runRateToday ?? 'x', 2)).toBe(normaliseDecimal(t.runRate, 2));
  });

  it('counts the ongoing outage once (status feed and Service Health merged), repairing, maintenance and preempted machines as active', async () => {
    const t = truth(h);
    const gcp = overview.clouds.find((c) => c.provider === 'gcp');
    const ids = gcp?.incidents.list.map((i) => i.id) ?? [];
    // The Service Health event and the public incident of the same outage are one incident, led by PSH.
    expect(ids).toContain('gcp-psh:psh-gce-uscentral1');
    expect(ids).not.toContain('gcp-status:inc-gce-uscentral1');
    expect(ids).not.toContain('gcp-status:inc-gce-mecentral');
    expect(t.inMaintenance).toBe(1);
    expect(t.preempted).toBe(1);
    expect(gcp?.incidents.active).toBe(1 + t.repairing + t.inMaintenance + t.preempted);
    // The merge rule itself, on the reports the connector hands over.
    const connector = await gcpProvider.create(h.config({ incidents: { serviceHealth: true } }));
    const ctx = { signal: new AbortController().signal, now: h.fleet.now };
    const resources: GpuResource[] = [];
    for await (const batch of connector.inventory(ctx)) resources.push(...batch);
    const stored: Incident[] = [];
    for await (const batch of connector.incidents({ ...ctx, resources })) stored.push(...batch);
    const psh = stored.find((i) => i.id === 'gcp-psh:psh-gce-uscentral1');
    const status = stored.find((i) => i.id === 'gcp-status:inc-gce-uscentral1');
    expect(psh && status && sameOutage(psh, status)).toBe(true);
    const endedPsh = stored.find((i) => i.id === 'gcp-psh:psh-gce-euw4');
    const endedStatus = stored.find((i) => i.id === 'gcp-status:inc-gce-euw4-ended');
    expect(endedPsh && endedStatus && sameOutage(endedPsh, endedStatus)).toBe(true);
  });
});
