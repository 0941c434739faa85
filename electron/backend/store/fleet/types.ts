/**
 * The fleet area of the store: accounts and their sync runs, inventory, GPU samples and rollups, and
 * what the pane reads from them (overview, series, resources, coverage, freshness).
 */
import type { FleetFilter, MachineSortKey, MachineWindow, ResponseOf, SortDirection } from '../../../../shared/contract';
import type { MetricsStorage } from '../../../../shared/config';
import type { GpuResource, StreamId, SyncError, SyncRun } from '../../../../shared/domain';
import type { Overview } from '../../../../shared/overview';
import type { RunStart, StoredAccount, Window } from '../sync-run';
import type { GpuSampleBatch } from '../../domain/sample-columns';

/** Fleet writes done by the sync engine and the accounts screen. Each write is one transaction that also records the run. */
export interface FleetWriter {
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
   * in one transaction. With `storage` "rollups" no sample is kept raw: the rollups (and their minute
   * detail) are built from the window, which must start on a 5-minute boundary.
   */
  writeMetrics(run: RunStart, window: Window, batches: AsyncIterable<GpuSampleBatch>, storage?: MetricsStorage): Promise<number>;
  /**
   * How many inventory writes since the store opened changed a row (a snapshot equal to the stored
   * one records its run only), plus the accounts removed: what was read of the inventory stays true
   * until it moves (the overview cache, the derived signals' inventory read).
   */
  inventoryChanges(): number;
  /** Records a failed run (the data already stored stays as it was). */
  recordFailure(run: RunStart, error: SyncError): Promise<void>;
  /** Drops raw samples older than 7 days, rollups older than 400 days, and the sync runs no screen reads any more (pruneSyncRuns). */
  applyRetention(now: Date): Promise<void>;
  /** Deletes the account and everything stored for it (inventory, samples, rollups, costs, incidents, runs); returns rows deleted. */
  removeAccount(account: string): Promise<number>;
}

/** What the overview reads, in the groups that writes change apart (overview-cache.ts names which write changes which). */
export type OverviewFacet = 'inventory' | 'samples' | 'incidents' | 'costs' | 'runs';

/**
 * Where an overview gets its parts. The cache hands over one that keeps each part for as long as
 * none of the data it reads has changed, so a cost write recomputes the spend and not the GPU states.
 */
export interface OverviewParts {
  /** The part `name` of this overview (its minute and filter): kept while none of `reads` changed, else computed. */
  part<T>(name: string, reads: readonly OverviewFacet[], compute: () => Promise<T>): Promise<T>;
}

/** Fleet reads: the API's fleet channels and what the sync engine reads back. */
export interface FleetReader {
  /** The one-pane overview at asOf for the filtered fleet; `parts` may hand back parts computed before. */
  overview(asOf: Date, filter: FleetFilter, parts?: OverviewParts): Promise<Overview>;
  filterOptions(): Promise<ResponseOf<'fleet:filter-options'>>;
  utilisationSeries(
    asOf: Date,
    range: '1h' | '24h' | '7d' | '30d',
    filter: FleetFilter,
    groupBy: 'cloud' | 'none',
  ): Promise<ResponseOf<'fleet:utilisation-series'>>;
  resourceRows(asOf: Date, filter: FleetFilter): Promise<ResponseOf<'fleet:resources'>>;
  /** One window of the machine table, sorted and filtered in SQL, with the count of all that match. */
  machineWindow(asOf: Date, query: MachineWindowQuery): Promise<MachineWindow>;
  /** Every machine behind the overview's coverage counts, with its reasons. */
  coverage(asOf: Date, filter: FleetFilter): Promise<ResponseOf<'fleet:coverage'>>;
  resourceDetail(
    asOf: Date,
    account: string,
    id: string,
    range: '1h' | '24h' | '7d' | '30d',
  ): Promise<ResponseOf<'fleet:resource'> | null>;
  accounts(asOf: Date): Promise<ResponseOf<'accounts:list'>>;
  syncRuns(account: string | undefined, limit: number): Promise<SyncRun[]>;
  /** The end of the last committed window for a stream, or null if it never committed. */
  cursor(account: string, stream: StreamId): Promise<number | null>;
  /**
   * The account's current inventory snapshot: one read kept until an inventory write changes it, since
   * every sync and every metrics write's derived signals ask for it. Callers share the array and must
   * not change it.
   */
  resources(account: string): Promise<readonly GpuResource[]>;
}

/** What `machineWindow` reads: the `fleet:machines` request with its defaults applied. */
export interface MachineWindowQuery {
  filter: FleetFilter;
  cloudKey?: string;
  text: string;
  sort: { key: MachineSortKey; direction: SortDirection };
  offset: number;
  limit: number;
}

export interface FleetArea extends FleetReader, FleetWriter {}
