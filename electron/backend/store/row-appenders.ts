/**
 * Row-wise appender for the inventory (hundreds to thousands per sync; cost rows go in by INSERT,
 * spend/cost-row-inserter.ts), and the store's timestamp and money values every writer shares.
 */
import { type DuckDBAppender, DuckDBDecimalValue, DuckDBTimestampValue } from '@duckdb/node-api';
import type { GpuResource } from '../../../shared/domain';
import { parseMoney } from '../../../shared/decimal';

/** A store TIMESTAMP (microseconds) from epoch milliseconds. */
export const timestampValue = (ms: number): DuckDBTimestampValue => new DuckDBTimestampValue(BigInt(ms) * 1000n);

/** A money amount as the store's DECIMAL(38,10), exact; null stays null. */
export const moneyValue = (value: string | null): DuckDBDecimalValue | null => (value === null ? null : new DuckDBDecimalValue(parseMoney(value), 38, 10));

function text(a: DuckDBAppender, value: string | null): void {
  if (value === null) a.appendNull();
  else a.appendVarchar(value);
}

function money(a: DuckDBAppender, value: string | null): void {
  const decimal = moneyValue(value);
  if (decimal === null) a.appendNull();
  else a.appendDecimal(decimal);
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
  a.appendTimestamp(timestampValue(syncedAtMs));
  a.appendVarchar(JSON.stringify(r.coverageGaps ?? []));
  text(a, r.site ?? null);
  a.endRow();
}
