/**
 * Sync-run bookkeeping every area's sync write shares: the run as the engine starts it, the window it
 * covers, and the rows that record it (sync_run) and advance its stream (sync_cursor) inside the
 * write's own transaction.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SyncIntervals } from '../../../shared/config';
import { MAX_SYNC_RUNS } from '../../../shared/contract';
import type { ProviderId, StreamId, SyncError } from '../../../shared/domain';
import { exec } from './db';

/** A sync run as the engine starts it; the store records it when it commits or fails. */
export interface RunStart {
  id: string;
  account: string;
  stream: StreamId;
  startedAt: Date;
  attempt: number;
}

/** Half-open window [from, to) in epoch milliseconds. */
export interface Window {
  from: number;
  to: number;
}

/** An account as registered in the store (from the config file or the accounts screen). */
export interface StoredAccount {
  name: string;
  provider: ProviderId;
  enabled: boolean;
  intervals: SyncIntervals;
}

/** What a sync write kept and what it refused. */
export interface Outcome {
  rows: number;
  rejected: number;
}

/** Records the committed run and moves its stream's cursor to `cursor` (call inside the write's transaction). */
export async function finishRun(conn: DuckDBConnection, run: RunStart, finishedAt: number, outcome: Outcome, cursor: number): Promise<void> {
  await insertRun(conn, run, finishedAt, 'ok', outcome, null);
  await exec(
    conn,
    `INSERT INTO sync_cursor VALUES ($account, $stream, $position::BIGINT)
     ON CONFLICT (account, stream) DO UPDATE SET position = excluded.position`,
    { account: run.account, stream: run.stream, position: cursor },
  );
}

export async function insertRun(
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

/**
 * Runs kept of each account and stream: as many as the sync history gives at most (`sync:runs`, newest
 * first), so no screen answers differently once the rest are gone.
 */
export const KEPT_RUNS_PER_STREAM = MAX_SYNC_RUNS;

/**
 * Deletes the runs no screen reads any more: those older than the newest `keep` of their account and
 * stream, but for the last successful and the last failed run of each, which freshness reads however
 * old they are. Nothing else pruned sync_run: a one-minute metrics sync adds 1,440 runs a day per
 * account, and every overview reads the table for its freshness.
 */
export async function pruneSyncRuns(conn: DuckDBConnection, keep = KEPT_RUNS_PER_STREAM): Promise<void> {
  // rowid: a run's id is the engine's, and nothing makes it unique in the table.
  await exec(
    conn,
    `DELETE FROM sync_run WHERE rowid IN (
       SELECT rowid FROM (
         SELECT rowid,
                row_number() OVER (PARTITION BY account, stream ORDER BY finished_at DESC, started_at DESC) AS newest,
                row_number() OVER (PARTITION BY account, stream, status ORDER BY finished_at DESC, started_at DESC) AS newest_of_status
         FROM sync_run
       ) WHERE newest > $keep::BIGINT AND newest_of_status > 1
     )`,
    { keep: String(keep) },
  );
}
