import { describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { FleetStore } from '../types';
import { account, batchesOf, costRow, minutes, resource, run } from '../test-support';
import { useTempStore } from '../testing/use-temp-store';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;

describe('coverage: what the pane cannot measure, price or place', () => {
  let store: FleetStore;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([
      account('acct'),
      account('lab-a', { provider: 'kubernetes' }),
      account('lab-b', { provider: 'kubernetes' }),
    ]);
  });

  it('counts unmeasured, unpriced and unplaced GPUs per cloud and in the totals', async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([
        resource('measured', { gpuCount: 2 }),
        // No sample in the last 30 minutes: 8 GPUs without metrics.
        resource('silent', { gpuCount: 8 }),
        // Stopped: nothing to measure, but its unknown price still counts.
        resource('stopped', { gpuCount: 4, powerState: 'stopped', hourlyPrice: null }),
        resource('unpriced', { hourlyPrice: null }),
        // Measured, but the connector says one of its GPUs cannot be: counted as without metrics.
        resource('gap-metrics', { coverageGaps: [{ kind: 'metrics', reason: 'DCGM exporter not scraped' }] }),
        resource('gap-price', { coverageGaps: [{ kind: 'price', reason: 'reserved capacity: no list price' }] }),
        resource('gap-placement', {
          gpuCount: 2,
          region: 'unknown',
          coverageGaps: [{ kind: 'placement', reason: 'node has no topology labels' }],
        }),
      ]),
    );
    const samples = [
      ...minutes('measured', 0, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...minutes('measured', 1, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...minutes('unpriced', 0, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...minutes('gap-metrics', 0, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...minutes('gap-price', 0, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...minutes('gap-placement', 0, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...minutes('gap-placement', 1, ASOF - 20 * MIN, ASOF + MIN, 50),
    ];
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 60 * MIN, to: ASOF + MIN }, batchesOf(samples));

    const o = await store.overview(new Date(ASOF), ALL);
    const azure = o.clouds.find((c) => c.key === 'azure')!;
    expect(azure.coverage).toEqual({ gpusWithoutMetrics: 9, machinesWithoutPrice: 3, gpusUnplaced: 2 });
    expect(o.totals.coverage).toEqual(azure.coverage);

    const reasons = await store.coverage(new Date(ASOF), ALL);
    const of = (id: string) => reasons.machines.find((m) => m.resourceId === id);
    expect(of('measured')).toBeUndefined();
    expect(of('silent')!.gaps).toEqual([{ kind: 'metrics', gpus: 8, reason: 'no GPU sample in the last 30 minutes', source: 'store' }]);
    expect(of('stopped')!.gaps).toEqual([
      { kind: 'price', gpus: 4, reason: 'no hourly price for Standard_ND96isr_H100_v5 in eastus', source: 'store' },
    ]);
    expect(of('gap-metrics')!.gaps).toEqual([{ kind: 'metrics', gpus: 1, reason: 'DCGM exporter not scraped', source: 'connector' }]);
    expect(of('gap-price')!.gaps).toEqual([{ kind: 'price', gpus: 1, reason: 'reserved capacity: no list price', source: 'connector' }]);
    expect(of('gap-placement')!.gaps).toEqual([{ kind: 'placement', gpus: 2, reason: 'node has no topology labels', source: 'connector' }]);
    expect(of('silent')).toMatchObject({ account: 'acct', cloudKey: 'azure', name: 'silent', region: 'eastus' });

    // The machine table carries the same gaps.
    const rows = await store.resourceRows(new Date(ASOF), ALL);
    expect(rows.resources.find((r) => r.id === 'silent')!.coverageGaps).toEqual(of('silent')!.gaps);
    expect(rows.resources.find((r) => r.id === 'measured')!.coverageGaps).toEqual([]);

    // The connector's gaps survive the round trip through the store.
    const detail = await store.resourceDetail(new Date(ASOF), 'acct', 'gap-placement', '1h');
    expect(detail!.resource.coverageGaps).toEqual([{ kind: 'placement', reason: 'node has no topology labels' }]);
  });

  it('lists every machine with a gap, however many, and none without', async () => {
    // 150 machines, 75 of them with a gap (more than a list the SQL text holds): odd ones half silent.
    const ids = Array.from({ length: 150 }, (_, i) => `vm-${String(i).padStart(3, '0')}`);
    await store.writeInventory(run('acct', 'inventory'), batchesOf(ids.map((id) => resource(id, { gpuCount: 2 }))));
    const samples = ids.flatMap((id, i) => [
      ...minutes(id, 0, ASOF - 20 * MIN, ASOF + MIN, 50),
      ...(i % 2 === 0 ? minutes(id, 1, ASOF - 20 * MIN, ASOF + MIN, 50) : []),
    ]);
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 60 * MIN, to: ASOF + MIN }, batchesOf(samples));
    const reasons = await store.coverage(new Date(ASOF), ALL);
    expect(reasons.machines.map((m) => m.resourceId)).toEqual(ids.filter((_, i) => i % 2 === 1));
    expect(reasons.machines[0]!.gaps).toEqual([{ kind: 'metrics', reason: '1 of 2 GPUs sent no sample in the last 30 minutes', gpus: 1, source: 'store' }]);
  });

  it('shows each cluster outside every known cloud as its own entry, named after its site or account', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm', { hourlyPrice: '10' })]));
    await store.writeInventory(
      run('lab-a', 'inventory'),
      batchesOf([resource('n1', { account: 'lab-a', cloud: 'other', region: 'dc1', gpuCount: 4, hourlyPrice: null })]),
    );
    await store.writeInventory(
      run('lab-b', 'inventory'),
      batchesOf([resource('n1', { account: 'lab-b', cloud: 'other', region: 'dc2', gpuCount: 2, hourlyPrice: '4', site: 'Frankfurt lab' })]),
    );
    await store.writeMetrics(
      run('lab-b', 'metrics'),
      { from: ASOF - 60 * MIN, to: ASOF + MIN },
      batchesOf([...minutes('n1', 0, ASOF - 20 * MIN, ASOF + MIN, 80), ...minutes('n1', 1, ASOF - 20 * MIN, ASOF + MIN, 40)]),
    );
    await store.writeCosts(
      run('lab-a', 'costs'),
      { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') },
      batchesOf([costRow({ BilledCost: '7.00', ProviderName: 'Kubernetes' })]),
    );

    const o = await store.overview(new Date(ASOF), ALL);
    expect(o.clouds.map((c) => [c.key, c.provider, c.label, c.accounts])).toEqual([
      ['azure', 'azure', 'Microsoft Azure', ['acct']],
      ['other:Frankfurt lab', 'other', 'Frankfurt lab', ['lab-b']],
      ['other:lab-a', 'other', 'lab-a', ['lab-a']],
    ]);
    const labA = o.clouds.find((c) => c.key === 'other:lab-a')!;
    const frankfurt = o.clouds.find((c) => c.key === 'other:Frankfurt lab')!;
    expect(labA.gpus).toMatchObject({ total: 4, unknown: 4 });
    expect(labA.coverage).toEqual({ gpusWithoutMetrics: 4, machinesWithoutPrice: 1, gpusUnplaced: 0 });
    expect(labA.spend.map((s) => s.billedMonthToDate)).toEqual(['7.00']);
    expect(frankfurt.gpus).toMatchObject({ total: 2, busy: 2 });
    expect(frankfurt.utilisation.avg1h).toBeCloseTo(60, 10);
    expect(frankfurt.coverage).toEqual({ gpusWithoutMetrics: 0, machinesWithoutPrice: 0, gpusUnplaced: 0 });
    // Its run-rate (12 unbilled hours today x 4) is its own, not lab-a's.
    expect(frankfurt.spend.map((s) => s.runRateToday)).toEqual(['48.00']);
    expect(o.totals.gpus.total).toBe(7);
    expect(o.totals.coverage).toEqual({ gpusWithoutMetrics: 5, machinesWithoutPrice: 1, gpusUnplaced: 0 });

    // The cloud filter keeps both on-premises entries apart.
    const onlyOther = await store.overview(new Date(ASOF), { ...ALL, clouds: ['other'] });
    expect(onlyOther.clouds.map((c) => c.key)).toEqual(['other:Frankfurt lab', 'other:lab-a']);
    const rows = await store.resourceRows(new Date(ASOF), { ...ALL, clouds: ['other'] });
    expect(rows.resources.map((r) => [r.account, r.cloudKey])).toEqual([
      ['lab-a', 'other:lab-a'],
      ['lab-b', 'other:Frankfurt lab'],
    ]);
  });
});
