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

describe("the overview's billed spend over a year of history", () => {
  let store: FleetStore;
  const DAY_MS = 86_400_000;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([account('old'), account('paused')]);
    // Billed daily for a year, the last bill on Sep 30: its last billed day is two months before asOf,
    // and the 7 days before it (Sep 23-29) hold 3.00 a day. A year earlier, one charge went to Oracle.
    const rows: FocusCostRow[] = [charge('2025-10-15T00:00:00Z', '9.00', { ProviderName: 'Oracle', PublisherName: 'Oracle', InvoiceIssuerName: 'Oracle' })];
    for (let day = Date.parse('2025-10-01T00:00:00Z'); day <= Date.parse('2026-09-30T00:00:00Z'); day += DAY_MS) {
      rows.push(charge(new Date(day).toISOString(), '1.00'));
      if (day >= Date.parse('2026-09-23T00:00:00Z') && day < Date.parse('2026-09-30T00:00:00Z')) rows.push(charge(new Date(day + 2 * HOUR_MS).toISOString(), '2.00'));
    }
    await store.writeCosts(run('old', 'costs'), { from: Date.parse('2025-10-01T00:00:00Z'), to: Date.parse('2026-10-01T00:00:00Z') }, batchesOf(rows));
    // Billed 1.00 a day from Oct 20 to Nov 3: its 7 days before Nov 3 (Oct 27 - Nov 2) straddle the month's start.
    const paused: FocusCostRow[] = [];
    for (let day = Date.parse('2026-10-20T00:00:00Z'); day <= Date.parse('2026-11-03T00:00:00Z'); day += DAY_MS) paused.push(charge(new Date(day).toISOString(), '1.00'));
    await store.writeCosts(run('paused', 'costs'), { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') }, batchesOf(paused));
  });

  it("takes each account's last 7 billed days however long ago it was last billed, and keeps every provider its charges went to", async () => {
    const overview = await store.overview(new Date(ASOF), { clouds: [], regions: [], gpuModels: [] });
    const azure = overview.clouds.find((c) => c.provider === 'azure');
    // No machine. old: nothing billed in November, its last 7 billed days 21.00; paused: Nov 1-3 billed
    // (3.00), its last 7 days 7.00. 3.00 + 28.00 / 7 x 5 days left.
    expect(azure?.spend.find((s) => s.currency === 'USD')).toMatchObject({ billedMonthToDate: '3.00', runRateToday: '0.00', forecastMonth: '23.00' });
    // The year-old Oracle charge still places the account under Oracle Cloud, with nothing billed there this month.
    expect(overview.clouds.find((c) => c.provider === 'oci')?.accounts).toEqual(['old']);
    const oci = overview.clouds.find((c) => c.provider === 'oci');
    expect(oci?.spend.find((s) => s.currency === 'USD')).toMatchObject({ billedMonthToDate: '0.00', forecastMonth: '0.00' });
    // A cloud budget, by its own SQL over the cost rows, agrees.
    await store.saveBudget({ id: 'azure', name: 'Azure', scope: { kind: 'cloud', cloud: 'azure' }, currency: 'USD', monthlyAmount: '1000' });
    const [budget] = await store.budgets(new Date(ASOF));
    expect(budget).toMatchObject({ billedMonthToDate: '3.00', forecastMonth: '23.00' });
  });
});
