import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../shared/contract-spend';
import { roundDecimal } from '../../../shared/format';
import { FocusImportError, openStore } from '../store/index';
import type { FleetStore } from '../store/types';
import { tempDataDir } from '../store/test-support';
import { useTempStore } from '../store/testing/use-temp-store';

const FIXTURES = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const PROVIDERS = ['aws', 'microsoft', 'oracle'] as const;
const fixture = (p: string): string => join(FIXTURES, `focus_1.0_sample_${p}.csv`);
const fixedNow = () => new Date('2024-10-02T00:00:00Z');

/** Sums straight from the file with DuckDB, independently of the importer. */
async function fileSums(file: string, groupSql: string): Promise<Map<string, string>> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(
      `SELECT ${groupSql} AS k, BillingCurrency AS c, sum(BilledCost::DECIMAL(38,10))::VARCHAR AS s
       FROM read_csv('${file}', header = true, all_varchar = true, nullstr = 'NULL') GROUP BY ALL`,
    );
    const out = new Map<string, string>();
    for (const r of reader.getRowObjectsJS() as { k: string; c: string; s: string }[]) out.set(`${r.k}|${r.c}`, roundDecimal(r.s, 2));
    return out;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

const query = (over: Partial<CostReportQuery> = {}): CostReportQuery =>
  CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['service'], ...over });

async function allCostRows(store: FleetStore): Promise<string> {
  const report = await store.costReport(query({ groupBy: ['resource', 'day', 'charge-category', 'billing-account'] }));
  return JSON.stringify(report.groups);
}

describe('FOCUS import', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it.each(PROVIDERS)('reconciles the %s sample to the cent: grand total and every service and region', async (provider) => {
    const file = fixture(provider);
    const progress: string[] = [];
    const result = await store.importFocus([file], provider, (p) => progress.push(`${p.phase}:${p.rows}`));
    const expectedRows = Number((await readFile(file, 'utf8')).trim().split('\n').length - 1);
    expect(result.rows).toBe(expectedRows);
    expect(result.files[0]?.focusVersion).toBe('1.0');
    expect(progress.at(-1)).toBe(`done:${expectedRows}`);

    for (const [groupBy, sql] of [
      ['service', `coalesce(nullif(ServiceName, ''), '(no service)')`],
      ['region', `coalesce(nullif(RegionId, ''), nullif(RegionName, ''), '(no region)')`],
    ] as const) {
      const report = await store.costReport(query({ groupBy: [groupBy], filter: { clouds: [], accounts: [provider], regions: [], services: [], gpuModels: [], tags: {} } }));
      const expected = await fileSums(file, sql);
      const got = new Map(report.groups.map((g) => [`${g.keys[0]}|${g.currency}`, roundDecimal(g.billed, 2)]));
      expect(got).toEqual(expected);
      const grand = await fileSums(file, `'all'`);
      expect(new Map(report.totals.map((t) => [`all|${t.currency}`, roundDecimal(t.billed, 2)]))).toEqual(grand);
      expect(report.totals.every((t) => t.estimated === '0.00')).toBe(true);
    }
  });

  it('re-importing the same billing period replaces it instead of doubling it', async () => {
    await store.importFocus([fixture('oracle')], 'oci-billing');
    const first = await store.costReport(query());
    const again = await store.importFocus([fixture('oracle')], 'oci-billing');
    expect(again.replacedRows).toBe(7);
    const second = await store.costReport(query());
    expect(second.totals).toEqual(first.totals);
    expect(second.totals[0]?.rows).toBe(7);
  });

  it('reads gzipped CSV with the same result as plain CSV', async () => {
    const gz = join(dir, 'oracle.csv.gz');
    await writeFile(gz, gzipSync(await readFile(fixture('oracle'))));
    await store.importFocus([gz], 'a');
    await store.importFocus([fixture('oracle')], 'b');
    const report = await store.costReport(query({ groupBy: ['account'] }));
    expect(report.groups).toHaveLength(2);
    expect(report.groups[0]?.billed).toBe(report.groups[1]?.billed);
    expect(report.groups[0]?.rows).toBe(7);
  });

  it('round trip: FOCUS export then import gives identical rows', async () => {
    for (const p of PROVIDERS) await store.importFocus([fixture(p)], `acct-${p}`);
    const before = await allCostRows(store);
    const exported = join(dir, 'export.csv');
    const written = await store.exportFocusCsv(query(), exported);
    expect(written).toBe(367 + 51 + 7);

    const other = await tempDataDir();
    const second = await openStore(other.dir, { now: fixedNow });
    try {
      // One account per provider, as exported: split by the account column is not in FOCUS, so
      // re-import everything into one account and compare the row-level groups.
      await second.importFocus([exported], 'acct-all');
      const reimported = await second.exportFocusCsv(query(), join(other.dir, 'again.csv'));
      expect(reimported).toBe(written);
      expect(await readFile(join(other.dir, 'again.csv'), 'utf8')).toBe(await readFile(exported, 'utf8'));
      expect(await allCostRows(second)).toBe(before);
    } finally {
      await second.close();
      await other.cleanup();
    }
    // The original non-FOCUS Id column and unmodelled FOCUS columns survive the trip.
    const header = (await readFile(exported, 'utf8')).split('\r\n')[0] ?? (await readFile(exported, 'utf8')).split('\n')[0];
    expect(header).toContain('ChargeFrequency');
    expect(header).toContain('Id');
  });

  it('reads Parquet and detects FOCUS 1.2 by its columns', async () => {
    const parquet = join(dir, 'focus-1.2.parquet');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await conn.run(
      `COPY (SELECT *, 'INV-1' AS InvoiceId FROM read_csv('${fixture('oracle')}', header = true, all_varchar = true, nullstr = 'NULL')) TO '${parquet}' (FORMAT parquet)`,
    );
    conn.closeSync();
    instance.closeSync();
    const result = await store.importFocus([parquet], 'oci-parquet');
    expect(result.files[0]?.focusVersion).toBe('1.2');
    expect(result.rows).toBe(7);
    const report = await store.costReport(query({ filter: { clouds: [], accounts: ['oci-parquet'], regions: [], services: [], gpuModels: [], tags: {} } }));
    const grand = await fileSums(fixture('oracle'), `'all'`);
    expect(new Map(report.totals.map((t) => [`all|${t.currency}`, roundDecimal(t.billed, 2)]))).toEqual(grand);
  });

  describe('refuses bad files whole, naming file, row and column, and leaves the store unchanged', () => {
    const cases: [string, (dir: string) => Promise<string[]>, RegExp][] = [
      [
        'missing mandatory columns',
        async (d) => {
          const text = await readFile(fixture('oracle'), 'utf8');
          const lines = text.split('\n');
          const header = (lines[0] ?? '').split(',');
          const drop = header.indexOf('"BilledCost"');
          const cut = lines.map((l) => (l === '' ? l : splitCsvLine(l).filter((_, i) => i !== drop).join(',')));
          return [await write(d, 'missing.csv', cut.join('\n'))];
        },
        /missing\.csv: missing mandatory FOCUS 1\.0 column BilledCost/,
      ],
      [
        'wrong types',
        async (d) => {
          const text = await readFile(fixture('oracle'), 'utf8');
          return [await write(d, 'types.csv', text.replace('0.01200000000', 'twelve'))];
        },
        /types\.csv: row 1, column BilledCost: the value is not a FOCUS Decimal/,
      ],
      [
        'a bad timestamp',
        async (d) => {
          const text = await readFile(fixture('oracle'), 'utf8');
          const lines = text.split('\n');
          lines[3] = (lines[3] ?? '').replace('"2024-09-01 00:00:00"', '"01/09/2024"');
          return [await write(d, 'time.csv', lines.join('\n'))];
        },
        /time\.csv: row 3, column BillingPeriodStart: the value is not a FOCUS Date\/Time/,
      ],
      [
        'mixed currencies in one group',
        async (d) => {
          const text = await readFile(fixture('oracle'), 'utf8');
          const lines = text.split('\n');
          lines[5] = (lines[5] ?? '').replace('"USD"', '"EUR"');
          return [await write(d, 'mixed.csv', lines.join('\n'))];
        },
        /mixed\.csv: row 5, column BillingCurrency: mixed currencies .*EUR after USD/,
      ],
      [
        'duplicate periods across files',
        async (d) => [await copy(d, fixture('oracle'), 'one.csv'), await copy(d, fixture('oracle'), 'two.csv')],
        /two\.csv: column BillingPeriodStart: duplicate billing period: .*one\.csv/,
      ],
      ['an empty file', async (d) => [await write(d, 'empty.csv', '')], /empty\.csv: the file is empty/],
      [
        'a header without rows',
        async (d) => [await write(d, 'header.csv', `${(await readFile(fixture('oracle'), 'utf8')).split('\n')[0]}\n`)],
        /header\.csv: the file has a header but no cost rows/,
      ],
      [
        'a truncated gzip',
        async (d) => {
          const gz = gzipSync(await readFile(fixture('aws')));
          const file = join(d, 'cut.csv.gz');
          await writeFile(file, gz.subarray(0, Math.floor(gz.length / 2)));
          return [file];
        },
        /cut\.csv\.gz: is not a complete gzip file/,
      ],
    ];

    it.each(cases)('%s', async (_name, make, message) => {
      await store.importFocus([fixture('microsoft')], 'existing');
      const before = await allCostRows(store);
      const files = await make(dir);
      const error = await store.importFocus(files, 'existing').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FocusImportError);
      expect((error as Error).message).toMatch(message);
      expect(await allCostRows(store)).toBe(before);
    });
  });
});

async function write(dir: string, name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

async function copy(dir: string, from: string, name: string): Promise<string> {
  const file = join(dir, name);
  await copyFile(from, file);
  return file;
}

/** Splits one CSV record on commas outside quotes (the fixtures have no line breaks in fields). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}
