/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../../shared/config';
import type { Overview } from '../../../../shared/overview';
import { FOCUS_COLUMNS } from '../../store/focus/columns';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { AWS_FOCUS_1_0_COLUMNS, AWS_X_COLUMNS, csvOf, money, parquet, startS3Emulator, TEST_BUCKET, type FocusRow, type S3Emulator } from './testing/focus-export';
import { startAwsHarness, type AwsHarness } from './testing/harness';

const PREFIX = 'exports';
const EXPORT = 'focus-with-aws-columns';
const COLUMNS = [...AWS_FOCUS_1_0_COLUMNS, ...AWS_X_COLUMNS];
/** Columns the FOCUS 1.0 spec lets be null: every one of them is left empty in every row below. */
const NULLABLE = new Set(FOCUS_COLUMNS.filter((c) => c.nullable).map((c) => c.id));

type Row = Record<string, string | undefined>;

/**
 * Rows of one billing period as Data Exports writes "FOCUS 1.0 with AWS columns": only the columns
 * that may not be null are filled (plus Tags with keys differing in case, and the x_ columns on
 * usage), credits negative; the truth is summed here, in cents, per currency.
 */
function periodRows(ym: string, n: number, seed: number, currency = 'USD'): { rows: Row[]; billed: bigint } {
  const [y, m] = ym.split('-').map(Number) as [number, number];
  const start = Date.UTC(y, m - 1, 1);
  const end = Date.UTC(y, m, 1);
  let billed = 0n;
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    const credit = i % 5 === 4;
    const cents = credit ? -BigInt(100 + ((i * seed) % 900)) : BigInt(1 + ((i * 7919 * seed) % 99_999));
    billed += cents;
    const day = start + (i % 19) * 86_400_000;
    const full: FocusRow & Row = {
      BilledCost: money(cents), EffectiveCost: money(cents), ListCost: money(credit ? 0n : cents), ContractedCost: money(credit ? 0n : cents),
      BillingAccountId: '111111111111', BillingCurrency: currency,
      BillingPeriodStart: new Date(start).toISOString(), BillingPeriodEnd: new Date(end).toISOString(),
      ChargePeriodStart: new Date(day).toISOString(), ChargePeriodEnd: new Date(day + 3_600_000).toISOString(),
      ChargeCategory: credit ? 'Credit' : 'Usage', ChargeFrequency: credit ? 'One-Time' : 'Usage-Based',
      InvoiceIssuerName: 'Amazon Web Services, Inc.', ProviderName: 'AWS', PublisherName: 'Amazon Web Services, Inc.',
      ServiceCategory: credit ? 'Other' : 'Compute', ServiceName: credit ? 'AWS Credits' : 'Amazon Elastic Compute Cloud',
      PricingQuantity: credit ? '' : '1', ListUnitPrice: '', ContractedUnitPrice: '', ConsumedQuantity: '',
      // Keys differing only in case are different tags to AWS (cost allocation tags are case-sensitive).
      Tags: credit ? '' : JSON.stringify({ Team: 'vision', team: 'llm', 'user:CostCenter': String(i % 3) }),
      ...(credit ? {} : { x_Operation: 'RunInstances', x_ServiceCode: 'AmazonEC2', x_UsageType: 'USE1-BoxUsage:p5.48xlarge', x_CostCategories: '{}', x_Discounts: '' }),
    };
    // Every nullable column empty (Tags too on credits), whatever was set above.
    const row: Row = {};
    for (const c of COLUMNS) row[c] = NULLABLE.has(c) && c !== 'Tags' ? undefined : full[c] || undefined;
    rows.push(row);
  }
  return { rows, billed };
}

const gz = (rows: Row[]) => gzipSync(csvOf(COLUMNS, rows));
const leftoverDownloads = () => readdirSync(tmpdir()).filter((n) => n.startsWith('fleetpane-aws-focus-'));

function cents(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', frac = ''] = amount.replace(/^-/, '').split('.');
  expect(frac.slice(2).replace(/0+$/, '')).toBe('');
  const v = BigInt(whole) * 100n + BigInt(frac.slice(0, 2).padEnd(2, '0'));
  return negative ? -v : v;
}
const billedOf = (o: Overview) => Object.fromEntries((o.clouds.find((c) => c.provider === 'aws')?.spend ?? []).map((s) => [s.currency, cents(s.billedMonthToDate)]));

describe('aws spend from an adversarial Data Exports bucket (empty nullable cells, x_ columns, versions, missing files)', () => {
  let h: AwsHarness;
  let s3: S3Emulator;
  let synced: SyncedStore;
  let v2: ReturnType<typeof periodRows>;
  let eur: ReturnType<typeof periodRows>;

  /** One "create new export file" delivery: data and manifest under the execution's own folder. */
  async function deliverVersion(period: string, execution: string, files: { name: string; body: Buffer }[], missing: string[] = [], exportName = EXPORT): Promise<void> {
    const base = `${PREFIX}/${exportName}`;
    const dataFiles: string[] = [];
    for (const f of files) {
      const key = `${base}/data/BILLING_PERIOD=${period}/${execution}/${f.name}`;
      await s3.put(key, f.body);
      dataFiles.push(`s3://${TEST_BUCKET}/${key}`);
    }
    for (const name of missing) dataFiles.push(`s3://${TEST_BUCKET}/${base}/data/BILLING_PERIOD=${period}/${execution}/${name}`);
    await s3.put(`${base}/metadata/BILLING_PERIOD=${period}/${execution}/${exportName}-Manifest.json`, JSON.stringify({ executionId: execution, dataFiles, columns: COLUMNS.map((name) => ({ name, type: 'string' })) }));
  }

  beforeAll(async () => {
    h = await startAwsHarness();
    s3 = await startS3Emulator();
    // November delivered twice (create-new delivery: one folder per execution); the second, whose id sorts first, is current.
    const v1 = periodRows('2026-11', 60, 3);
    await deliverVersion('2026-11', 'f0d5e2c1-second-sorts-last', [{ name: `${EXPORT}-00001.csv.gz`, body: gz(v1.rows) }]);
    // S3's LastModified has one-second resolution: the second version is delivered later, as AWS does hours later.
    await new Promise((r) => setTimeout(r, 1100));
    v2 = periodRows('2026-11', 80, 7);
    const half = 40;
    await deliverVersion('2026-11', '0a1b2c3d-newest', [
      { name: `${EXPORT}-00001.csv.gz`, body: gz(v2.rows.slice(0, half)) },
      { name: `${EXPORT}-00002.snappy.parquet`, body: await parquet(v2.rows.slice(half) as FocusRow[]) },
    ]);
    // A second export under the prefix billed in euros, credits included.
    eur = periodRows('2026-11', 25, 5, 'EUR');
    await deliverVersion('2026-11', 'e1', [{ name: 'eu-focus-00001.csv.gz', body: gz(eur.rows) }], [], 'eu-focus');
    // October: a period with zero rows (the header only).
    await deliverVersion('2026-10', 'e5-empty', [{ name: `${EXPORT}-00001.csv.gz`, body: gz([]) }]);
    const extra = { metricsBackfillHours: 1, spend: { bucket: TEST_BUCKET, prefix: PREFIX, region: 'us-east-1' }, endpoints: { ...h.config().endpoints, s3: s3.endpoint } };
    synced = await syncIntoStore([{ config: h.config(extra) as unknown as AccountConfigBase, connector: h.connector(extra) }], { now: h.fleet.now, dirPrefix: 'fleetpane-aws-spend-adv-', triage: false });
  }, 120_000);
  afterAll(async () => {
    await synced?.close();
    await s3?.close();
    await h?.close();
  });

  it('imports the newest version of a period once, every nullable cell empty, credits negative, tags differing in case, to the cent', async () => {
    expect(synced.summary.accounts[0]?.streams.costs).toMatchObject({ status: 'ok', error: null });
    expect(synced.summary.accounts[0]?.streams.costs.rows).toBe(v2.rows.length + eur.rows.length);
    expect(eur.billed).toBeLessThan(eur.rows.filter((r) => r['ChargeCategory'] === 'Usage').reduce((n, r) => n + cents(r['BilledCost'] ?? '0'), 0n));
    expect(billedOf(synced.overview)).toEqual({ USD: v2.billed, EUR: eur.billed });
    expect((await synced.store.costAccounts()).find((a) => a.name === 'aws-prod')?.rows).toBe(v2.rows.length + eur.rows.length);
    expect(leftoverDownloads()).toEqual([]);
    // Tag keys differing only in case are two tags: each groups every usage row under its own value.
    const usage = v2.rows.filter((r) => r['ChargeCategory'] === 'Usage').length;
    for (const [key, value] of [['Team', 'vision'], ['team', 'llm']] as const) {
      const report = await synced.store.costReport({ from: '2026-11-01', to: '2026-11-30', groupBy: [`tag:${key}`], filter: { clouds: [], accounts: [], regions: [], services: [], gpuModels: [], tags: {} } });
      expect(report.groups.find((g) => g.keys[0] === value && g.currency === 'USD')?.rows, key).toBe(usage);
    }
  });

  it('refuses a manifest listing a file missing from the bucket whole, naming its key, writing nothing', async () => {
    await new Promise((r) => setTimeout(r, 1100));
    const v3 = periodRows('2026-11', 30, 11);
    await deliverVersion('2026-11', '00-with-a-missing-file', [{ name: `${EXPORT}-00001.csv.gz`, body: gz(v3.rows) }], [`${EXPORT}-00002.csv.gz`]);
    const again = await synced.syncAgain();
    const costs = again.summary.accounts[0]?.streams.costs;
    expect(costs?.status).toBe('error');
    expect(costs?.error?.message).toContain(`${PREFIX}/${EXPORT}/data/BILLING_PERIOD=2026-11/00-with-a-missing-file/${EXPORT}-00002.csv.gz`);
    expect(costs?.error?.message).not.toContain(tmpdir());
    expect(billedOf(again.overview)).toEqual({ USD: v2.billed, EUR: eur.billed });
    expect((await synced.store.costAccounts()).find((a) => a.name === 'aws-prod')?.rows).toBe(v2.rows.length + eur.rows.length);
    expect(leftoverDownloads()).toEqual([]);
  }, 60_000);
});
