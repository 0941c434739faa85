/**
 * Incidents and their blast radius. An incident is open at asOf when it started by then and has not
 * ended by then. It is active (counted on the pane) when it also touches the fleet of its cloud: one
 * of its regions is a region that cloud's inventory uses (names compared ignoring case, spaces and
 * dashes, so "East US" matches "eastus"), or it names one of the fleet's resources, or it names no
 * region and no resource at all (a provider-wide incident) while the cloud has a fleet. Open incidents
 * that touch nothing of ours are listed apart. Services are kept and shown but not matched: the
 * inventory does not say which provider services a machine depends on.
 */
import type { CloudId, Incident, IncidentUpdate } from '../../../shared/domain';
import type { IncidentBrief } from '../../../shared/overview';
import { type ConnectionPool, type Row } from './db';
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

interface IncidentRecord extends Row {
  account: string;
  id: string;
  cloud: CloudId;
  source: Incident['source'];
  severity: Incident['severity'];
  title: string;
  summary: string;
  status: string;
  regions: string;
  services: string;
  resource_ids: string;
  started: number;
  ended: number | null;
  updated: number;
  url: string | null;
  updates: string;
  demo: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Loads incidents matching `where`, newest first. */
export async function loadIncidents(pool: ConnectionPool, where = 'TRUE', params?: Record<string, string>): Promise<Incident[]> {
  const list = await pool.rows<IncidentRecord>(
    `SELECT account, id, cloud, source, severity, title, summary, status, regions::VARCHAR AS regions,
            services::VARCHAR AS services, resource_ids::VARCHAR AS resource_ids,
            epoch_ms(started_at)::DOUBLE AS started, epoch_ms(ended_at)::DOUBLE AS ended,
            epoch_ms(updated_at)::DOUBLE AS updated, url, updates::VARCHAR AS updates, demo
     FROM incident WHERE ${where} ORDER BY started_at DESC, id`,
    params,
  );
  return list.map((r) => ({
    id: r.id,
    account: r.account,
    cloud: r.cloud,
    source: r.source,
    severity: r.severity,
    title: r.title,
    summary: r.summary,
    status: r.status,
    regions: JSON.parse(r.regions) as string[],
    services: JSON.parse(r.services) as string[],
    resourceIds: JSON.parse(r.resource_ids) as string[],
    startedAt: iso(r.started),
    endedAt: r.ended === null ? null : iso(r.ended),
    updatedAt: iso(r.updated),
    url: r.url,
    updates: JSON.parse(r.updates) as IncidentUpdate[],
    demo: r.demo,
  }));
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

/** Loads the lean inventory used for incident matching and spend. */
export async function loadFleet(pool: ConnectionPool): Promise<FleetMachine[]> {
  return pool.rows<FleetMachine & Row>(
    `SELECT account, id, cloud, region, gpu_model AS "gpuModel", gpu_count::INTEGER AS "gpuCount",
            power_state AS "powerState", hourly_price::VARCHAR AS "hourlyPrice", currency, demo
     FROM resource`,
  );
}
