/**
 * Cost report queries over cost_row: imported FOCUS rows and connector rows alike. Every sum runs in
 * DuckDB DECIMAL(38,10) per currency; rows tagged fleetpane.estimate=true are summed apart
 * (`estimated`) and never enter `billed`, and cover only the hours after their account's last billed
 * hour (COST_VIEW_SQL drops the others, so every report, export and budget reads the same rule). Which cloud a row belongs to follows cloudOfCostRow, in SQL.
 */
import { ESTIMATE_TAG, spendGroupLabel, type CostReport, type CostReportQuery, type SpendAmounts, type SpendFilter, type SpendGroupKey, type SpendGroupRow } from '../../../../shared/contract-spend';
import { costRowCloudSql, onlyCloudSql } from '../../domain/cost-row-cloud';
import { type ConnectionPool, sqlList, sqlString } from '../db';
import { normaliseMoney, parseMoney } from '../../../../shared/decimal';

const DAY_MS = 86_400_000;

/** A JSON path for one tag key, safe for any key text. */
export function tagPath(key: string): string {
  return sqlString(`$.${JSON.stringify(key)}`);
}

/**
 * Each account's last billed instant, as `account, billed_until`: the end of the latest charge period
 * of its billed (non-estimate) rows, read from their day sums (cost-days.ts). Accounts with no billed
 * row are absent.
 */
export const BILLED_UNTIL_SQL = `SELECT account, max(last_end) AS billed_until FROM cost_day WHERE NOT is_estimate GROUP BY account`;

/**
 * True for the cost rows that count: every billed row, and an estimate only where its charge period
 * starts at or after its account's last billed instant (`billedUntil`, null when nothing is billed).
 * The bill wins where it exists: an estimate of an hour already billed would count that hour twice.
 */
export function countedCostRowSql(alias: string, billedUntil: string): string {
  return `(NOT ${alias}.is_estimate OR ${billedUntil} IS NULL OR ${alias}.ChargePeriodStart >= ${billedUntil})`;
}

/**
 * cost_row with the derived columns reports group by: cloud (the rule of domain/cost-row-cloud.ts), gpu_model
 * (from the inventory machine the charge names) and is_estimate; estimates the bill already covers
 * are left out (countedCostRowSql).
 */
export const COST_VIEW_SQL = `
  WITH acct_cloud AS (
    SELECT account, ${onlyCloudSql('cloud')} AS only_cloud FROM resource GROUP BY account
  ), billed_until AS (${BILLED_UNTIL_SQL})
  SELECT c.*,
    ${costRowCloudSql({ onlyCloud: 'ac.only_cloud', providerName: 'c.ProviderName', provider: 'a.provider' })} AS cloud,
    r.gpu_model, r.gpu_count, r.hourly_price, r.currency AS price_currency, r.demo AS resource_demo
  FROM cost_row c
  LEFT JOIN acct_cloud ac ON ac.account = c.account
  LEFT JOIN account a ON a.name = c.account
  LEFT JOIN resource r ON r.account = c.account AND r.id = c.ResourceId
  LEFT JOIN billed_until bu ON bu.account = c.account
  WHERE ${countedCostRowSql('c', 'bu.billed_until')}`;

/** The SQL expression of one group key over COST_VIEW_SQL's columns. */
export function groupExpr(key: SpendGroupKey): string {
  if (key.startsWith('tag:')) return `coalesce(Tags ->> ${tagPath(key.slice(4))}, '(untagged)')`;
  switch (key) {
    case 'cloud':
      return 'cloud';
    case 'account':
      return 'account';
    case 'billing-account':
      return `coalesce(BillingAccountName, BillingAccountId)`;
    case 'region':
      return `coalesce(RegionId, RegionName, '(no region)')`;
    case 'service':
      return `coalesce(ServiceName, '(no service)')`;
    case 'service-category':
      return `coalesce(ServiceCategory, '(none)')`;
    case 'charge-category':
      return 'ChargeCategory';
    case 'gpu-model':
      return `coalesce(gpu_model, '(not a GPU machine)')`;
    case 'resource':
      return `coalesce(ResourceName, ResourceId, '(no resource)')`;
    case 'day':
      return `strftime(ChargePeriodStart, '%Y-%m-%d')`;
    case 'month':
      return `strftime(ChargePeriodStart, '%Y-%m')`;
    default:
      throw new Error(`unknown group key "${key}"`);
  }
}

/** Start (inclusive) and end (exclusive) in epoch ms of a report's [from, to] days. */
export function periodBounds(from: string, to: string): { start: number; end: number } {
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`) + DAY_MS;
  if (Number.isNaN(start) || Number.isNaN(end)) throw new Error(`not a date range: ${from} .. ${to}`);
  return { start, end };
}

/** The WHERE clause for a period and a filter over COST_VIEW_SQL's columns. */
export function costWhere(from: string, to: string, filter: SpendFilter): string {
  const { start, end } = periodBounds(from, to);
  const parts = [`ChargePeriodStart >= epoch_ms(${start}::BIGINT)`, `ChargePeriodStart < epoch_ms(${end}::BIGINT)`];
  if (filter.clouds.length > 0) parts.push(`cloud IN ${sqlList(filter.clouds)}`);
  if (filter.accounts.length > 0) parts.push(`account IN ${sqlList(filter.accounts)}`);
  if (filter.regions.length > 0) parts.push(`${groupExpr('region')} IN ${sqlList(filter.regions)}`);
  if (filter.services.length > 0) parts.push(`${groupExpr('service')} IN ${sqlList(filter.services)}`);
  if (filter.gpuModels.length > 0) parts.push(`${groupExpr('gpu-model')} IN ${sqlList(filter.gpuModels)}`);
  for (const [key, values] of Object.entries(filter.tags)) {
    if (values.length > 0) parts.push(`${groupExpr(`tag:${key}`)} IN ${sqlList(values)}`);
  }
  return parts.join(' AND ');
}

const AMOUNTS_SQL = `
  coalesce(sum(BilledCost) FILTER (WHERE NOT is_estimate), 0)::VARCHAR AS billed,
  coalesce(sum(EffectiveCost) FILTER (WHERE NOT is_estimate), 0)::VARCHAR AS effective,
  coalesce(sum(BilledCost) FILTER (WHERE is_estimate), 0)::VARCHAR AS estimated,
  count(*)::DOUBLE AS n`;

type AmountRow = {
  currency: string;
  billed: string;
  effective: string;
  estimated: string;
  n: number;
};

function amounts(r: AmountRow): SpendAmounts {
  return {
    currency: r.currency,
    billed: normaliseMoney(r.billed),
    effective: normaliseMoney(r.effective),
    estimated: normaliseMoney(r.estimated),
    rows: r.n,
  };
}

function sortGroups(a: SpendGroupRow, b: SpendGroupRow): number {
  if (a.currency !== b.currency) return a.currency.localeCompare(b.currency);
  const d = parseMoney(b.billed) - parseMoney(a.billed);
  if (d !== 0n) return d > 0n ? 1 : -1;
  return a.keys.join('\u0000').localeCompare(b.keys.join('\u0000'));
}

async function groupRows(pool: ConnectionPool, where: string, keys: readonly SpendGroupKey[]): Promise<SpendGroupRow[]> {
  const select = keys.map((k, i) => `${groupExpr(k)} AS k${i}`).join(', ');
  const result = await pool.rows<AmountRow & Record<string, string>>(
    `WITH v AS (${COST_VIEW_SQL})
     SELECT ${select}, BillingCurrency AS currency, ${AMOUNTS_SQL}
     FROM v WHERE ${where} GROUP BY ALL`,
  );
  return result
    .map((r) => ({ ...amounts(r), keys: keys.map((_, i) => String(r[`k${i}`])) }))
    .sort(sortGroups);
}

/** Runs a cost report: totals per currency, one grouping per key, the combined groups and daily bars. */
export async function costReport(pool: ConnectionPool, query: CostReportQuery, now: Date): Promise<CostReport> {
  const where = costWhere(query.from, query.to, query.filter);
  const [totals, daily, demo, groups, ...perKey] = await Promise.all([
    pool.rows<AmountRow>(`WITH v AS (${COST_VIEW_SQL}) SELECT BillingCurrency AS currency, ${AMOUNTS_SQL} FROM v WHERE ${where} GROUP BY ALL ORDER BY currency`),
    pool.rows<{ day: string; currency: string; billed: string; estimated: string }>(
      `WITH v AS (${COST_VIEW_SQL})
       SELECT strftime(ChargePeriodStart, '%Y-%m-%d') AS day, BillingCurrency AS currency,
         coalesce(sum(BilledCost) FILTER (WHERE NOT is_estimate), 0)::VARCHAR AS billed,
         coalesce(sum(BilledCost) FILTER (WHERE is_estimate), 0)::VARCHAR AS estimated
       FROM v WHERE ${where} GROUP BY ALL ORDER BY day, currency`,
    ),
    pool.rows<{ demo: boolean }>(
      `WITH v AS (${COST_VIEW_SQL}) SELECT coalesce(bool_or(a.provider = 'demo'), false) AS demo
       FROM v LEFT JOIN account a ON a.name = v.account WHERE ${where}`,
    ),
    groupRows(pool, where, query.groupBy),
    // Grouped by one key, its grouping is the combined groups: not read twice.
    ...(query.groupBy.length === 1 ? [] : query.groupBy.map((k) => groupRows(pool, where, [k]))),
  ]);
  const groupings = query.groupBy.length === 1 ? [groups] : perKey;
  return {
    query,
    title: query.title ?? `Cloud spend ${query.from} to ${query.to}`,
    generatedAt: now.toISOString(),
    totals: totals.map(amounts),
    groupings: query.groupBy.map((key, i) => ({ key, label: spendGroupLabel(key), rows: groupings[i] ?? [] })),
    groups,
    daily: daily.map((d) => ({ day: d.day, currency: d.currency, billed: normaliseMoney(d.billed), estimated: normaliseMoney(d.estimated) })),
    demo: demo[0]?.demo ?? false,
  };
}

/** Distinct values the spend filters offer. */
export async function spendFilterOptions(pool: ConnectionPool): Promise<{
  accounts: string[];
  regions: string[];
  services: string[];
  gpuModels: string[];
  tagKeys: string[];
  firstDay: string | null;
  lastDay: string | null;
}> {
  // Every list in one pass over the counted rows: four passes of the view (its joins included) took
  // three times as long with a 100,000-GPU fleet's million cost rows.
  const distinct = (expr: string): string => `array_sort(list(DISTINCT ${expr}) FILTER (WHERE ${expr} IS NOT NULL))`;
  const [lists, tagKeys, days] = await Promise.all([
    pool.rows<{ accounts: string[] | null; regions: string[] | null; services: string[] | null; gpu_models: string[] | null }>(
      `WITH v AS (${COST_VIEW_SQL})
       SELECT ${distinct('account')} AS accounts, ${distinct(groupExpr('region'))} AS regions,
              ${distinct(groupExpr('service'))} AS services, ${distinct('gpu_model')} AS gpu_models
       FROM v`,
    ),
    pool.rows<{ v: string }>(`SELECT DISTINCT unnest(json_keys(Tags)) AS v FROM cost_row ORDER BY 1`),
    pool.rows<{ first: string | null; last: string | null }>(
      `SELECT strftime(min(ChargePeriodStart), '%Y-%m-%d') AS first, strftime(max(ChargePeriodStart), '%Y-%m-%d') AS last FROM cost_row`,
    ),
  ]);
  // No counted row at all: the lists are NULL.
  const { accounts, regions, services, gpu_models: gpuModels } = lists[0] ?? {};
  return {
    accounts: accounts ?? [],
    regions: regions ?? [],
    services: services ?? [],
    gpuModels: gpuModels ?? [],
    tagKeys: tagKeys.map((r) => r.v).filter((k) => k !== ESTIMATE_TAG),
    firstDay: days[0]?.first ?? null,
    lastDay: days[0]?.last ?? null,
  };
}
