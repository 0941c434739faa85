/**
 * The FOCUS column catalogue for versions 1.0, 1.1 and 1.2 (ColumnId, data type, the version that
 * introduced the column, the versions where it is Mandatory, whether it allows nulls), from the specification's column pages
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
  /** The spec's "Allows nulls" (the same in 1.0, 1.1 and 1.2): an empty cell here is a plain null. */
  nullable: boolean;
}

/** Every FOCUS 1.0-1.2 column, sorted by id. */
export const FOCUS_COLUMNS: readonly FocusColumn[] = [
  { id: 'AvailabilityZone', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'BilledCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'BillingAccountId', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'BillingAccountName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: true },
  { id: 'BillingAccountType', type: 'string', since: '1.2', mandatoryIn: [], nullable: false },
  { id: 'BillingCurrency', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'BillingPeriodEnd', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'BillingPeriodStart', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'CapacityReservationId', type: 'string', since: '1.1', mandatoryIn: [], nullable: true },
  { id: 'CapacityReservationStatus', type: 'string', since: '1.1', mandatoryIn: [], nullable: true },
  { id: 'ChargeCategory', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ChargeClass', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: true },
  { id: 'ChargeDescription', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: true },
  { id: 'ChargeFrequency', type: 'string', since: '1.0', mandatoryIn: [], nullable: false },
  { id: 'ChargePeriodEnd', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ChargePeriodStart', type: 'datetime', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'CommitmentDiscountCategory', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'CommitmentDiscountId', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'CommitmentDiscountName', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'CommitmentDiscountQuantity', type: 'decimal', since: '1.1', mandatoryIn: [], nullable: true },
  { id: 'CommitmentDiscountStatus', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'CommitmentDiscountType', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'CommitmentDiscountUnit', type: 'string', since: '1.1', mandatoryIn: [], nullable: true },
  { id: 'ConsumedQuantity', type: 'decimal', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'ConsumedUnit', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'ContractedCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ContractedUnitPrice', type: 'decimal', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'EffectiveCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'InvoiceId', type: 'string', since: '1.2', mandatoryIn: [], nullable: true },
  { id: 'InvoiceIssuerName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ListCost', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ListUnitPrice', type: 'decimal', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'PricingCategory', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'PricingCurrency', type: 'string', since: '1.2', mandatoryIn: [], nullable: true },
  { id: 'PricingCurrencyContractedUnitPrice', type: 'decimal', since: '1.2', mandatoryIn: [], nullable: true },
  { id: 'PricingCurrencyEffectiveCost', type: 'decimal', since: '1.2', mandatoryIn: [], nullable: true },
  { id: 'PricingCurrencyListUnitPrice', type: 'decimal', since: '1.2', mandatoryIn: [], nullable: true },
  { id: 'PricingQuantity', type: 'decimal', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: true },
  { id: 'PricingUnit', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: true },
  { id: 'ProviderName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'PublisherName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'RegionId', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'RegionName', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'ResourceId', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'ResourceName', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'ResourceType', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'ServiceCategory', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ServiceName', type: 'string', since: '1.0', mandatoryIn: ['1.0','1.1','1.2'], nullable: false },
  { id: 'ServiceSubcategory', type: 'string', since: '1.1', mandatoryIn: [], nullable: false },
  { id: 'SkuId', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'SkuMeter', type: 'string', since: '1.1', mandatoryIn: [], nullable: true },
  { id: 'SkuPriceDetails', type: 'json', since: '1.1', mandatoryIn: [], nullable: true },
  { id: 'SkuPriceId', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'SubAccountId', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'SubAccountName', type: 'string', since: '1.0', mandatoryIn: [], nullable: true },
  { id: 'SubAccountType', type: 'string', since: '1.2', mandatoryIn: [], nullable: true },
  { id: 'Tags', type: 'json', since: '1.0', mandatoryIn: [], nullable: true },
];
