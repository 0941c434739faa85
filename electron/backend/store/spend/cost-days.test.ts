import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { focusSample } from '../../reports/testing/focus-files';
import { openStore, STORE_FILE } from '../index';
import { batchesOf, costRow, failingAfter, reapplyMigration, run, tempDataDir } from '../test-support';
import type { FleetStore } from '../types';
import { costDaysSql } from './cost-days';

const ORACLE = focusSample('oracle');
const HOUR_MS = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** One billed hour from `startIso`. */
const charge = (startIso: string, cost: string, over: Parameters<typeof costRow>[0] = {}) => {
  const start = Date.parse(startIso);
  return costRow({ BilledCost: cost, EffectiveCost: cost, ChargePeriodStart: iso(start), ChargePeriodEnd: iso(start + HOUR_MS), ...over });
};

/** cost_day as stored, and as a recomputation from every cost row gives it, in one order. */
async function storedAndRecomputed(dir: string): Promise<{ stored: unknown[][]; recomputed: unknown[][] }> {
  const instance = await DuckDBInstance.create(join(dir, STORE_FILE), { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    const all = async (sql: string): Promise<unknown[][]> =>
      (await conn.runAndReadAll(`SELECT account, provider_name, currency, is_estimate, day::VARCHAR, billed_cost::VARCHAR, rows::INTEGER,
                                        first_start::VARCHAR, last_end::VARCHAR FROM (${sql}) ORDER BY ALL`)).getRowsJS();
    return { stored: await all('SELECT * FROM cost_day'), recomputed: await all(costDaysSql('TRUE')) };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('the day sums of cost rows (cost_day)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FleetStore | undefined;
  beforeEach(async () => ({ dir, cleanup } = await tempDataDir()));
  afterEach(async () => {
    await store?.close();
    await cleanup();
  });
  const reopen = async (): Promise<void> => {
    await store?.close();
    store = await openStore(dir, { now: () => new Date('2026-11-25T12:00:00Z'), cacheOverview: false });
  };
  const check = async (): Promise<unknown[][]> => {
    await store?.close();
    store = undefined;
    const { stored, recomputed } = await storedAndRecomputed(dir);
    expect(stored).toEqual(recomputed);
    await reopen();
    return stored;
  };

  it('equal a recomputation from the rows after connector windows that start and end mid-day', async () => {
    await reopen();
    const window = { from: Date.parse('2026-11-20T06:00:00Z'), to: Date.parse('2026-11-22T18:00:00Z') };
    await store!.writeCosts(run('azure-prod', 'costs'), { from: Date.parse('2026-11-19T00:00:00Z'), to: Date.parse('2026-11-24T00:00:00Z') }, batchesOf([
      charge('2026-11-19T23:00:00Z', '1.10'),
      charge('2026-11-20T02:00:00Z', '2.20'),
      charge('2026-11-20T07:00:00Z', '3.30'),
      charge('2026-11-21T10:00:00Z', '4.40', { Tags: { 'fleetpane.estimate': 'true' } }),
      charge('2026-11-22T20:00:00Z', '5.50', { BillingCurrency: 'EUR' }),
      charge('2026-11-23T01:00:00Z', '6.60', { ProviderName: 'Microsoft Marketplace' }),
    ]));
    await store!.writeCosts(run('gcp-ml', 'costs'), { from: Date.parse('2026-11-20T00:00:00Z'), to: Date.parse('2026-11-21T00:00:00Z') }, batchesOf([
      charge('2026-11-20T09:00:00Z', '0.0000000001', { ProviderName: 'Google Cloud' }),
    ]));
    const first = await check();
    // One row per day and key: the 20th's two charges are one row.
    expect(first.filter((r) => r[0] === 'azure-prod')).toHaveLength(5);
    // Restating a window that starts and ends mid-day: the edge days keep the rows it did not write
    // (02:00 on the 20th, 20:00 on the 22nd) and lose the ones it dropped (07:00 on the 20th).
    await store!.writeCosts(run('azure-prod', 'costs'), window, batchesOf([charge('2026-11-21T11:00:00Z', '9.99')]));
    const second = await check();
    expect(second.find((r) => r[0] === 'azure-prod' && r[4] === '2026-11-20 00:00:00')).toEqual([
      'azure-prod', 'Microsoft', 'USD', false, '2026-11-20 00:00:00', '2.2000000000', 1, '2026-11-20 02:00:00', '2026-11-20 03:00:00',
    ]);
    // An empty restatement leaves its days without rows, and no day row behind.
    await store!.writeCosts(run('gcp-ml', 'costs'), { from: Date.parse('2026-11-20T00:00:00Z'), to: Date.parse('2026-11-21T00:00:00Z') }, batchesOf([]));
    expect((await check()).filter((r) => r[0] === 'gcp-ml')).toEqual([]);
  });

  it('stay as they were when a restatement fails half-way', async () => {
    await reopen();
    const window = { from: Date.parse('2026-11-20T00:00:00Z'), to: Date.parse('2026-11-22T00:00:00Z') };
    await store!.writeCosts(run('azure-prod', 'costs'), window, batchesOf([charge('2026-11-20T02:00:00Z', '2.20'), charge('2026-11-21T02:00:00Z', '3.30')]));
    const before = await check();
    // The restatement deletes the window's rows and appends its first batch before the connector fails.
    await expect(
      store!.writeCosts(run('azure-prod', 'costs'), window, failingAfter([charge('2026-11-20T02:00:00Z', '9.99')])),
    ).rejects.toThrow(/half-way/);
    expect(await check()).toEqual(before);
  });

  it('equal a recomputation after a FOCUS import replaces a period, and go with their account', async () => {
    await reopen();
    await store!.importFocus([ORACLE], 'oci-billing');
    await store!.writeCosts(run('azure-prod', 'costs'), { from: Date.parse('2026-11-19T00:00:00Z'), to: Date.parse('2026-11-20T00:00:00Z') }, batchesOf([
      charge('2026-11-19T04:00:00Z', '7.00'),
    ]));
    const imported = await check();
    expect(imported.some((r) => r[0] === 'oci-billing')).toBe(true);
    // The same file again replaces its period: the sums must not double.
    await store!.importFocus([ORACLE], 'oci-billing');
    expect(await check()).toEqual(imported);
    await store!.removeAccount('oci-billing');
    const left = await check();
    expect(left.map((r) => r[0])).toEqual(['azure-prod']);
  });

  it('equal a recomputation for each provider\'s published FOCUS sample, empty cells and NULL tokens included', async () => {
    await reopen();
    const samples = ['aws', 'microsoft', 'oracle'] as const;
    const imported = new Map<string, number>();
    for (const provider of samples) imported.set(`${provider}-billing`, (await store!.importFocus([focusSample(provider)], `${provider}-billing`)).rows);
    const stored = await check();
    expect(new Set(stored.map((r) => r[0]))).toEqual(new Set(imported.keys()));
    // The accounts list reads the day sums: every imported row counted once, under the file's provider names.
    const accounts = await store!.costAccounts();
    expect(new Map(accounts.map((a) => [a.name, a.rows]))).toEqual(imported);
    for (const a of accounts) expect(a.providers).toEqual([...new Set(stored.filter((r) => r[0] === a.name).map((r) => r[1]))].sort());
  });

  it('are filled from the rows already stored when v12 adds them', async () => {
    await reopen();
    await store!.writeCosts(run('azure-prod', 'costs'), { from: Date.parse('2026-11-19T00:00:00Z'), to: Date.parse('2026-11-21T00:00:00Z') }, batchesOf([
      charge('2026-11-19T04:00:00Z', '7.00'),
      charge('2026-11-20T23:00:00Z', '0.25', { Tags: { 'fleetpane.estimate': 'true' } }),
    ]));
    await store!.close();
    store = undefined;
    // The same cost rows in a store from before v12 (its table and record gone), then migrated.
    expect(await reapplyMigration(dir, 12, 'DROP TABLE cost_day')).toEqual([12]);
    const { stored, recomputed } = await storedAndRecomputed(dir);
    expect(stored).toEqual(recomputed);
    expect(stored).toHaveLength(2);
  });
});
