/**
 * FOCUS CSV export: the cost rows of a report's period and filter as FOCUS columns, written by
 * DuckDB's COPY. Columns kept from an import (cost_row.extra, named by cost_extra_columns) are written
 * back as the file gave them, so an export imports again into identical rows. Timestamps are ISO 8601
 * UTC with a Z.
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

/** Writes the FOCUS CSV for `query`'s period and filter to `file`; returns the row count. */
export async function exportFocusCsv(conn: DuckDBConnection, query: CostReportQuery, file: string): Promise<number> {
  const where = costWhere(query.from, query.to, query.filter);
  // The rows and, for imported ones, the names of their file's kept columns (cost_extra_columns).
  const rowsSql = `WITH v AS (${COST_VIEW_SQL}), w AS (SELECT * FROM v WHERE ${where})
    SELECT w.*, x.names AS extra_names FROM w LEFT JOIN cost_extra_columns x ON x.account = w.account AND x.source = w.source`;
  const extraKeys = (
    await rows<{ k: string }>(conn, `SELECT DISTINCT unnest(extra_names) AS k FROM (${rowsSql}) WHERE extra IS NOT NULL`)
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
  // A kept column is the cell at its name's place in the row's file (none where the file had no such column).
  const select = columns
    .map((c) => `${modelled.has(c) ? modelledExpr(c) : `extra[list_position(extra_names, ${sqlString(c)})]`} AS ${quoteIdent(c)}`)
    .join(', ');
  // Rows equal in the keys below are ordered by their kept columns as written (by position: a file's
  // own column may be named as a cost_row column).
  const extraOrder = columns.flatMap((c, i) => (modelled.has(c) ? [] : [`${i + 1} NULLS FIRST`]));
  const count = await rows<{ n: number }>(conn, `WITH v AS (${COST_VIEW_SQL}) SELECT count(*)::DOUBLE AS n FROM v WHERE ${where}`);
  await exec(
    conn,
    `COPY (SELECT ${select} FROM (${rowsSql})
       ORDER BY ChargePeriodStart, BillingAccountId, ResourceId NULLS FIRST, ChargeDescription NULLS FIRST, BilledCost, Tags::VARCHAR, ${extraOrder.join(', ')})
     TO ${sqlString(file)} (FORMAT csv, HEADER true, DELIMITER ',', QUOTE '"', ESCAPE '"', NULL '')`,
  );
  return count[0]?.n ?? 0;
}
