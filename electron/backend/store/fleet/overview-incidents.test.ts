/**
 * The overview matches incidents against the fleet folded by everything the matching reads (account,
 * cloud, region, GPU model, power state, currency, demo), with the machines an incident names by id
 * kept apart. Its briefs must equal the domain rules applied machine by machine.
 */
import { describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { GpuResource } from '../../../../shared/domain';
import { classifyOpenIncidents } from '../../domain/incident-classes';
import type { FleetMachine } from '../../domain/incident-fleet';
import type { FleetStore } from '../types';
import { account, batchesOf, incident, resource, run } from '../test-support';
import { useTempStore } from '../testing/use-temp-store';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const ASOF = Date.parse('2026-11-25T12:00:00Z');

const MACHINES: GpuResource[] = [
  // Alike but for id, GPUs and price: folded into one row.
  resource('east-1', { gpuCount: 8, hourlyPrice: '80' }),
  resource('east-2', { gpuCount: 4, hourlyPrice: '10.5' }),
  resource('east-3', { gpuCount: 2, hourlyPrice: null }),
  // Named by an incident: kept apart although alike.
  resource('east-named', { gpuCount: 1, hourlyPrice: '7.25' }),
  resource('east-stopped', { gpuCount: 8, powerState: 'stopped' }),
  resource('east-a100', { gpuCount: 4, gpuModel: 'A100 80GB', hourlyPrice: '32.77' }),
  resource('east-eur', { gpuCount: 2, hourlyPrice: '50', currency: 'EUR' }),
  resource('west-1', { gpuCount: 8, region: 'westus', hourlyPrice: '90' }),
  resource('gcp-1', { gpuCount: 4, cloud: 'gcp', region: 'us-central1', hourlyPrice: '40' }),
];

const INCIDENTS = [
  incident('region-east', { regions: ['East US'] }),
  incident('named', { source: 'resource-health', regions: ['northeurope'], resourceIds: ['east-named', 'west-1'] }),
  incident('gcp-wide', { cloud: 'gcp', regions: [] }),
  incident('elsewhere', { regions: ['westeurope'] }),
  incident('oci-nothing', { cloud: 'oci', regions: [] }),
];

/** The fleet machine by machine, as the domain rules take it. */
const machineByMachine: FleetMachine[] = MACHINES.map((m) => ({
  account: m.account,
  id: m.id,
  cloud: m.cloud,
  region: m.region,
  gpuModel: m.gpuModel,
  gpuCount: m.gpuCount,
  powerState: m.powerState,
  hourlyPrice: m.hourlyPrice,
  currency: m.currency,
  demo: m.demo,
}));

describe('overview incidents over the folded fleet', () => {
  let store: FleetStore;
  useTempStore({ now: () => new Date(ASOF), cacheOverview: false }, async (temp) => {
    store = temp.store;
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf(MACHINES));
    await store.writeIncidents(run('acct', 'incidents'), batchesOf(INCIDENTS));
  });

  it('gives the same active and elsewhere incidents, affected GPUs and dollars at risk as machine by machine', async () => {
    const o = await store.overview(new Date(ASOF), ALL);
    const expected = classifyOpenIncidents(INCIDENTS, machineByMachine, ASOF);
    const active = o.clouds.flatMap((c) => c.incidents.list).sort((a, b) => a.id.localeCompare(b.id));
    expect(active).toEqual(expected.active.map((c) => c.brief).sort((a, b) => a.id.localeCompare(b.id)));
    expect(o.incidentsElsewhere).toEqual(expected.elsewhere.map((c) => c.brief));
    // The cases the folding must keep apart are all there.
    const byId = new Map(active.map((i) => [i.id, i]));
    expect(byId.get('region-east')).toMatchObject({
      affectedGpus: 21,
      atRiskPerHour: [
        { currency: 'EUR', amount: '50.00' },
        { currency: 'USD', amount: '130.52' },
      ],
    });
    expect(byId.get('named')).toMatchObject({ affectedGpus: 9, atRiskPerHour: [{ currency: 'USD', amount: '97.25' }] });
    expect(byId.has('gcp-wide')).toBe(true);
    expect(o.incidentsElsewhere.map((i) => i.id).sort()).toEqual(['elsewhere', 'oci-nothing']);
  });

  it('narrows incidents to the filtered machines as machine by machine', async () => {
    const filter: FleetFilter = { clouds: [], regions: ['westus'], gpuModels: [] };
    const o = await store.overview(new Date(ASOF), filter);
    const expected = classifyOpenIncidents(
      INCIDENTS,
      machineByMachine.filter((m) => m.region === 'westus'),
      ASOF,
    );
    const active = o.clouds.flatMap((c) => c.incidents.list).sort((a, b) => a.id.localeCompare(b.id));
    expect(active).toEqual(expected.active.map((c) => c.brief).sort((a, b) => a.id.localeCompare(b.id)));
    expect(o.incidentsElsewhere).toEqual(expected.elsewhere.map((c) => c.brief));
  });
});
