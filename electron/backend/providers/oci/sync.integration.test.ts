/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDLE_THRESHOLD_PERCENT, type GpuState } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { ociProvider } from './provider';
import { startOciHarness, type OciHarness } from './testing/harness';

function micros(v: string): bigint {
  const neg = v.startsWith('-');
  const [i = '0', f = ''] = (neg ? v.slice(1) : v).split('.');
  const n = BigInt(i + f.padEnd(6, '0').slice(0, 6));
  return neg ? -n : n;
}

/** The pane's numbers computed straight from the emulator's fleet (glossary definitions). */
function truth(h: OciHarness) {
  const counts: Record<GpuState, number> = { stopped: 0, unhealthy: 0, unknown: 0, busy: 0, idle: 0 };
  const byModel = new Map<string, { total: number; busy: number; idle: number }>();
  const denied = new Set(h.fleet.compartments.filter((c) => c.denied).map((c) => c.id));
  const now = h.fleet.now.getTime();
  // Sample minutes in the state window (asOf - 30 min, asOf]; the last whole minute before now is the newest.
  const windowStart = now - 30 * 60_000;
  let faulted = 0;
  for (const inst of h.fleet.instances) {
    if (!inst.gpu || inst.lifecycle === 'TERMINATED' || denied.has(inst.compartmentId)) continue;
    for (let g = 0; g < inst.gpu.gpus; g++) {
      const util = inst.utilisation[g] as number;
      // Fault = 1 on this GPU in a minute of the window (the plugin reports it per GPU).
      const fault = inst.lifecycle === 'RUNNING' && inst.plugin === 'ENABLED' && inst.faultReported === true &&
        (inst.faultWindows ?? []).some((w) => w.gpu === g && w.to > windowStart && w.from < now);
      if (fault) faulted += 1;
      const state: GpuState =
        inst.lifecycle === 'STOPPED' ? 'stopped'
          : inst.lifecycle === 'MOVING' || fault ? 'unhealthy'
            : inst.lifecycle !== 'RUNNING' || inst.plugin !== 'ENABLED' ? 'unknown'
              : util >= IDLE_THRESHOLD_PERCENT ? 'busy' : 'idle';
      counts[state] += 1;
      const m = byModel.get(inst.gpu.model) ?? { total: 0, busy: 0, idle: 0 };
      m.total += 1;
      if (state === 'busy') m.busy += 1;
      if (state === 'idle') m.idle += 1;
      byModel.set(inst.gpu.model, m);
    }
  }
  const monthStart = Date.UTC(h.fleet.now.getUTCFullYear(), h.fleet.now.getUTCMonth(), 1);
  const billed = h.fleet.usage.filter((u) => u.day >= monthStart && u.day < now).reduce((s, u) => s + micros(u.amount), 0n);
  const moving = h.fleet.instances.filter((i) => i.lifecycle === 'MOVING' && !denied.has(i.compartmentId)).length;
  return { counts, byModel, billed, moving, faulted };
}

describe('oci tenancy synced into the store', () => {
  let h: OciHarness;
  let synced: SyncedStore;
  let overview: Overview;

  beforeAll(async () => {
    h = await startOciHarness();
    const now = h.fleet.now;
    const config = h.config({ metricsBackfillHours: 1 });
    synced = await syncIntoStore([{ config, connector: await ociProvider.create(config) }], { now, dirPrefix: 'fleetpane-oci-sync-', triage: false });
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
  });
  afterAll(async () => {
    await synced?.close();
    await h?.close();
  });

  it('shows GPU counts by state and by shape model exactly as the emulator holds them', () => {
    const t = truth(h);
    const oci = overview.clouds.find((c) => c.provider === 'oci');
    expect(oci?.accounts).toEqual(['oci-prod']);
    const total = Object.values(t.counts).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(100);
    expect(oci?.gpus).toEqual({ total, ...t.counts });
    const byModel = Object.fromEntries((oci?.byModel ?? []).map((m) => [m.model, { total: m.total, busy: m.busy, idle: m.idle }]));
    expect(byModel).toEqual(Object.fromEntries(t.byModel));
  });

  it('counts the GPU whose Fault is 1 in the last 30 minutes as unhealthy, that GPU only, not its host', () => {
    const t = truth(h);
    // One GPU faulted now; another recovered 35 minutes ago and counts by its utilisation again.
    expect(t.faulted).toBe(1);
    const faultedHost = h.fleet.instances.find((i) => i.faultWindows?.some((w) => w.to > h.fleet.now.getTime()));
    expect(faultedHost?.gpu?.gpus).toBeGreaterThan(1);
    const oci = overview.clouds.find((c) => c.provider === 'oci');
    expect(oci?.gpus.unhealthy).toBe(t.counts.unhealthy);
    const movingGpus = h.fleet.instances.filter((i) => i.lifecycle === 'MOVING').reduce((n, i) => n + (i.gpu?.gpus ?? 0), 0);
    expect(t.counts.unhealthy).toBe(movingGpus + 1);
  });

  it('shows spend billed month to date to the cent (exactly, in fact), credits included', () => {
    const t = truth(h);
    const usd = overview.clouds.find((c) => c.provider === 'oci')?.spend.find((s) => s.currency === 'USD');
    expect(usd).toBeDefined();
    expect(micros(usd?.billedMonthToDate ?? 'x')).toBe(t.billed);
  });

  it('counts the Ashburn production event and the instances being moved as active; ended and foreign-region ones not', () => {
    const t = truth(h);
    const oci = overview.clouds.find((c) => c.provider === 'oci');
    const ids = oci?.incidents.list.map((i) => i.id) ?? [];
    expect(ids).toContain('oci-announcement:ocid1.announcement.oc1..aaaaaaaaoutageiad');
    expect(ids).not.toContain('oci-announcement:ocid1.announcement.oc1..aaaaaaaaoutagegru');
    // Active: the production event, the moved instances and the rescheduled change whose window is open now.
    expect(ids).toContain('oci-announcement:ocid1.announcement.oc1..aaaaaaaachangeiadnow');
    expect(oci?.incidents.active).toBe(2 + t.moving);
  });
});
