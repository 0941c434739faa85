/** Builders shared by the store's tests: temp data dirs, resources, samples and runs. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FocusCostRow, GpuSample, StreamId } from '../../../shared/domain';
import { openStore, STORE_FILE } from './index';
import { migrate } from './schema/migrations';
import type { RunStart, StoredAccount } from './types';

// Resources and incidents are built where the domain's tests build them (domain/testing/factories.ts).
import { incident, resource } from '../domain/testing/factories';
export { incident, resource };

/** A fresh temp dir and its cleanup. */
export async function tempDataDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A store of account 'acct' with one machine of one GPU, closed and opened again directly on its file
 * (for tests of a write's parts): the connection, the GPU's id, and close() that removes it all.
 */
export async function oneGpuStoreFile(nowMs: number): Promise<{ instance: DuckDBInstance; conn: DuckDBConnection; gpuId: number; close: () => Promise<void> }> {
  const temp = await tempDataDir();
  const store = await openStore(temp.dir, { now: () => new Date(nowMs) });
  await store.upsertAccounts([account('acct')]);
  await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('vm-1', { gpuCount: 1 })]));
  await store.close();
  const instance = await DuckDBInstance.create(join(temp.dir, STORE_FILE));
  const conn = await instance.connect();
  const gpuId = Number((await (await conn.run('SELECT gpu_id FROM gpu')).getRows())[0]![0]);
  const close = async (): Promise<void> => {
    conn.closeSync();
    instance.closeSync();
    await temp.cleanup();
  };
  return { instance, conn, gpuId, close };
}

/** Counts the event loop's turns from now (a callback that asks for the next turn each time) until stop(). */
export function countTurns(): { count: () => number; stop: () => void } {
  let turns = 0;
  let ticking = true;
  const tick = (): void => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return { count: () => turns, stop: () => (ticking = false) };
}

/** Runs `sql` on the closed store in `dir` (its own DuckDB instance, closed after): the rows as arrays. */
export async function queryStoreFile(dir: string, sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(join(dir, STORE_FILE));
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowsJS();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Takes the closed store in `dir` back to before migration `version` (`undo` drops what it added) and
 * migrates it again, as an older store opened by this build would be: the versions applied.
 */
export async function reapplyMigration(dir: string, version: number, undo: string): Promise<number[]> {
  const instance = await DuckDBInstance.create(join(dir, STORE_FILE));
  const conn = await instance.connect();
  try {
    await conn.run(`${undo}; DELETE FROM schema_version WHERE version = ${version}`);
    return await migrate(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

export async function* batchesOf<T>(...batches: T[][]): AsyncIterable<T[]> {
  for (const b of batches) yield b;
}

/** Yields the batches, then throws (a connector failing half-way). */
export async function* failingAfter<T>(...batches: T[][]): AsyncIterable<T[]> {
  for (const b of batches) yield b;
  throw new Error('connector failed half-way');
}

let runCounter = 0;
export function run(account: string, stream: StreamId, startedAt = new Date('2026-11-25T12:00:00Z')): RunStart {
  runCounter++;
  return { id: `run-${runCounter}`, account, stream, startedAt, attempt: 1 };
}

export function account(name: string, over: Partial<StoredAccount> = {}): StoredAccount {
  return {
    name,
    provider: 'azure',
    enabled: true,
    intervals: { inventory: 300, metrics: 60, costs: 21600, incidents: 120 },
    ...over,
  };
}

export function sample(resourceId: string, gpuIndex: number, ts: number, utilisation: number | null, xidErrors = 0): GpuSample {
  return {
    resourceId,
    gpuIndex,
    ts,
    utilisation,
    utilSource: utilisation === null ? null : 'prof',
    memoryUsedMiB: 1000,
    powerWatts: 300,
    temperatureC: 50,
    xidErrors,
  };
}

export function costRow(over: Partial<FocusCostRow>): FocusCostRow {
  return {
    BillingAccountId: 'ba-1',
    BillingAccountName: null,
    SubAccountId: null,
    SubAccountName: null,
    BillingCurrency: 'USD',
    BilledCost: '1.00',
    EffectiveCost: '1.00',
    ListCost: null,
    BillingPeriodStart: '2026-11-01T00:00:00Z',
    BillingPeriodEnd: '2026-12-01T00:00:00Z',
    ChargePeriodStart: '2026-11-24T00:00:00Z',
    ChargePeriodEnd: '2026-11-24T01:00:00Z',
    ChargeCategory: 'Usage',
    ChargeClass: null,
    ChargeDescription: null,
    ProviderName: 'Microsoft',
    PublisherName: null,
    InvoiceIssuerName: null,
    ServiceName: 'Virtual Machines',
    ServiceCategory: 'Compute',
    RegionId: 'eastus',
    RegionName: 'East US',
    AvailabilityZone: null,
    ResourceId: null,
    ResourceName: null,
    ResourceType: null,
    SkuId: null,
    PricingQuantity: '1',
    PricingUnit: 'Hours',
    ConsumedQuantity: '1',
    ConsumedUnit: 'Hours',
    Tags: {},
    ...over,
  };
}

/** Samples every minute in [from, to) for one GPU at a fixed utilisation. */
export function minutes(resourceId: string, gpuIndex: number, from: number, to: number, util: number | null): GpuSample[] {
  const out: GpuSample[] = [];
  for (let t = from; t < to; t += 60_000) out.push(sample(resourceId, gpuIndex, t, util));
  return out;
}
