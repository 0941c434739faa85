import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../shared/contract-spend';
import { parseMoney } from '../../../shared/decimal';
import { FocusImportError } from '../store/index';
import type { FleetStore } from '../store/types';
import { useTempStore } from '../store/testing/use-temp-store';
import { csvLines, focusSample, writeCsv } from './testing/focus-files';

const SAMPLE = focusSample('oracle');
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const REPEATS = 600;

/**
 * The Oracle sample (7 rows) repeated, each description broken over two lines inside its quotes, so
 * data rows and file lines differ; `edit` may change a data row (1 = first after the header).
 */
async function bigFile(dir: string, name: string, edit: (row: number, line: string) => string = (_r, l) => l): Promise<string> {
  const { header, lines } = await csvLines(SAMPLE);
  const out: string[] = [];
  for (let r = 0; r < REPEATS; r++) {
    for (const [i, line] of lines.entries()) out.push(edit(r * lines.length + i + 1, line.replace('"Standard - E3', '"Standard\n- E3')));
  }
  return writeCsv(dir, name, header, out);
}

describe('FOCUS import of a file of thousands of rows, read from disk', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it('imports every row, counts the empty cells of all of them, and sums to the cent', async () => {
    const result = await store.importFocus([await bigFile(dir, 'big.csv')], 'oci');
    expect(result.rows).toBe(7 * REPEATS);
    const once = await store.importFocus([SAMPLE], 'oci-once');
    for (const [column, n] of Object.entries(once.files[0]?.emptyCellsReadAsNull ?? {})) {
      expect(result.files[0]?.emptyCellsReadAsNull[column], column).toBe(n * REPEATS);
    }
    const report = await store.costReport(CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] }));
    const billed = new Map(report.groups.map((g) => [g.keys[0], parseMoney(g.billed)]));
    expect(billed.get('oci')).toBe((billed.get('oci-once') ?? 0n) * BigInt(REPEATS));
  });

  it('names the first bad data row deep in the file, the earlier row winning over the earlier column', async () => {
    const before = JSON.stringify(await store.costAccounts());
    const file = await bigFile(dir, 'bad.csv', (row, line) => {
      if (row === 3_001) return line.replace('"2024-09-01 00:00:00"', '"01/09/2024"');
      if (row === 3_002) return line.replace('0.01200000000', 'twelve');
      return line;
    });
    const error = await store.importFocus([file], 'oci').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusImportError);
    expect((error as Error).message).toMatch(/^bad\.csv: row 3001, column BillingPeriodStart: the value is not a FOCUS Date\/Time$/);
    expect(JSON.stringify(await store.costAccounts())).toBe(before);
  });
});
