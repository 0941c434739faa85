/**
 * Incidents and their blast radius. An incident is open at asOf when it started by then and has not
 * ended by then. It is active (counted on the pane) when it also touches the fleet of its cloud: one
 * of its regions is a region that cloud's inventory uses (names compared ignoring case, spaces and
 * dashes, so "East US" matches "eastus"), or it names one of the fleet's resources, or it names no
 * region and no resource at all (a provider-wide incident) while the cloud has a fleet. Open incidents
 * that touch nothing of ours are listed apart. Services are kept and shown but not matched: the
 * inventory does not say which provider services a machine depends on.
 */
import type { CloudId, Incident } from '../../../shared/domain';
import type { IncidentBrief } from '../../../shared/overview';
import { addMoneyTo, formatMoney, parseMoney } from '../../../shared/decimal';

/** What incident matching needs to know about one machine of the inventory. */
export interface FleetMachine {
  account: string;
  id: string;
  cloud: CloudId;
  region: string;
  gpuModel: string;
  gpuCount: number;
  powerState: string;
  hourlyPrice: string | null;
  currency: string;
  demo: boolean;
}

const regionKey = (region: string): string => region.toLowerCase().replaceAll(/[^a-z0-9]/g, '');

/** True when the incident has started and not ended at asOf. */
export function isOpen(incident: Incident, asOfMs: number): boolean {
  return (
    Date.parse(incident.startedAt) <= asOfMs && (incident.endedAt === null || Date.parse(incident.endedAt) > asOfMs)
  );
}

/** True when the incident touches the given machines (the fleet of the incident's cloud). */
export function touchesFleet(incident: Incident, fleet: readonly FleetMachine[]): boolean {
  const machines = fleet.filter((m) => m.cloud === incident.cloud);
  if (machines.length === 0) return false;
  if (incident.regions.length === 0 && incident.resourceIds.length === 0) return true;
  const regions = new Set(incident.regions.map(regionKey));
  const ids = new Set(incident.resourceIds);
  return machines.some((m) => regions.has(regionKey(m.region)) || ids.has(m.id));
}

/** The machines an incident affects: those it names, and for provider incidents the running ones in its regions. */
export function affectedMachines(incident: Incident, fleet: readonly FleetMachine[]): FleetMachine[] {
  const ids = new Set(incident.resourceIds);
  const providerWide = incident.source === 'status-page' || incident.source === 'service-health';
  const regions = new Set(incident.regions.map(regionKey));
  return fleet.filter(
    (m) =>
      m.cloud === incident.cloud &&
      (ids.has(m.id) || (providerWide && m.powerState === 'running' && regions.has(regionKey(m.region)))),
  );
}

/** The incident as the overview lists it, with affected GPUs and their hourly price per currency. */
export function toBrief(incident: Incident, fleet: readonly FleetMachine[]): IncidentBrief {
  const affected = affectedMachines(incident, fleet);
  const atRisk = new Map<string, bigint>();
  for (const m of affected) if (m.hourlyPrice !== null) addMoneyTo(atRisk, m.currency, parseMoney(m.hourlyPrice));
  return {
    id: incident.id,
    account: incident.account,
    cloud: incident.cloud,
    source: incident.source,
    severity: incident.severity,
    title: incident.title,
    status: incident.status,
    regions: incident.regions,
    services: incident.services,
    startedAt: incident.startedAt,
    endedAt: incident.endedAt,
    url: incident.url,
    demo: incident.demo,
    affectedGpus: affected.reduce((n, m) => n + m.gpuCount, 0),
    atRiskPerHour: [...atRisk.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, amount]) => ({ currency, amount: formatMoney(amount) })),
  };
}
