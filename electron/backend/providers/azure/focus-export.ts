/**
 * Reads the FOCUS cost export files Cost Management writes (CSV, optionally gzipped) from a local
 * folder the export is synced to, for accounts with `costSource: "export"`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FocusCostRow } from '../../../../shared/domain';
import { ConfigError, MalformedResponseError } from '../types';

/** Splits CSV text into records (RFC 4180: quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

const DECIMAL_COLUMNS = new Set(['BilledCost', 'EffectiveCost', 'ListCost', 'PricingQuantity', 'ConsumedQuantity']);
const TIME_COLUMNS = new Set(['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']);

/** FOCUS CSV text -> rows whose charge period starts in [from, to). */
export function focusRowsFromCsv(text: string, file: string, from: number, to: number): FocusCostRow[] {
  const [header, ...records] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) return [];
  const keys = Object.keys(FocusCostRow.shape) as (keyof FocusCostRow)[];
  const at = new Map(header.map((h, i) => [h.trim(), i]));
  for (const required of ['BilledCost', 'BillingCurrency', 'ChargePeriodStart'] as const) {
    if (!at.has(required)) throw new MalformedResponseError(`FOCUS export ${file}: no ${required} column`);
  }
  const out: FocusCostRow[] = [];
  records.forEach((rec, n) => {
    const raw: Record<string, unknown> = {};
    for (const k of keys) {
      const i = at.get(k);
      const v = i === undefined ? '' : (rec[i] ?? '');
      if (k === 'Tags') raw[k] = v ? safeTags(v) : {};
      else if (TIME_COLUMNS.has(k)) raw[k] = v ? new Date(v).toISOString() : v;
      else if (DECIMAL_COLUMNS.has(k)) raw[k] = v === '' ? null : v;
      else raw[k] = v === '' ? null : v;
    }
    raw.BillingAccountId ??= '';
    raw.ChargeCategory ??= 'Usage';
    raw.ProviderName ??= 'Microsoft';
    const parsed = FocusCostRow.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MalformedResponseError(`FOCUS export ${file} row ${n + 2}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'invalid'}`);
    }
    const start = Date.parse(parsed.data.ChargePeriodStart);
    if (start >= from && start < to) out.push(parsed.data);
  });
  return out;
}

function safeTags(v: string): Record<string, string> {
  try {
    const t: unknown = JSON.parse(v.startsWith('{') ? v : `{${v}}`);
    if (!t || typeof t !== 'object') return {};
    return Object.fromEntries(Object.entries(t as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
  } catch {
    return {};
  }
}

/** Every FOCUS row in the folder's CSV files for [from, to), file by file. */
export function* readFocusExportDirectory(dir: string, from: number, to: number): Iterable<FocusCostRow[]> {
  let files: string[];
  try {
    files = readdirSync(dir, { recursive: true }).map(String).filter((f) => /\.csv(\.gz)?$/i.test(f)).sort();
  } catch (err) {
    throw new ConfigError(`cannot read costExportDirectory ${dir}: ${(err as Error).message}`);
  }
  for (const f of files) {
    const bytes = readFileSync(join(dir, f));
    const text = (f.toLowerCase().endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
    const rows = focusRowsFromCsv(text, f, from, to);
    if (rows.length > 0) yield rows;
  }
}
