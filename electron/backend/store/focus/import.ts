/**
 * FOCUS import: CSV, gzipped CSV and Parquet files of FOCUS 1.0, 1.1 and 1.2, read as text with
 * DuckDB's own readers, each read once: one INSERT ... SELECT per file parses its cells, checks them
 * against the file's FOCUS version and writes them straight into cost_row, all files in one
 * transaction (no copy of the bill is held, whatever its size). An empty cell is a missing value (real exports leave credits, taxes and
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
import { refreshCostDays } from '../spend/cost-days';
import { estimateFromTagsSql } from '../spend/estimate-sql';
import { finishRun, type RunStart } from '../sync-run';
import type { Write } from '../write';
import { FOCUS_COLUMNS, type FocusColumn, type FocusVersion } from './columns';
import { openEmptyCellTally, registerEmptyCellCounter, type EmptyCellTally } from './empty-cells';

/** The FOCUS columns cost_row holds as typed columns (everything else goes to cost_row.extra). */
export const MODELLED_COLUMNS = [
  'BillingAccountId', 'BillingAccountName', 'SubAccountId', 'SubAccountName', 'BillingCurrency',
  'BilledCost', 'EffectiveCost', 'ListCost', 'BillingPeriodStart', 'BillingPeriodEnd',
  'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ChargeClass', 'ChargeDescription',
  'ProviderName', 'PublisherName', 'InvoiceIssuerName', 'ServiceName', 'ServiceCategory', 'RegionId',
  'RegionName', 'AvailabilityZone', 'ResourceId', 'ResourceName', 'ResourceType', 'SkuId',
  'PricingQuantity', 'PricingUnit', 'ConsumedQuantity', 'ConsumedUnit', 'Tags',
] as const;

/**
 * A file's columns cost_row.extra keeps, in the file's order: its cells, as a list per row, and the
 * names once per file, in cost_extra_columns (a JSON object per row cost a quarter of the import).
 */
export function extraColumnsOf(columns: readonly string[]): string[] {
  const modelled = new Set<string>(MODELLED_COLUMNS);
  return columns.filter((c) => !modelled.has(c));
}

/** Columns Fleetpane cannot do without in any row (cost_row NOT NULL); the spec forbids nulls in all of them. */
const REQUIRED_VALUES = [
  'BillingAccountId', 'BillingCurrency', 'BilledCost', 'EffectiveCost', 'BillingPeriodStart',
  'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd', 'ChargeCategory', 'ProviderName',
];

const COLUMN_BY_ID = new Map(FOCUS_COLUMNS.map((c) => [c.id, c]));

export interface FocusImportProgress {
  file: string;
  /**
   * 'reading': its one pass (read, check, write into the open transaction) has begun; 'validated':
   * the pass is over and the file is good; 'writing': the earlier rows of its billing periods are being
   * replaced and the transaction committed; 'done': committed.
   */
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

/** A plain decimal of at most 28 integer digits (what DECIMAL(38,10) holds), as an SQL pattern. */
const PLAIN_DECIMAL = `'\\s*[+-]?[0-9]{1,28}(\\.[0-9]*)?\\s*'`;

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
        WHEN regexp_full_match(${col}, ${PLAIN_DECIMAL}) THEN false
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
  /** 'required': the cell may not be empty; 'type': a non-empty cell must parse as the column's type. */
  kind: 'required' | 'type';
  reason: string;
  sql: string;
}

/** Every per-cell check of a file with `columns`, in the order a refusal names the first that fails in a row. */
function valueChecks(columns: readonly string[]): ValueCheck[] {
  const present = new Set(columns);
  const checks: ValueCheck[] = [];
  for (const name of REQUIRED_VALUES) {
    if (present.has(name)) checks.push({ column: name, kind: 'required', reason: 'the cell is empty; FOCUS and Fleetpane need a value in every row', sql: `nullif(${quoteIdent(name)}, '') IS NULL` });
  }
  for (const name of columns) {
    const column = COLUMN_BY_ID.get(name);
    if (column === undefined) continue;
    const col = quoteIdent(name);
    const bad = badValueSql(column, col);
    if (bad !== null) checks.push({ column: name, kind: 'type', reason: `the value is not ${TYPE_NAMES[column.type]}`, sql: `nullif(${col}, '') IS NOT NULL AND ${bad}` });
  }
  return checks;
}

/** What the full validation's first pass over a file found, nothing held per row. */
interface FileScan {
  rows: number;
  /** Rows failing each check of valueChecks(), by index. */
  failing: number[];
  /** One entry per BillingAccountId, BillingPeriodStart (as written) and BillingCurrency. */
  groups: { billingAccountId: string | null; periodText: string | null; currency: string | null; rows: number }[];
}

/**
 * One streaming pass over the file (the full validation's, checkFile): row count, failing cells per
 * check and the billing groups. Grouped by billing account, period and currency (a handful in a real
 * bill), so it holds no row; the per-group figures are summed here. (Empty cells are counted by the
 * import's own pass, empty-cells.ts.)
 */
async function scanFile(conn: DuckDBConnection, relation: FileRelation, checks: readonly ValueCheck[]): Promise<FileScan> {
  const present = new Set(relation.columns);
  const text = (name: string): string => (present.has(name) ? quoteIdent(name) : 'NULL::VARCHAR');
  const aggregates = ['count(*)::DOUBLE AS n', ...checks.map((c, i) => `count(*) FILTER (WHERE ${c.sql})::DOUBLE AS f${i}`)];
  const found = await rows<Record<string, number | string | null>>(
    conn,
    `SELECT ${text('BillingAccountId')} AS ba, ${text('BillingPeriodStart')} AS period, ${text('BillingCurrency')} AS currency, ${aggregates.join(', ')}
     FROM ${relation.sql} GROUP BY ALL`,
  );
  const scan: FileScan = { rows: 0, failing: checks.map(() => 0), groups: [] };
  const num = (v: number | string | null | undefined): number => (typeof v === 'number' ? v : 0);
  const str = (v: number | string | null | undefined): string | null => (typeof v === 'string' ? v : null);
  for (const g of found) {
    scan.rows += num(g.n);
    checks.forEach((_, i) => (scan.failing[i] = (scan.failing[i] ?? 0) + num(g[`f${i}`])));
    scan.groups.push({ billingAccountId: str(g.ba), periodText: str(g.period), currency: str(g.currency), rows: num(g.n) });
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

/** The checks of one file, and what it is refused for before any cell is read (missing columns). */
interface FileChecks {
  checks: ValueCheck[];
  version: FocusVersion;
  missing: string[];
}

function fileChecks(columns: readonly string[]): FileChecks {
  const version = detectFocusVersion(columns);
  return { checks: valueChecks(columns), version, missing: missingMandatory(columns, version) };
}

/**
 * The full validation of one file, in the order a refusal names its first problem: unreadable, missing
 * columns, no rows, too many rows, bad cells, mixed currencies. Two streaming passes over the file
 * (scanFile, then the rows it points at), so it runs only where the single pass of the import cannot
 * say what is wrong: it throws the FocusImportError that names the file, row and column, or returns
 * if nothing is.
 */
async function checkFile(
  conn: DuckDBConnection,
  file: string,
  relation: FileRelation,
  { checks, version, missing }: FileChecks,
  limits: FocusImportOptions,
): Promise<void> {
  // Rows are numbered as the file holds them, which needs DuckDB's insertion order (the import's
  // insert turns it off for its own statement).
  await exec(conn, 'RESET SESSION preserve_insertion_order');
  let scan: FileScan;
  try {
    scan = await scanFile(conn, relation, checks);
  } catch (error) {
    const { reason, row } = unreadableReason(file, error);
    throw new FocusImportError(file, reason, row, null, error);
  }
  if (missing.length > 0) {
    throw new FocusImportError(file, `missing mandatory FOCUS ${version} column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  // By hand a header-only file is a mistake; in an export it is a billing period with no charges (yet).
  if (scan.rows === 0 && limits.sync === undefined) throw new FocusImportError(file, 'the file has a header but no cost rows');
  if (limits.maxRows !== undefined && scan.rows > limits.maxRows) throw new FocusImportTooLargeError(file, limits.maxRows);
  await validate(conn, file, relation, checks, scan);
}

/** Raised by the insert at a cell that fails a check. Never shown: checkFile says which cell, and why. */
const CHECK_FAILED = 'fleetpane: a FOCUS cell failed its check';

function textOrNull(name: string, present: ReadonlySet<string>): string {
  return present.has(name) ? `nullif(${quoteIdent(name)}, '')` : 'NULL';
}

/**
 * The single pass of one file: its rows straight into cost_row (no copy of the bill in memory), each
 * cell parsed once, and the statement raising CHECK_FAILED at the first row that fails a check of
 * valueChecks(). Where the insert already parses a value (costs, dates, Tags) the check reads that
 * parse; every other check is valueChecks()' own SQL, so a file passes here exactly when it passes
 * scanFile. `tally` counts the empty cells as the rows go by.
 */
function insertSql(relation: FileRelation, account: string, source: string, checks: readonly ValueCheck[], tally: EmptyCellTally): string {
  const columns = relation.columns;
  const present = new Set(columns);
  // The parsed values, named apart from every column of the file.
  let prefix = 'parsed.';
  while (columns.some((c) => c.startsWith(prefix))) prefix = `_${prefix}`;
  const parsed = (name: string): string => quoteIdent(`${prefix}${name}`);
  const t = (name: string) => textOrNull(name, present);
  const parses = new Map<string, string>();
  for (const name of ['BilledCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'ConsumedQuantity']) {
    // DECIMAL(18,10) parses about ten times faster than DECIMAL(38,10); amounts beyond it fall back.
    if (present.has(name)) parses.set(name, `coalesce(TRY_CAST(${t(name)} AS DECIMAL(18,10)), TRY_CAST(${t(name)} AS DECIMAL(38,10)))`);
  }
  for (const name of ['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']) {
    if (present.has(name)) parses.set(name, `TRY_CAST(${t(name)} AS TIMESTAMP)`);
  }
  if (present.has('Tags')) parses.set('Tags', `TRY_CAST(${t('Tags')} AS JSON)`);
  const value = (name: string): string => (parses.has(name) ? parsed(name) : t(name));

  // badValueSql's verdicts over the parses above, cell for cell the same.
  const fails = checks.map((c) => {
    if (c.kind !== 'type' || !parses.has(c.column)) return c.sql;
    const col = quoteIdent(c.column);
    const v = parsed(c.column);
    switch (COLUMN_BY_ID.get(c.column)?.type) {
      // Neither cast parsed it: bad unless it is a plain decimal (badValueSql lets those through, and
      // the insert stores the rare one DECIMAL(38,10) cannot round as null, as it always has). The
      // pattern runs only on the cells that reach it.
      case 'decimal':
        return `(CASE WHEN ${v} IS NULL AND ${col} <> '' THEN NOT regexp_full_match(${col}, ${PLAIN_DECIMAL}) ELSE false END)`;
      case 'datetime':
        return `(${v} IS NULL AND ${col} <> '')`;
      default:
        // Tags, the one JSON column parsed here.
        return `(${col} <> '' AND coalesce(json_type(${v}), '') <> 'OBJECT')`;
    }
  });
  const tags = present.has('Tags') ? `coalesce(${parsed('Tags')}, '{}'::JSON)` : `'{}'::JSON`;
  const extras = extraColumnsOf(columns);
  const extra = extras.length === 0 ? 'NULL' : `list_value(${extras.map((c) => `nullif(${quoteIdent(c)}, '')::VARCHAR`).join(', ')})`;
  // The row's source, computed once per row, also checks the row (the first that fails ends the
  // statement) and then counts its empty cells.
  const sourceSql = `CASE WHEN ${fails.length === 0 ? 'false' : fails.map((f) => `(${f})`).join(' OR ')} THEN error(${sqlString(CHECK_FAILED)}) WHEN ${tally.sql} THEN ${sqlString(source)} END`;
  const parsedSql = [...parses].map(([name, sql]) => `${sql} AS ${parsed(name)}`);
  return `INSERT INTO cost_row SELECT
    ${sqlString(account)}, ${sourceSql},
    ${value('BillingAccountId')}, ${value('BillingAccountName')}, ${value('SubAccountId')}, ${value('SubAccountName')},
    ${value('BillingCurrency')}, ${value('BilledCost')}, ${value('EffectiveCost')}, ${value('ListCost')},
    ${value('BillingPeriodStart')}, ${value('BillingPeriodEnd')}, ${value('ChargePeriodStart')}, ${value('ChargePeriodEnd')},
    ${value('ChargeCategory')}, ${value('ChargeClass')}, ${value('ChargeDescription')}, ${value('ProviderName')}, ${value('PublisherName')},
    ${value('InvoiceIssuerName')}, ${value('ServiceName')}, ${value('ServiceCategory')}, ${value('RegionId')}, ${value('RegionName')},
    ${value('AvailabilityZone')}, ${value('ResourceId')}, ${value('ResourceName')}, ${value('ResourceType')}, ${value('SkuId')},
    ${value('PricingQuantity')}, ${value('PricingUnit')}, ${value('ConsumedQuantity')}, ${value('ConsumedUnit')},
    ${tags}, ${extra},
    ${estimateFromTagsSql(tags)}
  FROM (SELECT ${[...parsedSql, '*'].join(', ')} FROM ${relation.sql})`;
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

/** One billing account, period and currency of an imported file, as cost_row holds them. */
interface BillingGroup {
  billingAccountId: string;
  /** BillingPeriodStart, ISO. */
  start: string;
  /** BillingPeriodStart exactly as stored (DuckDB's text of the TIMESTAMP). */
  exact: string;
  currency: string;
  rows: number;
}

interface ImportedFile {
  file: string;
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

/** The billing groups of the rows one file inserted (a handful in a real bill): a small aggregate, not a read of the file. */
async function groupsOf(conn: DuckDBConnection, source: string): Promise<BillingGroup[]> {
  const found = await rows<{ ba: string; start: string; exact: string; currency: string; n: number }>(
    conn,
    `SELECT BillingAccountId AS ba, strftime(BillingPeriodStart, '%Y-%m-%dT%H:%M:%S.000Z') AS start, BillingPeriodStart::VARCHAR AS exact,
       BillingCurrency AS currency, count(*)::DOUBLE AS n
     FROM cost_row WHERE source = $source GROUP BY ALL`,
    { source },
  );
  return found.map((g) => ({ billingAccountId: g.ba, start: g.start, exact: g.exact, currency: g.currency, rows: g.n }));
}

/** The billing periods of the groups (one per account and start, whatever the currencies). */
function periodsOf(groups: readonly BillingGroup[]): ImportedFile['periods'] {
  const byKey = new Map<string, ImportedFile['periods'][number]>();
  for (const g of groups) {
    const key = JSON.stringify([g.billingAccountId, g.start]);
    const seen = byKey.get(key);
    if (seen !== undefined) seen.rows += g.rows;
    else byKey.set(key, { billingAccountId: g.billingAccountId, start: g.start, rows: g.rows });
  }
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return [...byKey.values()].sort((x, y) => cmp(x.billingAccountId, y.billingAccountId) || cmp(x.start, y.start));
}

/** Runs `body` with DuckDB's insertion order off for this connection (a parallel insert), then back on. */
async function withoutInsertionOrder<T>(conn: DuckDBConnection, body: () => Promise<T>): Promise<T> {
  await exec(conn, 'SET SESSION preserve_insertion_order = false');
  try {
    return await body();
  } finally {
    // Fails in a transaction the body's error aborted; checkFile resets it again before numbering rows.
    await exec(conn, 'RESET SESSION preserve_insertion_order').catch(() => undefined);
  }
}

/**
 * Imports FOCUS files into `account`'s cost rows, in one transaction that replaces the billing
 * periods the files hold. Each file is read once: one INSERT ... SELECT parses, checks and writes its
 * rows and counts its empty cells, and its billing groups come from the rows it wrote. Only a refused
 * file is read again (checkFile), after the rollback, to name its file, row and column.
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
  // The file whose insert failed: read again after the rollback to say why.
  let refused: { file: string; relation: FileRelation; checks: FileChecks } | null = null;
  const importId = randomUUID();
  // This import's rows, each file's apart: `${prefix}${index}`.
  const sourcePrefix = `focus-import:${importId}:`;

  const importFile = async (conn: DuckDBConnection, file: string, index: number, earlier: readonly ImportedFile[]): Promise<ImportedFile> => {
    current = file;
    onProgress({ file, phase: 'reading', rows: 0, totalRows });
    if (limits.maxRows !== undefined) await refuseOverRows(conn, file, limits.maxRows);
    const relation = await describeFile(conn, file);
    const checks = fileChecks(relation.columns);
    // Refused before reading its rows, but named as the full validation would (an unreadable file first).
    if (checks.missing.length > 0) {
      await checkFile(conn, file, relation, checks, limits);
      throw new Error('checkFile passed a file with missing mandatory columns');
    }
    const source = `${sourcePrefix}${index}`;
    // Empty cells of FOCUS columns, except the columns refused when empty: each is read as null (the
    // spec's nullable columns, and the few non-nullable ones Fleetpane can do without, e.g. ListCost).
    const required = new Set(REQUIRED_VALUES);
    const tally = openEmptyCellTally(relation.columns.filter((c) => COLUMN_BY_ID.has(c) && !required.has(c)), quoteIdent);
    let emptyCells: Record<string, number>;
    try {
      await withoutInsertionOrder(conn, () => exec(conn, insertSql(relation, account, source, checks.checks, tally)));
      emptyCells = tally.counts();
    } catch (error) {
      refused = { file, relation, checks };
      throw error;
    } finally {
      tally.close();
    }
    const extras = extraColumnsOf(relation.columns);
    if (extras.length > 0) {
      await exec(conn, `INSERT INTO cost_extra_columns VALUES ($account, $source, from_json($names::JSON, '["VARCHAR"]'))`, {
        account,
        source,
        names: JSON.stringify(extras),
      });
    }
    const groups = await groupsOf(conn, source);
    const count = groups.reduce((n, g) => n + g.rows, 0);
    if (count === 0 && sync === undefined) throw new FocusImportError(file, 'the file has a header but no cost rows');
    if (limits.maxRows !== undefined && count > limits.maxRows) throw new FocusImportTooLargeError(file, limits.maxRows);
    // One billing account is billed in one currency per period: a mix means a broken or merged export.
    // The full validation tells a mix apart by the period as written, so it judges any mix found here
    // (it throws, or passes a file that writes one instant two ways, as it always has).
    const currencies = new Map<string, number>();
    for (const g of groups) {
      const key = JSON.stringify([g.billingAccountId, g.exact]);
      currencies.set(key, (currencies.get(key) ?? 0) + 1);
    }
    if ([...currencies.values()].some((n) => n > 1)) await checkFile(conn, file, relation, checks, limits);
    totalRows += count;
    const periods = periodsOf(groups);
    // Parts of one export's period belong together; separate files given by hand must not overlap.
    for (const e of sync === undefined ? earlier : []) {
      const clash = periods.find((p) => e.periods.some((q) => q.billingAccountId === p.billingAccountId && q.start === p.start));
      if (clash !== undefined) {
        throw new FocusImportError(
          file,
          // Base name and period only: the billing account id is the file's content.
          `duplicate billing period: ${basename(e.file)} also holds the same billing account's period from ${clash.start}; import one file per period`,
          null,
          'BillingPeriodStart',
        );
      }
    }
    const periodKeysSql = [...new Set(groups.map((g) => `(${sqlString(g.billingAccountId)}, ${sqlString(g.exact)}::TIMESTAMP)`))];
    onProgress({ file, phase: 'validated', rows: count, totalRows });
    return { file, version: checks.version, rows: count, periods, periodKeysSql, emptyCells };
  };

  try {
    // Another writer of the same rows (a connector's cost sync) can still win a race: retry then.
    const { imported, replacedRows } = await write(
      async (conn) => {
        totalRows = 0;
        refused = null;
        const imported: ImportedFile[] = [];
        for (const [index, file] of files.entries()) imported.push(await importFile(conn, file, index, imported));
        // The earlier rows of every period the files hold, all files' parts of one period together;
        // this import's own rows (its source) stay.
        const keys = [...new Set(imported.flatMap((s) => s.periodKeysSql))];
        let replaced = 0;
        if (keys.length > 0) {
          const periodsSql = `VALUES ${keys.join(', ')}`;
          const where = `account = $account AND (BillingAccountId, BillingPeriodStart) IN (${periodsSql}) AND NOT starts_with(source, $prefix)`;
          const params = { account, prefix: sourcePrefix };
          const deleted = await rows<{ n: number }>(conn, `SELECT count(*)::DOUBLE AS n FROM cost_row WHERE ${where}`, params);
          await exec(conn, `DELETE FROM cost_row WHERE ${where}`, params);
          replaced = deleted[0]?.n ?? 0;
          // The names of files whose rows are all gone (one row per file imported, kept no longer).
          await exec(
            conn,
            `DELETE FROM cost_extra_columns WHERE account = $account AND source NOT IN (SELECT DISTINCT source FROM cost_row WHERE account = $account)`,
            { account },
          );
          await exec(conn, `DELETE FROM focus_import WHERE account = $account AND (billing_account_id, billing_period_start) IN (${periodsSql})`, { account });
        }
        for (const s of imported) {
          current = s.file;
          onProgress({ file: s.file, phase: 'writing', rows: s.rows, totalRows });
          for (const p of s.periods) {
            await exec(
              conn,
              `INSERT INTO focus_import VALUES ($id, $account, $file, $version, $ba, $start::TIMESTAMP, $rows, epoch_ms($now::BIGINT))`,
              { id: importId, account, file: basename(s.file), version: s.version, start: p.start, ba: p.billingAccountId, rows: p.rows, now: now.getTime() },
            );
          }
        }
        await refreshCostDays(conn, account);
        if (sync !== undefined) await finishRun(conn, sync.run, now.getTime(), { rows: totalRows, rejected: 0 }, sync.cursor);
        return { imported, replacedRows: replaced };
      },
      {
        prepare: async (conn) => registerEmptyCellCounter(conn),
        attempts: CONFLICT_ATTEMPTS,
        // A failed insert aborted the transaction: name the refused file's problem now, or let its error pass.
        afterRollback: async (conn) => {
          const r: { file: string; relation: FileRelation; checks: FileChecks } | null = refused;
          if (r !== null) await checkFile(conn, r.file, r.relation, r.checks, limits);
        },
      },
    );
    for (const s of imported) onProgress({ file: s.file, phase: 'done', rows: s.rows, totalRows });
    return {
      account,
      files: imported.map((s) => ({
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
