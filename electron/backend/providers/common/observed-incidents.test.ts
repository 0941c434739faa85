import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../../shared/domain';
import { ObservedIncidents } from './observed-incidents';

function observed(id: string, at: Date): Incident {
  const iso = at.toISOString();
  return {
    id,
    account: 'acct',
    cloud: 'gcp',
    source: 'resource-health',
    severity: 'major',
    title: `${id}: unavailable`,
    summary: 'seen on this sync',
    status: 'unavailable',
    regions: ['us-central1'],
    services: ['Google Compute Engine'],
    resourceIds: [id],
    startedAt: iso,
    endedAt: null,
    updatedAt: iso,
    url: null,
    updates: [],
    demo: false,
  };
}

describe('ObservedIncidents', () => {
  const t0 = new Date('2026-11-20T12:00:00Z');
  const t1 = new Date('2026-11-20T12:05:00Z');
  const t2 = new Date('2026-11-20T12:10:00Z');

  it('keeps the first sighting as the start while the condition lasts', () => {
    const tracker = new ObservedIncidents();
    expect(tracker.update([observed('a', t0)], t0).map((i) => i.startedAt)).toEqual([t0.toISOString()]);
    const later = tracker.update([observed('a', t1)], t1);
    expect(later).toHaveLength(1);
    expect(later[0]?.startedAt).toBe(t0.toISOString());
    expect(later[0]?.updatedAt).toBe(t1.toISOString());
    expect(later[0]?.endedAt).toBeNull();
  });

  it('ends a condition no longer seen once, as recovered, then forgets it', () => {
    const tracker = new ObservedIncidents();
    tracker.update([observed('a', t0), observed('b', t0)], t0);
    const next = tracker.update([observed('b', t1)], t1);
    expect(next.map((i) => [i.id, i.status, i.endedAt, i.startedAt])).toEqual([
      ['b', 'unavailable', null, t0.toISOString()],
      ['a', 'recovered', t1.toISOString(), t0.toISOString()],
    ]);
    expect(tracker.update([observed('b', t2)], t2).map((i) => i.id)).toEqual(['b']);
  });

  it('starts afresh when a condition comes back after recovering', () => {
    const tracker = new ObservedIncidents();
    tracker.update([observed('a', t0)], t0);
    tracker.update([], t1);
    expect(tracker.update([observed('a', t2)], t2)[0]?.startedAt).toBe(t2.toISOString());
  });

  it('with reported starts, follows the report (a rescheduled window) and never ends before the start', () => {
    const tracker = new ObservedIncidents('reported');
    const window = new Date('2026-11-21T02:00:00Z');
    tracker.update([observed('m', t2)], t0);
    expect(tracker.update([observed('m', window)], t1)[0]?.startedAt).toBe(window.toISOString());
    const cancelled = tracker.update([], t2);
    expect(cancelled.map((i) => [i.id, i.status, i.startedAt, i.endedAt])).toEqual([['m', 'recovered', window.toISOString(), window.toISOString()]]);
  });

  it('with a reported window end still ahead, keeps the window open and ends it when the report goes away', () => {
    const tracker = new ObservedIncidents('reported');
    const start = new Date('2026-11-22T02:00:00Z');
    const end = new Date('2026-11-22T06:00:00Z');
    const planned = { ...observed('m', start), endedAt: end.toISOString() };
    expect(tracker.update([planned], t0).map((i) => [i.startedAt, i.endedAt])).toEqual([[start.toISOString(), end.toISOString()]]);
    // Cancelled two days before it would have begun: ended at its start, never "started" at the sync.
    const cancelled = tracker.update([], t1);
    expect(cancelled.map((i) => [i.status, i.startedAt, i.endedAt])).toEqual([['recovered', start.toISOString(), start.toISOString()]]);
    expect(tracker.update([], t2)).toEqual([]);
  });

  it('a window that closed between two syncs ends at its reported end, not at the later sync', () => {
    const tracker = new ObservedIncidents('reported');
    const window = { ...observed('m', t0), endedAt: new Date('2026-11-20T12:07:00Z').toISOString() };
    tracker.update([window], t1);
    expect(tracker.update([], t2).map((i) => i.endedAt)).toEqual(['2026-11-20T12:07:00.000Z']);
  });
});
