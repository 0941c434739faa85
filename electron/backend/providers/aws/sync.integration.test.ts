/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../../shared/config';
import { IDLE_THRESHOLD_PERCENT, type GpuState } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { agentSeries, visibleInstances } from './testing/fleet';
import { startAwsHarness, type AwsHarness } from './testing/harness';

/**
 * The pane's numbers computed straight from the emulator's fleet and the agent series it publishes
 * (glossary definitions): a GPU is measured when a series of its own is published and names it
 * unambiguously (by InstanceId, or by a host no other instance shares); its utilisation is the mean
 * of its series' readings.
 */
function truth(h: AwsHarness) {
  const byInstance = new Map(h.fleet.instances.map((x) => [x.id, x]));
  const readings = new Map<string, number[]>();
  for (const s of agentSeries(h.fleet)) {
    if (!s.owner) continue; // machines outside the fleet, indexes beyond a machine's GPUs
    const x = byInstance.get(s.owner.instanceId);
    const named = s.dimensions.some((d) => d.Name === 'InstanceId');
    if (!x || (!named && x.hostShared)) continue;
    const key = `${x.id}/${s.owner.gpu}`;
    readings.set(key, [...(readings.get(key) ?? []), s.utilisation]);
  }
  const counts: Record<GpuState, number> = { stopped: 0, unhealthy: 0, unknown: 0, busy: 0, idle: 0 };
  const byModel = new Map<string, { total: number; busy: number; idle: number }>();
  const measuredUtil: number[] = [];
  let unmeasured = 0;
  for (const x of visibleInstances(h.fleet)) {
    for (let g = 0; g < x.type.accelerators; g++) {
      const r = x.state === 'running' ? readings.get(`${x.id}/${g}`) : undefined;
      const util = r ? r.reduce((a, b) => a + b, 0) / r.length : null;
      if (util !== null) measuredUtil.push(util);
      else if (x.state !== 'stopped') unmeasured += 1;
      const state: GpuState =
        x.state === 'stopped' ? 'stopped'
          : x.impaired ? 'unhealthy'
            : util === null ? 'unknown'
              : util >= IDLE_THRESHOLD_PERCENT ? 'busy' : 'idle';
      counts[state] += 1;
      const model = x.type.model as string;
      const m = byModel.get(model) ?? { total: 0, busy: 0, idle: 0 };
      m.total += 1;
      if (state === 'busy') m.busy += 1;
      if (state === 'idle') m.idle += 1;
      byModel.set(model, m);
    }
  }
  const avg = measuredUtil.length ? measuredUtil.reduce((a, b) => a + b, 0) / measuredUtil.length : null;
  return { counts, byModel, avg, measured: measuredUtil.length, unmeasured };
}

describe('aws organization synced into the store', () => {
  let h: AwsHarness;
  let synced: SyncedStore;
  let overview: Overview;

  beforeAll(async () => {
    h = await startAwsHarness();
    const now = h.fleet.now;
    const config = h.config({ metricsBackfillHours: 1 });
    const connector = h.connector({ metricsBackfillHours: 1 });
    // The shared ProviderId does not list 'aws' until the integrator registers the provider.
    synced = await syncIntoStore([{ config: config as unknown as AccountConfigBase, connector }], { now, dirPrefix: 'fleetpane-aws-sync-', triage: false });
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
  }, 120_000);
  afterAll(async () => {
    await synced?.close();
    await h?.close();
  });

  it('shows GPU counts by state and by model exactly as the emulator holds them', () => {
    const t = truth(h);
    const aws = overview.clouds.find((c) => c.provider === 'aws');
    expect(aws?.accounts).toEqual(['aws-prod']);
    const total = Object.values(t.counts).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(150);
    expect(t.counts.busy).toBeGreaterThan(0);
    expect(t.counts.idle).toBeGreaterThan(0);
    expect(aws?.gpus).toEqual({ total, ...t.counts });
    const byModel = Object.fromEntries((aws?.byModel ?? []).map((m) => [m.model, { total: m.total, busy: m.busy, idle: m.idle }]));
    expect(byModel).toEqual(Object.fromEntries(t.byModel));
  });

  it('shows the fleet utilisation and the GPUs not measured as the emulator\'s series hold them, whatever names the series carry', () => {
    const t = truth(h);
    const aws = overview.clouds.find((c) => c.provider === 'aws');
    // The fleet is adversarial: agents without InstanceId, hosts as first labels and custom names,
    // silent GPUs, doubled, phantom and foreign series, one host shared by two instances.
    const xs = visibleInstances(h.fleet).filter((x) => x.state === 'running' && x.agent && x.type.gpu);
    expect(xs.filter((x) => !x.agentInstanceId && x.agentHost === x.privateDnsName).length).toBeGreaterThan(0);
    expect(xs.filter((x) => !x.agentInstanceId && !x.agentHost.includes('.') && x.agentHost.toLowerCase().startsWith('ip-')).length).toBeGreaterThan(0);
    expect(xs.filter((x) => !x.agentInstanceId && x.name !== null && x.agentHost.toLowerCase() === x.name.toLowerCase()).length).toBeGreaterThan(0);
    expect(xs.filter((x) => x.silentGpus.length > 0 && !x.impaired).length).toBeGreaterThan(0);
    expect(xs.filter((x) => x.duplicateSeries).length).toBeGreaterThan(0);
    expect(xs.filter((x) => x.phantomIndex).length).toBeGreaterThan(0);
    expect(xs.filter((x) => x.hostShared)).toHaveLength(2);
    expect(t.measured).toBeGreaterThan(50);
    expect(t.avg).not.toBeNull();
    expect(aws?.utilisation.avg1h).not.toBeNull();
    expect(Math.abs((aws?.utilisation.avg1h ?? Number.NaN) - (t.avg as number))).toBeLessThanOrEqual(0.1);
    expect(aws?.gpus.idle).toBe(t.counts.idle);
    expect(aws?.coverage.gpusWithoutMetrics).toBe(t.unmeasured);
  });

  it('counts the open EC2 Health event, the public dashboard open event and the maintenance in progress as active; the planned retirement, ended and foreign ones not', () => {
    const aws = overview.clouds.find((c) => c.provider === 'aws');
    const ids = aws?.incidents.list.map((i) => i.id) ?? [];
    expect(ids).toContain(`aws-health:${h.fleet.health[0]?.arn}`);
    expect(ids.some((id) => id.includes('instance-event-0aa11'))).toBe(true);
    expect(ids.some((id) => id.includes('instance-event-0bb22'))).toBe(false);
    expect(ids.some((id) => id.includes('TOKYO1') || id.includes('OLD1') || id.includes('instance-event-0cc33'))).toBe(false);
    // Account 222 has no support plan: the public Health Dashboard's open EC2 event of us-east-1 counts too.
    expect(ids).toContain('aws-health-public:arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/PUBLIC1');
    expect(ids.some((id) => id.includes('PUBLICTOKYO') || id.includes('PUBLICS3'))).toBe(false);
    expect(aws?.incidents.active).toBe(3);
  });
});
