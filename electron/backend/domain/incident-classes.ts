/**
 * Which incidents the pane counts: open reports merged into one incident per outage, then split into
 * active (touching the fleet) and elsewhere. The overview and the triage view both call this, so
 * their counts cannot drift apart. Blast radius is incident-fleet.ts (toBrief).
 */
import type { Incident, IncidentSeverity } from '../../../shared/domain';
import type { IncidentBrief } from '../../../shared/overview';
import { isOpen, toBrief, touchesFleet, type FleetMachine } from './incident-fleet';
import { parseMoney } from '../../../shared/decimal';
import { mergeIncidents, type MergedIncident } from './incident-merge';

export interface ClassifiedIncident {
  merged: MergedIncident;
  brief: IncidentBrief;
}

export interface IncidentClasses {
  active: ClassifiedIncident[];
  elsewhere: ClassifiedIncident[];
}

const SEVERITY_RANK: Readonly<Record<IncidentSeverity, number>> = { critical: 0, major: 1, minor: 2, maintenance: 3, info: 4 };

function atRiskTotal(brief: IncidentBrief): bigint {
  return brief.atRiskPerHour.reduce((sum, a) => sum + parseMoney(a.amount), 0n);
}

/** Largest blast radius first: affected GPUs, then dollars per hour at risk, then severity, then newest. */
export function byBlastRadius(a: IncidentBrief, b: IncidentBrief): number {
  if (a.affectedGpus !== b.affectedGpus) return b.affectedGpus - a.affectedGpus;
  const ra = atRiskTotal(a);
  const rb = atRiskTotal(b);
  if (ra !== rb) return ra > rb ? -1 : 1;
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || Date.parse(b.startedAt) - Date.parse(a.startedAt) || a.id.localeCompare(b.id);
}

/** Announced maintenance whose window has not opened by asOf (and was not called off or finished). */
export function isPlannedMaintenance(incident: Incident, asOfMs: number): boolean {
  return (
    (incident.source === 'maintenance' || incident.severity === 'maintenance') &&
    Date.parse(incident.startedAt) > asOfMs &&
    (incident.endedAt === null || Date.parse(incident.endedAt) > Date.parse(incident.startedAt))
  );
}

/** Planned maintenance, not counted, soonest window first; `touchesFleet` says whether it is ours. */
export function plannedMaintenance(
  reports: readonly Incident[],
  fleet: readonly FleetMachine[],
  asOfMs: number,
): { brief: IncidentBrief; touchesFleet: boolean }[] {
  return reports
    .filter((r) => isPlannedMaintenance(r, asOfMs))
    .map((r) => ({ brief: toBrief(r, fleet), touchesFleet: touchesFleet(r, fleet) }))
    .sort((a, b) => Date.parse(a.brief.startedAt) - Date.parse(b.brief.startedAt) || a.brief.id.localeCompare(b.brief.id));
}

/**
 * Merges the reports open at asOf and classifies them against `fleet` (already filtered by the
 * caller). Each list is sorted by blast radius.
 */
export function classifyOpenIncidents(reports: readonly Incident[], fleet: readonly FleetMachine[], asOfMs: number): IncidentClasses {
  const merged = mergeIncidents(reports.filter((r) => isOpen(r, asOfMs)));
  const active: ClassifiedIncident[] = [];
  const elsewhere: ClassifiedIncident[] = [];
  for (const m of merged) {
    const entry = { merged: m, brief: toBrief(m, fleet) };
    (touchesFleet(m, fleet) ? active : elsewhere).push(entry);
  }
  const sort = (list: ClassifiedIncident[]) => list.sort((a, b) => byBlastRadius(a.brief, b.brief));
  return { active: sort(active), elsewhere: sort(elsewhere) };
}
