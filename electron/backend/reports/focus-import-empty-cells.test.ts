import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../shared/contract-spend';
import { FocusImportError } from '../store/index';
import type { FleetStore } from '../store/types';
import { accountLevelRow, focus12Csv, type Focus12Row, usageRow } from './testing/focus-1-2';
import { useTempStore } from '../store/testing/use-temp-store';

const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['charge-category'] });

/** Usage with tags, then the account-level charges real exports leave untagged and unplaced. */
const BILL: Focus12Row[] = [
  usageRow('16.29', '01'),
  usageRow('16.29', '02'),
  accountLevelRow('Credit', '-10.00', 'Promotional credit'),
  accountLevelRow('Tax', '2.03', 'Sales tax'),
  accountLevelRow('Purchase', '29.00', 'Business support plan'),
];

describe('FOCUS 1.2 files with empty cells', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };

  it('reads empty cells of nullable columns as null, counts them, and bills to the cent', async () => {
    const file = await write('focus-1.2.csv', focus12Csv(BILL));
    const result = await store.importFocus([file], 'fleet');
    expect(result.rows).toBe(5);
    expect(result.files[0]?.focusVersion).toBe('1.2');
    const empty = result.files[0]?.emptyCellsReadAsNull ?? {};
    // Three account-level rows without tags, resource or region.
    for (const column of ['Tags', 'ResourceId', 'ResourceName', 'ResourceType', 'RegionId', 'RegionName', 'AvailabilityZone', 'SkuId', 'SkuPriceId', 'ListUnitPrice', 'PricingQuantity', 'ConsumedQuantity']) {
      expect(empty[column], column).toBe(3);
    }
    expect(empty.BilledCost).toBeUndefined();

    const report = await store.costReport(query);
    expect(report.totals.map((t) => [t.currency, t.billed])).toEqual([['USD', expect.stringMatching(/^53\.61(0*)$/)]]);
    const credit = report.groups.find((g) => g.keys[0] === 'Credit');
    expect(credit?.billed).toMatch(/^-10(\.0*)?$/);
  });

  it('also reads quoted empty cells ("") as null', async () => {
    const text = focus12Csv(BILL).replaceAll(',,', ',"",');
    const result = await store.importFocus([await write('quoted.csv', text)], 'fleet');
    expect(result.rows).toBe(5);
    expect(result.files[0]?.emptyCellsReadAsNull.Tags).toBe(3);
  });

  describe('refuses really malformed values whole, naming file, data row and column, never the value', () => {
    const cases: [string, Focus12Row[], RegExp][] = [
      ['Tags that is not a JSON object', [usageRow('1.00'), usageRow('2.00', '02', { Tags: '["secret-team"]' })], /bad\.csv: row 2, column Tags: .*not a JSON object/],
      ['Tags that is not JSON', [usageRow('1.00', '01', { Tags: 'team=secret-team' })], /bad\.csv: row 1, column Tags: .*not a JSON object/],
      ['a non-numeric cost', [usageRow('1.00'), usageRow('1.00'), usageRow('secret-amount', '03')], /bad\.csv: row 3, column BilledCost: .*not a FOCUS Decimal/],
      ['an empty BilledCost', [usageRow('1.00'), usageRow('1.00', '02', { BilledCost: undefined })], /bad\.csv: row 2, column BilledCost: .*empty/],
      ['an empty BillingCurrency', [usageRow('1.00', '01', { BillingCurrency: undefined })], /bad\.csv: row 1, column BillingCurrency: .*empty/],
      ['an empty ChargePeriodStart', [usageRow('1.00'), usageRow('1.00', '01', { ChargePeriodStart: undefined })], /bad\.csv: row 2, column ChargePeriodStart: .*empty/],
    ];
    it.each(cases)('%s', async (_name, bad, message) => {
      await store.importFocus([await write('good.csv', focus12Csv(BILL))], 'fleet');
      const before = JSON.stringify((await store.costReport(query)).groups);
      const error = await store.importFocus([await write('bad.csv', focus12Csv(bad))], 'fleet').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FocusImportError);
      const text = (error as Error).message;
      expect(text).toMatch(message);
      expect(text).not.toContain('secret');
      expect(text).not.toMatch(/Conversion Error|Malformed JSON|Invalid Input Error/);
      expect(JSON.stringify((await store.costReport(query)).groups)).toBe(before);
    });
  });

  it('never passes a raw engine error through: an unreadable CSV is named with the file', async () => {
    const file = await write('ragged.csv', `${focus12Csv(BILL)}"unterminated,quote\n`);
    const error = await store.importFocus([file], 'fleet').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FocusImportError);
    expect((error as Error).message).toMatch(/^ragged\.csv: /);
    expect((error as Error).message).not.toMatch(/Error:|unterminated/);
  });
});
