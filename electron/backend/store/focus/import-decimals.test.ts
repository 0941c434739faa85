import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import { parseMoney } from '../../../../shared/decimal';
import { FocusImportError } from '../index';
import type { FleetStore } from '../types';
import { csvLines, focusSample, writeCsv } from '../../reports/testing/focus-files';
import { useTempStore } from '../testing/use-temp-store';

const SAMPLE = focusSample('oracle');
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] });

/** The Oracle sample with the BilledCost of data rows 1 and 2 (0.012 and 0) written as `first` and `second`. */
async function withBilledCosts(dir: string, name: string, first: string, second: string): Promise<string> {
  const { header, lines: [one = '', two = '', ...rest] } = await csvLines(SAMPLE);
  return writeCsv(dir, name, header, [one.replace(',0.01200000000,', `,${first},`), two.replace(',0.00000000000,', `,${second},`), ...rest]);
}

// The decimal check settles most cells with the fast DECIMAL(18,10) cast; these are the cells it does not.
describe('FOCUS Decimal cells beyond the fast path', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it('accepts amounts of more than 8 integer digits and exponent forms, and stores them exactly', async () => {
    await store.importFocus([SAMPLE], 'plain');
    await store.importFocus([await withBilledCosts(dir, 'wide.csv', '123456789012345678.25', '1.5e2')], 'wide');
    const report = await store.costReport(query);
    const billed = new Map(report.groups.map((g) => [g.keys[0], parseMoney(g.billed)]));
    const plain = billed.get('plain') ?? 0n;
    expect(billed.get('wide')).toBe(plain - parseMoney('0.012') + parseMoney('123456789012345678.25') + parseMoney('150'));
  });

  it.each([
    ['an integer of 29 digits', '12345678901234567890123456789'],
    ['an exponent beyond DECIMAL(38,10)', '1e40'],
    ['text', 'twelve'],
  ])('refuses %s, naming the row and column', async (_name, value) => {
    await store.importFocus([SAMPLE], 'plain');
    const before = JSON.stringify((await store.costReport(query)).groups);
    const error = await store.importFocus([await withBilledCosts(dir, 'bad.csv', '1.00', value)], 'plain').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusImportError);
    expect((error as Error).message).toBe('bad.csv: row 2, column BilledCost: the value is not a FOCUS Decimal');
    expect(JSON.stringify((await store.costReport(query)).groups)).toBe(before);
  });
});
