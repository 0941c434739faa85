/* eslint-disable no-restricted-imports -- integration test: syncs this connector into a real store through the real sync engine; the connector itself never imports them. */
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountConfigBase } from '../../../../shared/config';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { ConnectorError } from '../types';
import { fleetFocusRows, gzipCsv, parquet, startS3Emulator, TEST_BUCKET, type S3Emulator } from './testing/focus-export';
import { startAwsHarness, type AwsHarness } from './testing/harness';

const PREFIX = 'billing/focus';
const USD_EXPORT = 'fleetpane-focus';
const EUR_EXPORT = 'eu-focus';

/** A decimal string in exact cents (the overview's amounts are exact decimals, never floats). */
function cents(amount: string): bigint {
  const negative = amount.startsWith('-');
  const [whole = '0', frac = ''] = amount.replace(/^-/, '').split('.');
  expect(frac.slice(2).replace(/0+$/, '')).toBe('');
  const v = BigInt(whole) * 100n + BigInt(frac.slice(0, 2).padEnd(2, '0'));
  return negative ? -v : v;
}

function billed(overview: Overview): Record<string, bigint> {
  const aws = overview.clouds.find((c) => c.provider === 'aws');
  return Object.fromEntries((aws?.spend ?? []).map((s) => [s.currency, cents(s.billedMonthToDate)]));
}

const leftoverDownloads = () => readdirSync(tmpdir()).filter((n) => n.startsWith('fleetpane-aws-focus-'));

async function costRows(synced: SyncedStore): Promise<number> {
  return (await synced.store.costAccounts()).find((a) => a.name === 'aws-prod')?.rows ?? 0;
}

describe('aws spend from the AWS Data Exports FOCUS 1.0 export in S3, synced into the store', () => {
  let h: AwsHarness;
  let s3: S3Emulator;
  let synced: SyncedStore;
  // The fleet's now is 2026-11-20T12:00Z: November (19 whole days so far) is month to date, October is in the lookback.
  let nov: ReturnType<typeof fleetFocusRows>;
  let oct: ReturnType<typeof fleetFocusRows>;
  let eur: ReturnType<typeof fleetFocusRows>;
  let aug: ReturnType<typeof fleetFocusRows>;

  beforeAll(async () => {
    h = await startAwsHarness();
    s3 = await startS3Emulator();
    nov = fleetFocusRows(h.fleet, '2026-11', { payer: '111111111111', currency: 'USD', days: 19 });
    oct = fleetFocusRows(h.fleet, '2026-10', { payer: '111111111111', currency: 'USD', days: 31 });
    eur = fleetFocusRows(h.fleet, '2026-11', { payer: '555555555555', currency: 'EUR', days: 19 });
    aug = fleetFocusRows(h.fleet, '2026-08', { payer: '111111111111', currency: 'USD', days: 31 });
    const half = Math.floor(oct.rows.length / 2);
    // October in two Parquet parts (one period over several files), November as gzipped CSV.
    await s3.deliver(PREFIX, USD_EXPORT, '2026-10', [
      { name: `${USD_EXPORT}-00001.snappy.parquet`, body: await parquet(oct.rows.slice(0, half)) },
      { name: `${USD_EXPORT}-00002.snappy.parquet`, body: await parquet(oct.rows.slice(half)) },
    ]);
    await s3.deliver(PREFIX, USD_EXPORT, '2026-11', [{ name: `${USD_EXPORT}-00001.csv.gz`, body: gzipCsv(nov.rows) }]);
    // A period before the costs lookback: its manifest is not read.
    await s3.deliver(PREFIX, USD_EXPORT, '2026-08', [{ name: `${USD_EXPORT}-00001.csv.gz`, body: gzipCsv(aug.rows) }]);
    // A second export under the same prefix, billed in euros.
    await s3.deliver(PREFIX, EUR_EXPORT, '2026-11', [{ name: `${EUR_EXPORT}-00001.csv.gz`, body: gzipCsv(eur.rows) }]);

    const extra = {
      metricsBackfillHours: 1,
      spend: { bucket: TEST_BUCKET, prefix: PREFIX, region: 'us-east-1' },
      endpoints: {
        ec2: h.emulator.endpoint('ec2'),
        cloudwatch: h.emulator.endpoint('monitoring'),
        sts: h.emulator.endpoint('sts'),
        organizations: h.emulator.endpoint('organizations'),
        health: h.emulator.endpoint('health'),
        s3: s3.endpoint,
      },
    };
    // The shared ProviderId does not list 'aws' until the integrator registers the provider.
    synced = await syncIntoStore([{ config: h.config(extra) as unknown as AccountConfigBase, connector: h.connector(extra) }], {
      now: h.fleet.now,
      dirPrefix: 'fleetpane-aws-spend-',
      triage: false,
    });
  }, 120_000);
  /** Runs the connector's spend stream alone (no sync) and returns what it threw. */
  async function spendFailure(extra: Record<string, unknown>, credentials?: { accessKeyId: string; secretAccessKey: string }): Promise<unknown> {
    const config = { spend: { bucket: TEST_BUCKET, prefix: 'other', region: 'us-east-1' }, endpoints: { s3: s3.endpoint }, ...extra };
    const connector = h.connector(config, credentials ? { apiOptions: { credentials } } : {});
    const now = h.fleet.now;
    try {
      for await (const p of connector.focusExports?.({ signal: new AbortController().signal, now, from: now.getTime() - 86_400_000, to: now.getTime() }) ?? []) await p.dispose();
    } catch (error) {
      return error;
    }
    return null;
  }
  afterAll(async () => {
    await synced?.close();
    await s3?.close();
    await h?.close();
  });

  it('shows billed spend month to date per currency to the cent, credits and taxes included', async () => {
    expect(synced.summary.accounts[0]?.streams.costs).toMatchObject({ status: 'ok', error: null });
    expect(synced.summary.accounts[0]?.streams.costs.rows).toBe(oct.rows.length + nov.rows.length + eur.rows.length);
    expect(nov.rows.length).toBeGreaterThan(100);
    expect(billed(synced.overview)).toEqual({ USD: nov.billedCents, EUR: eur.billedCents });
    // Both October parts and November, not August (before the lookback).
    expect(await costRows(synced)).toBe(oct.rows.length + nov.rows.length + eur.rows.length);
    expect(leftoverDownloads()).toEqual([]);
  });

  it('replaces a restated billing period instead of adding to it, leaving the other periods as they were', async () => {
    const restated = fleetFocusRows(h.fleet, '2026-11', { payer: '111111111111', currency: 'USD', days: 19, bump: 3n });
    // A new execution: new file names; the old file stays in the bucket but is no longer in the manifest.
    const half = Math.floor(restated.rows.length / 2);
    await s3.deliver(PREFIX, USD_EXPORT, '2026-11', [
      { name: `${USD_EXPORT}-restated-00001.csv.gz`, body: gzipCsv(restated.rows.slice(0, half)) },
      { name: `${USD_EXPORT}-restated-00002.snappy.parquet`, body: await parquet(restated.rows.slice(half)) },
    ]);
    const again = await synced.syncAgain();
    expect(again.summary.accounts[0]?.streams.costs).toMatchObject({ status: 'ok', error: null });
    expect(restated.billedCents).not.toBe(nov.billedCents);
    expect(billed(again.overview)).toEqual({ USD: restated.billedCents, EUR: eur.billedCents });
    expect(await costRows(synced)).toBe(oct.rows.length + restated.rows.length + eur.rows.length);
    nov = restated;
    expect(leftoverDownloads()).toEqual([]);
  }, 60_000);

  it('refuses a truncated Parquet file whole, naming the file, and leaves the earlier import intact', async () => {
    const before = await costRows(synced);
    const good = await parquet(oct.rows.slice(0, 10));
    const truncated = (await parquet(oct.rows)).subarray(0, 600);
    await s3.deliver(PREFIX, USD_EXPORT, '2026-10', [
      { name: `${USD_EXPORT}-00001.snappy.parquet`, body: good },
      { name: `${USD_EXPORT}-00002.snappy.parquet`, body: truncated },
    ]);
    const again = await synced.syncAgain();
    const costs = again.summary.accounts[0]?.streams.costs;
    expect(costs?.status).toBe('error');
    expect(costs?.error?.kind).toBe('malformed');
    expect(costs?.error?.message).toContain(`${USD_EXPORT}-00002.snappy.parquet`);
    expect(costs?.error?.message).toContain('2026-10');
    expect(costs?.error?.message).toMatch(/Parquet/);
    expect(costs?.error?.message).not.toContain(tmpdir());
    // Nothing of the sync was written: October's earlier rows and November's are all still there.
    expect(await costRows(synced)).toBe(before);
    expect(billed(again.overview)).toEqual({ USD: nov.billedCents, EUR: eur.billedCents });
    expect(leftoverDownloads()).toEqual([]);
  }, 60_000);

  it('refuses a manifest that lists a data file in another bucket, naming the manifest', async () => {
    await s3.put('other/x/metadata/BILLING_PERIOD=2026-11/x-Manifest.json', JSON.stringify({ dataFiles: ['s3://someone-else/x/data/BILLING_PERIOD=2026-11/x-00001.csv.gz'] }));
    const error = await spendFailure({});
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe('malformed');
    expect((error as ConnectorError).message).toContain(`s3://${TEST_BUCKET}/other/x/metadata/BILLING_PERIOD=2026-11/x-Manifest.json`);
    expect(leftoverDownloads()).toEqual([]);
  });

  it('says "auth" naming s3:ListBucket when S3 does not accept the credential', async () => {
    const error = await spendFailure({}, { accessKeyId: 'AKIANOTKNOWNTOS3RVER', secretAccessKey: 'wrong' });
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe('auth');
    expect((error as ConnectorError).message).toContain('s3:ListBucket');
  });
});
