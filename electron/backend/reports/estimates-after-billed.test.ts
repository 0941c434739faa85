import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../shared/contract-spend';
import type { FleetStore } from '../store/types';
import { batchesOf, costRow, run } from '../store/test-support';
import { useTempStore } from '../store/testing/use-temp-store';

const fixedNow = () => new Date('2026-11-25T12:00:00Z');
const NOV = { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') };
const query = (groupBy: CostReportQuery['groupBy'] = ['account']) => CostReportQuery.parse({ from: '2026-11-01', to: '2026-11-30', groupBy });

const HOUR_MS = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** A Kubernetes-style estimate: one UTC day of GPU-hours x list price, tagged fleetpane.estimate. */
const estimateDay = (day: string, cost: string) => {
  const start = Date.parse(`2026-11-${day}T00:00:00Z`);
  return costRow({
    BilledCost: cost,
    EffectiveCost: cost,
    ChargePeriodStart: iso(start),
    ChargePeriodEnd: iso(start + 24 * HOUR_MS),
    ChargeDescription: 'estimate: 24 GPU-hours',
    Tags: { 'fleetpane.estimate': 'true' },
  });
};

/** One billed hour of the bill. */
const billedHour = (startIso: string, cost: string) => {
  const start = Date.parse(startIso);
  return costRow({ BilledCost: cost, EffectiveCost: cost, ChargePeriodStart: iso(start), ChargePeriodEnd: iso(start + HOUR_MS) });
};

describe('estimates cover only the hours after the last billed hour of their account', () => {
  let store: FleetStore;

  useTempStore({ now: fixedNow, cacheOverview: false }, async (temp) => {
    ({ store } = temp);
    // A cluster billed through FOCUS up to 2026-11-23T01:00, with estimates for the 21st to the 24th.
    await store.writeCosts(run('gpu-cluster', 'costs'), NOV, batchesOf([
      billedHour('2026-11-21T00:00:00Z', '10.00'),
      billedHour('2026-11-23T00:00:00Z', '12.00'),
      estimateDay('21', '100.00'),
      estimateDay('22', '100.00'),
      estimateDay('23', '100.00'),
      estimateDay('24', '40.00'),
    ]));
    // A cluster without any bill keeps every estimate.
    await store.writeCosts(run('lab-cluster', 'costs'), NOV, batchesOf([estimateDay('21', '7.00'), estimateDay('22', '7.00')]));
  });

  it('the report, its groups and its daily bars leave out estimates of hours the bill already has', async () => {
    const report = await store.costReport(query());
    const byAccount = new Map(report.groups.map((g) => [g.keys[0], g]));
    expect(byAccount.get('gpu-cluster')?.billed).toMatch(/^22(\.0+)?$/);
    // Only the 24th starts after the last billed hour (ends 2026-11-23T01:00).
    expect(byAccount.get('gpu-cluster')?.estimated).toMatch(/^40(\.0+)?$/);
    expect(byAccount.get('lab-cluster')?.estimated).toMatch(/^14(\.0+)?$/);
    expect(report.totals[0]?.estimated).toMatch(/^54(\.0+)?$/);
    expect(report.totals[0]?.billed).toMatch(/^22(\.0+)?$/);
    const estimatedDays = report.daily.filter((d) => !/^0(\.0+)?$/.test(d.estimated)).map((d) => `${d.day} ${d.estimated}`);
    expect(estimatedDays.map((d) => d.replace(/\.0+$/, ''))).toEqual(['2026-11-21 7', '2026-11-22 7', '2026-11-24 40']);
  });

  it('the FOCUS export leaves them out too', async () => {
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { readFile, rm } = await import('node:fs/promises');
    const file = join(tmpdir(), `fleetpane-estimates-${process.pid}.csv`);
    try {
      const written = await store.exportFocusCsv(query(), file);
      // 2 billed hours + 1 later estimate of gpu-cluster + 2 estimates of lab-cluster.
      expect(written).toBe(5);
      expect((await readFile(file, 'utf8')).split('\n').filter((l) => l.includes('fleetpane.estimate'))).toHaveLength(3);
    } finally {
      await rm(file, { force: true });
    }
  });
});
