import { describe, expect, it } from 'vitest';
import { account, batchesOf, costRow, resource, run } from '../test-support';
import type { FleetStore } from '../types';
import { useTempStore } from '../testing/use-temp-store';

const ASOF = Date.parse('2026-11-25T12:00:00Z');

describe('budget forecast follows the overview forecast rule', () => {
  let store: FleetStore;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('idle', { hourlyPrice: '98.32' }), resource('eight', { gpuCount: 8, hourlyPrice: '100' })]),
    );
    const ml = { team: 'ml' };
    await store.writeCosts(
      run('acct', 'costs'),
      { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') },
      batchesOf([
        costRow({ BilledCost: '0.2', ChargePeriodStart: '2026-11-20T00:00:00Z', ChargePeriodEnd: '2026-11-20T01:00:00Z', Tags: ml }),
        costRow({ BilledCost: '0.1', ChargePeriodStart: '2026-11-24T00:00:00Z', ChargePeriodEnd: '2026-11-24T01:00:00Z' }),
        costRow({ BilledCost: '7.7', ChargePeriodStart: '2026-11-02T00:00:00Z', ChargePeriodEnd: '2026-11-02T01:00:00Z', Tags: ml }),
        costRow({ BilledCost: '0', ChargePeriodStart: '2026-11-25T05:00:00Z', ChargePeriodEnd: '2026-11-25T06:00:00Z' }),
        costRow({ BilledCost: '5.00', ChargePeriodStart: '2026-10-31T23:00:00Z', ChargePeriodEnd: '2026-11-01T00:00:00Z' }),
      ]),
    );
  });

  it('a cloud budget forecasts exactly what the overview forecasts for that cloud and currency', async () => {
    await store.saveBudget({ id: 'azure', name: 'Azure', scope: { kind: 'cloud', cloud: 'azure' }, currency: 'USD', monthlyAmount: '1000' });
    const [budget] = await store.budgets(new Date(ASOF));
    const overview = await store.overview(new Date(ASOF), { clouds: [], regions: [], gpuModels: [] });
    const azure = overview.clouds.find((c) => c.provider === 'azure')?.spend.find((s) => s.currency === 'USD');
    expect(azure).toBeDefined();
    expect(budget?.billedMonthToDate).toBe(azure?.billedMonthToDate);
    expect(budget?.forecastMonth).toBe(azure?.forecastMonth);
    // 8.00 billed; last billed instant Nov 25 06:00, so the 7 complete billed days are Nov 18-24 (0.2 + 0.1);
    // 6 unbilled hours today x (98.32 + 100); 5 whole days left: 8.00 + 1189.92 + 0.3 / 7 x 5.
    expect(budget).toMatchObject({ billedMonthToDate: '8.00', burnRatePerDay: '0.0428571429', forecastMonth: '1198.1342857143', overBudget: true, forecastPercent: '119.81' });
  });

  it('a tag budget uses the same rule without run-rate, which machines cannot attribute to a tag', async () => {
    await store.saveBudget({ id: 'ml', name: 'ML', scope: { kind: 'tag', key: 'team', value: 'ml' }, currency: 'USD', monthlyAmount: '10' });
    const [budget] = await store.budgets(new Date(ASOF));
    // 7.9 billed + (0.2 tagged in Nov 18-24) / 7 per day x 5 days left; no run-rate.
    expect(budget).toMatchObject({ billedMonthToDate: '7.90', burnRatePerDay: '0.0285714286', forecastMonth: '8.0428571429', overBudget: false, forecastPercent: '80.43' });
  });
});
