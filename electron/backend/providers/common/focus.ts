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
