/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../../shared/config';
import type { Overview } from '../../../../shared/overview';
import { lookupInstance } from '../../catalog';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { visibleInstances } from './testing/fleet';
import { startAwsHarness, type AwsHarness } from './testing/harness';

describe('aws organization with adversarial answers synced into the store', () => {
  let h: AwsHarness;
  let synced: SyncedStore;
  let overview: Overview;

  beforeAll(async () => {
    h = await startAwsHarness({ adversarial: true });
    const config = h.config({ metricsBackfillHours: 1 });
    synced = await syncIntoStore([{ config: config as unknown as AccountConfigBase, connector: h.connector({ metricsBackfillHours: 1 }) }], { now: h.fleet.now, dirPrefix: 'fleetpane-aws-adversarial-', triage: false });
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
  }, 120_000);
  afterAll(async () => {
    await synced?.close();
    await h?.close();
  });

  it('counts every machine the catalog has no price for as a price coverage gap, never priced at $0', async () => {
    const aws = overview.clouds.find((c) => c.provider === 'aws');
    const unpriced = visibleInstances(h.fleet).filter((x) => (lookupInstance('aws', x.type.type, x.region)?.hourlyPrice ?? null) === null);
    expect(unpriced.some((x) => x.type.type === 'g6f.large')).toBe(true);
    expect(aws?.coverage.machinesWithoutPrice).toBe(unpriced.length);
    const stored = await synced.store.resources('aws-prod');
    expect(stored.filter((r) => r.hourlyPrice !== null && Number(r.hourlyPrice) === 0)).toEqual([]);
    // The fractional L4s are their own model line, one slice each.
    expect(aws?.byModel.find((m) => m.model === 'L4 24GB 1/8')?.total).toBe(2);
  });

  it('counts maintenance inside its window as active, lists the one days ahead as planned, and shows [Completed]/[Canceled] events nowhere', () => {
    const aws = overview.clouds.find((c) => c.provider === 'aws');
    const active = aws?.incidents.list.map((i) => i.id) ?? [];
    const planned = aws?.incidents.planned.map((i) => i.id) ?? [];
    expect(active.some((id) => id.endsWith('instance-event-inside'))).toBe(true);
    expect(planned.some((id) => id.endsWith('instance-event-planned'))).toBe(true);
    expect(active.some((id) => id.endsWith('instance-event-planned'))).toBe(false);
    expect(planned.some((id) => id.endsWith('ADVUPCOMING'))).toBe(true);
    for (const id of [...active, ...planned]) expect(id).not.toMatch(/instance-event-(canceled|completed)/);
  });

  it('keeps the stored machines whole when a later DescribeInstances page answers 500 after every retry', async () => {
    const before = (await synced.store.resources('aws-prod')).map((r) => `${r.id} ${r.powerState} ${r.health}`).sort();
    expect(before.length).toBeGreaterThan(30);
    h.emulator.faults.failSecondPage.set('DescribeInstances', 500);
    try {
      const again = await synced.syncAgain();
      const inventory = again.summary.accounts[0]?.streams.inventory;
      expect(inventory?.status).toBe('error');
      expect(inventory?.error?.kind).toBe('unavailable');
      expect(inventory?.error?.message).toContain('ec2:DescribeInstances');
      const after = (await synced.store.resources('aws-prod')).map((r) => `${r.id} ${r.powerState} ${r.health}`).sort();
      expect(after).toEqual(before);
    } finally {
      h.emulator.faults.failSecondPage.clear();
    }
  }, 120_000);
});
