import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import { FocusImportError } from '../index';
import type { FleetStore } from '../types';
import { csvLines, focusSample, writeCsv } from '../../reports/testing/focus-files';
import { FOCUS_1_2_COLUMNS, focus12Csv, type Focus12Row, usageRow } from '../../reports/testing/focus-1-2';
import { useTempStore } from '../testing/use-temp-store';

const SAMPLE = focusSample('oracle');
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] });

// Excel and some billing portals save CSV as "UTF-8 with BOM": the first header name must still be found.
describe('FOCUS CSV saved with a UTF-8 byte order mark', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it('imports it as the same file without the mark, its first column recognised', async () => {
    // The first header cell (AvailabilityZone) is the one a mark would hide: row 1 leaves it empty,
    // so it is counted as an empty FOCUS cell only if the column is found by its name.
    const { header, lines: [first = '', ...rest] } = await csvLines(SAMPLE);
    const lines = [first.replace(/^"[^"]*"/, '""'), ...rest];
    const plain = await writeCsv(dir, 'plain.csv', header, lines);
    const bom = await writeCsv(dir, 'bom.csv', `\uFEFF${header}`, lines);
    const unmarked = await store.importFocus([plain], 'plain');
    const marked = await store.importFocus([bom], 'bom');
    expect(unmarked.files[0]?.emptyCellsReadAsNull.AvailabilityZone).toBe(1);
    expect(marked.rows).toBe(unmarked.rows);
    expect(marked.files[0]?.emptyCellsReadAsNull).toEqual(unmarked.files[0]?.emptyCellsReadAsNull);
    const billed = new Map((await store.costReport(query)).groups.map((g) => [g.keys[0], g.billed]));
    expect(billed.get('bom')).toBe(billed.get('plain'));
  });
});

// A download cut short ends inside a row, often inside a quoted cell: refused whole, never quoted.
describe('FOCUS CSV cut short mid-row', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it.each([
    ['inside a quoted cell', (line: string) => line.slice(0, line.indexOf(',"Usage",') + 4)],
    ['between cells', (line: string) => line.slice(0, line.indexOf(',"Usage",'))],
  ])('%s: says so (not "gzip", not a made-up row), naming the file, and leaves the store unchanged', async (_name, cut) => {
    await store.importFocus([SAMPLE], 'oci');
    const before = JSON.stringify((await store.costReport(query)).groups);
    const { header, lines } = await csvLines(SAMPLE);
    const last = lines.at(-1) ?? '';
    const file = await writeCsv(dir, 'cut.csv', header, [...lines.slice(0, -1), cut(last)]);
    const error = await store.importFocus([file], 'oci').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusImportError);
    expect((error as Error).message).toBe("cut.csv: cannot be read as CSV: a row does not have the header's cells, or quotes are not balanced");
    expect(JSON.stringify((await store.costReport(query)).groups)).toBe(before);
  });
});

// The spec lets every column but a few be null: a row may carry nothing else, written as empty cells
// or as the literal NULL token some exports write.
describe('FOCUS 1.2 row with every nullable column absent', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  const REQUIRED = ['BillingAccountId', 'BillingCurrency', 'BilledCost', 'EffectiveCost', 'BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ProviderName'] as const;
  const full = usageRow('7.25');
  const bare: Focus12Row = Object.fromEntries(REQUIRED.map((c) => [c, full[c]]));
  const absent = FOCUS_1_2_COLUMNS.filter((c) => bare[c] === undefined);

  it.each([
    ['empty cells', (csv: string) => csv, Object.fromEntries(absent.map((c) => [c, 1]))],
    // NULL is a null, not an empty cell: read as null, not counted.
    ['NULL tokens', (csv: string) => csv.replace(/(?<=^|,)(?=,|\n)/gm, 'NULL'), {}],
  ])('as %s: imports it, every absent value null, billed to the cent', async (_name, write, empties) => {
    const text = write(focus12Csv([bare]));
    const [header = '', row = ''] = text.split('\n');
    const result = await store.importFocus([await writeCsv(dir, 'bare.csv', header, [row])], 'bare');
    expect(result.rows).toBe(1);
    expect(result.files[0]?.emptyCellsReadAsNull).toEqual(empties);
    const report = await store.costReport(query);
    expect(report.totals.map((t) => [t.currency, t.billed])).toEqual([['USD', expect.stringMatching(/^7\.25(0*)$/)]]);
  });
});
