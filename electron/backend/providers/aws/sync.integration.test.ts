/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../../shared/config';
import { IDLE_THRESHOLD_PERCENT, type GpuState } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { visibleInstances } from './testing/fleet';
import { startAwsHarness, type AwsHarness } from './testing/harness';

/** The pane's numbers computed straight from the emulator's fleet (glossary definitions). */
function truth(h: AwsHarness) {
  const counts: Record<GpuState, number> = { stopped: 0, unhealthy: 0, unknown: 0, busy: 0, idle: 0 };
  const byModel = new Map<string, { total: number; busy: number; idle: number }>();
  for (const x of visibleInstances(h.fleet)) {
    for (let g = 0; g < x.type.accelerators; g++) {
      const measured = x.state === 'running' && x.agent && x.type.gpu !== undefined;
      const state: GpuState =
        x.state === 'stopped' ? 'stopped'
          : x.impaired ? 'unhealthy'
            : !measured ? 'unknown'
              : (x.utilisation[g] as number) >= IDLE_THRESHOLD_PERCENT ? 'busy' : 'idle';
      counts[state] += 1;
      const model = x.type.model as string;
      const m = byModel.get(model) ?? { total: 0, busy: 0, idle: 0 };
      m.total += 1;
      if (state === 'busy') m.busy += 1;
      if (state === 'idle') m.idle += 1;
      byModel.set(model, m);
    }
  }
  return { counts, byModel };
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
