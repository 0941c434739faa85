/**
 * Incidents a connector derives from what it observes on each sync (a machine repairing, an instance
 * moving) rather than reads from a feed with its own start and end. The list of machines has no start
 * time for a condition, so the first sync that sees it sets the start and later syncs keep it; when a
 * condition is no longer seen, its incident ends at that sync as "recovered".
 */
import type { Incident } from '../../../../shared/domain';

/**
 * Where an observed incident's start comes from: the first sync that saw it (the default: the
 * provider gives no start), or the report itself (the provider names one, e.g. a maintenance window
 * that may be rescheduled, or the time a machine stopped).
 */
export type ObservedStart = 'first-sighting' | 'reported';

/** Open observed incidents of one connector, carried from sync to sync. */
export class ObservedIncidents {
  private open = new Map<string, Incident>();

  constructor(private readonly start: ObservedStart = 'first-sighting') {}

  /**
   * This sync's observed incidents -> what to report: each current one (with the start of its first
   * sighting, unless starts are reported), then those seen before but not now, ended at `now` (never
   * before their start).
   */
  update(current: readonly Incident[], now: Date): Incident[] {
    const seen = new Map(current.map((i) => [i.id, i]));
    const out: Incident[] = [];
    for (const [id, incident] of seen) {
      const before = this.open.get(id);
      out.push(before && this.start === 'first-sighting' ? { ...incident, startedAt: before.startedAt } : incident);
    }
    const end = now.toISOString();
    for (const [id, before] of this.open) {
      if (seen.has(id)) continue;
      // A reported start may lie ahead of this sync (a window that was cancelled before it began),
      // and a reported end may lie before it (the window closed between two syncs).
      const endedAt =
        Date.parse(before.startedAt) > now.getTime() ? before.startedAt
          : before.endedAt !== null && Date.parse(before.endedAt) < now.getTime() ? before.endedAt
            : end;
      out.push({ ...before, endedAt, updatedAt: end, status: 'recovered' });
    }
    // A reported window end still ahead (announced maintenance) is open until then: if the report
    // goes away first, the window was cancelled or cut short and the incident must end now.
    this.open = new Map(out.filter((i) => seen.has(i.id) && (i.endedAt === null || Date.parse(i.endedAt) > now.getTime())).map((i) => [i.id, i]));
    return out;
  }
}
