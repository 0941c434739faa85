/** A cost report's groupings: one per key, each summing the counted rows exactly, whether one key or several. */
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import { account, batchesOf, costRow, run } from '../test-support';
import type { FleetStore } from '../types';
import { useTempStore } from '../testing/use-temp-store';

const ASOF = Date.parse('2026-11-25T12:00:00Z');

describe('cost report groupings', () => {
  let store: FleetStore;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([account('acct')]);
    await store.writeCosts(
      run('acct', 'costs'),
      { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') },
      batchesOf([
        costRow({ BilledCost: '10.10', ServiceName: 'Virtual Machines', RegionId: 'eastus' }),
        costRow({ BilledCost: '0.05', ServiceName: 'Virtual Machines', RegionId: 'westus' }),
        costRow({ BilledCost: '2.00', ServiceName: 'Storage', RegionId: 'eastus' }),
      ]),
    );
  });

  const report = (groupBy: string[]) =>
    store.costReport(CostReportQuery.parse({ from: '2026-11-01', to: '2026-11-30', groupBy }));
  const billedBy = (rows: { keys: string[]; billed: string }[]) => rows.map((r) => [...r.keys, r.billed]);

  it('by one key: the grouping is the groups', async () => {
    const r = await report(['service']);
    expect(billedBy(r.groups)).toEqual([
      ['Virtual Machines', '10.15'],
      ['Storage', '2.00'],
    ]);
    expect(r.groupings.map((g) => [g.key, billedBy(g.rows)])).toEqual([['service', billedBy(r.groups)]]);
  });

  it('by two keys: each key its own grouping, and the groups by both', async () => {
    const r = await report(['service', 'region']);
    expect(billedBy(r.groups)).toEqual([
      ['Virtual Machines', 'eastus', '10.10'],
      ['Storage', 'eastus', '2.00'],
      ['Virtual Machines', 'westus', '0.05'],
    ]);
    expect(r.groupings.map((g) => [g.key, billedBy(g.rows)])).toEqual([
      ['service', [['Virtual Machines', '10.15'], ['Storage', '2.00']]],
      ['region', [['eastus', '12.10'], ['westus', '0.05']]],
    ]);
  });
});
