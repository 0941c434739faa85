/**
 * Incidents and the lean fleet as the store holds them. Which incidents are open, touch the fleet and
 * put which machines at risk is the domain's rule (domain/incident-fleet.ts).
 */
import type { CloudId, Incident, IncidentUpdate } from '../../../shared/domain';
import type { FleetMachine } from '../domain/incident-fleet';
import { type ConnectionPool, type Row } from './db';

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

/** SQL over incident: open at the instant `$asOf` (epoch ms as text), as the overview counts them. */
export const OPEN_AT_SQL = 'ended_at IS NULL OR ended_at > epoch_ms($asOf::BIGINT)';

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

/** Loads the lean inventory used for incident matching and spend. */
export async function loadFleet(pool: ConnectionPool): Promise<FleetMachine[]> {
  return pool.jsonRows<FleetMachine & Row>(
    `SELECT account, id, cloud, region, gpu_model AS "gpuModel", gpu_count::INTEGER AS "gpuCount",
            power_state AS "powerState", hourly_price::VARCHAR AS "hourlyPrice", currency, demo
     FROM resource`,
  );
}

/**
 * The fleet as the overview and a machine's page read it (incident matching, accounts per entry,
 * demo): machines alike in all of that (account, cloud, region, GPU model, power state, currency,
 * demo) folded into one row with their GPUs and hourly prices summed, which gives every count and sum
 * of domain/incident-fleet.ts unchanged; the machines an incident names by id keep rows of their own.
 * An outage can still name thousands of machines: their rows come back as one JSON text (jsonRows),
 * 18 ms against 26 ms value by value for 5,000 named machines on a 100k-GPU fleet.
 */
export function loadFleetFolded(pool: ConnectionPool, namedIds: readonly string[]): Promise<FleetMachine[]> {
  // The named ids go in as one JSON parameter joined as a table, not as an IN list in the SQL text:
  // an outage can name thousands of machines, and DuckDB plans a literal list of 4,700 ids in about a
  // second (a 100k-GPU fleet), longer than everything else in the overview.
  return pool.jsonRows<FleetMachine & Row>(
    foldedFleetSql(`SELECT unnest(from_json($named::JSON, '["VARCHAR"]'))`),
    { named: JSON.stringify(namedIds) },
  );
}

/** loadFleetFolded's rows (FleetMachine's columns), the machines `namedSql` selects (one column of ids) kept apart. */
export function foldedFleetSql(namedSql: string): string {
  // A folded row's id is one no incident names, so it matches none by id: longer than every named id
  // that starts like it.
  return `WITH named AS (SELECT DISTINCT * FROM (${namedSql}) n(id)),
          folded AS (SELECT 'folded' || repeat('*', coalesce(max(length(id)) FILTER (WHERE starts_with(id, 'folded')), 0)::INTEGER) AS id FROM named)
     SELECT account, (SELECT id FROM folded) AS id, cloud, region, gpu_model AS "gpuModel", sum(gpu_count)::INTEGER AS "gpuCount",
            power_state AS "powerState", sum(hourly_price)::VARCHAR AS "hourlyPrice", currency, demo
     FROM resource ANTI JOIN named USING (id) GROUP BY account, cloud, region, gpu_model, power_state, currency, demo
     UNION ALL
     SELECT account, id, cloud, region, gpu_model, gpu_count::INTEGER, power_state, hourly_price::VARCHAR, currency, demo
     FROM resource SEMI JOIN named USING (id)`;
}
