import { describe, expect, it } from 'vitest';
import type { FocusCostRow } from '../../../../shared/domain';
import { account, batchesOf, costRow, resource, run } from '../test-support';
import type { FleetStore } from '../types';
import { useTempStore } from '../testing/use-temp-store';

const ASOF = Date.parse('2026-11-25T12:00:00Z');
const HOUR_MS = 3_600_000;

/** A billed hour from `startIso`. */
const charge = (startIso: string, cost: string, over: Partial<FocusCostRow> = {}): FocusCostRow =>
  costRow({
    BilledCost: cost,
    EffectiveCost: cost,
    ChargePeriodStart: startIso,
    ChargePeriodEnd: new Date(Date.parse(startIso) + HOUR_MS).toISOString(),
    ...over,
  });

describe("the overview's billed spend at the edges of its periods", () => {
  let store: FleetStore;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([account('acct'), account('lag')]);
    // An account billed only up to Nov 23: its machine's run-rate covers today's hours, not the days before.
    await store.writeInventory(run('lag', 'inventory'), batchesOf([resource('vm-lag', { account: 'lag', hourlyPrice: '10' })]));
    await store.writeCosts(
      run('lag', 'costs'),
      { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') },
      batchesOf([charge('2026-11-23T04:00:00Z', '1.00')]),
    );
    await store.writeCosts(
      run('acct', 'costs'),
      { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-12-02T00:00:00Z') },
      batchesOf([
        charge('2026-10-31T23:00:00Z', '5.00'), // October
        charge('2026-11-01T00:00:00Z', '1.00'),
        charge('2026-11-15T23:00:00Z', '4.00'),
        charge('2026-11-16T03:00:00Z', '2.00'),
        charge('2026-11-18T00:00:00Z', '0.50'),
        charge('2026-11-22T10:00:00Z', '8.00'),
        charge('2026-11-23T04:00:00Z', '16.00'),
        // An estimate: never billed, and its end is not a billed instant.
        charge('2026-11-24T00:00:00Z', '32.00', { Tags: { 'fleetpane.estimate': 'true' } }),
        charge('2026-11-25T01:00:00Z', '128.00'),
        // Billed ahead, in December: not this month's, and its end (after asOf) is capped at asOf.
        charge('2026-12-01T00:00:00Z', '64.00'),
      ]),
    );
  });

  it('counts the month of asOf and the 7 days before the last billed day, estimates left out, as a cloud budget does', async () => {
    const overview = await store.overview(new Date(ASOF), { clouds: [], regions: [], gpuModels: [] });
    const azure = overview.clouds.find((c) => c.provider === 'azure')?.spend.find((s) => s.currency === 'USD');
    // November's billed rows: 1 + 4 + 2 + 0.5 + 8 + 16 + 128 of acct, 1 of lag. acct's last billed
    // instant (Dec 1 01:00) is capped at asOf, so its last billed day is Nov 25 and the 7 days before it
    // are Nov 18-24: 0.5 + 8 + 16; lag's are Nov 16-22, with nothing billed. Run-rate: lag's machine
    // from today's start (its bill ends on Nov 23) to asOf, 12 h x 10. 5 whole days left after today:
    // 160.5 + 120 + 24.5 / 7 x 5.
    expect(azure).toMatchObject({ billedMonthToDate: '160.50', runRateToday: '120.00', forecastMonth: '298.00' });
    // A cloud budget sums the billed rows by its own SQL (the run-rate is shared): the two agree.
    await store.saveBudget({ id: 'azure', name: 'Azure', scope: { kind: 'cloud', cloud: 'azure' }, currency: 'USD', monthlyAmount: '1000' });
    const [budget] = await store.budgets(new Date(ASOF));
    expect(budget).toMatchObject({ billedMonthToDate: azure?.billedMonthToDate, forecastMonth: azure?.forecastMonth });
  });
});
