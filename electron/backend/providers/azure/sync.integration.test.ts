/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { createAzureConnector, type AzureConnector } from './index';
import { FLEET_SIZES, fleetTruth, toMicros, type Fleet, type FleetTruth } from './testing/fleet';
import { startHarness, type Harness } from './testing/harness';

describe('azure subscription synced into the store', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  let h: Harness;
  let synced: SyncedStore;
  let overview: Overview;
  let truth: FleetTruth;
  let connector: AzureConnector;

  beforeAll(async () => {
    // The emulated fleet is adversarial by default: host names differ from VM names, some match nothing.
    h = await startHarness({ now, standaloneVms: 320 }, 50);
    truth = fleetTruth(h.fleet);
    const config = h.config({ metricsBackfillHours: 1 });
    connector = createAzureConnector(config);
    synced = await syncIntoStore([{ config, connector }], { now, dirPrefix: 'fleetpane-azure-sync-', triage: false });
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
  });
  afterAll(async () => {
    await synced?.close();
    await h?.close();
  });

  it('shows GPU counts by state and by model exactly as the emulator holds them', () => {
    const azure = overview.clouds.find((c) => c.provider === 'azure');
    expect(azure?.accounts).toEqual(['azure-prod']);
    // The fleet exercises every state, so a mapping slip shows up as a wrong count.
    for (const state of ['busy', 'idle', 'unhealthy', 'unknown', 'stopped'] as const) expect(truth.gpus[state]).toBeGreaterThan(0);
    expect(azure?.gpus).toEqual(truth.gpus);
    const byModel = Object.fromEntries((azure?.byModel ?? []).map((m) => [m.model, { total: m.total, busy: m.busy, idle: m.idle }]));
    expect(byModel).toEqual(truth.byModel);
  });

  it('measures GPUs by their OS host name: utilisation as the emulator served it, unknown only where nothing matches', () => {
    const azure = overview.clouds.find((c) => c.provider === 'azure');
    expect(truth.utilisationAvg1h).not.toBeNull();
    expect(azure?.utilisation.avg1h).not.toBeNull();
    expect(azure?.utilisation.avg1h ?? NaN).toBeCloseTo(truth.utilisationAvg1h ?? NaN, 6);
    // Unknown GPUs: the silent machines plus exactly the ones whose host name Azure never reports.
    expect(truth.unmatchedGpus).toBeGreaterThan(0);
    expect(azure?.gpus.unknown).toBe(truth.gpus.unknown);
    const unmeasured = connector.diagnostics?.().unmeasured ?? [];
    expect(unmeasured.map((u) => u.resourceId).sort()).toEqual(truth.unmeasuredIds);
    expect(unmeasured.every((u) => u.reason.startsWith('no DCGM series with Hostname = '))).toBe(true);
  });

  it('shows spend billed month to date to the cent', () => {
    const usd = overview.clouds.find((c) => c.provider === 'azure')?.spend.find((s) => s.currency === 'USD');
    expect(usd).toBeDefined();
    expect(toMicros(usd?.billedMonthToDate ?? 'x')).toBe(truth.billedMonthToDateMicros);
  });

  it('lists the active incidents of fleet regions with the GPUs they affect, and not the others', () => {
    const azure = overview.clouds.find((c) => c.provider === 'azure');
    const list = azure?.incidents.list ?? [];
    const got = Object.fromEntries(list.filter((i) => i.endedAt === null).map((i) => [i.id.replace(/:\d{4}-.*$/, ''), i.affectedGpus]));
    expect(Object.keys(truth.activeIncidents).length).toBeGreaterThan(3);
    expect(got).toEqual(truth.activeIncidents);
    expect(azure?.incidents.active).toBe(Object.keys(truth.activeIncidents).length);
    expect(list.some((i) => i.id === 'service-health:ST9B-2Q0')).toBe(false);
  });
});

describe('azure subscription synced while optional calls fail', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  let h: Harness;
  let synced: SyncedStore;
  let connector: AzureConnector;

  beforeAll(async () => {
    h = await startHarness({ now, standaloneVms: 120 }, 50);
    h.arm.addFault({ match: /Microsoft\.Insights\/metrics/, kind: '404-invalid-resource-type', times: 1000 });
    h.arm.addFault({ match: /virtualMachineScaleSets\/train-a100\/virtualMachines/, kind: '500', times: 1000 });
    const config = h.config({ metricsBackfillHours: 1 });
    connector = createAzureConnector(config);
    synced = await syncIntoStore([{ config, connector }], { now, dirPrefix: 'fleetpane-azure-sync-faults-', triage: false });
  });
  afterAll(async () => {
    await synced?.close();
    await h?.close();
  });

  it('completes the inventory, counts the unlisted scale set as unknown GPUs and names each failed call', () => {
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    const ss = h.fleet.scaleSets.find((s) => s.name === 'train-a100');
    if (!ss) throw new Error('no train-a100');
    // Truth without the unlisted scale set's instances and without the availability metric nobody could read.
    const seen: Fleet = { ...h.fleet, vms: h.fleet.vms.filter((v) => v.scaleSet?.name !== ss.name).map((v) => ({ ...v, platform: v.platform === 'down' ? 'missing' : v.platform })) };
    const t = fleetTruth(seen);
    const standIn = ss.capacity * FLEET_SIZES[ss.size].gpus;
    const azure = synced.overview.clouds.find((c) => c.provider === 'azure');
    expect(azure?.gpus).toEqual({ ...t.gpus, total: t.gpus.total + standIn, unknown: t.gpus.unknown + standIn });
    expect(azure?.utilisation.avg1h ?? NaN).toBeCloseTo(t.utilisationAvg1h ?? NaN, 6);
    const operations = (connector.diagnostics?.().access ?? []).map((a) => a.operation);
    expect(operations).toContain('Compute virtualMachineScaleSetVMs.list (train-a100)');
    expect(operations.some((o) => o.startsWith('Azure Monitor metrics (subscription scope'))).toBe(true);
  });
});
