/**
 * One incident per outage. Providers, status pages and our own detectors often report the same
 * outage more than once; these rules decide when two reports are one incident with two sources.
 *
 * Two reports of the same cloud are the same outage when:
 * 1. both are provider-wide (status page, service health, maintenance), both name machines or neither
 *    does, share a region (or both name none), share a service (or one names none), and started within ONSET_WINDOW_MS of each other;
 * 2. one names a resource (resource health, derived) that the other names explicitly, and they
 *    started within ONSET_WINDOW_MS of each other (the resource event is the provider outage seen
 *    from the machine);
 * 3. both name resources, share one, and their open periods overlap (a node-down seen by the node and
 *    by resource health, or by two detectors).
 * Merging is transitive. The merged incident takes the id, title and severity of its most
 * authoritative source (service health > status page > maintenance > resource health > derived),
 * the union of regions, services, resources and updates, the earliest start, and ends only when every
 * source has ended.
 */
import type { Incident, IncidentSeverity, IncidentSource } from '../../../shared/domain';
import type { IncidentSourceRef } from '../../../shared/contract-triage';

/** Reports of one outage start within this of each other (rules 1 and 2). */
export const ONSET_WINDOW_MS = 15 * 60_000;

/** A merged incident: the combined record plus every report it came from. */
export interface MergedIncident extends Incident {
  sources: IncidentSourceRef[];
  /** Every member's id (the merged id is the first). */
  memberIds: string[];
  members: Incident[];
}

const AUTHORITY: Readonly<Record<IncidentSource, number>> = {
  'service-health': 0,
  'status-page': 1,
  maintenance: 2,
  'resource-health': 3,
  derived: 4,
};

const SEVERITY_RANK: Readonly<Record<IncidentSeverity, number>> = { critical: 0, major: 1, minor: 2, maintenance: 3, info: 4 };

const PROVIDER_WIDE: ReadonlySet<IncidentSource> = new Set(['service-health', 'status-page', 'maintenance']);

const key = (text: string): string => text.toLowerCase().replaceAll(/[^a-z0-9]/g, '');

function overlaps(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a.map(key));
  return b.some((x) => set.has(key(x)));
}

const startOf = (i: Incident): number => Date.parse(i.startedAt);
const endOf = (i: Incident): number => (i.endedAt === null ? Number.POSITIVE_INFINITY : Date.parse(i.endedAt));

/** True when two reports describe the same outage (the rules in this file's header). */
export function sameOutage(a: Incident, b: Incident): boolean {
  if (a.cloud !== b.cloud) return false;
  const closeOnset = Math.abs(startOf(a) - startOf(b)) <= ONSET_WINDOW_MS;
  const wideA = PROVIDER_WIDE.has(a.source);
  const wideB = PROVIDER_WIDE.has(b.source);
  if (wideA && wideB) {
    // A report about named machines (one host's maintenance window) is not a regional outage.
    if ((a.resourceIds.length > 0) !== (b.resourceIds.length > 0)) return false;
    const regions = (a.regions.length === 0 && b.regions.length === 0) || overlaps(a.regions, b.regions);
    const services = a.services.length === 0 || b.services.length === 0 || overlaps(a.services, b.services);
    return closeOnset && regions && services;
  }
  if (wideA !== wideB) {
    const [wide, narrow] = wideA ? [a, b] : [b, a];
    return closeOnset && narrow.resourceIds.length > 0 && narrow.resourceIds.every((id) => wide.resourceIds.includes(id));
  }
  const shareResource = a.resourceIds.some((id) => b.resourceIds.includes(id));
  return shareResource && startOf(a) < endOf(b) && startOf(b) < endOf(a);
}

const union = (lists: readonly (readonly string[])[]): string[] => [...new Set(lists.flat())].sort();

function combine(members: Incident[]): MergedIncident {
  const sorted = [...members].sort(
    (x, y) => AUTHORITY[x.source] - AUTHORITY[y.source] || startOf(x) - startOf(y) || x.id.localeCompare(y.id),
  );
  const lead = sorted[0]!;
  const open = sorted.some((m) => m.endedAt === null);
  const severity = sorted.reduce<IncidentSeverity>(
    (worst, m) => (SEVERITY_RANK[m.severity] < SEVERITY_RANK[worst] ? m.severity : worst),
    lead.severity,
  );
  const iso = (ms: number): string => new Date(ms).toISOString();
  const updates = sorted
    .flatMap((m) => m.updates)
    .sort((x, y) => Date.parse(x.at) - Date.parse(y.at))
    .filter((u, i, all) => i === 0 || u.at !== all[i - 1]!.at || u.body !== all[i - 1]!.body);
  return {
    ...lead,
    severity,
    regions: union(sorted.map((m) => m.regions)),
    services: union(sorted.map((m) => m.services)),
    resourceIds: union(sorted.map((m) => m.resourceIds)),
    startedAt: iso(Math.min(...sorted.map(startOf))),
    endedAt: open ? null : iso(Math.max(...sorted.map((m) => Date.parse(m.endedAt!)))),
    updatedAt: iso(Math.max(...sorted.map((m) => Date.parse(m.updatedAt)))),
    url: sorted.find((m) => m.url !== null)?.url ?? null,
    updates,
    demo: sorted.every((m) => m.demo),
    sources: sorted.map((m) => ({
      id: m.id,
      account: m.account,
      source: m.source,
      title: m.title,
      url: m.url,
      startedAt: m.startedAt,
      endedAt: m.endedAt,
    })),
    memberIds: sorted.map((m) => m.id),
    members: sorted,
  };
}

/** Groups reports of the same outage into one incident each (order: earliest start first). */
export function mergeIncidents(incidents: readonly Incident[]): MergedIncident[] {
  const list = [...incidents].sort((a, b) => startOf(a) - startOf(b) || a.id.localeCompare(b.id));
  const parent = list.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      if (find(i) !== find(j) && sameOutage(list[i]!, list[j]!)) parent[find(j)] = find(i);
    }
  }
  const groups = new Map<number, Incident[]>();
  list.forEach((incident, i) => {
    const root = find(i);
    groups.set(root, [...(groups.get(root) ?? []), incident]);
  });
  return [...groups.values()].map(combine);
}
