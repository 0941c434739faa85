import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../shared/domain';
import { classifyOpenIncidents, isPlannedMaintenance, plannedMaintenance } from './incident-classes';
import { isOpen, toBrief, touchesFleet, type FleetMachine } from './incident-fleet';
import { incident } from './testing/factories';

const ASOF = Date.parse('2026-11-25T12:00:00Z');

function machine(id: string, over: Partial<FleetMachine> = {}): FleetMachine {
  return {
    account: 'acct', id, cloud: 'azure', region: 'eastus', gpuModel: 'H100 80GB', gpuCount: 8,
    powerState: 'running', hourlyPrice: '98.32', currency: 'USD', demo: false, ...over,
  };
}

const fleet = [machine('vm-a'), machine('vm-b', { region: 'westeurope', gpuCount: 4, hourlyPrice: '40' })];

describe('incidents against the fleet', () => {
  it('is open from its start until its end', () => {
    const i = incident('i', { startedAt: '2026-11-25T10:00:00Z', endedAt: '2026-11-25T12:00:00Z' });
    expect(isOpen(i, ASOF - 1)).toBe(true);
    expect(isOpen(i, ASOF)).toBe(false);
    expect(isOpen(incident('later', { startedAt: '2026-11-25T13:00:00Z' }), ASOF)).toBe(false);
  });

  it('touches the fleet by region (ignoring case, spaces and dashes), by resource, or provider-wide', () => {
    expect(touchesFleet(incident('r', { regions: ['East US'] }), fleet)).toBe(true);
    expect(touchesFleet(incident('x', { regions: ['japaneast'] }), fleet)).toBe(false);
    expect(touchesFleet(incident('id', { regions: [], resourceIds: ['vm-b'] }), fleet)).toBe(true);
    expect(touchesFleet(incident('wide', { regions: [], resourceIds: [] }), fleet)).toBe(true);
    expect(touchesFleet(incident('gcp', { cloud: 'gcp', regions: [] }), fleet)).toBe(false);
  });

  it('puts the running machines of its regions at risk, per currency', () => {
    const brief = toBrief(incident('r', { regions: ['eastus', 'westeurope'] }), fleet);
    expect(brief.affectedGpus).toBe(12);
    expect(brief.atRiskPerHour).toEqual([{ currency: 'USD', amount: '138.32' }]);
  });

  it('counts active incidents by blast radius and lists the others apart', () => {
    const reports: Incident[] = [
      incident('small', { regions: ['westeurope'] }),
      incident('big', { regions: ['eastus'] }),
      incident('far', { regions: ['japaneast'] }),
      incident('over', { regions: ['eastus'], endedAt: '2026-11-25T11:00:00Z' }),
    ];
    const classes = classifyOpenIncidents(reports, fleet, ASOF);
    expect(classes.active.map((c) => c.brief.id)).toEqual(['big', 'small']);
    expect(classes.elsewhere.map((c) => c.brief.id)).toEqual(['far']);
  });

  it('lists maintenance still ahead as planned, not open', () => {
    const ahead = incident('m', { source: 'maintenance', severity: 'maintenance', startedAt: '2026-11-26T00:00:00Z', endedAt: '2026-11-26T02:00:00Z' });
    expect(isPlannedMaintenance(ahead, ASOF)).toBe(true);
    expect(classifyOpenIncidents([ahead], fleet, ASOF)).toEqual({ active: [], elsewhere: [] });
    expect(plannedMaintenance([ahead], fleet, ASOF).map((p) => [p.brief.id, p.touchesFleet])).toEqual([['m', true]]);
  });
});
