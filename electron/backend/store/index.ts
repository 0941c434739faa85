/** The DuckDB store: openStore() gives the FleetStore the sync engine, the API and the CLI use. */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConnectionPool } from './db';
import { classifyOpenError } from './errors';
import { DuckStoreReader } from './reader';
import { assertCurrent, migrate } from './schema/migrations';
import type { FleetStore } from './types';
import { DuckStoreWriter } from './writer';
import { createSpendStore } from './spend-store';
import { createTriageStore } from './triage-store';
import { withOverviewCache } from './overview-cache';

export { StoreCorruptError, StoreLockedError, StoreReadOnlyError, StoreVersionError } from './errors';
export type { FleetStore, RunStart, StoredAccount, StoreReader, StoreWriter, Window } from './types';
export type { SpendStore } from './spend-store';
export { FocusImportError, type FocusImportProgress, type FocusImportResult } from './focus-import';

/** The store's file name inside the data dir. */
export const STORE_FILE = 'fleetpane.duckdb';
/** Connections kept for reads; DuckDB answers queries on different connections in parallel. */
const READ_CONNECTIONS = 4;

export interface OpenStoreOptions {
  /** Opens with access_mode READ_ONLY so it can run beside other readers (e.g. `fleetpane overview`). */
  readOnly?: boolean;
  /** Clock for generatedAt and run bookkeeping (tests pass a fixed one). */
  now?: () => Date;
  /**
   * DuckDB's memory_limit (its buffer manager fills what it is given). Default 256MB, or
   * FLEETPANE_DB_MEMORY_LIMIT: enough for the pane's queries on a 10,000-GPU fleet; a bulk sync
   * may pass more.
   */
  memoryLimit?: string;
  /** Keep overviews of unchanged data per (asOf minute, filter); default true (overview-cache.ts). */
  cacheOverview?: boolean;
  /** DuckDB worker threads. Default 2, or FLEETPANE_DB_THREADS: the app shares the desktop's cores. */
  threads?: number;
}

/** Opens (creating and migrating if needed) the store in `dataDir`. */
export async function openStore(dataDir: string, opts: OpenStoreOptions = {}): Promise<FleetStore> {
  const readOnly = opts.readOnly ?? false;
  const now = opts.now ?? (() => new Date());
  const file = join(dataDir, STORE_FILE);
  // Owner-only: the store holds the fleet's inventory, spend and account names.
  if (!readOnly) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(file, {
      access_mode: readOnly ? 'READ_ONLY' : 'READ_WRITE',
      // Offline desktop: never try to download or autoload extensions.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      memory_limit: opts.memoryLimit ?? process.env.FLEETPANE_DB_MEMORY_LIMIT ?? '256MB',
      threads: String(opts.threads ?? (Number(process.env.FLEETPANE_DB_THREADS) || 2)),
    });
  } catch (err) {
    throw classifyOpenError(err, dataDir, file);
  }
  let pool: ConnectionPool | undefined;
  try {
    const setup = await instance.connect();
    try {
      if (readOnly) await assertCurrent(setup);
      else await migrate(setup);
    } finally {
      setup.closeSync();
    }
    pool = await ConnectionPool.create(instance, READ_CONNECTIONS);
  } catch (err) {
    pool?.close();
    instance.closeSync();
    throw classifyOpenError(err, dataDir, file);
  }
  if (!readOnly) await makeOwnerOnly([file, `${file}.wal`]);
  const reader = new DuckStoreReader(pool, now);
  const writer = new DuckStoreWriter(instance, readOnly, now);
  const readPool = pool;
  let closed = false;
  const spend = createSpendStore(instance, pool, readOnly, now);
  const store: FleetStore = {
    readOnly,
    ...spend,
    ...createTriageStore(pool, instance, readOnly),
    upsertAccounts: (a) => writer.upsertAccounts(a),
    writeInventory: (run, b) => writer.writeInventory(run, b),
    writeMetrics: (run, w, b) => writer.writeMetrics(run, w, b),
    writeCosts: (run, w, b) => writer.writeCosts(run, w, b),
    writeIncidents: (run, b) => writer.writeIncidents(run, b),
    recordFailure: (run, e) => writer.recordFailure(run, e),
    cursor: (a, s) => writer.cursor(a, s),
    resources: (a) => writer.resources(a),
    applyRetention: (n) => writer.applyRetention(n),
    removeAccount: (a) => writer.removeAccount(a),
    overview: (asOf, f) => reader.overview(asOf, f),
    filterOptions: () => reader.filterOptions(),
    utilisationSeries: (asOf, r, f, g) => reader.utilisationSeries(asOf, r, f, g),
    resourceRows: (asOf, f) => reader.resourceRows(asOf, f),
    coverage: (asOf, f) => reader.coverage(asOf, f),
    resourceDetail: (asOf, a, id, r) => reader.resourceDetail(asOf, a, id, r),
    incidents: (asOf, e) => reader.incidents(asOf, e),
    incident: (asOf, id) => reader.incident(asOf, id),
    accounts: (asOf) => reader.accounts(asOf),
    syncRuns: (a, l) => reader.syncRuns(a, l),
    close: async () => {
      if (closed) return;
      closed = true;
      readPool.close();
      instance.closeSync();
    },
  };
  return opts.cacheOverview === false ? store : withOverviewCache(store, now);
}

/** chmod 600 on the store's files that exist (DuckDB creates them with the process umask). */
async function makeOwnerOnly(files: readonly string[]): Promise<void> {
  for (const f of files) {
    try {
      await chmod(f, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
