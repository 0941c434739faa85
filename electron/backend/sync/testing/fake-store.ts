/**
 * An in-memory StoreWriter with the same commit rules as the DuckDB store: each write consumes all
 * batches first and changes nothing if they throw; cursors advance only with a commit. For tests of
 * the sync engine and of anything that drives it.
 */
import type { MetricsStorage } from '../../../../shared/config';
import type {
  FocusCostRow,
  GpuResource,
  GpuSample,
  Incident,
  StreamId,
  SyncError,
  SyncRun,
} from '../../../../shared/domain';
import type { FocusImportOptions, FocusImportResult } from '../../store/focus/index';
import type { RunStart, StoreWriter, StoredAccount, Window } from '../../store/types';
import type { GpuSampleBatch } from '../../domain/sample-columns';

const RAW_SAMPLE_RETENTION_MS = 7 * 24 * 3_600_000;

async function collect<T>(batches: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const all: T[] = [];
  for await (const batch of batches) all.push(...batch);
  return all;
}

export interface FakeStoreOptions {
  /** When runs "finish" (defaults to the wall clock, which fake timers control). */
  now?: () => Date;
}

export class FakeStore implements StoreWriter {
  readonly accounts = new Map<string, StoredAccount>();
  readonly inventory = new Map<string, GpuResource[]>();
  readonly samples = new Map<string, GpuSample[]>();
  readonly costRows = new Map<string, FocusCostRow[]>();
  readonly incidents = new Map<string, Map<string, Incident>>();
  readonly cursors = new Map<string, number>();
  /** Every committed or failed run, in the order recorded. */
  readonly runs: SyncRun[] = [];
  /** Every FOCUS import: the files as given (this fake does not read them). */
  readonly focusImports: { account: string; files: string[] }[] = [];
  /** Every window passed to writeMetrics, committed or not. */
  readonly metricsWindows: Window[] = [];
  /** The storage mode passed with each of those windows. */
  readonly metricsStorage: (MetricsStorage | undefined)[] = [];
  private readonly now: () => Date;

  constructor(options: FakeStoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
  }

  async upsertAccounts(accounts: readonly StoredAccount[]): Promise<void> {
    for (const account of accounts) this.accounts.set(account.name, { ...account });
  }

  async writeInventory(run: RunStart, batches: AsyncIterable<GpuResource[]>): Promise<number> {
    const resources = await collect(batches);
    this.inventory.set(run.account, resources);
    this.recordOk(run, resources.length);
    return resources.length;
  }

  async writeMetrics(run: RunStart, window: Window, batches: AsyncIterable<GpuSampleBatch>, storage?: MetricsStorage): Promise<number> {
    this.metricsWindows.push({ ...window });
    this.metricsStorage.push(storage);
    const incoming = await collect(batches);
    const kept = (this.samples.get(run.account) ?? []).filter((s) => s.ts < window.from || s.ts >= window.to);
    this.samples.set(run.account, [...kept, ...incoming]);
    this.cursors.set(cursorKey(run.account, 'metrics'), window.to);
    this.recordOk(run, incoming.length);
    return incoming.length;
  }

  async importFocus(files: readonly string[], account: string, _onProgress?: unknown, options: FocusImportOptions = {}): Promise<FocusImportResult> {
    this.focusImports.push({ account, files: [...files] });
    if (options.sync) {
      this.cursors.set(cursorKey(account, 'costs'), options.sync.cursor);
      this.recordOk(options.sync.run, 0);
    }
    return { account, files: [], rows: 0, replacedRows: 0 };
  }

  async writeCosts(run: RunStart, window: Window, batches: AsyncIterable<FocusCostRow[]>): Promise<number> {
    const incoming = await collect(batches);
    const inWindow = (row: FocusCostRow): boolean => {
      const start = Date.parse(row.ChargePeriodStart);
      return start >= window.from && start < window.to;
    };
    const kept = (this.costRows.get(run.account) ?? []).filter((row) => !inWindow(row));
    this.costRows.set(run.account, [...kept, ...incoming]);
    this.cursors.set(cursorKey(run.account, 'costs'), window.to);
    this.recordOk(run, incoming.length);
    return incoming.length;
  }

  async writeIncidents(run: RunStart, batches: AsyncIterable<Incident[]>): Promise<number> {
    const incoming = await collect(batches);
    const byId = this.incidents.get(run.account) ?? new Map<string, Incident>();
    for (const incident of incoming) {
      const previous = byId.get(incident.id);
      // An incident that ended stays ended even if a later read no longer reports the end.
      byId.set(incident.id, { ...incident, endedAt: incident.endedAt ?? previous?.endedAt ?? null });
    }
    this.incidents.set(run.account, byId);
    this.recordOk(run, incoming.length);
    return incoming.length;
  }

  async recordFailure(run: RunStart, error: SyncError): Promise<void> {
    this.runs.push({ ...this.runBase(run), status: 'error', rows: 0, error: { ...error } });
  }

  async cursor(account: string, stream: StreamId): Promise<number | null> {
    return this.cursors.get(cursorKey(account, stream)) ?? null;
  }

  async resources(account: string): Promise<GpuResource[]> {
    return [...(this.inventory.get(account) ?? [])];
  }

  async applyRetention(now: Date): Promise<void> {
    const oldest = now.getTime() - RAW_SAMPLE_RETENTION_MS;
    for (const [account, samples] of this.samples) this.samples.set(account, samples.filter((s) => s.ts >= oldest));
  }

  async removeAccount(account: string): Promise<number> {
    let removed = this.accounts.delete(account) ? 1 : 0;
    for (const map of [this.inventory, this.samples, this.costRows]) {
      removed += map.get(account)?.length ?? 0;
      map.delete(account);
    }
    removed += this.incidents.get(account)?.size ?? 0;
    this.incidents.delete(account);
    for (const key of [...this.cursors.keys()]) if (key.startsWith(`${account}\u0000`)) this.cursors.delete(key);
    for (let i = this.runs.length - 1; i >= 0; i--) if (this.runs[i]!.account === account) this.runs.splice(i, 1);
    return removed;
  }

  /** Runs of one account and stream, oldest first. */
  runsOf(account: string, stream: StreamId): SyncRun[] {
    return this.runs.filter((r) => r.account === account && r.stream === stream);
  }

  /** When the stream last committed, or null. */
  lastSuccessAt(account: string, stream: StreamId): Date | null {
    const ok = this.runsOf(account, stream).filter((r) => r.status === 'ok');
    const last = ok[ok.length - 1];
    return last?.finishedAt ? new Date(last.finishedAt) : null;
  }

  private runBase(run: RunStart): Omit<SyncRun, 'status' | 'rows' | 'error'> {
    return {
      id: run.id,
      account: run.account,
      stream: run.stream,
      startedAt: run.startedAt.toISOString(),
      finishedAt: this.now().toISOString(),
      attempt: run.attempt,
    };
  }

  private recordOk(run: RunStart, rows: number): void {
    this.runs.push({ ...this.runBase(run), status: 'ok', rows, error: null });
  }
}

function cursorKey(account: string, stream: StreamId): string {
  return `${account}\u0000${stream}`;
}
