/** Provider-neutral pieces of FOCUS cost rows. */
import type { FocusCostRow } from '../../../../shared/domain';

/** The FOCUS billing period holding `ms`: its UTC calendar month, as ISO instants [start, end). */
export function billingMonthOf(ms: number): { start: string; end: string } {
  const d = new Date(ms);
  return {
    start: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)).toISOString(),
    end: new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString(),
  };
}

/**
 * The period columns of a charge over [startMs, endMs): the charge period as ISO instants, and the
 * billing period, the UTC month holding `billingMonthMs` (the charge's start unless the bill names
 * its invoice month).
 */
export function periodColumns(
  startMs: number,
  endMs: number,
  billingMonthMs = startMs,
): Pick<FocusCostRow, 'ChargePeriodStart' | 'ChargePeriodEnd' | 'BillingPeriodStart' | 'BillingPeriodEnd'> {
  const month = billingMonthOf(billingMonthMs);
  return {
    BillingPeriodStart: month.start,
    BillingPeriodEnd: month.end,
    ChargePeriodStart: new Date(startMs).toISOString(),
    ChargePeriodEnd: new Date(endMs).toISOString(),
  };
}

/**
 * The cost columns of an amount (exact decimal text): billed and effective cost are the amount (no
 * connector reads amortised commitments), list cost only where the source states one.
 */
export function costColumns(cost: string, listCost: string | null = null): Pick<FocusCostRow, 'BilledCost' | 'EffectiveCost' | 'ListCost'> {
  return { BilledCost: cost, EffectiveCost: cost, ListCost: listCost };
}

/** The charge category of an amount whose source names none: a negative amount is a credit. */
export function categoryOfAmount(cost: string): 'Credit' | 'Usage' {
  return cost.trim().startsWith('-') ? 'Credit' : 'Usage';
}

/** Region id and name: every connector reports the cloud's region code for both. */
export function regionColumns(region: string | null): Pick<FocusCostRow, 'RegionId' | 'RegionName'> {
  return { RegionId: region, RegionName: region };
}

/** The FOCUS columns a cost row may leave empty, all empty: builders spread it and set what they know. */
export const EMPTY_FOCUS_COLUMNS = {
  BillingAccountName: null,
  SubAccountId: null,
  SubAccountName: null,
  ListCost: null,
  ChargeClass: null,
  ChargeDescription: null,
  PublisherName: null,
  InvoiceIssuerName: null,
  ServiceName: null,
  ServiceCategory: null,
  RegionId: null,
  RegionName: null,
  AvailabilityZone: null,
  ResourceId: null,
  ResourceName: null,
  ResourceType: null,
  SkuId: null,
  PricingQuantity: null,
  PricingUnit: null,
  ConsumedQuantity: null,
  ConsumedUnit: null,
  Tags: {},
} as const satisfies Partial<FocusCostRow>;
