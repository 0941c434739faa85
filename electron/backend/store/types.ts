/**
 * What the sync engine and the API need from the store. The DuckDB implementation lives beside this
 * file; tests of the sync engine use an in-memory fake of the same interface.
 */
import type { FleetFilter, ResponseOf } from '../../../shared/contract';
import type {
  FocusCostRow,
  GpuResource,
  GpuSample,
  Incident,
  ProviderId,
  StreamId,
  SyncError,
  SyncRun,
} from '../../../shared/domain';
import type { SyncIntervals } from '../../../shared/config';
import type { Overview } from '../../../shared/overview';
import type { SpendStore } from './spend-store';
import type { TriageStore } from './triage-types';

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

/** Writes done by the sync engine. Each write is one transaction that also records the run. */
export interface StoreWriter {
  /** Registers accounts (and forgets none: removal is explicit). */
  upsertAccounts(accounts: readonly StoredAccount[]): Promise<void>;
  /**
   * Consumes every batch, then replaces the account's inventory snapshot and records the run, all in
   * one transaction. If the iterable throws, nothing is replaced and the error propagates.
   */
  writeInventory(run: RunStart, batches: AsyncIterable<GpuResource[]>): Promise<number>;
  /**
   * Replaces the account's samples in `window` with the batches, refreshes the 5-minute and 1-hour
   * rollups of the touched buckets, advances the metrics cursor to `window.to` and records the run,
   * in one transaction.
   */
  writeMetrics(run: RunStart, window: Window, batches: AsyncIterable<GpuSample[]>): Promise<number>;
  /** Replaces the account's cost rows whose charge period starts in `window`; advances the cursor. */
  writeCosts(run: RunStart, window: Window, batches: AsyncIterable<FocusCostRow[]>): Promise<number>;
  /** Upserts incidents by id (ended ones keep their end); records the run. */
  writeIncidents(run: RunStart, batches: AsyncIterable<Incident[]>): Promise<number>;
  /** Records a failed run (the data already stored stays as it was). */
  recordFailure(run: RunStart, error: SyncError): Promise<void>;
  /** The end of the last committed window for a stream, or null if it never committed. */
  cursor(account: string, stream: StreamId): Promise<number | null>;
  /** The account's current inventory snapshot. */
  resources(account: string): Promise<GpuResource[]>;
  /** Drops raw samples older than 7 days and rollups older than 400 days. */
  applyRetention(now: Date): Promise<void>;
  /** Deletes the account and everything stored for it (inventory, samples, rollups, costs, incidents, runs); returns rows deleted. */
  removeAccount(account: string): Promise<number>;
}

/** Reads done by the API (one per contract channel that touches data). */
export interface StoreReader {
  overview(asOf: Date, filter: FleetFilter): Promise<Overview>;
  filterOptions(): Promise<ResponseOf<'fleet:filter-options'>>;
  utilisationSeries(
    asOf: Date,
    range: '1h' | '24h' | '7d' | '30d',
    filter: FleetFilter,
    groupBy: 'cloud' | 'none',
  ): Promise<ResponseOf<'fleet:utilisation-series'>>;
  resourceRows(asOf: Date, filter: FleetFilter): Promise<ResponseOf<'fleet:resources'>>;
  /** Every machine behind the overview's coverage counts, with its reasons. */
  coverage(asOf: Date, filter: FleetFilter): Promise<ResponseOf<'fleet:coverage'>>;
  resourceDetail(
    asOf: Date,
    account: string,
    id: string,
    range: '1h' | '24h' | '7d' | '30d',
  ): Promise<ResponseOf<'fleet:resource'> | null>;
  incidents(asOf: Date, includeEnded: boolean): Promise<ResponseOf<'incidents:list'>>;
  incident(asOf: Date, id: string): Promise<ResponseOf<'incidents:get'> | null>;
  accounts(asOf: Date): Promise<ResponseOf<'accounts:list'>>;
  syncRuns(account: string | undefined, limit: number): Promise<SyncRun[]>;
}

export interface FleetStore extends StoreWriter, StoreReader, TriageStore, SpendStore {
  readonly readOnly: boolean;
  close(): Promise<void>;
}
