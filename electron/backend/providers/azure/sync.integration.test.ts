/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { azureConnectorFactory } from './index';
import { fleetTruth, toMicros, type FleetTruth } from './testing/fleet';
import { startHarness, type Harness } from './testing/harness';

describe('azure subscription synced into the store', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  let h: Harness;
  let synced: SyncedStore;
  let overview: Overview;
  let truth: FleetTruth;

  beforeAll(async () => {
    h = await startHarness({ now, standaloneVms: 320 }, 50);
    truth = fleetTruth(h.fleet);
    const config = h.config({ metricsBackfillHours: 1 });
    synced = await syncIntoStore([{ config, connector: azureConnectorFactory.create(azureConnectorFactory.parseConfig(config)) }], { now, dirPrefix: 'fleetpane-azure-sync-', triage: false });
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
