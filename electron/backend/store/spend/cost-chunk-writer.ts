/**
 * Appends connector cost rows in DuckDB data chunks of typed vectors. The row-wise appender made
 * one native value (and one native DECIMAL type) per amount, freed only when V8 collected them: with
 * a small JS heap that is rarely, so a 100k-row cost stream held hundreds of MiB outside DuckDB's
 * memory limit. Vectors hold plain JS data until a chunk is handed over, and the appender is flushed
 * into the transaction every FLUSH_ROWS rows, so memory does not grow with the stream.
 */
import {
  type DuckDBAppender,
  DuckDBDataChunk,
  DuckDBDecimalValue,
  DuckDBTimestampValue,
  type DuckDBValue,
  type DuckDBVector,
} from '@duckdb/node-api';
import { ESTIMATE_TAG } from '../../../../shared/contract-spend';
import { parseMoney } from '../../../../shared/decimal';
import type { FocusCostRow } from '../../../../shared/domain';

const CHUNK_ROWS = 2048;
/**
 * Rows the appender may buffer before they go into the transaction's storage, where DuckDB keeps
 * them under its memory limit and writes full row groups to the file. Its own buffer is outside it.
 */
export const FLUSH_ROWS = 8 * CHUNK_ROWS;

/** The FocusCostRow fields in cost_row's column order, after account and source (schema v1). */
const TEXT_AFTER_SOURCE = ['BillingAccountId', 'BillingAccountName', 'SubAccountId', 'SubAccountName', 'BillingCurrency'] as const;
const MONEY = ['BilledCost', 'EffectiveCost', 'ListCost'] as const;
const TIMES = ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd'] as const;
const TEXT_MIDDLE = [
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ProviderName', 'PublisherName', 'InvoiceIssuerName', 'ServiceName',
  'ServiceCategory', 'RegionId', 'RegionName', 'AvailabilityZone', 'ResourceId', 'ResourceName', 'ResourceType', 'SkuId',
] as const;
/** account, source, the fields above, PricingQuantity, PricingUnit, ConsumedQuantity, ConsumedUnit, Tags, extra, is_estimate. */
const COLUMN_COUNT = 2 + TEXT_AFTER_SOURCE.length + MONEY.length + TIMES.length + TEXT_MIDDLE.length + 4 + 3;

type Vector = DuckDBVector<DuckDBValue>;

function isoToTimestamp(iso: string): DuckDBTimestampValue {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO timestamp: "${iso}"`);
  return new DuckDBTimestampValue(BigInt(ms) * 1000n);
}

const money = (value: string | null): DuckDBDecimalValue | null => (value === null ? null : new DuckDBDecimalValue(parseMoney(value), 38, 10));

/** Buffers cost rows into data chunks shaped like the appender's table (cost_row) and appends them. */
export class CostChunkWriter {
  private readonly chunk: DuckDBDataChunk;
  private vectors: Vector[] = [];
  private row = 0;
  private sinceFlush = 0;

  constructor(private readonly appender: DuckDBAppender) {
    if (appender.columnCount !== COLUMN_COUNT) throw new Error(`cost_row has ${appender.columnCount} columns, the cost writer knows ${COLUMN_COUNT}`);
    // The appender's own column types (JSON included), so chunks match the table exactly.
    const types = Array.from({ length: COLUMN_COUNT }, (_, i) => appender.columnType(i));
    this.chunk = DuckDBDataChunk.create(types, CHUNK_ROWS);
    this.resetVectors();
  }

  private resetVectors(): void {
    this.chunk.reset();
    // Vectors are sized by the chunk's row count, so it must be the full size while filling.
    this.chunk.rowCount = CHUNK_ROWS;
    this.vectors = Array.from({ length: COLUMN_COUNT }, (_, i) => this.chunk.getColumnVector(i));
    this.row = 0;
  }

  /** Adds one FOCUS row of `account`, written by the sync run `source`. */
  add(account: string, source: string, c: FocusCostRow): void {
    const r = this.row;
    const v = this.vectors;
    let i = 0;
    const set = (value: DuckDBValue): void => {
      (v[i++] as Vector).setItem(r, value);
    };
    set(account);
    set(source);
    for (const k of TEXT_AFTER_SOURCE) set(c[k]);
    for (const k of MONEY) set(money(c[k]));
    for (const k of TIMES) set(isoToTimestamp(c[k]));
    for (const k of TEXT_MIDDLE) set(c[k]);
    set(money(c.PricingQuantity));
    set(c.PricingUnit);
    set(money(c.ConsumedQuantity));
    set(c.ConsumedUnit);
    set(JSON.stringify(c.Tags));
    // extra (schema v3): connector rows carry no FOCUS columns beyond the modelled ones.
    set(null);
    // is_estimate (schema v6)
    set(c.Tags[ESTIMATE_TAG] === 'true');
    this.row = r + 1;
    if (this.row === CHUNK_ROWS) this.flushChunk();
  }

  private flushChunk(): void {
    if (this.row === 0) return;
    for (const vector of this.vectors) vector.flush();
    this.chunk.rowCount = this.row;
    this.appender.appendDataChunk(this.chunk);
    this.sinceFlush += this.row;
    this.resetVectors();
    if (this.sinceFlush >= FLUSH_ROWS) {
      this.appender.flushSync();
      this.sinceFlush = 0;
    }
  }

  /** Appends what is buffered and flushes the appender into the open transaction. */
  finish(): void {
    this.flushChunk();
    this.appender.flushSync();
  }
}
