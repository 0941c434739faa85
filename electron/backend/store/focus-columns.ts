/**
 * The FOCUS column catalogue for versions 1.0, 1.1 and 1.2 (ColumnId, data type, the version that
 * introduced the column, the versions where it is Mandatory), from the specification's column pages
 * (FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, CC-BY-4.0).
 */

export type FocusVersion = '1.0' | '1.1' | '1.2';
export const FOCUS_VERSIONS: readonly FocusVersion[] = ['1.0', '1.1', '1.2'];
export type FocusDataType = 'string' | 'decimal' | 'datetime' | 'json';

export interface FocusColumn {
  id: string;
  type: FocusDataType;
  since: FocusVersion;
  mandatoryIn: readonly FocusVersion[];
}

/** Every FOCUS 1.0-1.2 column, sorted by id. */
export const FOCUS_COLUMNS: readonly FocusColumn[] = [
  { id: 'AvailabilityZone', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'BilledCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'BillingAccountId', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'BillingAccountName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'BillingAccountType', type: 'string', since: '1.2', mandatoryIn: [] },
  { id: 'BillingCurrency', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'BillingPeriodEnd', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'BillingPeriodStart', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'CapacityReservationId', type: 'string', since: '1.1', mandatoryIn: [] },
  { id: 'CapacityReservationStatus', type: 'string', since: '1.1', mandatoryIn: [] },
  { id: 'ChargeCategory', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ChargeClass', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ChargeDescription', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ChargeFrequency', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'ChargePeriodEnd', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ChargePeriodStart', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'CommitmentDiscountCategory', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'CommitmentDiscountId', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'CommitmentDiscountName', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'CommitmentDiscountQuantity', type: 'decimal', since: '1.1', mandatoryIn: [] },
  { id: 'CommitmentDiscountStatus', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'CommitmentDiscountType', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'CommitmentDiscountUnit', type: 'string', since: '1.1', mandatoryIn: [] },
  { id: 'ConsumedQuantity', type: 'decimal', since: '1.0', mandatoryIn: [] },
  { id: 'ConsumedUnit', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'ContractedCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ContractedUnitPrice', type: 'decimal', since: '1.0', mandatoryIn: [] },
  { id: 'EffectiveCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'InvoiceId', type: 'string', since: '1.2', mandatoryIn: [] },
  { id: 'InvoiceIssuerName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ListCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ListUnitPrice', type: 'decimal', since: '1.0', mandatoryIn: [] },
  { id: 'PricingCategory', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'PricingCurrency', type: 'string', since: '1.2', mandatoryIn: [] },
  { id: 'PricingCurrencyContractedUnitPrice', type: 'decimal', since: '1.2', mandatoryIn: [] },
  { id: 'PricingCurrencyEffectiveCost', type: 'decimal', since: '1.2', mandatoryIn: [] },
  { id: 'PricingCurrencyListUnitPrice', type: 'decimal', since: '1.2', mandatoryIn: [] },
  { id: 'PricingQuantity', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'PricingUnit', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ProviderName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'PublisherName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'RegionId', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'RegionName', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'ResourceId', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'ResourceName', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'ResourceType', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'ServiceCategory', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ServiceName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'] },
  { id: 'ServiceSubcategory', type: 'string', since: '1.1', mandatoryIn: [] },
  { id: 'SkuId', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'SkuMeter', type: 'string', since: '1.1', mandatoryIn: [] },
  { id: 'SkuPriceDetails', type: 'json', since: '1.1', mandatoryIn: [] },
  { id: 'SkuPriceId', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'SubAccountId', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'SubAccountName', type: 'string', since: '1.0', mandatoryIn: [] },
  { id: 'SubAccountType', type: 'string', since: '1.2', mandatoryIn: [] },
  { id: 'Tags', type: 'json', since: '1.0', mandatoryIn: [] },
];
