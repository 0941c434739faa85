/** Reading inventory rows back into GpuResource, and the FleetFilter as SQL. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { FleetFilter } from '../../../../shared/contract';
import { type CloudId, CoverageGap, type GpuResource, type HealthState, MACHINE_KEY_TAG, type PowerState } from '../../../../shared/domain';
import { type ConnectionPool, type Params, rows, sqlList, sqlString } from '../db';
import { normaliseMoney } from '../../../../shared/decimal';
import { TurnBudget } from '../event-loop-turns';

interface ResourceRecord extends Record<string, unknown> {
  account: string;
  id: string;
  cloud: CloudId;
  region: string;
  zone: string | null;
  name: string;
  kind: GpuResource['kind'];
  instance_type: string;
  gpu_model: string;
  gpu_count: number;
  gpu_memory_gib: number | null;
  power_state: PowerState;
  health: HealthState;
  health_reason: string | null;
  hourly_price: string | null;
  currency: string;
  tags: string;
  gpu_uuids: string;
  demo: boolean;
  coverage_gaps: string | null;
  site: string | null;
}

/** Loads resources matching `where` (SQL over the resource table's columns). */
export async function loadResources(conn: DuckDBConnection, where: string, params?: Params): Promise<GpuResource[]> {
  const list = await rows<ResourceRecord>(
    conn,
    `SELECT account, id, cloud, region, zone, name, kind, instance_type, gpu_model, gpu_count::INTEGER AS gpu_count,
            gpu_memory_gib, power_state, health, health_reason, hourly_price::VARCHAR AS hourly_price, currency,
            tags::VARCHAR AS tags, gpu_uuids::VARCHAR AS gpu_uuids, demo,
            coverage_gaps::VARCHAR AS coverage_gaps, site
     FROM resource WHERE ${where} ORDER BY cloud, region, name, id`,
    params,
  );
  // A sync reads an account's whole inventory (19,900 machines at 100,000 GPUs): in turns of the event loop.
  const out: GpuResource[] = [];
  await new TurnBudget().each(list, (r) => out.push(toGpuResource(r)));
  return out;
}

/** Reads an account's inventory as stored now (keptInventoryReads: one read shared until it changes). */
export type InventoryOf = (account: string) => Promise<readonly GpuResource[]>;

/**
 * Reads an account's inventory, handing back the last read while `changes()` (the fleet writer's
 * inventoryChanges) has not moved: at 100,000 GPUs the read of 19,900 machines took about 0.4 s,
 * after every metrics write, for an inventory that changes a few times a day. Callers must not
 * change what they are handed (every caller gets the same array).
 */
export function keptInventoryReads(pool: ConnectionPool, changes: () => number): InventoryOf {
  const kept = new Map<string, Promise<readonly GpuResource[]>>();
  let keptAt = changes();
  return (account) => {
    // Taken before the read: a write committing during it moves the count, so its result is read again next time.
    const at = changes();
    // The count is the store's: once it moves, no read kept is trusted (a removed account's included).
    if (at !== keptAt) {
      kept.clear();
      keptAt = at;
    }
    const hit = kept.get(account);
    if (hit !== undefined) return hit;
    const resources = pool.use((conn) => loadResources(conn, 'account = $account', { account }));
    kept.set(account, resources);
    resources.catch(() => {
      if (kept.get(account) === resources) kept.delete(account);
    });
    return resources;
  };
}

/** Built once: zod builds a schema's parser on first use, so a schema made per row built it again for every machine. */
const CoverageGaps = CoverageGap.array();

function toGpuResource(r: ResourceRecord): GpuResource {
  const gaps = r.coverage_gaps === null ? [] : CoverageGaps.parse(JSON.parse(r.coverage_gaps));
  return {
    id: r.id,
    account: r.account,
    cloud: r.cloud,
    region: r.region,
    zone: r.zone,
    name: r.name,
    kind: r.kind,
    instanceType: r.instance_type,
    gpuModel: r.gpu_model,
    gpuCount: r.gpu_count,
    gpuMemoryGiB: r.gpu_memory_gib,
    powerState: r.power_state,
    health: r.health,
    healthReason: r.health_reason,
    hourlyPrice: r.hourly_price === null ? null : normaliseMoney(r.hourly_price),
    currency: r.currency,
    tags: JSON.parse(r.tags) as Record<string, string>,
    gpuUuids: JSON.parse(r.gpu_uuids) as (string | null)[],
    demo: r.demo,
    // Absent when the connector told of nothing missing, as the connector gave it.
    ...(gaps.length === 0 ? {} : { coverageGaps: gaps }),
    ...(r.site === null ? {} : { site: r.site }),
  };
}

/** A resource row's stored fields but synced_at, as one comparable string (money normalised, JSON as stored). */
function rowKey(fields: readonly [string, string, string | null, string, string, string, string, number, number | null, string, string, string | null, string | null, string, string, string, boolean, string, string | null]): string {
  return JSON.stringify(fields);
}

/** The row key of a resource as appendResource (row-appenders.ts) would store it. */
export function resourceRowKey(r: GpuResource): string {
  return rowKey([
    r.cloud, r.region, r.zone, r.name, r.kind, r.instanceType, r.gpuModel, r.gpuCount, r.gpuMemoryGiB, r.powerState, r.health, r.healthReason,
    r.hourlyPrice === null ? null : normaliseMoney(r.hourlyPrice), r.currency, JSON.stringify(r.tags), JSON.stringify(r.gpuUuids), r.demo,
    JSON.stringify(r.coverageGaps ?? []), r.site ?? null,
  ]);
}

/**
 * Resource id -> row key (resourceRowKey) of every row an account has stored. JSON columns are
 * compared as the text stored, so a key only matches a row appendResource would write identically
 * (cheaper than reading the rows back as resources, which parses every JSON column).
 */
export async function storedRowKeys(conn: DuckDBConnection, account: string, turns: TurnBudget = new TurnBudget()): Promise<Map<string, string>> {
  const list = await rows<ResourceRecord>(
    conn,
    `SELECT id, cloud, region, zone, name, kind, instance_type, gpu_model, gpu_count::INTEGER AS gpu_count,
            gpu_memory_gib, power_state, health, health_reason, hourly_price::VARCHAR AS hourly_price, currency,
            tags::VARCHAR AS tags, gpu_uuids::VARCHAR AS gpu_uuids, demo, coverage_gaps::VARCHAR AS coverage_gaps, site
     FROM resource WHERE account = $account`,
    { account },
  );
  const keys = new Map<string, string>();
  // 12,500 keys are tens of milliseconds of work: the event loop gets its turns meanwhile.
  await turns.each(list, (r) => {
    keys.set(
      r.id,
      rowKey([
        r.cloud, r.region, r.zone, r.name, r.kind, r.instance_type, r.gpu_model, r.gpu_count, r.gpu_memory_gib, r.power_state, r.health, r.health_reason,
        r.hourly_price === null ? null : normaliseMoney(r.hourly_price), r.currency, r.tags, r.gpu_uuids, r.demo, r.coverage_gaps ?? '[]', r.site,
      ]),
    );
  });
  return keys;
}

/**
 * The FleetFilter as an SQL condition over columns named cloud, region and gpu_model (optionally
 * qualified by `alias`). Values are quoted literals, so the result is safe to embed.
 */
export function filterSql(filter: FleetFilter, alias?: string): string {
  const col = (name: string): string => (alias ? `${alias}.${name}` : name);
  const parts = ['TRUE'];
  if (filter.clouds.length > 0) parts.push(`${col('cloud')} IN ${sqlList(filter.clouds)}`);
  if (filter.regions.length > 0) parts.push(`${col('region')} IN ${sqlList(filter.regions)}`);
  if (filter.gpuModels.length > 0) parts.push(`${col('gpu_model')} IN ${sqlList(filter.gpuModels)}`);
  return parts.join(' AND ');
}

/** Above this many machines, a list of them goes into SQL as one parameter rather than in its text. */
const MACHINE_LIST_MAX = 64;

/**
 * SQL over columns `account` and `idColumn` that is true for the listed machines, and its parameters.
 * A few machines are written into the SQL, where DuckDB skips straight to their rows. Many go in as
 * one JSON parameter ($machines) joined as a table: a region-wide outage names thousands of
 * machines, and DuckDB took 2.6 s to plan an OR of 2,100 of them (100,000 GPUs).
 */
export function machineListSql(
  machines: readonly { account: string; id: string }[],
  idColumn = 'id',
): { sql: string; params?: { machines: string } } {
  if (machines.length === 0) return { sql: 'FALSE' };
  if (machines.length <= MACHINE_LIST_MAX) {
    return { sql: `(${machines.map((m) => `(account = ${sqlString(m.account)} AND ${idColumn} = ${sqlString(m.id)})`).join(' OR ')})` };
  }
  return {
    sql: `(account, ${idColumn}) IN (SELECT account, id FROM (SELECT unnest(from_json($machines::JSON, '[{"account":"VARCHAR","id":"VARCHAR"}]'), recursive := true)))`,
    params: { machines: JSON.stringify(machines.map((m) => ({ account: m.account, id: m.id }))) },
  };
}

/** SQL: the machine key a resource's tags carry (MACHINE_KEY_TAG), NULL for most resources. */
export const machineKeySql = (alias = 'resource'): string => `json_extract_string(${alias}.tags, '$."${MACHINE_KEY_TAG}"')`;

/**
 * SQL over the `resource` table (qualified by `alias`): false for a resource another account's
 * resource names as the same machine (shared/domain.ts MACHINE_KEY_TAG) and that takes precedence,
 * so a machine two accounts see is counted once. A Kubernetes node wins over the cloud's instance
 * (it carries the workload and the DCGM series), then the account name, then the id.
 */
export function countedOnceSql(alias = 'resource'): string {
  const key = machineKeySql;
  const node = (a: string): string => `(${a}.kind = 'node')`;
  const first = `(${node('o')} AND NOT ${node(alias)}) OR (${node('o')} = ${node(alias)} AND (o.account < ${alias}.account OR (o.account = ${alias}.account AND o.id < ${alias}.id)))`;
  return `(${key(alias)} IS NULL OR NOT EXISTS (SELECT 1 FROM resource o WHERE ${key('o')} = ${key(alias)} AND (${first})))`;
}

/** True when the resource passes the filter (the same rule as filterSql, for rows already in memory). */
export function passesFilter(filter: FleetFilter, r: { cloud: string; region: string; gpuModel: string }): boolean {
  return (
    (filter.clouds.length === 0 || (filter.clouds as string[]).includes(r.cloud)) &&
    (filter.regions.length === 0 || filter.regions.includes(r.region)) &&
    (filter.gpuModels.length === 0 || filter.gpuModels.includes(r.gpuModel))
  );
}
