/**
 * Cost report as CSV (RFC 4180): CRLF line ends, fields quoted when they hold a comma, a quote or a
 * line break, quotes doubled. Amounts are the exact decimals of the report (no float ever touches
 * them); one row per group and currency, then one "Total" row per currency.
 */
import { spendGroupLabel, type CostReport } from '../../../shared/contract-spend';

/** Quotes one field as RFC 4180 requires. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Joins records into RFC 4180 text (CRLF after every record, including the last). */
export function csvText(records: readonly (readonly string[])[]): string {
  return records.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** The report's groups (by every group key at once) and totals as CSV. */
export function reportCsv(report: CostReport): string {
  const keys = report.query.groupBy;
  const header = [...keys.map(spendGroupLabel), 'Currency', 'BilledCost', 'EffectiveCost', 'Estimated (not billed)', 'Rows'];
  const records: string[][] = [header];
  for (const g of report.groups) {
    records.push([...g.keys, g.currency, g.billed, g.effective, g.estimated, String(g.rows)]);
  }
  for (const t of report.totals) {
    records.push(['Total', ...keys.slice(1).map(() => ''), t.currency, t.billed, t.effective, t.estimated, String(t.rows)]);
  }
  return csvText(records);
}
