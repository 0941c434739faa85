/**
 * The store's writes. Each one runs on its own connection inside one transaction that also records
 * the sync run and advances the cursor, so a crash or a failing connector leaves the previous state.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { FocusCostRow, GpuResource, GpuSample, Incident, StreamId, SyncError } from '../../../shared/domain';
import { queueCostWrite } from './cost-write-queue';
import { exec, inTransaction, retryOnWriteConflict, rows } from './db';
import { StoreReadOnlyError } from './errors';
import { appendCostRow, appendResource } from './row-appenders';
import { refreshRollups } from './rollups';
import { SampleChunkWriter } from './sample-appender';
import { loadResources } from './resource-rows';
import { removeAccountData } from './account-removal';
import type { RunStart, StoredAccount, StoreWriter, Window } from './types';

const DAY_MS = 86_400_000;
/** Raw samples are kept this long (ARCHITECTURE.md: 7 days). */
export const RAW_RETENTION_MS = 7 * DAY_MS;
/** Rollups are kept this long (ARCHITECTURE.md: 400 days). */
export const ROLLUP_RETENTION_MS = 400 * DAY_MS;

/** Attempts of a re-runnable write that lost a write-write conflict to another transaction. */
const CONFLICT_ATTEMPTS = 4;

interface Outcome {
  rows: number;
  rejected: number;
}

/** DuckDB-backed StoreWriter. */
export class DuckStoreWriter implements StoreWriter {
  constructor(
    private readonly instance: DuckDBInstance,
    private readonly readOnly: boolean,
    private readonly now: () => Date,
  ) {}

  /**
   * Serialises the writes that number new GPUs: gpu_id is max(gpu_id) + n, so two inventories
   * committing at once would both take the same ids. Held from BEGIN to COMMIT, so each
   * transaction's snapshot already holds the ids the previous one took.
   */
  private gpuKeyLock: Promise<unknown> = Promise.resolve();

  private withGpuKeyLock<T>(body: () => Promise<T>): Promise<T> {
    const result = this.gpuKeyLock.then(body);
    this.gpuKeyLock = result.catch(() => undefined);
    return result;
  }

  /**
   * Like write(), for a body that can run again (its input is already in memory): a write-write
   * conflict with another account's transaction is transient, so it is retried a few times.
   */
  private writeRetrying<T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    return retryOnWriteConflict(() => this.write(body), CONFLICT_ATTEMPTS);
  }

  /** Runs `body` on a fresh connection in one transaction (writes never share a transaction). */
  private async write<T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.readOnly) throw new StoreReadOnlyError();
    const conn = await this.instance.connect();
    try {
      return await inTransaction(conn, () => body(conn));
    } finally {
      conn.closeSync();
    }
  }

  private async finishRun(conn: DuckDBConnection, run: RunStart, outcome: Outcome, cursor: number): Promise<void> {
    await insertRun(conn, run, this.now().getTime(), 'ok', outcome, null);
    await exec(
      conn,
      `INSERT INTO sync_cursor VALUES ($account, $stream, $position::BIGINT)
       ON CONFLICT (account, stream) DO UPDATE SET position = excluded.position`,
      { account: run.account, stream: run.stream, position: cursor },
    );
  }

  async removeAccount(account: string): Promise<number> {
    if (this.readOnly) throw new StoreReadOnlyError();
    return queueCostWrite(this.instance, () => removeAccountData(this.instance, account));
  }

  async upsertAccounts(accounts: readonly StoredAccount[]): Promise<void> {
    if (accounts.length === 0) return;
    // One set-based statement: a statement per account grows the transaction's memory with the
    // account count, and 5,000 accounts exhausted DuckDB's memory limit.
    const list = JSON.stringify(accounts.map((a) => ({ name: a.name, provider: a.provider, enabled: a.enabled, intervals: JSON.stringify(a.intervals) })));
    await this.writeRetrying(async (conn) => {
      await exec(
        conn,
        `INSERT INTO account
         SELECT a.name, a.provider, a.enabled, a.intervals::JSON
         FROM (SELECT unnest(from_json($list::JSON, '[{"name":"VARCHAR","provider":"VARCHAR","enabled":"BOOLEAN","intervals":"VARCHAR"}]'), recursive := true)) a
         ON CONFLICT (name) DO UPDATE SET provider = excluded.provider, enabled = excluded.enabled,
           intervals = excluded.intervals`,
        { list },
      );
    });
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
    const syncedAt = this.now().getTime();
    await this.withGpuKeyLock(() => this.writeRetrying(async (conn) => {
      await exec(conn, 'DELETE FROM resource WHERE account = $account', { account: run.account });
      const appender = await conn.createAppender('resource');
      try {
        for (const r of byId.values()) appendResource(appender, r, syncedAt);
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await syncGpuDimension(conn, run.account);
      await this.finishRun(conn, run, { rows: byId.size, rejected }, syncedAt);
    }));
    return byId.size;
  }

  async writeMetrics(run: RunStart, window: Window, batches: AsyncIterable<GpuSample[]>): Promise<number> {
    return this.write(async (conn) => {
      // (resourceId, gpuIndex) -> gpu_id for the GPUs the inventory has now, built once per write.
      const gpuIds = new Map<string, number[]>();
      for (const g of await rows<{ resource_id: string; gpu_index: number; gpu_id: number }>(
        conn,
        `SELECT g.resource_id, g.gpu_index::INTEGER AS gpu_index, g.gpu_id
         FROM gpu g JOIN resource r ON r.account = g.account AND r.id = g.resource_id
         WHERE g.account = $account AND g.gpu_index < r.gpu_count`,
        { account: run.account },
      )) {
        let ids = gpuIds.get(g.resource_id);
        if (!ids) gpuIds.set(g.resource_id, (ids = []));
        ids[g.gpu_index] = g.gpu_id;
      }
      await exec(
        conn,
        `DELETE FROM gpu_sample WHERE gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)
           AND ts >= epoch_ms($from::BIGINT) AND ts < epoch_ms($to::BIGINT)`,
        { account: run.account, from: window.from, to: window.to },
      );
      const outcome: Outcome = { rows: 0, rejected: 0 };
      const appender = await conn.createAppender('gpu_sample');
      try {
        const writer = new SampleChunkWriter(appender);
        for await (const batch of batches) {
          for (const s of batch) {
            const gpuId = gpuIds.get(s.resourceId)?.[s.gpuIndex];
            // Invariants the schema cannot hold: a known GPU of a known machine, inside the window.
            if (gpuId === undefined || s.ts < window.from || s.ts >= window.to) {
              outcome.rejected++;
              continue;
            }
            writer.add(gpuId, s);
            outcome.rows++;
          }
        }
        writer.finish();
      } finally {
        appender.closeSync();
      }
      await refreshRollups(conn, run.account, window);
      await this.finishRun(conn, run, outcome, window.to);
      return outcome.rows;
    });
  }

  async writeCosts(run: RunStart, window: Window, batches: AsyncIterable<FocusCostRow[]>): Promise<number> {
    // Replacing a period shares the FOCUS importer's queue: a concurrent import would conflict with it.
    return queueCostWrite(this.instance, () => this.write(async (conn) => {
      await exec(
        conn,
        `DELETE FROM cost_row WHERE account = $account
           AND ChargePeriodStart >= epoch_ms($from::BIGINT) AND ChargePeriodStart < epoch_ms($to::BIGINT)`,
        { account: run.account, from: window.from, to: window.to },
      );
      const outcome: Outcome = { rows: 0, rejected: 0 };
      const appender = await conn.createAppender('cost_row');
      try {
        for await (const batch of batches) {
          for (const c of batch) {
            const start = Date.parse(c.ChargePeriodStart);
            // A row outside the window would survive the next replace of its own window twice.
            if (!(start >= window.from && start < window.to)) {
              outcome.rejected++;
              continue;
            }
            appendCostRow(appender, run.account, run.id, c);
            outcome.rows++;
          }
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      await this.finishRun(conn, run, outcome, window.to);
      return outcome.rows;
    }));
  }

  async writeIncidents(run: RunStart, batches: AsyncIterable<Incident[]>): Promise<number> {
    return this.write(async (conn) => {
      const outcome: Outcome = { rows: 0, rejected: 0 };
      const upsert = await conn.prepare(
        `INSERT INTO incident VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
           epoch_ms($12::BIGINT), epoch_ms($13::BIGINT), epoch_ms($14::BIGINT), $15, $16, $17)
         ON CONFLICT (account, id) DO UPDATE SET
           cloud = excluded.cloud, source = excluded.source, severity = excluded.severity,
           title = excluded.title, summary = excluded.summary, status = excluded.status,
           regions = excluded.regions, services = excluded.services, resource_ids = excluded.resource_ids,
           started_at = excluded.started_at,
           ended_at = coalesce(incident.ended_at, excluded.ended_at),
           updated_at = excluded.updated_at, url = excluded.url, updates = excluded.updates,
           demo = excluded.demo`,
      );
      for await (const batch of batches) {
        for (const i of batch) {
          if (i.account !== run.account) {
            outcome.rejected++;
            continue;
          }
          upsert.bind([
            i.account,
            i.id,
            i.cloud,
            i.source,
            i.severity,
            i.title,
            i.summary,
            i.status,
            JSON.stringify(i.regions),
            JSON.stringify(i.services),
            JSON.stringify(i.resourceIds),
            Date.parse(i.startedAt),
            i.endedAt === null ? null : Date.parse(i.endedAt),
            Date.parse(i.updatedAt),
            i.url,
            JSON.stringify(i.updates),
            i.demo,
          ]);
          await upsert.run();
          outcome.rows++;
        }
      }
      await this.finishRun(conn, run, outcome, this.now().getTime());
      return outcome.rows;
    });
  }

  async recordFailure(run: RunStart, error: SyncError): Promise<void> {
    await this.writeRetrying((conn) => insertRun(conn, run, this.now().getTime(), 'error', { rows: 0, rejected: 0 }, error));
  }

  async cursor(account: string, stream: StreamId): Promise<number | null> {
    const conn = await this.instance.connect();
    try {
      const r = await rows<{ position: number }>(
        conn,
        'SELECT position::DOUBLE AS position FROM sync_cursor WHERE account = $account AND stream = $stream',
        { account, stream },
      );
      return r[0]?.position ?? null;
    } finally {
      conn.closeSync();
    }
  }

  async resources(account: string): Promise<GpuResource[]> {
    const conn = await this.instance.connect();
    try {
      return await loadResources(conn, 'account = $account', { account });
    } finally {
      conn.closeSync();
    }
  }

  async applyRetention(now: Date): Promise<void> {
    const t = now.getTime();
    await this.writeRetrying(async (conn) => {
      await exec(conn, 'DELETE FROM gpu_sample WHERE ts < epoch_ms($cut::BIGINT)', { cut: t - RAW_RETENTION_MS });
      await exec(conn, 'DELETE FROM rollup_5m WHERE bucket < epoch_ms($cut::BIGINT)', {
        cut: t - ROLLUP_RETENTION_MS,
      });
      for (const table of ['rollup_1h', 'fleet_5m', 'fleet_1h']) {
        await exec(conn, `DELETE FROM ${table} WHERE bucket < epoch_ms($cut::BIGINT)`, {
          cut: t - ROLLUP_RETENTION_MS,
        });
      }
    });
  }
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

async function insertRun(
  conn: DuckDBConnection,
  run: RunStart,
  finishedAt: number,
  status: 'ok' | 'error',
  outcome: Outcome,
  error: SyncError | null,
): Promise<void> {
  await exec(
    conn,
    `INSERT INTO sync_run VALUES ($id, $account, $stream, epoch_ms($started::BIGINT), epoch_ms($finished::BIGINT),
       $status, $rows::BIGINT, $rejected::BIGINT, $attempt::INTEGER, $error)`,
    {
      id: run.id,
      account: run.account,
      stream: run.stream,
      started: run.startedAt.getTime(),
      finished: finishedAt,
      status,
      rows: outcome.rows,
      rejected: outcome.rejected,
      attempt: run.attempt,
      error: error === null ? null : JSON.stringify(error),
    },
  );
}
