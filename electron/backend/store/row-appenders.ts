/** Row-wise appenders for the inventory and cost rows (hundreds to thousands per sync, not millions). */
import { type DuckDBAppender, DuckDBDecimalValue, DuckDBTimestampValue } from '@duckdb/node-api';
import { ESTIMATE_TAG } from '../../../shared/contract-spend';
import type { FocusCostRow, GpuResource } from '../../../shared/domain';
import { parseMoney } from '../../../shared/decimal';

const timestamp = (ms: number): DuckDBTimestampValue => new DuckDBTimestampValue(BigInt(ms) * 1000n);

function isoToTimestamp(iso: string): DuckDBTimestampValue {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO timestamp: "${iso}"`);
  return timestamp(ms);
}

function text(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}

function money(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendDecimal(new DuckDBDecimalValue(parseMoney(value), 38, 10));
}

/** Appends one resource row in the column order of the resource table. */
export function appendResource(a: DuckDBAppender, r: GpuResource, syncedAtMs: number): void {
  a.appendVarchar(r.account);
  a.appendVarchar(r.id);
  a.appendVarchar(r.cloud);
  a.appendVarchar(r.region);
  text(a, r.zone);
  a.appendVarchar(r.name);
  a.appendVarchar(r.kind);
  a.appendVarchar(r.instanceType);
  a.appendVarchar(r.gpuModel);
  a.appendInteger(r.gpuCount);
  if (r.gpuMemoryGiB === null) a.appendNull();
  else a.appendDouble(r.gpuMemoryGiB);
  a.appendVarchar(r.powerState);
  a.appendVarchar(r.health);
  text(a, r.healthReason);
  money(a, r.hourlyPrice);
  a.appendVarchar(r.currency);
  a.appendVarchar(JSON.stringify(r.tags));
  a.appendVarchar(JSON.stringify(r.gpuUuids));
  a.appendBoolean(r.demo);
  a.appendTimestamp(timestamp(syncedAtMs));
  a.appendVarchar(JSON.stringify(r.coverageGaps ?? []));
  text(a, r.site ?? null);
  a.endRow();
}

/** Appends one FOCUS row in the column order of the cost_row table. */
export function appendCostRow(a: DuckDBAppender, account: string, source: string, c: FocusCostRow): void {
  a.appendVarchar(account);
  a.appendVarchar(source);
  a.appendVarchar(c.BillingAccountId);
  text(a, c.BillingAccountName);
  text(a, c.SubAccountId);
  text(a, c.SubAccountName);
  a.appendVarchar(c.BillingCurrency);
  money(a, c.BilledCost);
  money(a, c.EffectiveCost);
  money(a, c.ListCost);
  a.appendTimestamp(isoToTimestamp(c.BillingPeriodStart));
  a.appendTimestamp(isoToTimestamp(c.BillingPeriodEnd));
  a.appendTimestamp(isoToTimestamp(c.ChargePeriodStart));
  a.appendTimestamp(isoToTimestamp(c.ChargePeriodEnd));
  a.appendVarchar(c.ChargeCategory);
  text(a, c.ChargeClass);
  text(a, c.ChargeDescription);
  a.appendVarchar(c.ProviderName);
  text(a, c.PublisherName);
  text(a, c.InvoiceIssuerName);
  text(a, c.ServiceName);
  text(a, c.ServiceCategory);
  text(a, c.RegionId);
  text(a, c.RegionName);
  text(a, c.AvailabilityZone);
  text(a, c.ResourceId);
  text(a, c.ResourceName);
  text(a, c.ResourceType);
  text(a, c.SkuId);
  money(a, c.PricingQuantity);
  text(a, c.PricingUnit);
  money(a, c.ConsumedQuantity);
  text(a, c.ConsumedUnit);
  a.appendVarchar(JSON.stringify(c.Tags));
  // extra (schema v3): connector rows carry no FOCUS columns beyond the modelled ones.
  a.appendNull();
  // is_estimate (schema v6)
  a.appendBoolean(c.Tags[ESTIMATE_TAG] === 'true');
  a.endRow();
}
