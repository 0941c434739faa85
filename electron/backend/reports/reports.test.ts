import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CostReportQuery, type CostReport } from '../../../shared/contract-spend';
import { roundDecimal } from '../../../shared/format';
import { openStore } from '../store/index';
import { batchesOf, costRow, resource, run, tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { csvField, reportCsv } from './csv';
import { renderReport } from './render';
import { reportXlsx } from './xlsx';

const FIXTURES = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ title: 'September, "all" clouds', from: '2024-09-01', to: '2024-09-30', groupBy: ['cloud', 'service'] });

/** An RFC 4180 parser (quoted fields, doubled quotes, CRLF), independent of the writer. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      record.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += ch;
    i++;
  }
  return records;
}

/** Exact sum of decimal strings with BigInt at 10 places, independent of the store's helpers. */
function exactSum(values: readonly string[]): string {
  let total = 0n;
  for (const v of values) {
    const neg = v.startsWith('-');
    const [i = '0', f = ''] = v.replace('-', '').split('.');
    const scaled = BigInt(i + f.padEnd(10, '0').slice(0, 10));
    total += neg ? -scaled : scaled;
  }
  const neg = total < 0n;
  const s = (neg ? -total : total).toString().padStart(11, '0');
  return `${neg ? '-' : ''}${s.slice(0, -10)}.${s.slice(-10)}`;
}

describe('cost reports over imported and connector rows', () => {
  let store: FleetStore;
  let cleanup: () => Promise<void>;
  let report: CostReport;

  beforeAll(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    store = await openStore(temp.dir, { now: fixedNow });
    for (const p of ['aws', 'microsoft', 'oracle']) await store.importFocus([join(FIXTURES, `focus_1.0_sample_${p}.csv`)], `focus-${p}`);
    // A CoreWeave account synced by a connector: one billed charge (a name needing quotes) and one estimate.
    await store.upsertAccounts([{ name: 'cw', provider: 'coreweave', enabled: true, intervals: { inventory: 300, metrics: 60, costs: 21600, incidents: 120 } }]);
    await store.writeInventory(run('cw', 'inventory'), batchesOf([resource('node-1', { account: 'cw', cloud: 'coreweave', gpuCount: 8, hourlyPrice: '49.24' })]));
    const september = { BillingPeriodStart: '2024-09-01T00:00:00Z', BillingPeriodEnd: '2024-10-01T00:00:00Z', ProviderName: 'CoreWeave' };
    await store.writeCosts(
      run('cw', 'costs'),
      { from: Date.parse('2024-09-01T00:00:00Z'), to: Date.parse('2024-10-01T00:00:00Z') },
      batchesOf([
        costRow({ ...september, BilledCost: '393.92', EffectiveCost: '393.92', ServiceName: 'GPU, "HGX" nodes', ResourceId: 'node-1', ChargePeriodStart: '2024-09-10T00:00:00Z', ChargePeriodEnd: '2024-09-10T01:00:00Z' }),
        costRow({ ...september, BilledCost: '100.005', EffectiveCost: '100.005', ServiceName: 'GPU, "HGX" nodes', ResourceId: 'node-1', ChargePeriodStart: '2024-09-11T00:00:00Z', ChargePeriodEnd: '2024-09-12T00:00:00Z', Tags: { 'fleetpane.estimate': 'true' } }),
      ]),
    );
    report = await store.costReport(query);
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('keeps connector estimates out of billed totals and shows them apart', () => {
    const usd = report.totals.find((t) => t.currency === 'USD');
    expect(usd?.estimated).toBe('100.005');
    const cw = report.groupings[0]?.rows.find((r) => r.keys[0] === 'coreweave');
    expect(cw).toMatchObject({ billed: '393.92', estimated: '100.005', rows: 2 });
    // Billed = imported fixtures (14.8128564394 + Oracle) + the one billed CoreWeave charge, exactly.
    const groupSum = exactSum(report.groups.filter((g) => g.currency === 'USD').map((g) => g.billed));
    expect(roundDecimal(groupSum, 10)).toBe(roundDecimal(usd?.billed ?? '', 10));
  });

  it('CSV parses back (RFC 4180) with the same groups and totals', () => {
    const text = reportCsv(report);
    expect(text.endsWith('\r\n')).toBe(true);
    const records = parseCsv(text);
    expect(records[0]).toEqual(['Cloud', 'Service', 'Currency', 'BilledCost', 'EffectiveCost', 'Estimated (not billed)', 'Rows']);
    const body = records.slice(1, -report.totals.length);
    expect(body).toHaveLength(report.groups.length);
    expect(body.some((r) => r[1] === 'GPU, "HGX" nodes')).toBe(true);
    const total = records.at(-1) ?? [];
    expect(total[0]).toBe('Total');
    expect(total[3]).toBe(report.totals.at(-1)?.billed);
    expect(roundDecimal(exactSum(body.map((r) => r[3] ?? '0')), 2)).toBe(roundDecimal(total[3] ?? '', 2));
    expect(csvField('a\r\nb')).toBe('"a\r\nb"');
  });

  it('XLSX reads back with typed cells, one sheet per grouping, a summary and exact totals', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(report)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'By Cloud', 'By Service', 'Detail', 'Daily']);

    const summary = wb.getWorksheet('Summary');
    expect(summary?.getCell('A1').value).toBe(report.title);
    expect(summary?.getCell('B2').value).toBeInstanceOf(Date);
    expect((summary?.getCell('B2').value as Date).toISOString()).toBe('2024-09-01T00:00:00.000Z');

    const byCloud = wb.getWorksheet('By Cloud');
    expect(byCloud).toBeDefined();
    if (!byCloud) return;
    const header = byCloud.getRow(1).values as unknown[];
    expect(header.slice(1)).toEqual(['Cloud', 'Currency', 'Billed', 'Effective', 'Estimated (not billed)', 'Rows']);
    const dataRows: ExcelJS.Row[] = [];
    byCloud.eachRow((row, n) => {
      if (n > 1) dataRows.push(row);
    });
    const totalRow = dataRows.at(-1);
    expect(totalRow?.getCell(1).value).toBe('Total');
    for (const row of dataRows) {
      expect(typeof row.getCell(3).value).toBe('number');
      expect(row.getCell(3).numFmt).toBe('#,##0.00');
      expect(Number.isInteger(row.getCell(6).value)).toBe(true);
    }
    // The grand total cell holds the exact decimal; as shown (2 decimals) it equals the exact sum in cents.
    const usd = report.totals.find((t) => t.currency === 'USD');
    const cell = totalRow?.getCell(3).value as number;
    expect(cell.toFixed(2)).toBe(roundDecimal(usd?.billed ?? '', 2));
    const perCloud = dataRows.slice(0, -1).map((r) => String(r.getCell(3).value));
    expect(roundDecimal(exactSum(perCloud), 2)).toBe(roundDecimal(usd?.billed ?? '', 2));

    const daily = wb.getWorksheet('Daily');
    expect(daily?.getCell('A2').value).toBeInstanceOf(Date);
    expect(daily?.getCell('A2').numFmt).toBe('yyyy-mm-dd');
  });

  it('FOCUS export covers imported and connector rows and names the file by period', async () => {
    const rendered = await renderReport(store, query, 'focus');
    expect(rendered.fileName).toBe('fleetpane-spend-2024-09-01-to-2024-09-30.focus.csv');
    const lines = rendered.bytes.toString('utf8').trim().split('\n');
    expect(lines).toHaveLength(1 + 367 + 51 + 7 + 2);
    await expect(renderReport(store, query, 'pdf')).rejects.toThrow(/printer/);
  });
});
