/**
 * The spend view's filter options: every account, region, service, GPU model and tag key its counted
 * cost rows hold, each list sorted and without empty entries, and the first and last day charged.
 */
import { describe, expect, it } from 'vitest';
import { ESTIMATE_TAG } from '../../../../shared/contract-spend';
import { account, batchesOf, costRow, resource, run } from '../test-support';
import type { FleetStore } from '../types';
import { useTempStore } from '../testing/use-temp-store';

const ASOF = Date.parse('2026-11-25T12:00:00Z');
const WINDOW = { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') };

describe('spend filter options', () => {
  let store: FleetStore;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([account('west'), account('east')]);
  });

  it('are empty, with no days, before any cost is stored', async () => {
    expect(await store.spendFilterOptions()).toEqual({ accounts: [], regions: [], services: [], gpuModels: [], tagKeys: [], firstDay: null, lastDay: null });
  });

  it('list what the counted cost rows hold, sorted, with the names the report groups by', async () => {
    await store.writeInventory(run('east', 'inventory'), batchesOf([resource('vm-a100', { account: 'east', gpuModel: 'A100 80GB' }), resource('vm-h100', { account: 'east' })]));
    await store.writeCosts(
      run('west', 'costs'),
      WINDOW,
      batchesOf([
        costRow({ RegionId: null, RegionName: 'West Europe', ServiceName: 'Storage', Tags: { team: 'ml' }, ChargePeriodStart: '2026-11-03T00:00:00Z' }),
        costRow({ RegionId: null, RegionName: null, ServiceName: null, Tags: { [ESTIMATE_TAG]: 'false' } }),
      ]),
    );
    await store.writeCosts(
      run('east', 'costs'),
      WINDOW,
      batchesOf([
        costRow({ ResourceId: 'vm-h100', Tags: { owner: 'sre', team: 'infra' }, ChargePeriodStart: '2026-11-22T00:00:00Z' }),
        costRow({ ResourceId: 'vm-a100', RegionId: 'westus' }),
        costRow({ ResourceId: 'not-a-machine', ServiceName: 'Bandwidth' }),
      ]),
    );
    expect(await store.spendFilterOptions()).toEqual({
      accounts: ['east', 'west'],
      regions: ['(no region)', 'West Europe', 'eastus', 'westus'],
      services: ['(no service)', 'Bandwidth', 'Storage', 'Virtual Machines'],
      gpuModels: ['A100 80GB', 'H100 80GB'],
      tagKeys: ['owner', 'team'],
      firstDay: '2026-11-03',
      lastDay: '2026-11-24',
    });
  });
});
