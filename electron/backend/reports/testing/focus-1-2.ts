/**
 * A FOCUS 1.2-shaped CSV for tests: every 1.2 column in the order of the specification's column
 * list, missing values written as empty cells as real exports write them (credits, taxes and support
 * charges carry no tags, resource or region). The rows are made up; the shape is the spec's.
 */

/** The 57 FOCUS 1.2 column ids (FOCUS_Spec v1.2, specification/columns). */
export const FOCUS_1_2_COLUMNS = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingAccountType',
  'BillingCurrency', 'BillingPeriodEnd', 'BillingPeriodStart', 'CapacityReservationId',
  'CapacityReservationStatus', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency',
  'ChargePeriodEnd', 'ChargePeriodStart', 'CommitmentDiscountCategory', 'CommitmentDiscountId',
  'CommitmentDiscountName', 'CommitmentDiscountQuantity', 'CommitmentDiscountStatus',
  'CommitmentDiscountType', 'CommitmentDiscountUnit', 'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost',
  'ContractedUnitPrice', 'EffectiveCost', 'InvoiceId', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice',
  'PricingCategory', 'PricingCurrency', 'PricingCurrencyContractedUnitPrice', 'PricingCurrencyEffectiveCost',
  'PricingCurrencyListUnitPrice', 'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName',
  'RegionId', 'RegionName', 'ResourceId', 'ResourceName', 'ResourceType', 'ServiceCategory', 'ServiceName',
  'ServiceSubcategory', 'SkuId', 'SkuMeter', 'SkuPriceDetails', 'SkuPriceId', 'SubAccountId',
  'SubAccountName', 'SubAccountType', 'Tags',
] as const;

export type Focus12Column = (typeof FOCUS_1_2_COLUMNS)[number];
export type Focus12Row = Partial<Record<Focus12Column, string>>;

const COMMON: Focus12Row = {
  BillingAccountId: 'ba-1',
  BillingAccountName: 'GPU fleet',
  BillingAccountType: 'Billing Account',
  BillingCurrency: 'USD',
  BillingPeriodStart: '2024-09-01T00:00:00Z',
  BillingPeriodEnd: '2024-10-01T00:00:00Z',
  ChargeFrequency: 'Usage-Based',
  InvoiceIssuerName: 'Example Cloud',
  ProviderName: 'Example Cloud',
  PublisherName: 'Example Cloud',
  ServiceCategory: 'Compute',
  ServiceName: 'Virtual Machines',
  ServiceSubcategory: 'Virtual Machines',
};

/** A GPU usage row with tags, resource and region; its cost is `cost`. */
export function usageRow(cost: string, day = '01', over: Focus12Row = {}): Focus12Row {
  return {
    ...COMMON,
    AvailabilityZone: 'us-east-1a',
    BilledCost: cost,
    EffectiveCost: cost,
    ListCost: cost,
    ContractedCost: cost,
    ChargeCategory: 'Usage',
    ChargeDescription: 'g5.4xlarge hours',
    ChargePeriodStart: `2024-09-${day}T00:00:00Z`,
    ChargePeriodEnd: `2024-09-${day}T01:00:00Z`,
    ConsumedQuantity: '1',
    ConsumedUnit: 'Hours',
    ListUnitPrice: cost,
    ContractedUnitPrice: cost,
    PricingCategory: 'Standard',
    PricingCurrency: 'USD',
    PricingCurrencyContractedUnitPrice: cost,
    PricingCurrencyEffectiveCost: cost,
    PricingCurrencyListUnitPrice: cost,
    PricingQuantity: '1',
    PricingUnit: 'Hours',
    RegionId: 'us-east-1',
    RegionName: 'US East (N. Virginia)',
    ResourceId: 'i-0gpu',
    ResourceName: 'trainer-0',
    ResourceType: 'Virtual Machine',
    SkuId: 'sku-g5',
    SkuMeter: 'Compute Usage',
    SkuPriceDetails: '{"CoreCount": 16}',
    SkuPriceId: 'price-g5',
    SubAccountId: 'sub-1',
    SubAccountName: 'ml',
    SubAccountType: 'Project',
    Tags: '{"team":"ml"}',
    ...over,
  };
}

/** A charge with no tags, no resource and no region (credit, tax, support): those cells are empty. */
export function accountLevelRow(category: 'Credit' | 'Tax' | 'Purchase', cost: string, description: string): Focus12Row {
  return {
    ...COMMON,
    BilledCost: cost,
    EffectiveCost: cost,
    ListCost: cost,
    ContractedCost: cost,
    ChargeCategory: category,
    ChargeDescription: description,
    ChargeFrequency: category === 'Purchase' ? 'Recurring' : 'One-Time',
    ChargePeriodStart: '2024-09-01T00:00:00Z',
    ChargePeriodEnd: '2024-10-01T00:00:00Z',
    ServiceCategory: category === 'Purchase' ? 'Other' : 'Compute',
  };
}

const cell = (value: string | undefined): string =>
  value === undefined ? '' : /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;

/** The CSV text: header, then each row with absent values as empty cells. */
export function focus12Csv(rowsOf: readonly Focus12Row[]): string {
  const lines = [FOCUS_1_2_COLUMNS.join(','), ...rowsOf.map((r) => FOCUS_1_2_COLUMNS.map((c) => cell(r[c])).join(','))];
  return `${lines.join('\n')}\n`;
}
