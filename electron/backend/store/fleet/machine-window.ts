/**
 * The machine table's window in SQL: which machines match (filter, overview entry, text), how many,
 * and which of them fill rows offset..offset+limit in the asked order. Sorting happens here so the
 * renderer never holds or sorts a 12,500-machine fleet; the rows themselves are built by the reader
 * with the same code as `fleet:resources`, so both channels show a machine the same way.
 *
 * Orders match the old in-browser sort (resource-table.tsx): text columns case-insensitive,
 * unmeasured values (NULL) last in both directions, ties by name, then account and id so the order
 * is total and consecutive windows neither overlap nor skip a machine.
 */
import type { FleetFilter, MachineSortKey, SortDirection } from '../../../../shared/contract';
import { gpuStateSql } from './gpu-state-query';
import { filterSql } from './resource-rows';

/** What selects the machines of a window, before sort and paging. */
export interface MachineSelection {
  filter: FleetFilter;
  cloudKey?: string;
  text: string;
}

/** SQL: this machine's overview entry key, as shared/overview.ts cloudKey() computes it. */
const CLOUD_KEY_SQL = `CASE WHEN cloud = 'other' THEN 'other:' || coalesce(site, account) ELSE cloud END`;

/** The WHERE over resource columns selecting the machines, and its parameters. */
export function selectionSql(selection: MachineSelection): { where: string; params: Record<string, string> } {
  const parts = [filterSql(selection.filter)];
  const params: Record<string, string> = {};
  if (selection.cloudKey !== undefined) {
    parts.push(`${CLOUD_KEY_SQL} = $cloud_key`);
    params.cloud_key = selection.cloudKey;
  }
  const text = selection.text.trim().toLowerCase();
  if (text !== '') {
    // contains() rather than LIKE: what the SRE types is matched literally, % and _ included.
    parts.push(
      `(contains(lower(name), $text) OR contains(lower(id), $text) OR contains(lower(region), $text)
        OR contains(lower(gpu_model), $text) OR contains(lower(tags::VARCHAR), $text))`,
    );
    params.text = text;
  }
  return { where: parts.join(' AND '), params };
}

/** How many connector-told gaps of one kind the machine carries (its coverage_gaps JSON). */
const toldSql = (kind: string): string =>
  `len(list_filter(coalesce(json_extract_string(coverage_gaps, '$[*].kind'), []::VARCHAR[]), k -> k = '${kind}'))`;

/**
 * The number of coverage gaps coverage-rules.ts machineGaps() gives the machine, from its columns and
 * its count of silent GPUs (`silent`): metrics (not when stopped), price, placement.
 */
const GAP_COUNT_SQL = `(
  CASE WHEN power_state = 'stopped' THEN 0 WHEN ${toldSql('metrics')} > 0 THEN ${toldSql('metrics')} WHEN silent > 0 THEN 1 ELSE 0 END
  + CASE WHEN ${toldSql('price')} > 0 THEN ${toldSql('price')} WHEN hourly_price IS NULL THEN 1 ELSE 0 END
  + ${toldSql('placement')})`;

/** Sort keys that need each machine's GPU states over the state window (the costly part). */
const NEEDS_STATES = new Set<MachineSortKey>(['states', 'utilisation30m', 'coverage']);

/** True when ordering by `key` reads every selected GPU's samples (worth keeping the order a while). */
export function orderNeedsStates(key: MachineSortKey): boolean {
  return NEEDS_STATES.has(key);
}

/** The value each key sorts by; NULL always sorts last. */
const SORT_SQL: Readonly<Record<MachineSortKey, string>> = {
  name: 'lower(name)',
  region: 'lower(region)',
  instanceType: 'lower(instance_type)',
  gpuModel: 'lower(gpu_model)',
  gpuCount: 'gpu_count',
  // Machines with trouble first under "states": unhealthy, then unknown, then idle, then stopped.
  states: 'unhealthy * 1000000 + unknown * 10000 + idle * 100 + stopped',
  utilisation30m: 'util',
  hourlyPrice: 'hourly_price',
  health: `CASE health WHEN 'unavailable' THEN 0 WHEN 'degraded' THEN 1 WHEN 'unknown' THEN 2 ELSE 3 END`,
  // Machines with nothing missing have nothing to sort by: they go last.
  coverage: `nullif(${GAP_COUNT_SQL}, 0)`,
};

/**
 * SQL yielding (account, id) of the machines in rows offset..offset+limit (every row from offset
 * when limit is null), in order. `asOfMs` is the state window's end (read by the keys that need
 * GPU states).
 */
export function machineOrderSql(
  asOfMs: number,
  where: string,
  sort: { key: MachineSortKey; direction: SortDirection },
  offset: number,
  limit: number | null,
): string {
  const direction = sort.direction === 'ascending' ? 'ASC' : 'DESC';
  const order = `${SORT_SQL[sort.key]} ${direction} NULLS LAST, lower(name) ASC, name ASC, account ASC, id ASC`;
  const page = `${limit === null ? '' : `LIMIT ${Math.trunc(limit)}`} OFFSET ${Math.trunc(offset)}`;
  if (!NEEDS_STATES.has(sort.key)) {
    return `SELECT account, id FROM resource WHERE ${where} ORDER BY ${order} ${page}`;
  }
  return `${machineFactsSql(asOfMs, where)} SELECT account, id FROM m ORDER BY ${order} ${page}`;
}

/** SQL yielding (account, id) of the selected machines that have a coverage gap (coverage-rules.ts machineGaps()). */
export function machinesWithGapsSql(asOfMs: number, where: string): string {
  return `${machineFactsSql(asOfMs, where)} SELECT account, id FROM m WHERE ${GAP_COUNT_SQL} > 0`;
}

/**
 * The CTEs that make `m`: each selected machine's columns the orders and gaps read, with how many of
 * its GPUs are in each state over the state window, their mean utilisation and how many are silent.
 */
function machineFactsSql(asOfMs: number, where: string): string {
  return `
    -- Nothing here reads a GPU's last sample: left out, it saves a scan of the window's raw samples.
    WITH s AS (${gpuStateSql(asOfMs, where, { lastSample: false })}),
    a AS (
      SELECT account, resource_id,
             count(*) FILTER (WHERE state = 'idle') AS idle,
             count(*) FILTER (WHERE state = 'unhealthy') AS unhealthy,
             count(*) FILTER (WHERE state = 'unknown') AS unknown,
             count(*) FILTER (WHERE state = 'stopped') AS stopped,
             avg(util_mean) FILTER (WHERE util_n > 0 AND util_mean IS NOT NULL) AS util,
             count(*) FILTER (WHERE util_n = 0) AS silent
      FROM s GROUP BY account, resource_id
    ), m AS (
      SELECT r.account, r.id, r.name, r.power_state, r.hourly_price, r.coverage_gaps, r.health,
             coalesce(a.idle, 0) AS idle, coalesce(a.unhealthy, 0) AS unhealthy, coalesce(a.unknown, 0) AS unknown,
             coalesce(a.stopped, 0) AS stopped, a.util, coalesce(a.silent, 0) AS silent
      FROM (SELECT * FROM resource WHERE ${where}) r LEFT JOIN a ON a.account = r.account AND a.resource_id = r.id
    )`;
}

/** SQL counting the selected machines and their GPUs (independent of the window). */
export function machineCountSql(where: string): string {
  return `SELECT count(*)::INTEGER AS total, coalesce(sum(gpu_count), 0)::INTEGER AS gpus FROM resource WHERE ${where}`;
}
