/**
 * Inserts connector cost rows into the open transaction with INSERT ... SELECT from a table function
 * rather than an appender. In a transaction DuckDB compresses and writes each full row group as rows
 * are handed to it; an appender's flush does that inside one synchronous call on the JS thread, and
 * at 100,000 GPUs the demo's 35-day restatement stalled serve's event loop for 0.45-0.75 s four or
 * five times a sync (issue 16). An INSERT runs on DuckDB's threads: only the function's calls, each
 * filling a chunk of CHUNK_ROWS rows, take the JS thread, and requests are answered between them.
 */
import {
  BOOLEAN,
  DECIMAL,
  type DuckDBConnection,
  type DuckDBDataChunk,
  type DuckDBInstance,
  DuckDBTableFunction,
  type DuckDBTimestampValue,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBVector,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import { ESTIMATE_TAG } from '../../../../shared/contract-spend';
import type { FocusCostRow } from '../../../../shared/domain';
import { moneyValue, timestampValue } from '../row-appenders';

/**
 * Rows one INSERT takes. The rows wait as the connector's own objects until then; a larger INSERT
 * holds more of them, a smaller one plans more statements.
 */
export const INSERT_ROWS = 8192;

/** Rows the table function writes per call, on the JS thread: 512 kept the longest stall near 70 ms. */
const CHUNK_ROWS = 512;

const FUNCTION_NAME = 'fleetpane_cost_rows';

const TEXT_AFTER_SOURCE = ['BillingAccountId', 'BillingAccountName', 'SubAccountId', 'SubAccountName', 'BillingCurrency'] as const;
const MONEY = ['BilledCost', 'EffectiveCost', 'ListCost'] as const;
const TIMES = ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd'] as const;
const TEXT_MIDDLE = [
  'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ProviderName', 'PublisherName', 'InvoiceIssuerName', 'ServiceName',
  'ServiceCategory', 'RegionId', 'RegionName', 'AvailabilityZone', 'ResourceId', 'ResourceName', 'ResourceType', 'SkuId',
] as const;

/** The function's columns, named as cost_row's (the INSERT goes BY NAME); `extra` is left to its NULL. */
const COLUMNS: readonly (readonly [string, DuckDBType])[] = [
  ['account', VARCHAR],
  ['source', VARCHAR],
  ...TEXT_AFTER_SOURCE.map((k) => [k, VARCHAR] as const),
  ...MONEY.map((k) => [k, DECIMAL(38, 10)] as const),
  ...TIMES.map((k) => [k, TIMESTAMP] as const),
  ...TEXT_MIDDLE.map((k) => [k, VARCHAR] as const),
  ['PricingQuantity', DECIMAL(38, 10)],
  ['PricingUnit', VARCHAR],
  ['ConsumedQuantity', DECIMAL(38, 10)],
  ['ConsumedUnit', VARCHAR],
  ['Tags', VARCHAR],
  ['is_estimate', BOOLEAN],
];

type Vector = DuckDBVector<DuckDBValue>;

/** Rows waiting for one INSERT, with the account and sync run they are written for. */
interface PendingRows {
  account: string;
  source: string;
  rows: readonly FocusCostRow[];
}

function isoToTimestamp(iso: string): DuckDBTimestampValue {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`not an ISO timestamp: "${iso}"`);
  return timestampValue(ms);
}

/** Writes rows[from, from + count) of `pending` into the chunk's vectors, in COLUMNS order. */
function fillChunk(out: DuckDBDataChunk, pending: PendingRows, from: number, count: number): void {
  const v = COLUMNS.map((_, i) => out.getColumnVector(i) as Vector);
  for (let r = 0; r < count; r++) {
    const c = pending.rows[from + r]!;
    let i = 0;
    const set = (value: DuckDBValue): void => {
      (v[i++] as Vector).setItem(r, value);
    };
    set(pending.account);
    set(pending.source);
    for (const k of TEXT_AFTER_SOURCE) set(c[k]);
    for (const k of MONEY) set(moneyValue(c[k]));
    for (const k of TIMES) set(isoToTimestamp(c[k]));
    for (const k of TEXT_MIDDLE) set(c[k]);
    set(moneyValue(c.PricingQuantity));
    set(c.PricingUnit);
    set(moneyValue(c.ConsumedQuantity));
    set(c.ConsumedUnit);
    set(JSON.stringify(c.Tags));
    set(c.Tags[ESTIMATE_TAG] === 'true');
  }
  for (const vector of v) vector.flush();
}

/** The table function registered on one store instance: the rows each of its INSERTs reads, by the id it names. */
export interface CostRowFunction {
  readonly pending: Map<string, PendingRows>;
}

const registered = new WeakMap<DuckDBInstance, Promise<CostRowFunction>>();
let nextId = 0;

/**
 * Registers the table function on the store's instance once. Call it before the transaction that
 * inserts begins: a transaction does not see a function registered after it began, and one
 * registered inside a transaction went when that transaction rolled back.
 */
export function costRowFunction(instance: DuckDBInstance): Promise<CostRowFunction> {
  let known = registered.get(instance);
  if (known === undefined) {
    known = register(instance);
    registered.set(instance, known);
    // A failed registration is tried again by the next write.
    known.catch(() => registered.delete(instance));
  }
  return known;
}

async function register(instance: DuckDBInstance): Promise<CostRowFunction> {
  const pending = new Map<string, PendingRows>();
  const conn = await instance.connect();
  try {
    conn.registerTableFunction(
      DuckDBTableFunction.create({
        name: FUNCTION_NAME,
        parameterTypes: [VARCHAR],
        bindFunction: (bind) => {
          const id = String(bind.getParameter(0));
          const rows = pending.get(id);
          for (const [name, type] of COLUMNS) bind.addResultColumn(name, type);
          if (rows === undefined) bind.setError(`no cost rows are waiting under "${id}"`);
          else {
            bind.setBindData(rows);
            bind.setCardinality(rows.rows.length, true);
          }
        },
        initFunction: (init) => {
          // One scanning thread: the rows are handed out in order from one position.
          init.setMaxThreads(1);
          init.setInitData({ next: 0 });
        },
        mainFunction: (info, out) => {
          const rows = info.bindData as PendingRows;
          const state = info.initData as { next: number };
          const count = Math.min(CHUNK_ROWS, rows.rows.length - state.next);
          out.rowCount = count;
          if (count === 0) return;
          fillChunk(out, rows, state.next, count);
          state.next += count;
        },
      }),
    );
  } finally {
    conn.closeSync();
  }
  return { pending };
}

/** Collects one sync run's cost rows and inserts them into the open transaction of `conn`, INSERT_ROWS at a time. */
export class CostRowInserter {
  #rows: FocusCostRow[] = [];

  /** `source`: the sync run writing `account`'s rows; `rowFunction` registered before `conn`'s transaction began. */
  constructor(
    private readonly rowFunction: CostRowFunction,
    private readonly conn: DuckDBConnection,
    private readonly account: string,
    private readonly source: string,
  ) {}

  /** Adds one FOCUS row; it goes in with the next INSERT. */
  add(row: FocusCostRow): void {
    this.#rows.push(row);
  }

  /** Rows added and not yet inserted. */
  get waiting(): number {
    return this.#rows.length;
  }

  /** Inserts INSERT_ROWS at a time while that many wait (between the connector's batches). */
  async insertFull(): Promise<void> {
    let from = 0;
    for (; this.#rows.length - from >= INSERT_ROWS; from += INSERT_ROWS) await this.#insert(this.#rows.slice(from, from + INSERT_ROWS));
    if (from > 0) this.#rows = this.#rows.slice(from);
  }

  /** Inserts every row still waiting. */
  async finish(): Promise<void> {
    await this.insertFull();
    if (this.#rows.length > 0) await this.#insert(this.#rows);
    this.#rows = [];
  }

  async #insert(rows: FocusCostRow[]): Promise<void> {
    const id = String(nextId++);
    this.rowFunction.pending.set(id, { account: this.account, source: this.source, rows });
    try {
      await this.conn.run(`INSERT INTO cost_row BY NAME SELECT * FROM ${FUNCTION_NAME}('${id}')`);
    } finally {
      this.rowFunction.pending.delete(id);
    }
  }
}
