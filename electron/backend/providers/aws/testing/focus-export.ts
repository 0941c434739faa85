/**
 * An AWS Data Exports FOCUS 1.0 export of the emulator's fleet, delivered to s3rver on loopback the
 * way Data Exports delivers it: `<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/<export>-0000N.<ext>`
 * plus `<prefix>/<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json` listing them in
 * `dataFiles`. Columns are those of the AWS FOCUS 1.0 sample (../shared/fixtures/focus); amounts have
 * two decimals so the expected totals are exact in cents.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import s3rverAccounts from 's3rver/lib/models/account.js';
import { BASE_ACCESS_KEY, BASE_SECRET_KEY } from './emulator';
import { visibleInstances, type Fleet } from './fleet';

/** FOCUS 1.0 columns of an AWS export (the order of the AWS sample's header). */
export const AWS_FOCUS_1_0_COLUMNS = [
  'AvailabilityZone', 'BilledCost', 'BillingAccountId', 'BillingAccountName', 'BillingCurrency', 'BillingPeriodEnd',
  'BillingPeriodStart', 'ChargeCategory', 'ChargeClass', 'ChargeDescription', 'ChargeFrequency', 'ChargePeriodEnd',
  'ChargePeriodStart', 'CommitmentDiscountCategory', 'CommitmentDiscountId', 'CommitmentDiscountName',
  'CommitmentDiscountStatus', 'CommitmentDiscountType', 'ConsumedQuantity', 'ConsumedUnit', 'ContractedCost',
  'ContractedUnitPrice', 'EffectiveCost', 'InvoiceIssuerName', 'ListCost', 'ListUnitPrice', 'PricingCategory',
  'PricingQuantity', 'PricingUnit', 'ProviderName', 'PublisherName', 'RegionId', 'RegionName', 'ResourceId',
  'ResourceName', 'ResourceType', 'ServiceCategory', 'ServiceName', 'SkuId', 'SkuPriceId', 'SubAccountId',
  'SubAccountName', 'Tags',
] as const;
export type FocusRow = Partial<Record<(typeof AWS_FOCUS_1_0_COLUMNS)[number], string>>;

export const TEST_BUCKET = 'fleetpane-billing';
export const S3_KEY = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A money amount in cents as the export writes it ("123.45", "-5.00"). */
export const money = (cents: bigint): string => `${cents < 0n ? '-' : ''}${(cents < 0n ? -cents : cents) / 100n}.${String((cents < 0n ? -cents : cents) % 100n).padStart(2, '0')}`;

function period(ym: string): { start: string; end: string } {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  return { start: new Date(Date.UTC(y, m - 1, 1)).toISOString(), end: new Date(Date.UTC(y, m, 1)).toISOString() };
}

/**
 * Rows of one billing period for the fleet's GPU instances: one usage row per running GPU instance
 * per day for `days` days, plus a credit and a tax row; `bump` (cents per row) makes a restatement.
 */
export function fleetFocusRows(fleet: Fleet, ym: string, opts: { payer: string; currency: string; days: number; bump?: bigint }): { rows: FocusRow[]; billedCents: bigint } {
  const p = period(ym);
  const rows: FocusRow[] = [];
  let billed = 0n;
  const common: FocusRow = {
    BillingAccountId: opts.payer, BillingAccountName: 'GPU fleet payer', BillingCurrency: opts.currency,
    BillingPeriodStart: p.start, BillingPeriodEnd: p.end, InvoiceIssuerName: 'Amazon Web Services, Inc.',
    ProviderName: 'AWS', PublisherName: 'Amazon Web Services, Inc.',
  };
  const running = visibleInstances(fleet).filter((x) => x.state === 'running' && x.type.gpu !== undefined);
  running.forEach((x, i) => {
    for (let d = 0; d < opts.days; d++) {
      const cents = BigInt(1000 + ((i * 7919 + d * 104729) % 250000)) + (opts.bump ?? 0n);
      billed += cents;
      const start = new Date(Date.parse(p.start) + d * 86_400_000);
      rows.push({
        ...common, AvailabilityZone: x.zone, BilledCost: money(cents), EffectiveCost: money(cents), ListCost: money(cents),
        ContractedCost: money(cents), ChargeCategory: 'Usage', ChargeDescription: `${x.type.type} On Demand hours`, ChargeFrequency: 'Usage-Based',
        ChargePeriodStart: start.toISOString(), ChargePeriodEnd: new Date(start.getTime() + 86_400_000).toISOString(),
        ConsumedQuantity: '24', ConsumedUnit: 'Hrs', PricingCategory: 'Standard', PricingQuantity: '24', PricingUnit: 'Hrs',
        RegionId: x.region, RegionName: x.region, ResourceId: `arn:aws:ec2:${x.region}:${x.accountId}:instance/${x.id}`, ResourceName: x.id,
        ResourceType: 'Instance', ServiceCategory: 'Compute', ServiceName: 'Amazon Elastic Compute Cloud', SkuId: `SKU${i}`,
        SubAccountId: x.accountId, SubAccountName: x.accountId, Tags: JSON.stringify({ team: i % 2 === 0 ? 'vision' : 'llm' }),
      });
    }
  });
  const extra = (category: 'Credit' | 'Tax', cents: bigint): void => {
    billed += cents;
    rows.push({
      ...common, BilledCost: money(cents), EffectiveCost: money(cents), ListCost: money(0n), ChargeCategory: category,
      ChargeDescription: category === 'Credit' ? 'AWS Activate credit' : 'Tax', ChargeFrequency: category === 'Credit' ? 'One-Time' : 'Recurring',
      ChargePeriodStart: p.start, ChargePeriodEnd: new Date(Date.parse(p.start) + 86_400_000).toISOString(), ServiceCategory: 'Other', ServiceName: category,
    });
  };
  extra('Credit', -12345n);
  extra('Tax', 6789n);
  return { rows, billedCents: billed };
}

function csv(rows: readonly FocusRow[]): string {
  return csvOf(AWS_FOCUS_1_0_COLUMNS, rows);
}

/** CSV with the given header; a missing value is an empty cell (unquoted), as Data Exports writes it. */
export function csvOf(columns: readonly string[], rows: readonly Readonly<Record<string, string | undefined>>[]): string {
  const cell = (v: string | undefined) => (v === undefined ? '' : `"${v.replaceAll('"', '""')}"`);
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

/**
 * The extra columns of "FOCUS 1.0 with AWS columns" in Data Exports (`x_` prefixed); FOCUS readers
 * must carry them, not choke on them.
 */
export const AWS_X_COLUMNS = ['x_CostCategories', 'x_Discounts', 'x_Operation', 'x_ServiceCode', 'x_UsageType'] as const;

/** Gzipped CSV bytes of the rows, as an export with the gzip/csv format writes them. */
export const gzipCsv = (rows: readonly FocusRow[]): Buffer => gzipSync(csv(rows));

/** Parquet bytes of the rows with typed columns (timestamps, decimals), as the Parquet format writes them. */
export async function parquet(rows: readonly FocusRow[]): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpane-focus-parquet-'));
  try {
    writeFileSync(join(dir, 'in.csv'), csv(rows));
    const typed = new Set(['BilledCost', 'EffectiveCost', 'ListCost', 'ContractedCost', 'ConsumedQuantity', 'PricingQuantity']);
    const times = new Set(['BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart', 'ChargePeriodEnd']);
    const select = AWS_FOCUS_1_0_COLUMNS.map((c) => (typed.has(c) ? `"${c}"::DECIMAL(30,10) AS "${c}"` : times.has(c) ? `"${c}"::TIMESTAMP AS "${c}"` : `"${c}"`)).join(', ');
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const inFile = join(dir, 'in.csv').replaceAll("'", "''");
      const outFile = join(dir, 'out.parquet').replaceAll("'", "''");
      await conn.run(`COPY (SELECT ${select} FROM read_csv('${inFile}', header = true, all_varchar = true)) TO '${outFile}' (FORMAT parquet)`);
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
    return readFileSync(join(dir, 'out.parquet'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface S3Emulator {
  endpoint: string;
  /** Puts one export delivery of a billing period: its data files and the manifest listing them. */
  deliver(prefix: string, exportName: string, billingPeriod: string, files: readonly { name: string; body: Buffer }[]): Promise<void>;
  put(key: string, body: Buffer | string): Promise<void>;
  close(): Promise<void>;
}

/** s3rver on loopback with the billing bucket, written through the official S3 client. */
export async function startS3Emulator(): Promise<S3Emulator> {
  const directory = mkdtempSync(join(tmpdir(), 'fleetpane-s3rver-'));
  // The connector reads the bucket with the fleet's base credential: s3rver checks its signatures.
  s3rverAccounts.DUMMY_ACCOUNT.createKeyPair(BASE_ACCESS_KEY, BASE_SECRET_KEY);
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: TEST_BUCKET, configs: [] }] });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  const s3 = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3_KEY });
  const put = async (key: string, body: Buffer | string) => {
    await s3.send(new PutObjectCommand({ Bucket: TEST_BUCKET, Key: key, Body: body }));
  };
  return {
    endpoint,
    put,
    async deliver(prefix, exportName, billingPeriod, files) {
      const base = `${prefix}/${exportName}`;
      const dataFiles: string[] = [];
      for (const f of files) {
        const key = `${base}/data/BILLING_PERIOD=${billingPeriod}/${f.name}`;
        await put(key, f.body);
        dataFiles.push(`s3://${TEST_BUCKET}/${key}`);
      }
      const manifest = {
        executionId: `exec-${billingPeriod}-${Date.now()}`,
        exportArn: `arn:aws:bcm-data-exports:us-east-1:111111111111:export/${exportName}`,
        dataFiles,
        columns: AWS_FOCUS_1_0_COLUMNS.map((name) => ({ name, type: 'string' })),
      };
      await put(`${base}/metadata/BILLING_PERIOD=${billingPeriod}/${exportName}-Manifest.json`, JSON.stringify(manifest));
    },
    async close() {
      s3.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
