/**
 * FOCUS CSV export: the cost rows of a report's period and filter as FOCUS columns, written by
 * DuckDB's COPY. Columns kept from an import (cost_row.extra) are written back as the file gave them,
 * so an export imports again into identical rows. Timestamps are ISO 8601 UTC with a Z.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CostReportQuery } from '../../../../shared/contract-spend';
import { COST_VIEW_SQL, costWhere } from '../spend/cost-report-query';
import { exec, rows, sqlString } from '../db';
import { FOCUS_COLUMNS } from './columns';
import { MODELLED_COLUMNS } from './import';

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;
const TIME_COLUMNS = new Set(['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']);
const MONEY_COLUMNS = new Set(['BilledCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'ConsumedQuantity']);
/** Mandatory in every FOCUS version but not modelled: written (empty) even for connector rows. */
const ALWAYS = ['ContractedCost'];

function modelledExpr(name: string): string {
  const col = quoteIdent(name);
  if (TIME_COLUMNS.has(name)) return `strftime(${col}, '%Y-%m-%dT%H:%M:%SZ')`;
  // DECIMAL(38,10) as text, trailing zeros dropped ("0.0000008"), so the value reads back exactly.
  if (MONEY_COLUMNS.has(name)) return `CASE WHEN ${col} IS NULL THEN NULL ELSE rtrim(rtrim(${col}::VARCHAR, '0'), '.') END`;
  if (name === 'Tags') return `${col}::VARCHAR`;
  return col;
}

/**
 * The JSON pointer (RFC 6901) of a key of cost_row.extra: a pointer takes any key as it is (only ~
 * and / escaped), where a `$."..."` path reads "*" as a wildcard, fails on "" and finds no key with
 * a control character (a tab or line break in a column name).
 */
function extraPointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/** Writes the FOCUS CSV for `query`'s period and filter to `file`; returns the row count. */
export async function exportFocusCsv(conn: DuckDBConnection, query: CostReportQuery, file: string): Promise<number> {
  const where = costWhere(query.from, query.to, query.filter);
  const extraKeys = (
    await rows<{ k: string }>(conn, `WITH v AS (${COST_VIEW_SQL}) SELECT DISTINCT unnest(json_keys(extra)) AS k FROM v WHERE ${where} AND extra IS NOT NULL`)
  ).map((r) => r.k);
  const modelled = new Set<string>(MODELLED_COLUMNS);
  const catalogueOrder = new Map(FOCUS_COLUMNS.map((c, i) => [c.id, i]));
  const extras = [...new Set([...ALWAYS, ...extraKeys])].filter((k) => !modelled.has(k));
  // FOCUS columns in catalogue (alphabetical) order, then a file's own non-FOCUS columns.
  const columns = [...MODELLED_COLUMNS, ...extras].sort((a, b) => {
    const ia = catalogueOrder.get(a) ?? Number.MAX_SAFE_INTEGER;
    const ib = catalogueOrder.get(b) ?? Number.MAX_SAFE_INTEGER;
    return ia !== ib ? ia - ib : a.localeCompare(b);
  });
  const select = columns
    .map((c) => `${modelled.has(c) ? modelledExpr(c) : `extra ->> ${sqlString(extraPointer(c))}`} AS ${quoteIdent(c)}`)
    .join(', ');
  const count = await rows<{ n: number }>(conn, `WITH v AS (${COST_VIEW_SQL}) SELECT count(*)::DOUBLE AS n FROM v WHERE ${where}`);
  await exec(
    conn,
    `COPY (WITH v AS (${COST_VIEW_SQL}) SELECT ${select} FROM v WHERE ${where}
       ORDER BY ChargePeriodStart, BillingAccountId, ResourceId NULLS FIRST, ChargeDescription NULLS FIRST, BilledCost, Tags::VARCHAR, extra::VARCHAR NULLS FIRST)
     TO ${sqlString(file)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NULL '')`,
  );
  return count[0]?.n ?? 0;
}
