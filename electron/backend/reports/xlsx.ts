/**
 * Cost report as XLSX: a Summary sheet, one sheet per group key, a Detail sheet when grouping by
 * several keys, and a Daily sheet. Cells are typed: amounts are numbers with a 2-decimal format,
 * days are dates, counts are integers. exceljs stores numbers as floats, so each amount cell is
 * written from the exact decimal text and totals come from the exact sums (never a float sum or a
 * formula), so the grand total reads back as the exact decimal rounded to cents.
 */
import ExcelJS from 'exceljs';
import { spendGroupLabel, type CostReport, type SpendAmounts, type SpendGroupRow } from '../../../shared/contract-spend';

const MONEY_FORMAT = '#,##0.00';
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };

/** An exact decimal as the nearest float, for a numeric cell. */
function cellNumber(decimal: string): number {
  return Number(decimal);
}

function sheetName(label: string, used: Set<string>): string {
  // Excel: at most 31 characters, none of []:*?/\ ; names unique.
  const base = label.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31).trim() || 'Sheet';
  let name = base;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base.slice(0, 28)} ${i}`;
  used.add(name.toLowerCase());
  return name;
}

function addHeader(ws: ExcelJS.Worksheet, labels: readonly string[]): void {
  const row = ws.addRow([...labels]);
  row.font = { bold: true };
  row.eachCell((c) => {
    c.fill = HEADER_FILL;
  });
  ws.views = [{ state: 'frozen', ySplit: ws.rowCount }];
}

function addAmountRow(ws: ExcelJS.Worksheet, leading: readonly string[], a: SpendAmounts, bold = false): void {
  const row = ws.addRow([...leading, a.currency, cellNumber(a.billed), cellNumber(a.effective), cellNumber(a.estimated), a.rows]);
  const first = leading.length + 2;
  for (let i = first; i < first + 3; i++) row.getCell(i).numFmt = MONEY_FORMAT;
  row.getCell(first + 3).numFmt = '0';
  if (bold) row.font = { bold: true };
}

function addGroupSheet(wb: ExcelJS.Workbook, name: string, keyLabels: readonly string[], rows: readonly SpendGroupRow[], totals: readonly SpendAmounts[]): void {
  const ws = wb.addWorksheet(name);
  addHeader(ws, [...keyLabels, 'Currency', 'Billed', 'Effective', 'Estimated (not billed)', 'Rows']);
  for (const r of rows) addAmountRow(ws, r.keys, r);
  for (const t of totals) addAmountRow(ws, ['Total', ...keyLabels.slice(1).map(() => '')], t, true);
  ws.columns.forEach((c, i) => {
    c.width = i < keyLabels.length ? 32 : 16;
  });
}

/** Builds the workbook of a report. */
export function reportWorkbook(report: CostReport): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Fleetpane';
  wb.created = new Date(report.generatedAt);
  const used = new Set<string>();

  const summary = wb.addWorksheet(sheetName('Summary', used));
  summary.addRow([report.title]).font = { bold: true, size: 14 };
  const from = summary.addRow(['From', new Date(`${report.query.from}T00:00:00Z`)]);
  from.getCell(2).numFmt = 'yyyy-mm-dd';
  const to = summary.addRow(['To (inclusive)', new Date(`${report.query.to}T00:00:00Z`)]);
  to.getCell(2).numFmt = 'yyyy-mm-dd';
  const generated = summary.addRow(['Generated (UTC)', new Date(report.generatedAt)]);
  generated.getCell(2).numFmt = 'yyyy-mm-dd hh:mm';
  summary.addRow(['Grouped by', report.query.groupBy.map(spendGroupLabel).join(', ')]);
  summary.addRow(['Billed', 'Sum of FOCUS BilledCost per billing currency; estimates are not billed and shown apart']);
  if (report.demo) summary.addRow(['Note', 'Includes the simulated DEMO fleet']);
  summary.addRow([]);
  addHeader(summary, ['Total', 'Currency', 'Billed', 'Effective', 'Estimated (not billed)', 'Rows']);
  summary.views = [];
  for (const t of report.totals) addAmountRow(summary, ['Grand total'], t, true);
  summary.getColumn(1).width = 20;
  summary.getColumn(2).width = 14;
  for (const c of [3, 4, 5, 6]) summary.getColumn(c).width = 18;

  for (const g of report.groupings) addGroupSheet(wb, sheetName(`By ${g.label}`, used), [g.label], g.rows, report.totals);
  if (report.query.groupBy.length > 1) {
    addGroupSheet(wb, sheetName('Detail', used), report.query.groupBy.map(spendGroupLabel), report.groups, report.totals);
  }

  const daily = wb.addWorksheet(sheetName('Daily', used));
  addHeader(daily, ['Day', 'Currency', 'Billed', 'Estimated (not billed)']);
  for (const d of report.daily) {
    const row = daily.addRow([new Date(`${d.day}T00:00:00Z`), d.currency, cellNumber(d.billed), cellNumber(d.estimated)]);
    row.getCell(1).numFmt = 'yyyy-mm-dd';
    row.getCell(3).numFmt = MONEY_FORMAT;
    row.getCell(4).numFmt = MONEY_FORMAT;
  }
  daily.columns.forEach((c) => {
    c.width = 16;
  });
  return wb;
}

/** The report as XLSX bytes. */
export async function reportXlsx(report: CostReport): Promise<Buffer> {
  const data = await reportWorkbook(report).xlsx.writeBuffer();
  return Buffer.from(data as ArrayBuffer);
}
