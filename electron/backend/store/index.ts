/**
 * The DuckDB store: openStore() gives the FleetStore the sync engine, the API and the CLI use, one
 * object composed of the areas' readers and writers (fleet/, spend/, triage/, focus/), every write
 * going through the one transactional write() of write.ts.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { ConnectionPool, traceMemory } from './db';
import { classifyOpenError } from './errors';
import { createFleetArea } from './fleet/index';
import { createFocusArea } from './focus/index';
import { quietGateOf } from './idle-memory';
import { withOverviewCache } from './overview-cache';
import { assertCurrent, migrate } from './schema/migrations';
import { createSpendArea } from './spend/index';
import { createTriageArea } from './triage/index';
import type { FleetStore } from './types';
import { sortPendingSamples } from './fleet/sample-order';
import { keepOverviewFacts, markWritten } from './fleet/kept-overview';
import { floorToMinute } from './fleet/overview-query';
import { CHECKPOINT_ABOVE_BYTES, createWrite } from './write';

export { StoreCorruptError, StoreLockedError, StoreReadOnlyError, StoreVersionError } from './errors';
export type * from './types';
export {
  FocusImportError,
  FocusImportTooLargeError,
  type FocusImportLimits,
  type FocusImportProgress,
  type FocusImportResult,
} from './focus/index';

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
  /** Quiet time after which DuckDB's cached table blocks are handed back (idle-memory.ts); tests shrink it. */
  idleReleaseMs?: number;
  /** Quiet time after writes before the store's quiet work: checkpoint check, upkeep, the overview's facts (write.ts); tests shrink it. */
  quietMs?: number;
}

/** Opens (creating and migrating if needed) the store in `dataDir`. */
export async function openStore(dataDir: string, opts: OpenStoreOptions = {}): Promise<FleetStore> {
  const readOnly = opts.readOnly ?? false;
  const now = opts.now ?? (() => new Date());
  const file = join(dataDir, STORE_FILE);
  // Owner-only: the store holds the fleet's inventory, spend and account names.
  if (!readOnly) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  let instance: DuckDBInstance;
  const memoryLimit = opts.memoryLimit ?? process.env.FLEETPANE_DB_MEMORY_LIMIT ?? '256MB';
  try {
    instance = await DuckDBInstance.create(file, {
      access_mode: readOnly ? 'READ_ONLY' : 'READ_WRITE',
      // Offline desktop: never try to download or autoload extensions.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      memory_limit: memoryLimit,
      threads: String(opts.threads ?? (Number(process.env.FLEETPANE_DB_THREADS) || 2)),
      // Per-GPU sums group by the dense integer gpu_id: a perfect hash (an array) up to 2^18 GPUs
      // instead of the default 2^12, several times faster than hashing from 4,096 GPUs on.
      perfect_ht_threshold: '18',
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
    await pool?.close();
    instance.closeSync();
    throw classifyOpenError(err, dataDir, file);
  }
  if (!readOnly) await makeOwnerOnly([file, `${file}.wal`]);
  // FLEETPANE_MEMORY_TRACE_MS: a diagnostic line on stderr every N ms (RSS, heap, DuckDB by tag).
  const traceMs = Number(process.env.FLEETPANE_MEMORY_TRACE_MS);
  const stopTrace = traceMs > 0 ? await traceMemory(instance, traceMs, (line) => process.stderr.write(`${line}\n`)) : () => {};
  // When the overview was last read: the facts kept for it cost a minute's reads at 100k GPUs.
  let overviewReadAt = -Infinity;
  const write = createWrite(
    instance,
    readOnly,
    opts.quietMs === undefined ? undefined : { aboveBytes: CHECKPOINT_ABOVE_BYTES, idleMs: opts.quietMs, upkeepQuietMs: opts.quietMs },
    async (conn) => {
      const step = await sortPendingSamples(conn);
      return { changed: step.sorted > 0, more: step.more };
    },
    // The overview's GPU facts for the current minute (fleet/kept-overview.ts), while the overview is read.
    {
      markStale: markWritten,
      refresh: (conn) => keepOverviewFacts(conn, floorToMinute(now().getTime())),
      wanted: () => Date.now() - overviewReadAt <= KEPT_WHILE_READ_MS,
    },
  );
  const readPool = pool;
  const quiet = quietGateOf(instance);
  quiet.arm(instance, { memoryLimit, idleMs: opts.idleReleaseMs });
  let closed = false;
  const fleet = createFleetArea(instance, pool, write, now);
  const store: FleetStore = {
    readOnly,
    ...fleet,
    overview: (asOf, filter, parts) => {
      overviewReadAt = Date.now();
      return fleet.overview(asOf, filter, parts);
    },
    ...createSpendArea(instance, pool, write, now),
    // The derived signals read an account's inventory after every metrics write: the fleet's kept read.
    ...createTriageArea(pool, write, now, fleet.resources),
    ...createFocusArea(instance, pool, write, now),
    settle: () => write.settle(),
    close: async () => {
      if (closed) return;
      closed = true;
      stopTrace();
      await quiet.disarm();
      // Reads and a checkpoint still running finish first: a connection closed under its query would hang the process.
      await write.close();
      await readPool.close();
      instance.closeSync();
    },
  };
  return opts.cacheOverview === false ? store : withOverviewCache(store, now);
}

/** The overview's kept facts are kept each minute while it was read within this long (a pane open, a collector's sessions). */
const KEPT_WHILE_READ_MS = 10 * 60_000;

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
