/**
 * FOCUS import: CSV, gzipped CSV and Parquet files of FOCUS 1.0, 1.1 and 1.2, read as text with
 * DuckDB's own readers and validated against the file's FOCUS version in one streaming pass, then read
 * again straight into cost_row in one transaction (no copy of the bill is held, whatever its size). An empty cell is a missing value (real exports leave credits, taxes and
 * support charges untagged and unplaced): it is read as null and counted per column in the summary.
 * A bad file is refused whole (naming the file, the data row and the column, never a cell's content)
 * and the store is left as it was; no raw engine message reaches the user. Re-importing a billing period replaces it: the key is the
 * Fleetpane account, the BillingAccountId and the BillingPeriodStart. A connector's export (the sync
 * engine passes `sync`) may split one billing period over several files: all of them replace it together.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { exec, rows, sqlString } from '../db';
import { StoreReadOnlyError } from '../errors';
import { estimateFromTagsSql } from '../spend/estimate-sql';
import { finishRun, type RunStart } from '../sync-run';
import type { Write } from '../write';
import { FOCUS_COLUMNS, type FocusColumn, type FocusVersion } from './columns';

/** The FOCUS columns cost_row holds as typed columns (everything else goes to cost_row.extra). */
export const MODELLED_COLUMNS = [
  'BillingAccountId', 'BillingAccountName', 'SubAccountId', 'SubAccountName', 'BillingCurrency',
  'BilledCost', 'EffectiveCost', 'ListCost', 'BillingPeriodStart', 'BillingPeriodEnd',
  'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ChargeClass', 'ChargeDescription',
  'ProviderName', 'PublisherName', 'InvoiceIssuerName', 'ServiceName', 'ServiceCategory', 'RegionId',
  'RegionName', 'AvailabilityZone', 'ResourceId', 'ResourceName', 'ResourceType', 'SkuId',
  'PricingQuantity', 'PricingUnit', 'ConsumedQuantity', 'ConsumedUnit', 'Tags',
] as const;

/** Columns Fleetpane cannot do without in any row (cost_row NOT NULL); the spec forbids nulls in all of them. */
const REQUIRED_VALUES = [
  'BillingAccountId', 'BillingCurrency', 'BilledCost', 'EffectiveCost', 'BillingPeriodStart',
  'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ProviderName',
];

const COLUMN_BY_ID = new Map(FOCUS_COLUMNS.map((c) => [c.id, c]));

export interface FocusImportProgress {
  file: string;
  phase: 'reading' | 'validated' | 'writing' | 'done';
  /** Rows read so far from this file (all of them once read). */
  rows: number;
  /** Rows of every file read so far. */
  totalRows: number;
}

export interface FocusImportFileResult {
  file: string;
  focusVersion: FocusVersion;
  rows: number;
  /** BillingPeriodStart of each billing period in the file, ISO. */
  billingPeriods: string[];
  /** Conformance note: empty cells read as null, per FOCUS column (only columns that had any). */
  emptyCellsReadAsNull: Record<string, number>;
}

export interface FocusImportResult {
  account: string;
  files: FocusImportFileResult[];
  rows: number;
  /** Rows of earlier imports (or syncs) of the same billing periods that were replaced. */
  replacedRows: number;
}

/**
 * A file refused whole; the message names the file, and the data row (1 = first row after the
 * header) and column where known. `cause` keeps the engine's error for logs, never for the message.
 */
export class FocusImportError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
    readonly row: number | null = null,
    readonly column: string | null = null,
    cause?: unknown,
  ) {
    const where = [row !== null ? `row ${row}` : null, column !== null ? `column ${column}` : null].filter(Boolean).join(', ');
    super(`${basename(file)}${where ? `: ${where}` : ''}: ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'FocusImportError';
  }
}

/** Limits of one import (serve's uploads); the CLI and the app import without them. */
export interface FocusImportLimits {
  /** Most cost rows a file may hold. */
  maxRows?: number;
}

/** How one import runs: the limits, and for a connector's FOCUS export, the sync run it completes. */
export interface FocusImportOptions extends FocusImportLimits {
  /**
   * The files are one sync of a provider's FOCUS export: several files may be parts of one billing
   * period (they replace it together), no files at all is an empty export, and the run is recorded
   * (with its cursor) in the same transaction as the rows, as every other sync write is.
   */
  sync?: { run: RunStart; cursor: number };
}

/** A file refused for its size only: serve answers it with 413. */
export class FocusImportTooLargeError extends FocusImportError {
  constructor(file: string, maxRows: number) {
    super(file, `holds more than ${maxRows} cost rows (the upload limit); nothing was imported`);
    this.name = 'FocusImportTooLargeError';
  }
}

const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** The FOCUS version a header belongs to: the newest version that introduced one of its columns. */
export function detectFocusVersion(columns: readonly string[]): FocusVersion {
  let version: FocusVersion = '1.0';
  for (const name of columns) {
    const since = COLUMN_BY_ID.get(name)?.since;
    if (since !== undefined && since > version) version = since;
  }
  return version;
}

/** Mandatory columns of `version` missing from `columns`. */
export function missingMandatory(columns: readonly string[], version: FocusVersion): string[] {
  const present = new Set(columns);
  return FOCUS_COLUMNS.filter((c) => c.mandatoryIn.includes(version) && !present.has(c.id)).map((c) => c.id);
}

function readerSql(file: string): string {
  const path = sqlString(file);
  if (/\.parquet$/i.test(file)) return `read_parquet(${path})`;
  // Text only, so every value is validated here against FOCUS, not guessed by the sniffer.
  return `read_csv(${path}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', nullstr = 'NULL', auto_detect = false)`;
}

/** A CSV header needs its column names before read_csv with auto_detect off can run. */
async function csvColumns(conn: DuckDBConnection, file: string): Promise<string[]> {
  const r = await rows<{ column_name: string }>(
    conn,
    `DESCRIBE SELECT * FROM read_csv(${sqlString(file)}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"', nullstr = 'NULL')`,
  );
  return r.map((c) => c.column_name);
}

/**
 * What went wrong reading a file, in the user's words: DuckDB's own message names the temp path and
 * quotes the data, so it is only matched, never shown.
 */
function unreadableReason(file: string, error: unknown): { reason: string; row: number | null } {
  // Only what the engine says went wrong: it goes on with the SQL ("LINE 1: ...", a query position,
  // not a file line) and a "Possible fixes" list naming every option (compression, quote, encoding).
  const message = (error instanceof Error ? error.message : String(error)).split(/\nPossible fixes:|\nLINE \d+:/)[0] ?? '';
  const parquet = /\.parquet$/i.test(file);
  const line = /\bline[:\s]+(\d+)/i.exec(message);
  // The CSV reader counts lines with the header as line 1; a data row number leaves it out.
  const row = !parquet && line?.[1] !== undefined ? Math.max(1, Number(line[1]) - 1) : null;
  // A gzip cut short ends mid-row, which the engine reports only as a CSV it cannot sniff.
  if (/\.gz$/i.test(file) && /gzip|zlib|compress|sniffing/i.test(message)) return { reason: 'is not a complete gzip file (cut short or damaged)', row: null };
  if (parquet) return { reason: 'cannot be read as Parquet (not a Parquet file, or damaged)', row: null };
  // The sniffer's report lists its candidates ("Quote/Escape Candidates"): it is no quote diagnosis.
  if (/sniffing/i.test(message)) return { reason: 'cannot be read as CSV: a row does not have the header\'s cells, or quotes are not balanced', row };
  if (/quote/i.test(message)) return { reason: 'cannot be read as CSV: a quoted cell is not closed', row };
  if (/column|delimiter/i.test(message)) {
    return { reason: 'cannot be read as CSV: a row does not have the header\'s cells, or quotes are not balanced', row };
  }
  if (/unicode|utf-?8|encoding/i.test(message)) return { reason: 'cannot be read as CSV: it is not UTF-8 text', row };
  return { reason: 'cannot be read as FOCUS CSV', row };
}

/**
 * The file as a relation of text columns, read straight from disk each time it is asked (never held
 * in a table: a bill of millions of rows stays on disk, and DuckDB streams it in parallel).
 */
interface FileRelation {
  /** SQL usable after FROM. */
  sql: string;
  columns: string[];
}

/** Describes one file: its columns and the SQL reading it as text. */
async function describeFile(conn: DuckDBConnection, file: string): Promise<FileRelation> {
  if (!existsSync(file)) throw new FocusImportError(file, 'no such file');
  if (statSync(file).size === 0) throw new FocusImportError(file, 'the file is empty (no header, no rows)');
  try {
    if (/\.parquet$/i.test(file)) {
      const described = await rows<{ column_name: string; column_type: string }>(conn, `DESCRIBE SELECT * FROM ${readerSql(file)}`);
      const select = described
        .map(({ column_name: name, column_type: type }) => {
          const col = quoteIdent(name);
          if (/^(MAP|STRUCT)|\[\]$/.test(type)) return `to_json(${col})::VARCHAR AS ${col}`;
          if (/^TIMESTAMP/.test(type)) return `strftime(${col}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${col}`;
          return `${col}::VARCHAR AS ${col}`;
        })
        .join(', ');
      return { sql: `(SELECT ${select} FROM ${readerSql(file)})`, columns: described.map((d) => d.column_name) };
    }
    const columns = await csvColumns(conn, file);
    const types = `{${columns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}}`;
    return {
      sql: `read_csv(${sqlString(file)}, header = true, delim = ',', quote = '"', escape = '"', nullstr = 'NULL', auto_detect = false, columns = ${types})`,
      columns,
    };
  } catch (error) {
    if (error instanceof FocusImportError) throw error;
    const { reason, row } = unreadableReason(file, error);
    throw new FocusImportError(file, reason, row, null, error);
  }
}

/** SQL that is true where a non-empty text value does not parse as the column's FOCUS type. */
function badValueSql(column: FocusColumn, col: string): string | null {
  switch (column.type) {
    case 'decimal':
      // A CASE, because DuckDB evaluates both sides of AND on every row but a CASE branch only on the
      // rows that reach it: the DECIMAL(18,10) cast (what almost every cost parses as) settles most
      // cells, the pattern the rest of the plain decimals, and only what is left (exponents, amounts
      // beyond 18 digits) pays for the exact DECIMAL(38,10) cast, about ten times slower per cell.
      // Anything DECIMAL(18,10) parses, DECIMAL(38,10) parses too, so the cells refused are the same.
      return `(CASE WHEN TRY_CAST(${col} AS DECIMAL(18,10)) IS NOT NULL THEN false
        WHEN regexp_full_match(${col}, '\\s*[+-]?[0-9]{1,28}(\\.[0-9]*)?\\s*') THEN false
        ELSE TRY_CAST(${col} AS DECIMAL(38,10)) IS NULL END)`;
    case 'datetime':
      return `TRY_CAST(${col} AS TIMESTAMP) IS NULL`;
    case 'json':
      // TRY_CAST: DuckDB evaluates both sides of the OR on every row, and a plain cast throws.
      return column.id === 'Tags'
        ? `coalesce(json_type(TRY_CAST(${col} AS JSON)), '') <> 'OBJECT'`
        : `NOT json_valid(${col})`;
    case 'string':
      return column.id === 'BillingCurrency' ? `NOT regexp_full_match(${col}, '[A-Z]{3}')` : null;
  }
}

const TYPE_NAMES = { decimal: 'a FOCUS Decimal', datetime: 'a FOCUS Date/Time', json: 'a JSON object', string: 'a currency code' };

interface ValueCheck {
  column: string;
  reason: string;
  sql: string;
}

/** Every per-cell check of a file with `columns`, in the order a refusal names the first that fails in a row. */
function valueChecks(columns: readonly string[]): ValueCheck[] {
  const present = new Set(columns);
  const checks: ValueCheck[] = [];
  for (const name of REQUIRED_VALUES) {
    if (present.has(name)) checks.push({ column: name, reason: 'the cell is empty; FOCUS and Fleetpane need a value in every row', sql: `nullif(${quoteIdent(name)}, '') IS NULL` });
  }
  for (const name of columns) {
    const column = COLUMN_BY_ID.get(name);
    if (column === undefined) continue;
    const col = quoteIdent(name);
    const bad = badValueSql(column, col);
    if (bad !== null) checks.push({ column: name, reason: `the value is not ${TYPE_NAMES[column.type]}`, sql: `nullif(${col}, '') IS NOT NULL AND ${bad}` });
  }
  return checks;
}

/** What one pass over a file found: everything validation and the summary need, nothing held per row. */
interface FileScan {
  rows: number;
  /** Rows failing each check of valueChecks(), by index. */
  failing: number[];
  emptyCells: Record<string, number>;
  /** One entry per BillingAccountId, BillingPeriodStart (as written) and BillingCurrency. */
  groups: { billingAccountId: string | null; periodText: string | null; start: string | null; exact: string | null; currency: string | null; rows: number }[];
}

/**
 * One streaming pass over the file: row count, failing cells per check, empty cells per column and
 * the billing groups. Grouped by billing account, period and currency (a handful in a real bill),
 * so it holds no row; the per-group figures are summed here.
 */
async function scanFile(conn: DuckDBConnection, relation: FileRelation, checks: readonly ValueCheck[]): Promise<FileScan> {
  const required = new Set(REQUIRED_VALUES);
  const present = new Set(relation.columns);
  // Empty cells per FOCUS column, except the columns refused when empty: each is read as null (the
  // spec's nullable columns, and the few non-nullable ones Fleetpane can do without, e.g. ListCost).
  const counted = relation.columns.filter((c) => COLUMN_BY_ID.has(c) && !required.has(c));
  const text = (name: string): string => (present.has(name) ? quoteIdent(name) : 'NULL::VARCHAR');
  const aggregates = [
    'count(*)::DOUBLE AS n',
    ...checks.map((c, i) => `count(*) FILTER (WHERE ${c.sql})::DOUBLE AS f${i}`),
    ...counted.map((c, i) => `count(*) FILTER (WHERE ${quoteIdent(c)} = '')::DOUBLE AS e${i}`),
  ];
  const found = await rows<Record<string, number | string | null>>(
    conn,
    `SELECT ba, period, strftime(TRY_CAST(period AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.000Z') AS start, TRY_CAST(period AS TIMESTAMP)::VARCHAR AS exact,
       currency, * EXCLUDE (ba, period, currency) FROM (
       SELECT ${text('BillingAccountId')} AS ba, ${text('BillingPeriodStart')} AS period, ${text('BillingCurrency')} AS currency, ${aggregates.join(', ')}
       FROM ${relation.sql} GROUP BY ALL)`,
  );
  const scan: FileScan = { rows: 0, failing: checks.map(() => 0), emptyCells: {}, groups: [] };
  const num = (v: number | string | null | undefined): number => (typeof v === 'number' ? v : 0);
  const str = (v: number | string | null | undefined): string | null => (typeof v === 'string' ? v : null);
  for (const g of found) {
    scan.rows += num(g.n);
    checks.forEach((_, i) => (scan.failing[i] = (scan.failing[i] ?? 0) + num(g[`f${i}`])));
    counted.forEach((c, i) => {
      const n = num(g[`e${i}`]);
      if (n > 0) scan.emptyCells[c] = (scan.emptyCells[c] ?? 0) + n;
    });
    scan.groups.push({ billingAccountId: str(g.ba), periodText: str(g.period), start: str(g.start), exact: str(g.exact), currency: str(g.currency), rows: num(g.n) });
  }
  return scan;
}

/** The data row (1 = first after the header) where a check first fails: asked only of a file already known to fail it. */
async function firstFailingRow(conn: DuckDBConnection, relation: FileRelation, checks: readonly ValueCheck[], failing: readonly number[]): Promise<{ row: number; check: ValueCheck }> {
  const asked = checks.map((c, i) => ({ c, i })).filter(({ i }) => (failing[i] ?? 0) > 0);
  // row_number() over no order numbers the rows as the file holds them (DuckDB streams it in order).
  const firsts = await rows<Record<string, number | null>>(
    conn,
    `SELECT ${asked.map(({ c, i }) => `min(rn) FILTER (WHERE ${c.sql})::DOUBLE AS c${i}`).join(', ')}
     FROM (SELECT row_number() OVER () AS rn, * FROM ${relation.sql})`,
  );
  let worst: { row: number; check: ValueCheck } | null = null;
  // In check order, so where several fail in one row the first check is named, as before.
  for (const { c, i } of asked) {
    const row = firsts[0]?.[`c${i}`] ?? null;
    if (row !== null && (worst === null || row < worst.row)) worst = { row, check: c };
  }
  if (worst === null) throw new Error('a failing check found no row on the second read');
  return worst;
}

/** Refuses a file whose cells fail a check, or that bills one account and period in several currencies. */
async function validate(conn: DuckDBConnection, file: string, relation: FileRelation, checks: readonly ValueCheck[], scan: FileScan): Promise<void> {
  if (scan.failing.some((n) => n > 0)) {
    const { row, check } = await firstFailingRow(conn, relation, checks, scan.failing);
    // The cell itself is never quoted: a bill's cells can hold names, tags and account ids.
    throw new FocusImportError(file, check.reason, row, check.column);
  }
  // One billing account is billed in one currency per period: a mix means a broken or merged export.
  const currencies = new Map<string, number>();
  for (const g of scan.groups) {
    const key = JSON.stringify([g.billingAccountId, g.periodText]);
    currencies.set(key, (currencies.get(key) ?? 0) + 1);
  }
  if (![...currencies.values()].some((n) => n > 1)) return;
  const mixed = await rows<{ row: number; currency: string; first: string }>(
    conn,
    `WITH numbered AS (SELECT row_number() OVER () AS rn, BillingAccountId, BillingPeriodStart, BillingCurrency FROM ${relation.sql}),
     firsts AS (SELECT BillingAccountId, BillingPeriodStart, arg_min(BillingCurrency, rn) AS first FROM numbered GROUP BY ALL)
     SELECT n.rn::DOUBLE AS row, n.BillingCurrency AS currency, f.first
     FROM numbered n JOIN firsts f USING (BillingAccountId, BillingPeriodStart)
     WHERE n.BillingCurrency <> f.first ORDER BY n.rn LIMIT 1`,
  );
  const m = mixed[0];
  if (m !== undefined) {
    throw new FocusImportError(
      file,
      `mixed currencies in one billing account and period: ${m.currency} after ${m.first}; Fleetpane never converts currencies`,
      m.row,
      'BillingCurrency',
    );
  }
}

function textOrNull(name: string, present: ReadonlySet<string>): string {
  return present.has(name) ? `nullif(${quoteIdent(name)}, '')` : 'NULL';
}

function insertSql(relation: FileRelation, account: string, source: string): string {
  const columns = relation.columns;
  const present = new Set(columns);
  const t = (name: string) => textOrNull(name, present);
  // DECIMAL(18,10) parses about ten times faster than DECIMAL(38,10); amounts beyond it fall back.
  const money = (name: string) => `coalesce(TRY_CAST(${t(name)} AS DECIMAL(18,10)), TRY_CAST(${t(name)} AS DECIMAL(38,10)))`;
  const time = (name: string) => `TRY_CAST(${t(name)} AS TIMESTAMP)`;
  const modelled = new Set<string>(MODELLED_COLUMNS);
  const extras = columns.filter((c) => !modelled.has(c));
  const extra = extras.length === 0 ? 'NULL' : `json_object(${extras.map((c) => `${sqlString(c)}, nullif(${quoteIdent(c)}, '')`).join(', ')})`;
  // Straight from the file, in its order (DuckDB keeps insertion order): no copy of the bill in memory.
  return `INSERT INTO cost_row SELECT
    ${sqlString(account)}, ${sqlString(source)},
    ${t('BillingAccountId')}, ${t('BillingAccountName')}, ${t('SubAccountId')}, ${t('SubAccountName')},
    ${t('BillingCurrency')}, ${money('BilledCost')}, ${money('EffectiveCost')}, ${money('ListCost')},
    ${time('BillingPeriodStart')}, ${time('BillingPeriodEnd')}, ${time('ChargePeriodStart')}, ${time('ChargePeriodEnd')},
    ${t('ChargeCategory')}, ${t('ChargeClass')}, ${t('ChargeDescription')}, ${t('ProviderName')}, ${t('PublisherName')},
    ${t('InvoiceIssuerName')}, ${t('ServiceName')}, ${t('ServiceCategory')}, ${t('RegionId')}, ${t('RegionName')},
    ${t('AvailabilityZone')}, ${t('ResourceId')}, ${t('ResourceName')}, ${t('ResourceType')}, ${t('SkuId')},
    ${money('PricingQuantity')}, ${t('PricingUnit')}, ${money('ConsumedQuantity')}, ${t('ConsumedUnit')},
    coalesce(${t('Tags')}, '{}')::JSON, ${extra},
    ${estimateFromTagsSql(`coalesce(${t('Tags')}, '{}')::JSON`)}
  FROM ${relation.sql}`;
}

/** A Parquet file's row count is in its footer: refuse a compressed giant before reading it. */
async function refuseOverRows(conn: DuckDBConnection, file: string, maxRows: number): Promise<void> {
  if (!/\.parquet$/i.test(file) || !existsSync(file)) return;
  let n: number;
  try {
    n = (await rows<{ n: number }>(conn, `SELECT coalesce(sum(num_rows), 0)::DOUBLE AS n FROM parquet_file_metadata(${sqlString(file)})`))[0]?.n ?? 0;
  } catch (error) {
    throw new FocusImportError(file, 'cannot be read as Parquet (not a Parquet file, or damaged)', null, null, error);
  }
  if (n > maxRows) throw new FocusImportTooLargeError(file, maxRows);
}

interface StagedFile {
  file: string;
  relation: FileRelation;
  version: FocusVersion;
  rows: number;
  /** Billing periods in the file, by account, with their rows; `start` is ISO. */
  periods: { billingAccountId: string; start: string; rows: number }[];
  /** The same periods as SQL row values (account, exact start): what the import replaces. */
  periodKeysSql: string[];
  emptyCells: Record<string, number>;
}

/** Attempts of the import's transaction when a connector's cost sync of the same rows wins a race. */
const CONFLICT_ATTEMPTS = 5;

/** The billing periods of a validated file (every group has an account and a parsed start by now). */
function periodsOf(scan: FileScan): StagedFile['periods'] {
  const byKey = new Map<string, StagedFile['periods'][number]>();
  for (const g of scan.groups) {
    if (g.billingAccountId === null || g.start === null) continue;
    const key = JSON.stringify([g.billingAccountId, g.start]);
    const seen = byKey.get(key);
    if (seen !== undefined) seen.rows += g.rows;
    else byKey.set(key, { billingAccountId: g.billingAccountId, start: g.start, rows: g.rows });
  }
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return [...byKey.values()].sort((x, y) => cmp(x.billingAccountId, y.billingAccountId) || cmp(x.start, y.start));
}

/**
 * Imports FOCUS files into `account`'s cost rows. Every file is read and validated (one streaming
 * pass each, nothing held per row) before anything is written; then one transaction replaces the
 * billing periods the files hold, reading each file again straight into cost_row.
 */
export async function importFocusFiles(
  write: Write,
  files: readonly string[],
  account: string,
  now: Date,
  onProgress: (p: FocusImportProgress) => void = () => undefined,
  limits: FocusImportOptions = {},
): Promise<FocusImportResult> {
  const sync = limits.sync;
  if (files.length === 0) {
    if (sync === undefined) throw new FocusImportError('(none)', 'no files given');
    // An export with no billing period yet (a new account): the sync still succeeded.
    await write((conn) => finishRun(conn, sync.run, now.getTime(), { rows: 0, rejected: 0 }, sync.cursor));
    return { account, files: [], rows: 0, replacedRows: 0 };
  }
  let totalRows = 0;
  // The file being worked on, so an unexpected engine error still names it.
  let current = files[0] ?? '(none)';
  const stageAll = async (conn: DuckDBConnection): Promise<StagedFile[]> => {
    const staged: StagedFile[] = [];
    for (const file of files) {
      current = file;
      onProgress({ file, phase: 'reading', rows: 0, totalRows });
      if (limits.maxRows !== undefined) await refuseOverRows(conn, file, limits.maxRows);
      const relation = await describeFile(conn, file);
      const { columns } = relation;
      const checks = valueChecks(columns);
      let scan: FileScan;
      try {
        scan = await scanFile(conn, relation, checks);
      } catch (error) {
        const { reason, row } = unreadableReason(file, error);
        throw new FocusImportError(file, reason, row, null, error);
      }
      const version = detectFocusVersion(columns);
      const missing = missingMandatory(columns, version);
      if (missing.length > 0) {
        throw new FocusImportError(file, `missing mandatory FOCUS ${version} column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      }
      const count = scan.rows;
      // By hand a header-only file is a mistake; in an export it is a billing period with no charges (yet).
      if (count === 0 && sync === undefined) throw new FocusImportError(file, 'the file has a header but no cost rows');
      if (limits.maxRows !== undefined && count > limits.maxRows) throw new FocusImportTooLargeError(file, limits.maxRows);
      totalRows += count;
      onProgress({ file, phase: 'reading', rows: count, totalRows });
      await validate(conn, file, relation, checks, scan);
      const periods = periodsOf(scan);
      // Parts of one export's period belong together; separate files given by hand must not overlap.
      for (const earlier of sync === undefined ? staged : []) {
        const clash = periods.find((p) => earlier.periods.some((e) => e.billingAccountId === p.billingAccountId && e.start === p.start));
        if (clash !== undefined) {
          throw new FocusImportError(
            file,
            // Base name and period only: the billing account id is the file's content.
            `duplicate billing period: ${basename(earlier.file)} also holds the same billing account's period from ${clash.start}; import one file per period`,
            null,
            'BillingPeriodStart',
          );
        }
      }
      const periodKeysSql = [
        ...new Set(scan.groups.flatMap((g) => (g.billingAccountId === null || g.exact === null ? [] : [`(${sqlString(g.billingAccountId)}, ${sqlString(g.exact)}::TIMESTAMP)`]))),
      ];
      staged.push({ file, relation, version, rows: count, periods, periodKeysSql, emptyCells: scan.emptyCells });
      onProgress({ file, phase: 'validated', rows: count, totalRows });
    }
    return staged;
  };
  const importId = randomUUID();
  try {
    // Another writer of the same rows (a connector's cost sync) can still win a race: retry then.
    const { staged, replacedRows } = await write(
      async (conn, staged: StagedFile[]) => {
        // Every period the files hold is cleared before any is inserted, so parts of one period
        // (an export's several files) do not clear each other.
        const keys = [...new Set(staged.flatMap((s) => s.periodKeysSql))];
        let replaced = 0;
        if (keys.length > 0) {
          const periodsSql = `VALUES ${keys.join(', ')}`;
          const where = `account = $account AND (BillingAccountId, BillingPeriodStart) IN (${periodsSql})`;
          const deleted = await rows<{ n: number }>(conn, `SELECT count(*)::DOUBLE AS n FROM cost_row WHERE ${where}`, { account });
          await exec(conn, `DELETE FROM cost_row WHERE ${where}`, { account });
          replaced = deleted[0]?.n ?? 0;
          await exec(conn, `DELETE FROM focus_import WHERE account = $account AND (billing_account_id, billing_period_start) IN (${periodsSql})`, { account });
        }
        for (const s of staged) {
          current = s.file;
          onProgress({ file: s.file, phase: 'writing', rows: s.rows, totalRows });
          if (s.rows > 0) await exec(conn, insertSql(s.relation, account, `focus-import:${importId}`));
          for (const p of s.periods) {
            await exec(
              conn,
              `INSERT INTO focus_import VALUES ($id, $account, $file, $version, $ba, $start::TIMESTAMP, $rows, epoch_ms($now::BIGINT))`,
              { id: importId, account, file: basename(s.file), version: s.version, start: p.start, ba: p.billingAccountId, rows: p.rows, now: now.getTime() },
            );
          }
        }
        if (sync !== undefined) await finishRun(conn, sync.run, now.getTime(), { rows: totalRows, rejected: 0 }, sync.cursor);
        return { staged, replacedRows: replaced };
      },
      { prepare: stageAll, attempts: CONFLICT_ATTEMPTS },
    );
    for (const s of staged) onProgress({ file: s.file, phase: 'done', rows: s.rows, totalRows });
    return {
      account,
      files: staged.map((s) => ({
        file: s.file,
        focusVersion: s.version,
        rows: s.rows,
        billingPeriods: [...new Set(s.periods.map((p) => p.start))],
        emptyCellsReadAsNull: s.emptyCells,
      })),
      rows: totalRows,
      replacedRows,
    };
  } catch (error) {
    if (error instanceof FocusImportError || error instanceof StoreReadOnlyError) throw error;
    throw new FocusImportError(current, 'could not be imported: the store refused it; nothing was imported, try again', null, null, error);
  }
}
