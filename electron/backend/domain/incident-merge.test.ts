import { describe, expect, it } from 'vitest';
import { incident } from './testing/factories';
import { mergeIncidents, sameOutage } from './incident-merge';

describe('incident merge', () => {
  it('merges the same outage from a status page and service health into one incident with two sources', () => {
    const status = incident('status-page:azure:abc', {
      source: 'status-page',
      regions: ['East US'],
      services: ['Virtual Machines'],
      startedAt: '2026-11-25T10:05:00Z',
      url: 'https://status.example/abc',
      updates: [{ at: '2026-11-25T10:20:00Z', status: 'Investigating', body: 'looking' }],
    });
    const health = incident('service-health:TRK-1', {
      source: 'service-health',
      regions: ['eastus'],
      services: ['Virtual Machines', 'Azure HPC'],
      startedAt: '2026-11-25T10:00:00Z',
      severity: 'critical',
      updates: [{ at: '2026-11-25T10:30:00Z', status: 'Identified', body: 'switches' }],
    });
    const merged = mergeIncidents([status, health]);
    expect(merged).toHaveLength(1);
    const m = merged[0]!;
    expect(m.id).toBe('service-health:TRK-1');
    expect(m.sources.map((s) => s.source)).toEqual(['service-health', 'status-page']);
    expect(m.severity).toBe('critical');
    expect(m.startedAt).toBe('2026-11-25T10:00:00.000Z');
    expect(m.url).toBe('https://status.example/abc');
    expect(m.updates.map((u) => u.status)).toEqual(['Investigating', 'Identified']);
    expect(m.regions).toEqual(['East US', 'eastus']);
  });

  it('keeps outages apart when the region, the service or the onset differ', () => {
    const a = incident('a', { source: 'status-page', regions: ['eastus'], services: ['Storage'] });
    expect(sameOutage(a, incident('b', { source: 'service-health', regions: ['westus'], services: ['Storage'] }))).toBe(false);
    expect(sameOutage(a, incident('c', { source: 'service-health', regions: ['eastus'], services: ['Virtual Machines'] }))).toBe(false);
    expect(sameOutage(a, incident('d', { source: 'service-health', regions: ['eastus'], startedAt: '2026-11-25T10:16:00Z' }))).toBe(false);
    expect(sameOutage(a, incident('e', { source: 'service-health', regions: ['eastus'], startedAt: '2026-11-25T10:15:00Z' }))).toBe(true);
    expect(sameOutage(a, incident('f', { source: 'service-health', cloud: 'gcp', regions: ['eastus'] }))).toBe(false);
  });

  it('folds resource health into the provider incident that names the machine, at the same onset', () => {
    const provider = incident('service-health:1', { source: 'service-health', resourceIds: ['vm-1', 'vm-2'] });
    const same = incident('resource-health:vm-1', { source: 'resource-health', resourceIds: ['vm-1'], startedAt: '2026-11-25T10:10:00Z' });
    const later = incident('resource-health:vm-2', { source: 'resource-health', resourceIds: ['vm-2'], startedAt: '2026-11-25T11:00:00Z' });
    const other = incident('resource-health:vm-9', { source: 'resource-health', resourceIds: ['vm-9'], startedAt: '2026-11-25T10:05:00Z' });
    const merged = mergeIncidents([provider, same, later, other]);
    expect(merged.map((m) => m.memberIds)).toEqual([['service-health:1', 'resource-health:vm-1'], ['resource-health:vm-9'], ['resource-health:vm-2']]);
  });

  it('keeps one machine\'s host maintenance apart from a regional outage that starts at the same time', () => {
    const outage = incident('status-page:gce:1', { source: 'status-page', regions: ['us-central1'], services: ['Compute Engine'] });
    const machine = incident('gcp-maintenance:vm-7', { source: 'maintenance', regions: ['us-central1'], resourceIds: ['vm-7'], startedAt: '2026-11-25T10:05:00Z' });
    const regional = incident('maintenance:region', { source: 'maintenance', regions: ['us-central1'], startedAt: '2026-11-25T10:05:00Z' });
    expect(sameOutage(outage, machine)).toBe(false);
    expect(sameOutage(outage, regional)).toBe(true);
    const downDuringWindow = incident('derived:signal:node-down:acct:vm-7@1', { source: 'derived', resourceIds: ['vm-7'], startedAt: '2026-11-25T10:20:00Z' });
    expect(mergeIncidents([outage, machine, downDuringWindow]).map((m) => m.memberIds)).toEqual([
      ['status-page:gce:1'],
      ['gcp-maintenance:vm-7', 'derived:signal:node-down:acct:vm-7@1'],
    ]);
  });

  it('merges a node-down seen by resource health and by a detector, transitively, and ends only when all ended', () => {
    const health = incident('rh', { source: 'resource-health', resourceIds: ['n1'], endedAt: '2026-11-25T11:00:00Z' });
    const derived = incident('derived:signal:node-down:acct:n1@1', { source: 'derived', resourceIds: ['n1'], startedAt: '2026-11-25T10:40:00Z' });
    const xid = incident('derived:signal:xid:acct:n1@2', { source: 'derived', resourceIds: ['n1', 'n2'], startedAt: '2026-11-25T11:30:00Z' });
    const merged = mergeIncidents([health, derived, xid]);
    expect(merged).toHaveLength(1);
    expect(merged[0]!.id).toBe('rh');
    expect(merged[0]!.endedAt).toBeNull();
    expect(merged[0]!.resourceIds).toEqual(['n1', 'n2']);

    const closed = mergeIncidents([health, { ...derived, endedAt: '2026-11-25T11:20:00Z' }]);
    expect(closed[0]!.endedAt).toBe('2026-11-25T11:20:00.000Z');
    // Periods that do not overlap are two incidents on the same machine.
    expect(mergeIncidents([health, { ...derived, startedAt: '2026-11-25T11:05:00Z' }])).toHaveLength(2);
  });
});
