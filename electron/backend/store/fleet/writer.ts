/**
 * The fleet's writes. Each one is one transaction of the store's write() that also records the sync
 * run and advances the cursor, so a crash or a failing connector leaves the previous state.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { MetricsStorage } from '../../../../shared/config';
import type { GpuResource, SyncError } from '../../../../shared/domain';
import { GpuSampleColumns, type GpuSampleBatch } from '../../domain/sample-columns';
import { removeAccountData } from '../account-removal';
import { queueCostWrite } from '../cost-write-queue';
import { exec, rows } from '../db';
import { appendResource } from '../row-appenders';
import { finishRun, insertRun, type Outcome, pruneSyncRuns, type RunStart, type StoredAccount, type Window } from '../sync-run';
import type { Write } from '../write';
import { mergeMinuteSplits, MinuteDetail } from './minute-detail';
import { resourceRowKey, storedRowKeys } from './resource-rows';
import { RollupPartials, type WriteGpus } from './rollup-partials';
import { ceilTo, clearRollups, FIVE_MINUTES_MS, floorTo, refreshFleetMinutes, refreshRollups, type Splits, type WrittenRollups } from './rollups';
import { StagedSamples } from './sample-appender';
import { clearPendingBefore, recordOutOfOrder } from './sample-order';
import type { FleetWriter } from './types';
import { readActivityOf, TurnBudget } from '../event-loop-turns';
import { type BulkWrite, quietGateOf } from '../idle-memory';

const DAY_MS = 86_400_000;
/** Raw samples are kept this long (ARCHITECTURE.md: 7 days). */
export const RAW_RETENTION_MS = 7 * DAY_MS;
/** Rollups are kept this long (ARCHITECTURE.md: 400 days). */
export const ROLLUP_RETENTION_MS = 400 * DAY_MS;

/**
 * Samples staged at most before a metrics write stores them (64 bytes each, and 8 more to sort them:
 * 36 MB). 2M (144 MB) was the largest part of a backfill's peak memory besides DuckDB's (issue 16:
 * 500 MB for the whole backend); a quarter of it put a backfill's peak about 40 MB lower at 2,000 GPUs
 * and 100 MB at 12,500, for no more CPU. A window of more samples goes in as slices of GPUs, each
 * slice in time order, so each row group spans up to an hour and a half of a 6-hour window (500,000
 * samples of 1,389 GPUs): a read of the window's last minutes reads a row group of every slice (72 of
 * them at 100,000 GPUs, where 4 hold its samples). The store rewrites such windows in time order
 * once it is quiet (sample-order.ts).
 */
const STAGED_ROWS_LIMIT = 500_000;

/** The minute detail of rollups-only accounts is kept as long as raw samples, so both modes answer alike. */
export const MINUTE_DETAIL_RETENTION_MS = RAW_RETENTION_MS;

/** Attempts of a re-runnable write that lost a write-write conflict to another transaction. */
const CONFLICT_ATTEMPTS = 4;

/** DuckDB-backed FleetWriter. */
export class DuckFleetWriter implements FleetWriter {
  readonly #instance: DuckDBInstance;
  readonly #write: Write;
  readonly #now: () => Date;

  readonly #stagedRowsLimit: number;
  /** Inventory writes committed that changed a row, and account removals (inventoryChanges()). */
  #inventoryChanges = 0;

  /** `stagedRowsLimit`: samples a metrics write stages before storing them (tests make it small). */
  constructor(instance: DuckDBInstance, write: Write, now: () => Date, { stagedRowsLimit = STAGED_ROWS_LIMIT } = {}) {
    this.#instance = instance;
    this.#write = write;
    this.#now = now;
    this.#stagedRowsLimit = stagedRowsLimit;
  }

  /**
   * Serialises the writes that number new GPUs: gpu_id is max(gpu_id) + n, so two inventories
   * committing at once would both take the same ids. Held from BEGIN to COMMIT, so each
   * transaction's snapshot already holds the ids the previous one took.
   */
  #gpuKeyLock: Promise<unknown> = Promise.resolve();

  #withGpuKeyLock<T>(body: () => Promise<T>): Promise<T> {
    const result = this.#gpuKeyLock.then(body);
    this.#gpuKeyLock = result.catch(() => undefined);
    return result;
  }

  async removeAccount(account: string): Promise<number> {
    const removed = await queueCostWrite(this.#instance, () => removeAccountData(this.#write, account));
    this.#inventoryChanges += 1;
    return removed;
  }

  async upsertAccounts(accounts: readonly StoredAccount[]): Promise<void> {
    if (accounts.length === 0) return;
    // One set-based statement: a statement per account grows the transaction's memory with the
    // account count, and 5,000 accounts exhausted DuckDB's memory limit.
    const list = JSON.stringify(accounts.map((a) => ({ name: a.name, provider: a.provider, enabled: a.enabled, intervals: JSON.stringify(a.intervals) })));
    await this.#write(async (conn) => {
      await exec(
        conn,
        `INSERT INTO account
         SELECT a.name, a.provider, a.enabled, a.intervals::JSON
         FROM (SELECT unnest(from_json($list::JSON, '[{"name":"VARCHAR","provider":"VARCHAR","enabled":"BOOLEAN","intervals":"VARCHAR"}]'), recursive := true)) a
         ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, enabled = excluded.enabled,
           intervals = excluded.intervals`,
        { list },
      );
    }, { attempts: CONFLICT_ATTEMPTS });
  }

  async writeInventory(run: RunStart, batches: AsyncIterable<GpuResource[]>): Promise<number> {
    // The whole snapshot is gathered first: a connector that fails half-way leaves the old one.
    const byId = new Map<string, GpuResource>();
    let rejected = 0;
    for await (const batch of batches) {
      for (const r of batch) {
        if (r.account !== run.account || r.gpuUuids.length > r.gpuCount) rejected++;
        else byId.set(r.id, r);
      }
    }
    const syncedAt = this.#now().getTime();
    let changed = false;
    await this.#withGpuKeyLock(() => this.#write(async (conn) => {
      // Only rows that changed, came or left are written: a steady fleet's snapshot is mostly the
      // same each time, and rewriting 12,500 machines (and their GPU keys) was a fixed cost of every
      // sync. The snapshot is still whole: the result is what deleting all rows and appending the
      // snapshot gives, but for resource.synced_at, which stays when the row was last written (the
      // pane's inventory freshness is the run's, recorded below).
      // The keys of a 12,500-machine fleet are 50-100 ms of work: in the event loop's turns, as the append.
      const turns = new TurnBudget(readActivityOf(this.#instance));
      const stored = await storedRowKeys(conn, run.account, turns);
      const write: GpuResource[] = [];
      await turns.each([...byId.values()], (r) => {
        if (stored.get(r.id) !== resourceRowKey(r)) write.push(r);
      });
      const gone = [...stored.keys()].filter((id) => !byId.has(id));
      const replaced = [...gone, ...write.filter((r) => stored.has(r.id)).map((r) => r.id)];
      if (replaced.length > 0) {
        await exec(conn, `DELETE FROM resource WHERE account = $account AND id IN (SELECT unnest(from_json($ids::JSON, '["VARCHAR"]')))`, {
          account: run.account,
          ids: JSON.stringify(replaced),
        });
      }
      if (write.length > 0) {
        const appender = await conn.createAppender('resource');
        try {
          await turns.each(write, (r) => appendResource(appender, r, syncedAt));
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
        await syncGpuDimension(conn, run.account);
      }
      // Set on every attempt: a retried transaction finds the rows as the winner left them.
      changed = replaced.length > 0 || write.length > 0;
      if (changed) await syncGpuRetirement(conn, run.account);
      await finishRun(conn, run, this.#now().getTime(), { rows: byId.size, rejected }, syncedAt);
    }, { attempts: CONFLICT_ATTEMPTS }));
    if (changed) this.#inventoryChanges += 1;
    return byId.size;
  }

  inventoryChanges(): number {
    return this.#inventoryChanges;
  }

  async writeMetrics(run: RunStart, window: Window, batches: AsyncIterable<GpuSampleBatch>, storage: MetricsStorage = 'raw'): Promise<number> {
    const rollupsOnly = storage === 'rollups';
    if (rollupsOnly && window.from % FIVE_MINUTES_MS !== 0) {
      // Each bucket is rebuilt from the window's samples alone, so the window must hold whole buckets.
      throw new Error(`metrics window of account "${run.account}" starts at ${new Date(window.from).toISOString()}, not on a 5-minute boundary (rollups storage)`);
    }
    // A bulk write ends after the transaction, committed or rolled back: the memory it held is freed by then.
    let bulk: BulkWrite | undefined;
    return this.#write(async (conn) => {
      // (resourceId, gpuIndex) -> the GPU's slot in this write (0..n-1), and each slot's gpu_id and
      // fleet group: the GPUs the inventory has now, looked up once per write.
      const slotsOf = new Map<string, number[]>();
      const gpuIds: number[] = [];
      const groupOfSlot: number[] = [];
      const groupIndex = new Map<string, number>();
      const groups: WriteGpus['groups'][number][] = [];
      const inventory = await rows<{ resource_id: string; gpu_index: number; gpu_id: number; cloud: string; region: string; gpu_model: string }>(
        conn,
        `SELECT g.resource_id, g.gpu_index::INTEGER AS gpu_index, g.gpu_id, g.cloud, g.region, g.gpu_model
         FROM gpu g JOIN resource r ON r.account = g.account AND r.id = g.resource_id
         WHERE g.account = $account AND g.gpu_index < r.gpu_count`,
        { account: run.account },
      );
      const turns = new TurnBudget(readActivityOf(this.#instance));
      // 101,300 GPUs at 100,000 are a quarter of a second of work: in turns of the event loop.
      await turns.each(inventory, (g) => {
        let slots = slotsOf.get(g.resource_id);
        if (!slots) slotsOf.set(g.resource_id, (slots = []));
        slots[g.gpu_index] = gpuIds.length;
        gpuIds.push(g.gpu_id);
        const key = `${g.cloud}\u0000${g.region}\u0000${g.gpu_model}`;
        let group = groupIndex.get(key);
        if (group === undefined) {
          groupIndex.set(key, (group = groups.length));
          groups.push({ cloud: g.cloud, region: g.region, gpuModel: g.gpu_model });
        }
        groupOfSlot.push(group);
      });
      const gpus: WriteGpus = { gpuIdOfSlot: Int32Array.from(gpuIds), groupOfSlot: Int32Array.from(groupOfSlot), groups };
      const { gpuIdOfSlot } = gpus;
      await exec(
        conn,
        `DELETE FROM gpu_sample WHERE gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)
           AND ts >= epoch_ms($from::BIGINT) AND ts < epoch_ms($to::BIGINT)`,
        { account: run.account, from: window.from, to: window.to },
      );
      // Either mode's window replaces the other's rows there (an account whose storage was switched);
      // a rollups-only write then appends the window's minute rows afresh (minute-detail.ts).
      await exec(
        conn,
        `DELETE FROM rollup_1m WHERE gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)
           AND ts >= epoch_ms($from::BIGINT) AND ts < epoch_ms($to::BIGINT)`,
        { account: run.account, from: floorTo(window.from, FIVE_MINUTES_MS), to: ceilTo(window.to, FIVE_MINUTES_MS) },
      );
      // The window's buckets and hours are rebuilt: their rollup rows are appended as its samples are stored.
      const rebuild = await clearRollups(conn, run.account, window, { edgesInGpuSample: !rollupsOnly });
      const outcome: Outcome = { rows: 0, rejected: 0 };
      // The window's samples are staged in typed arrays, at most #stagedRowsLimit at once (a 6-hour
      // window of 100,000 GPUs is 36M samples), and each slice is appended to gpu_sample in time order
      // (its 5-minute sums added up on the way): connectors send them GPU by GPU, and a table in that
      // order makes every time-range read (GPU state, window edges) scan the whole window; sorted
      // slices let zone maps skip most of it. Rollups-only storage never stores them: each slice's
      // minute rows are appended to the minute detail instead (minute-detail.ts).
      const staged = new StagedSamples(this.#stagedRowsLimit);
      const rollup5m = await conn.createAppender('rollup_5m');
      const rollup1h = await conn.createAppender('rollup_1h');
      const rollup1m = rollupsOnly ? await conn.createAppender('rollup_1m') : null;
      const sums = new RollupPartials({ rollup5m, rollup1h }, gpus, rebuild);
      const minutes = rollup1m === null ? null : new MinuteDetail(rollup1m, gpuIdOfSlot);
      let written: WrittenRollups;
      let minuteSplits: Splits | null = null;
      // Whether a slice began before an earlier one ended: the window is then out of time order.
      let storedUpTo = -Infinity;
      let outOfOrder = false;
      try {
        const store = async (): Promise<void> => {
          const { earliest, latest } = staged.span;
          if (earliest < storedUpTo) outOfOrder = true;
          storedUpTo = Math.max(storedUpTo, latest);
          if (minutes !== null) return await staged.appendTo({ minutes }, sums, gpuIdOfSlot, turns);
          const samples = await conn.createAppender('gpu_sample');
          try {
            await staged.appendTo({ samples }, sums, gpuIdOfSlot, turns);
          } finally {
            samples.closeSync();
          }
        };
        // Samples of one machine come together: its GPUs' slots are looked up once per run of them.
        let resourceId: string | null = null;
        let slots: number[] | undefined;
        // The sample's slot if it may be stored; counted as rejected if not.
        const slotOf = (id: string, gpuIndex: number, ts: number): number | undefined => {
          if (id !== resourceId) {
            resourceId = id;
            slots = slotsOf.get(id);
          }
          const slot = slots?.[gpuIndex];
          // Invariants the schema cannot hold: a known GPU of a known machine, inside the window.
          if (slot === undefined || !(ts >= window.from && ts < window.to)) {
            outcome.rejected++;
            return undefined;
          }
          outcome.rows++;
          return slot;
        };
        for await (const batch of batches) {
          if (batch instanceof GpuSampleColumns) {
            // Copied from the columns into the staged rows: no sample object is made.
            await turns.eachIndex(batch.length, (i) => {
              const slot = slotOf(batch.resourceId[i]!, batch.gpuIndex[i]!, batch.ts[i]!);
              if (slot !== undefined) staged.addRow(slot, batch, i);
            });
          } else {
            await turns.each(batch, (s) => {
              const slot = slotOf(s.resourceId, s.gpuIndex, s.ts);
              if (slot !== undefined) staged.add(slot, s);
            });
          }
          if (staged.full) {
            // More than one slice: a bulk write (a backfill's window), whose slices run with DuckDB's limit held low.
            bulk ??= await quietGateOf(this.#instance).bulkWrite();
            await store();
            // What the slice's appends freed goes back before the next slice.
            await bulk.handBack();
          }
          await turns.betweenBatches();
        }
        if (staged.length > 0) await store();
        // The merges below run with a higher limit than the slices (what the slices freed goes back first).
        await bulk?.merging();
        written = await sums.finish(turns);
        minuteSplits = (await minutes?.finish(turns)) ?? null;
      } finally {
        rollup5m.closeSync();
        rollup1h.closeSync();
        rollup1m?.closeSync();
      }
      await refreshRollups(conn, rebuild, written);
      if (minuteSplits !== null) await mergeMinuteSplits(conn, minuteSplits);
      // Raw samples and minute rows alike are rewritten in time order once the store is quiet.
      if (outOfOrder) await recordOutOfOrder(conn, window);
      // After the minute detail: a rollups-only account's minutes summed again are read from it.
      await refreshFleetMinutes(conn, rebuild, written);
      await finishRun(conn, run, this.#now().getTime(), outcome, window.to);
      return outcome.rows;
    }).finally(() => bulk?.end());
  }

  async recordFailure(run: RunStart, error: SyncError): Promise<void> {
    await this.#write((conn) => insertRun(conn, run, this.#now().getTime(), 'error', { rows: 0, rejected: 0 }, error), {
      attempts: CONFLICT_ATTEMPTS,
    });
  }

  async applyRetention(now: Date): Promise<void> {
    const t = now.getTime();
    await this.#write(async (conn) => {
      await exec(conn, 'DELETE FROM gpu_sample WHERE ts < epoch_ms($cut::BIGINT)', { cut: t - RAW_RETENTION_MS });
      await clearPendingBefore(conn, t - RAW_RETENTION_MS);
      await exec(conn, 'DELETE FROM rollup_1m WHERE ts < epoch_ms($cut::BIGINT)', { cut: t - MINUTE_DETAIL_RETENTION_MS });
      // The fleet's minutes answer what raw samples (or the minute detail) would, so they age out with them.
      await exec(conn, 'DELETE FROM fleet_1m WHERE bucket < epoch_ms($cut::BIGINT)', { cut: t - RAW_RETENTION_MS });
      await exec(conn, 'DELETE FROM rollup_5m WHERE bucket < epoch_ms($cut::BIGINT)', {
        cut: t - ROLLUP_RETENTION_MS,
      });
      for (const table of ['rollup_1h', 'fleet_5m', 'fleet_1h']) {
        await exec(conn, `DELETE FROM ${table} WHERE bucket < epoch_ms($cut::BIGINT)`, {
          cut: t - ROLLUP_RETENTION_MS,
        });
      }
      await pruneSyncRuns(conn);
    }, { attempts: CONFLICT_ATTEMPTS });
  }
}

/**
 * Records whether any of the account's GPUs belongs to a machine that left its inventory (the overview
 * reads it: only then do its window edges check each GPU's machine). Asked after every inventory
 * write that changed a row: machines leave, and come back.
 */
async function syncGpuRetirement(conn: DuckDBConnection, account: string): Promise<void> {
  await exec(conn, 'DELETE FROM gpu_retirement WHERE account = $account', { account });
  await exec(
    conn,
    `INSERT INTO gpu_retirement
     SELECT $account, EXISTS (SELECT 1 FROM gpu g ANTI JOIN resource r ON r.account = g.account AND r.id = g.resource_id WHERE g.account = $account)`,
    { account },
  );
}

/**
 * Keeps the gpu dimension table in step with the account's inventory just written: a new GPU gets the
 * next gpu_id, a known (account, resource_id, gpu_index) keeps its id and takes the machine's current
 * cloud, region and model. GPUs of machines that left the inventory keep their rows (history refers to them).
 */
async function syncGpuDimension(conn: DuckDBConnection, account: string): Promise<void> {
  await exec(
    conn,
    `UPDATE gpu SET cloud = r.cloud, region = r.region, gpu_model = r.gpu_model
     FROM resource r
     WHERE gpu.account = $account AND r.account = gpu.account AND r.id = gpu.resource_id
       AND (gpu.cloud <> r.cloud OR gpu.region <> r.region OR gpu.gpu_model <> r.gpu_model)`,
    { account },
  );
  await exec(
    conn,
    `INSERT INTO gpu
     SELECT ((SELECT coalesce(max(gpu_id), 0) FROM gpu) + row_number() OVER (ORDER BY n.resource_id, n.gpu_index))::INTEGER,
            n.account, n.resource_id, n.gpu_index, n.cloud, n.region, n.gpu_model
     FROM (
       SELECT account, id AS resource_id, unnest(range(gpu_count))::SMALLINT AS gpu_index, cloud, region, gpu_model
       FROM resource WHERE account = $account
     ) n
     ANTI JOIN gpu g ON g.account = n.account AND g.resource_id = n.resource_id AND g.gpu_index = n.gpu_index`,
    { account },
  );
}
