import { describe, expect, it } from 'vitest';
import { FocusCostRow } from '../../../../shared/domain';
import { billingMonthOf, categoryOfAmount, costColumns, EMPTY_FOCUS_COLUMNS, periodColumns, regionColumns } from './focus';

describe('billingMonthOf', () => {
  it('is the UTC calendar month, whatever the hour', () => {
    expect(billingMonthOf(Date.parse('2026-11-20T13:45:00Z'))).toEqual({ start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' });
    expect(billingMonthOf(Date.parse('2026-11-30T23:59:59.999Z')).end).toBe('2026-12-01T00:00:00.000Z');
    expect(billingMonthOf(Date.parse('2026-12-01T00:00:00Z')).start).toBe('2026-12-01T00:00:00.000Z');
  });

  it('rolls over the year', () => {
    expect(billingMonthOf(Date.parse('2026-12-31T12:00:00Z'))).toEqual({ start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
  });
});

describe('FOCUS row columns', () => {
  const day = Date.parse('2026-10-31T00:00:00Z');

  it('gives a charge its ISO charge period and the billing month of its start, or of the invoice month', () => {
    expect(periodColumns(day, day + 86_400_000)).toEqual({
      BillingPeriodStart: '2026-10-01T00:00:00.000Z',
      BillingPeriodEnd: '2026-11-01T00:00:00.000Z',
      ChargePeriodStart: '2026-10-31T00:00:00.000Z',
      ChargePeriodEnd: '2026-11-01T00:00:00.000Z',
    });
    // Usage of 31 October invoiced in November (GCP's invoice.month) keeps its day, bills in November.
    expect(periodColumns(day, day + 86_400_000, Date.parse('2026-11-01T00:00:00Z'))).toMatchObject({ BillingPeriodStart: '2026-11-01T00:00:00.000Z', ChargePeriodStart: '2026-10-31T00:00:00.000Z' });
  });

  it('keeps the amount as exact text, names negative amounts credits, and fills a valid row with the empty columns', () => {
    expect(costColumns('0.1000000001')).toEqual({ BilledCost: '0.1000000001', EffectiveCost: '0.1000000001', ListCost: null });
    expect(costColumns('3.5', '3.5').ListCost).toBe('3.5');
    expect([categoryOfAmount('-0.01'), categoryOfAmount('0'), categoryOfAmount('12.3')]).toEqual(['Credit', 'Usage', 'Usage']);
    expect(regionColumns('eastus')).toEqual({ RegionId: 'eastus', RegionName: 'eastus' });
    const row = {
      ...EMPTY_FOCUS_COLUMNS,
      BillingAccountId: 'ba',
      BillingCurrency: 'USD',
      ...costColumns('-2.25'),
      ...periodColumns(day, day + 86_400_000),
      ChargeCategory: categoryOfAmount('-2.25'),
      ProviderName: 'Test Cloud',
      ...regionColumns(null),
    };
    expect(FocusCostRow.parse(row)).toEqual(row);
  });
});
