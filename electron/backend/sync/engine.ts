/**
 * The sync engine: drives each account's connector stream by stream, validates every batch, writes
 * through the store, retries what is worth retrying and records what failed. It runs either once
 * (`fleetpane sync`) or on per-stream schedules (desktop and serve mode).
 */
import { randomUUID } from 'node:crypto';
import type { AccountConfigBase } from '../../../shared/config';
import { ApiError, type AppEvent } from '../../../shared/contract';
import type { GpuResource, ProviderId, StreamId, SyncError } from '../../../shared/domain';
import { ConnectorError, MalformedResponseError, type Connector, type FocusExportFiles } from '../providers/types';
import { isWriteConflict } from '../store/errors';
import { FocusImportError } from '../store/focus/index';
import { safeErrorMessage, safeErrorText, safeLogger } from './safe-error';
import type { RunStart, StoreWriter, Window } from '../store/types';
import { backoffDelayMs, shouldRetry } from './backoff';
import { abortReason, sleep, systemClock, type Clock, type TimerHandle } from './clock';
import { intervalSeconds } from './freshness';
import { silentLogger, type Logger } from './logger';
import { Semaphore } from '../providers/common/semaphore';
import { ReadAhead } from './read-ahead';
import { CLOCK_STRIDE, TurnBudget } from '../store/event-loop-turns';
import type { AccountSyncSummary, StreamSyncSummary, SyncSummary, SyncWindow } from './summary';
import { checkCostRows, checkIncidents, checkResources, checkSampleColumns, checkSamples, requireArray, type BatchOrigin } from './validate';
import { GpuSampleColumns, type GpuSampleBatch } from '../domain/sample-columns';
import { costsWindow, metricsChunking, metricsWindows } from './windows';

/** One configured account and the connector that reads it. */
export interface SyncAccount {
  config: AccountConfigBase;
  connector: Connector;
}

export interface SyncEngineOptions {
  store: StoreWriter;
  accounts: readonly SyncAccount[];
  clock?: Clock;
  /** Uniform in [0, 1); drives backoff jitter. */
  random?: () => number;
  emit?: (event: AppEvent) => void;
  /** Stream runs allowed at once per provider, across its accounts (default 2). */
  concurrencyPerProvider?: number;
  /** Attempts per run before it is recorded as failed (default 4). */
  maxAttempts?: number;
  log?: Logger;
  /**
   * Called after a stream's data committed (derived signals and alerts hook in here); awaited so
   * `syncOnce` includes it, and its failures are logged, never recorded as the stream's.
   */
  afterCommit?: (account: string, stream: StreamId) => Promise<void>;
  /**
   * Samples of the next metrics chunk read ahead from the connector while the previous chunk is
   * written (default 250,000, about 50 MB); 0 reads each chunk only when its write begins.
   */
  metricsReadAheadSamples?: number;
}

export interface SyncOnceOptions {
  /** Account names to sync; all enabled accounts when omitted. */
  accounts?: readonly string[];
  /** Aborts this sync (stop() aborts it too). */
  signal?: AbortSignal;
}

/** Streams that need the inventory first, in the order the pane cares about them. */
const AFTER_INVENTORY: readonly StreamId[] = ['metrics', 'costs', 'incidents'];
const RETENTION_EVERY_MS = 60 * 60_000;
const STOPPED: SyncError = { kind: 'internal', message: 'sync stopped before it finished', retryAfterMs: null };

interface StreamSlot {
  readonly stream: StreamId;
  running: Promise<StreamSyncSummary> | null;
  queued: Promise<StreamSyncSummary> | null;
  timer: TimerHandle | null;
  /** When the timer fires (epoch ms), for the accounts screen's "next sync". */
  dueAt: number | null;
}

interface AccountEntry {
  /** Replaced (not mutated) when the account is switched on or off. */
  config: AccountConfigBase;
  readonly connector: Connector;
  readonly slots: Readonly<Record<StreamId, StreamSlot>>;
  /** Aborted when the account is removed, so its runs stop without stopping the others. */
  readonly removed: AbortController;
}

/** Writes one run's batches to the store and returns the rows committed. */
type RunWrite = (run: RunStart, signal: AbortSignal, onBatch: (rowsSoFar: number) => void) => Promise<number>;

/** What one stream will ask for: its window (for the summary) and one write per run (metrics: per chunk). */
interface StreamPlan {
  window: Window | null;
  runs: RunWrite[];
  /** Called once the runs are over (or given up): stops reading ahead what no run will write. */
  dispose?: () => void;
}

/** Default of SyncEngineOptions.metricsReadAheadSamples. */
const METRICS_READ_AHEAD_SAMPLES = 250_000;

type RunOutcome =
  | { status: 'ok'; rows: number; attempts: number }
  | { status: 'failed'; error: SyncError; attempts: number }
  | { status: 'aborted'; attempts: number };

function storedAccount(config: AccountConfigBase): { name: string; provider: ProviderId; enabled: boolean; intervals: AccountConfigBase['syncIntervals'] } {
  return { name: config.name, provider: config.provider, enabled: config.enabled, intervals: config.syncIntervals };
}

/** Turns anything thrown into the SyncError the store records, its text made safe to store and show. */
export function toSyncError(error: unknown): SyncError {
  if (error instanceof ConnectorError) {
    const after = error.retryAfterMs;
    return {
      kind: error.kind,
      message: safeErrorText(error.message),
      retryAfterMs: after !== null && Number.isFinite(after) ? Math.max(0, Math.ceil(after)) : null,
    };
  }
  // Another account's transaction won the row: transient, so retried like an unavailable provider.
  if (isWriteConflict(error)) return { kind: 'unavailable', message: firstLine(safeErrorMessage(error)), retryAfterMs: null };
  return { kind: 'internal', message: safeErrorMessage(error), retryAfterMs: null };
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function toSyncWindow(window: Window | null): SyncWindow | null {
  return window && { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() };
}

export class SyncEngine {
  private readonly store: StoreWriter;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly emitEvent: (event: AppEvent) => void;
  private readonly log: Logger;
  private readonly afterCommit: ((account: string, stream: StreamId) => Promise<void>) | undefined;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly readAheadSamples: number;
  private readonly entries = new Map<string, AccountEntry>();
  private readonly semaphores = new Map<ProviderId, Semaphore>();
  private readonly active = new Set<Promise<unknown>>();
  private lifecycle = new AbortController();
  private started = false;
  private registered: Promise<void> | null = null;
  private retentionTimer: TimerHandle | null = null;

  constructor(options: SyncEngineOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.emitEvent = options.emit ?? (() => undefined);
    this.log = safeLogger(options.log ?? silentLogger);
    this.afterCommit = options.afterCommit;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.concurrency = options.concurrencyPerProvider ?? 2;
    this.readAheadSamples = options.metricsReadAheadSamples ?? METRICS_READ_AHEAD_SAMPLES;
    if (!Number.isInteger(this.readAheadSamples) || this.readAheadSamples < 0) throw new RangeError('metricsReadAheadSamples must be a non-negative integer');
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1) throw new RangeError('maxAttempts must be a positive integer');
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError('concurrencyPerProvider must be a positive integer');
    for (const account of options.accounts) this.entries.set(account.config.name, this.newEntry(account));
  }

  private newEntry({ config, connector }: SyncAccount): AccountEntry {
    if (this.entries.has(config.name)) throw new Error(`account "${config.name}" is configured twice`);
    if (connector.account !== config.name || connector.provider !== config.provider) {
      throw new Error(`account "${config.name}" (${config.provider}) was given the connector of "${connector.account}" (${connector.provider})`);
    }
    const slot = (stream: StreamId): StreamSlot => ({ stream, running: null, queued: null, timer: null, dueAt: null });
    return {
      config,
      connector,
      slots: { inventory: slot('inventory'), metrics: slot('metrics'), costs: slot('costs'), incidents: slot('incidents') },
      removed: new AbortController(),
    };
  }

  /** Names of the accounts the engine drives. */
  accountNames(): string[] {
    return [...this.entries.keys()];
  }

  /** The connector of an account (the accounts screen asks it for its API budget), if configured. */
  connectorOf(account: string): Connector | undefined {
    return this.entries.get(account)?.connector;
  }

  /** When a stream of an account runs next, or null when nothing is scheduled. */
  nextSyncAt(account: string, stream: StreamId): Date | null {
    const due = this.entries.get(account)?.slots[stream].dueAt ?? null;
    return due === null ? null : new Date(due);
  }

  /**
   * Adds an account at runtime (accounts screen): registers it with the store and, when the
   * schedules run and it is enabled, syncs it now.
   */
  async addAccount(account: SyncAccount): Promise<void> {
    const entry = this.newEntry(account);
    await this.store.upsertAccounts([storedAccount(entry.config)]);
    this.entries.set(entry.config.name, entry);
    if (this.started && entry.config.enabled) this.kick(entry);
  }

  /**
   * Removes an account at runtime: its timers stop, its runs in flight are aborted and awaited (at
   * most `graceMs`). Its stored data stays until the caller removes it from the store.
   */
  async removeAccount(account: string, graceMs = 10_000): Promise<void> {
    const entry = this.entries.get(account);
    if (!entry) return;
    this.entries.delete(account);
    for (const slot of Object.values(entry.slots)) this.clearTimer(slot);
    entry.removed.abort();
    const inFlight = Object.values(entry.slots).flatMap((slot) => [slot.running, slot.queued].filter((p): p is Promise<StreamSyncSummary> => p !== null));
    let timer: TimerHandle | null = null;
    const graceOver = new Promise<void>((resolve) => {
      timer = this.clock.setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled(inFlight), graceOver]);
    if (timer !== null) this.clock.clearTimeout(timer);
  }

  /** Switches an account's syncing on (syncs it now when the schedules run) or off (its timers stop). */
  async setEnabled(account: string, enabled: boolean): Promise<void> {
    const entry = this.entries.get(account);
    if (!entry) throw new ApiError('not-found', `no account named "${account}" is configured`);
    entry.config = { ...entry.config, enabled };
    await this.store.upsertAccounts([storedAccount(entry.config)]);
    if (!enabled) {
      for (const slot of Object.values(entry.slots)) this.clearTimer(slot);
    } else if (this.started) {
      this.kick(entry);
    }
  }

  /** True between start() and stop(). */
  get isRunning(): boolean {
    return this.started;
  }

  /** One full sync of the selected (default: every enabled) account: inventory first, then metrics, costs and incidents. */
  async syncOnce(options: SyncOnceOptions = {}): Promise<SyncSummary> {
    const entries = this.select(options.accounts);
    const signal = options.signal ? AbortSignal.any([this.lifecycle.signal, options.signal]) : this.lifecycle.signal;
    const startedAt = this.clock.now();
    await this.register();
    const accounts = await this.track(Promise.all(entries.map((entry) => this.syncAccount(entry, AbortSignal.any([signal, entry.removed.signal])))));
    await this.applyRetention();
    const ok = accounts.every((a) => Object.values(a.streams).every((s) => s.status === 'ok'));
    return { startedAt: startedAt.toISOString(), finishedAt: this.clock.now().toISOString(), ok, accounts };
  }

  /** Starts the schedules: every enabled account syncs now (inventory first), then each stream at its interval. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.log.info('sync schedules started', { accounts: this.enabledEntries().length });
    for (const entry of this.enabledEntries()) this.kick(entry);
    this.scheduleRetention();
  }

  /**
   * Stops the schedules, aborts runs in flight and waits for them to settle, at most `graceMs`
   * (a connector that ignores its signal must not hang the app's exit).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.started = false;
    for (const entry of this.entries.values()) {
      for (const slot of Object.values(entry.slots)) this.clearTimer(slot);
    }
    if (this.retentionTimer !== null) this.clock.clearTimeout(this.retentionTimer);
    this.retentionTimer = null;
    this.lifecycle.abort();
    let timer: TimerHandle | null = null;
    const graceOver = new Promise<'timeout'>((resolve) => {
      timer = this.clock.setTimeout(() => resolve('timeout'), graceMs);
    });
    // Runs queued behind aborted ones start, see the abort and end at once; wait for those too.
    const settled = (async (): Promise<'settled'> => {
      while (this.active.size > 0) await Promise.allSettled([...this.active]);
      return 'settled';
    })();
    const outcome = await Promise.race([settled, graceOver]);
    if (timer !== null) this.clock.clearTimeout(timer);
    if (outcome === 'timeout') this.log.warn('sync runs still busy after stop; not waiting longer', { runs: this.active.size, graceMs });
    this.lifecycle = new AbortController();
    this.log.info('sync schedules stopped');
  }

  /** Syncs every stream of one account (or all enabled accounts) now, without waiting; returns the accounts started. */
  syncNow(account?: string): string[] {
    const entries = this.select(account === undefined ? undefined : [account]);
    for (const entry of entries) this.kick(entry);
    return entries.map((e) => e.config.name);
  }

  private enabledEntries(): AccountEntry[] {
    return [...this.entries.values()].filter((e) => e.config.enabled);
  }

  private select(names: readonly string[] | undefined): AccountEntry[] {
    if (names === undefined) return this.enabledEntries();
    return names.map((name) => {
      const entry = this.entries.get(name);
      if (!entry) throw new ApiError('not-found', `no account named "${name}" is configured`);
      if (!entry.config.enabled) throw new ApiError('bad-request', `account "${name}" is disabled`);
      return entry;
    });
  }

  /** Registers the configured accounts with the store once (retried next time if it failed). */
  private register(): Promise<void> {
    this.registered ??= this.store
      .upsertAccounts([...this.entries.values()].map(({ config }) => storedAccount(config)))
      .catch((error: unknown) => {
        this.registered = null;
        throw error;
      });
    return this.registered;
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.active.add(promise);
    const forget = (): void => {
      this.active.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Runs an account's streams in the background: inventory, then the rest. */
  private kick(entry: AccountEntry): void {
    const signal = AbortSignal.any([this.lifecycle.signal, entry.removed.signal]);
    void this.track(
      (async () => {
        try {
          await this.register();
        } catch (error) {
          this.log.error('could not register accounts with the store', { message: toSyncError(error).message });
        }
        await this.syncAccount(entry, signal);
      })(),
    );
  }

  private async syncAccount(entry: AccountEntry, signal: AbortSignal): Promise<AccountSyncSummary> {
    const inventory = await this.runSlot(entry, 'inventory', signal);
    // A failed inventory still leaves the previous snapshot in the store for the other streams.
    // Metrics and incidents both read it: the store keeps one read until an inventory write changes
    // it (at 12,500 machines a read was a fixed cost of every sync).
    const [metrics, costs, incidents] = await Promise.all(AFTER_INVENTORY.map((stream) => this.runSlot(entry, stream, signal)));
    return {
      account: entry.config.name,
      provider: entry.config.provider,
      streams: { inventory, metrics: metrics!, costs: costs!, incidents: incidents! },
    };
  }

  /** Runs a stream unless it is already running; then one more run is queued behind it (shared by every caller). */
  private runSlot(entry: AccountEntry, stream: StreamId, signal: AbortSignal): Promise<StreamSyncSummary> {
    const slot = entry.slots[stream];
    if (slot.running === null) return this.startSlot(entry, slot, signal);
    slot.queued ??= slot.running.then(() => {
      slot.queued = null;
      return this.startSlot(entry, slot, signal);
    });
    return slot.queued;
  }

  private startSlot(entry: AccountEntry, slot: StreamSlot, signal: AbortSignal): Promise<StreamSyncSummary> {
    this.clearTimer(slot);
    const run = this.runStream(entry, slot.stream, signal).then((summary) => {
      slot.running = null;
      this.scheduleNext(entry, slot, summary);
      return summary;
    });
    slot.running = run;
    return this.track(run);
  }

  private clearTimer(slot: StreamSlot): void {
    if (slot.timer !== null) this.clock.clearTimeout(slot.timer);
    slot.timer = null;
    slot.dueAt = null;
  }

  /** Next run one interval after this one ended; after a failure, not before the provider's Retry-After either. */
  private scheduleNext(entry: AccountEntry, slot: StreamSlot, summary: StreamSyncSummary): void {
    if (!this.started || !entry.config.enabled || slot.queued !== null || entry.removed.signal.aborted) return;
    const intervalMs = intervalSeconds(entry.config.syncIntervals, slot.stream) * 1000;
    const delayMs = summary.status === 'ok' ? intervalMs : Math.max(intervalMs, summary.error?.retryAfterMs ?? 0);
    this.clearTimer(slot);
    slot.dueAt = this.clock.now().getTime() + delayMs;
    slot.timer = this.clock.setTimeout(() => {
      slot.timer = null;
      slot.dueAt = null;
      void this.runSlot(entry, slot.stream, AbortSignal.any([this.lifecycle.signal, entry.removed.signal]));
    }, delayMs);
  }

  private scheduleRetention(): void {
    this.retentionTimer = this.clock.setTimeout(() => {
      this.retentionTimer = null;
      void this.track(this.applyRetention()).then(() => {
        if (this.started) this.scheduleRetention();
      });
    }, RETENTION_EVERY_MS);
  }

  private async applyRetention(): Promise<void> {
    try {
      await this.store.applyRetention(this.clock.now());
    } catch (error) {
      this.log.error('retention failed', { message: toSyncError(error).message });
    }
  }

  private emit(event: AppEvent): void {
    try {
      this.emitEvent(event);
    } catch (error) {
      this.log.warn('event listener threw', { type: event.type, message: toSyncError(error).message });
    }
  }

  private semaphore(provider: ProviderId): Semaphore {
    let semaphore = this.semaphores.get(provider);
    if (!semaphore) {
      semaphore = new Semaphore(this.concurrency);
      this.semaphores.set(provider, semaphore);
    }
    return semaphore;
  }

  private newRun(account: string, stream: StreamId, attempt: number): RunStart {
    return { id: randomUUID(), account, stream, startedAt: this.clock.now(), attempt };
  }

  /** One sync of one stream: every run of its plan in order, stopping at the first that fails. Never rejects. */
  private async runStream(entry: AccountEntry, stream: StreamId, signal: AbortSignal): Promise<StreamSyncSummary> {
    const account = entry.config.name;
    const fields = { account, stream };
    let rows = 0;
    let attempts = 0;
    let window: Window | null = null;
    let error: SyncError | null = null;
    let plan: StreamPlan | null = null;
    this.emit({ type: 'sync-progress', account, stream, phase: 'started', rows: 0, error: null });
    this.log.debug('sync started', fields);
    try {
      if (signal.aborted) throw abortReason(signal);
      plan = await this.plan(entry, stream, signal);
      window = plan.window;
      for (const write of plan.runs) {
        const outcome = await this.attempt(entry, stream, signal, write, (rowsSoFar) =>
          this.emit({ type: 'sync-progress', account, stream, phase: 'batch', rows: rows + rowsSoFar, error: null }),
        );
        attempts = Math.max(attempts, outcome.attempts);
        if (outcome.status === 'aborted') {
          error = STOPPED;
          break;
        }
        if (outcome.status === 'failed') {
          error = outcome.error;
          break;
        }
        rows += outcome.rows;
        this.emit({ type: 'data-changed', account, streams: [stream] });
      }
    } catch (thrown) {
      // Reading the cursor or the inventory failed before any run began (or we were stopped).
      if (signal.aborted) {
        error = STOPPED;
      } else {
        error = toSyncError(thrown);
        attempts = Math.max(attempts, 1);
        await this.recordFailure(this.newRun(account, stream, 1), error);
      }
    } finally {
      plan?.dispose?.();
    }
    if (error === null && this.afterCommit !== undefined) {
      try {
        await this.afterCommit(account, stream);
      } catch (thrown) {
        this.log.warn('after-commit hook failed', { ...fields, message: toSyncError(thrown).message });
      }
    }
    if (error === null) {
      this.emit({ type: 'sync-progress', account, stream, phase: 'finished', rows, error: null });
      this.log.info('sync finished', { ...fields, rows, attempts });
    } else {
      this.emit({ type: 'sync-progress', account, stream, phase: 'failed', rows, error });
      const log = error === STOPPED ? this.log.info : this.log.warn;
      log.call(this.log, 'sync failed', { ...fields, rows, attempts, kind: error.kind, message: error.message });
    }
    return { status: error === null ? 'ok' : 'error', rows, attempts, error, window: toSyncWindow(window) };
  }

  /** Runs one write with retries; records the failure once it gives up. */
  private async attempt(
    entry: AccountEntry,
    stream: StreamId,
    signal: AbortSignal,
    write: RunWrite,
    onBatch: (rowsSoFar: number) => void,
  ): Promise<RunOutcome> {
    const account = entry.config.name;
    const semaphore = this.semaphore(entry.config.provider);
    let internalFailures = 0;
    for (let attempt = 1; ; attempt++) {
      let error: SyncError;
      try {
        const release = await semaphore.acquire(signal);
        const run = this.newRun(account, stream, attempt);
        try {
          const rows = await write(run, signal, onBatch);
          return { status: 'ok', rows, attempts: attempt };
        } catch (thrown) {
          if (signal.aborted) return { status: 'aborted', attempts: attempt };
          error = toSyncError(thrown);
          if (error.kind === 'internal') internalFailures += 1;
          if (!shouldRetry(error, attempt, this.maxAttempts, internalFailures)) {
            await this.recordFailure(run, error);
            return { status: 'failed', error, attempts: attempt };
          }
        } finally {
          // Never hold a permit while backing off: other accounts of the provider may proceed.
          release();
        }
      } catch (thrown) {
        // Only the permit wait gets here, and only when stopped.
        if (signal.aborted) return { status: 'aborted', attempts: attempt - 1 };
        throw thrown;
      }
      const delayMs = backoffDelayMs(attempt, this.random, error.retryAfterMs);
      this.log.warn('sync attempt failed, retrying', { account, stream, attempt, kind: error.kind, message: error.message, delayMs });
      try {
        await sleep(this.clock, delayMs, signal);
      } catch {
        return { status: 'aborted', attempts: attempt };
      }
    }
  }

  private async recordFailure(run: RunStart, error: SyncError): Promise<void> {
    try {
      await this.store.recordFailure(run, { ...error, message: safeErrorText(error.message) });
    } catch (thrown) {
      this.log.error('could not record a failed sync', { account: run.account, stream: run.stream, message: toSyncError(thrown).message });
    }
  }

  /**
   * Imports a connector's FOCUS export files of every billing period through the store's FOCUS
   * importer, all in one transaction with the run (a bad file refuses the whole sync, nothing is
   * written); the downloaded files are deleted afterwards whatever happened.
   */
  private async importFocusExports(
    run: RunStart,
    cursor: number,
    exports: AsyncIterable<FocusExportFiles>,
    signal: AbortSignal,
    onBatch: (rowsSoFar: number) => void,
  ): Promise<number> {
    const periods: FocusExportFiles[] = [];
    try {
      for await (const period of exports) {
        periods.push(period);
        if (signal.aborted) throw abortReason(signal);
      }
      if (signal.aborted) throw abortReason(signal);
      const files = periods.flatMap((p) => p.files);
      try {
        const result = await this.store.importFocus(files, run.account, undefined, { sync: { run, cursor } });
        onBatch(result.rows);
        return result.rows;
      } catch (error) {
        // The provider's file is what is wrong: name it (never its content), the store is unchanged.
        if (error instanceof FocusImportError) {
          const period = periods.find((p) => p.files.includes(error.file))?.billingPeriod;
          throw new MalformedResponseError(`FOCUS export${period ? ` of billing period ${period}` : ''}: ${error.message}; nothing of this sync was imported`, { cause: error });
        }
        throw error;
      }
    } finally {
      for (const p of periods) {
        await p.dispose().catch((error: unknown) => this.log.warn('could not delete downloaded FOCUS export files', { account: run.account, message: toSyncError(error).message }));
      }
    }
  }

  /** Decides the windows and builds the writes; reads the store's cursor and inventory as needed. */
  private async plan(entry: AccountEntry, stream: StreamId, signal: AbortSignal): Promise<StreamPlan> {
    const { config, connector } = entry;
    const storedResources = (): Promise<readonly GpuResource[]> => this.store.resources(config.name);
    const origin: BatchOrigin = { account: config.name, stream };
    const now = this.clock.now();
    switch (stream) {
      case 'inventory':
        return {
          window: null,
          runs: [
            (run, signal, onBatch) => {
              const seen = new Set<string>();
              const batches = connector.inventory({ signal, now: run.startedAt });
              return this.store.writeInventory(run, checked(batches, origin, signal, (b, i) => checkResources(origin, b, i, seen), onBatch));
            },
          ],
        };
      case 'metrics': {
        const [cursor, resources] = await Promise.all([this.store.cursor(config.name, 'metrics'), storedResources()]);
        const storage = connector.metricsStorage ?? 'raw';
        // A rollups-only account's windows re-read the 5-minute bucket the cursor falls in (the source
        // still holds those minutes); either mode's hold at most so many samples (windows.ts says why).
        const { alignFromMs, chunkMs } = metricsChunking(storage, resources.reduce((n, r) => n + r.gpuCount, 0));
        const chunks = metricsWindows(cursor, now, config.metricsBackfillHours, alignFromMs, chunkMs);
        const first = chunks[0];
        const last = chunks[chunks.length - 1];
        // Chunk index -> its stream read ahead, for the chunk's first attempt (a retry asks again).
        const ahead = new Map<number, ReadAhead<GpuSampleBatch> | 'taken'>();
        const readAhead = (index: number): void => {
          const chunk = chunks[index];
          if (chunk === undefined || ahead.has(index) || this.readAheadSamples === 0 || signal.aborted) return;
          // Reading ahead is a stream run of the provider like any other: only with a permit free now
          // (never waiting for one, so it cannot hold up the runs it would wait behind).
          const release = this.semaphore(config.provider).tryAcquire();
          if (release === null) return;
          const stop = new AbortController();
          const source = connector.metrics({ signal: AbortSignal.any([signal, stop.signal]), now: this.clock.now(), from: chunk.from, to: chunk.to, resources });
          ahead.set(index, new ReadAhead(source, this.readAheadSamples, stop, release));
        };
        return {
          window: first && last ? { from: first.from, to: last.to } : null,
          runs: chunks.map((chunk, index): RunWrite => (run, runSignal, onBatch) => {
            const early = ahead.get(index);
            ahead.set(index, 'taken');
            const batches =
              early instanceof ReadAhead ? early : connector.metrics({ signal: runSignal, now: run.startedAt, from: chunk.from, to: chunk.to, resources });
            // Once this chunk's source is read, the next chunk's queries start while this one is written.
            const thenNext = whenEnded(batches, () => readAhead(index + 1));
            const samples = checked(thenNext, origin, runSignal, (b, i) => checkSamples(origin, b, i, chunk), onBatch, (b, from, to, i) =>
              checkSampleColumns(origin, b, from, to, i, chunk),
            );
            return this.store.writeMetrics(run, chunk, samples, storage);
          }),
          dispose: () => {
            for (const early of ahead.values()) if (early instanceof ReadAhead) void early.cancel();
          },
        };
      }
      case 'costs': {
        // A connector with no billing source does not own the account's cost rows: replacing the
        // window with its empty stream would delete what was imported by hand (fleetpane import-focus).
        if (connector.bills === false) return { window: null, runs: [] };
        const window = costsWindow(now, config.costsLookbackDays);
        if (connector.focusExports) {
          const exports = connector.focusExports.bind(connector);
          return {
            window,
            runs: [
              (run, signal, onBatch) =>
                this.importFocusExports(run, window.to, exports({ signal, now: run.startedAt, ...window }), signal, onBatch),
            ],
          };
        }
        return {
          window,
          runs: [
            (run, signal, onBatch) => {
              const batches = connector.costs({ signal, now: run.startedAt, ...window });
              return this.store.writeCosts(run, window, checked(batches, origin, signal, (b, i) => checkCostRows(origin, b, i, window), onBatch));
            },
          ],
        };
      }
      case 'incidents': {
        const resources = await storedResources();
        return {
          window: null,
          runs: [
            (run, signal, onBatch) => {
              const batches = connector.incidents({ signal, now: run.startedAt, resources });
              return this.store.writeIncidents(run, checked(batches, origin, signal, (b, i) => checkIncidents(origin, b, i), onBatch));
            },
          ],
        };
      }
    }
  }
}

/** Passes `source` through and calls `ended` once it has ended without error. */
async function* whenEnded<T>(source: AsyncIterable<T>, ended: () => void): AsyncGenerator<T> {
  yield* source;
  ended();
}

/**
 * Passes a connector's batches to the store after validating each one. Throws if stopped, so a
 * connector that simply ends on abort cannot make a partial inventory look complete. With
 * `checkColumns`, a batch of sample columns is checked by it, row range by row range, and passed on as is.
 */
function checked<T>(
  source: AsyncIterable<unknown>,
  origin: BatchOrigin,
  signal: AbortSignal,
  check: (batch: unknown[], firstIndex: number) => T[],
  onBatch: (rowsSoFar: number) => void,
): AsyncGenerator<T[]>;
function checked<T>(
  source: AsyncIterable<unknown>,
  origin: BatchOrigin,
  signal: AbortSignal,
  check: (batch: unknown[], firstIndex: number) => T[],
  onBatch: (rowsSoFar: number) => void,
  checkColumns: (batch: GpuSampleColumns, from: number, to: number, firstIndex: number) => void,
): AsyncGenerator<T[] | GpuSampleColumns>;
async function* checked<T>(
  source: AsyncIterable<unknown>,
  origin: BatchOrigin,
  signal: AbortSignal,
  check: (batch: unknown[], firstIndex: number) => T[],
  onBatch: (rowsSoFar: number) => void,
  checkColumns?: (batch: GpuSampleColumns, from: number, to: number, firstIndex: number) => void,
): AsyncGenerator<T[] | GpuSampleColumns> {
  let seen = 0;
  const turns = new TurnBudget();
  for await (const batch of source) {
    if (signal.aborted) throw abortReason(signal);
    if (checkColumns && batch instanceof GpuSampleColumns) {
      for (let from = 0; from < batch.length; from += CLOCK_STRIDE) {
        if (turns.due()) await turns.turn();
        checkColumns(batch, from, Math.min(batch.length, from + CLOCK_STRIDE), seen);
      }
      seen += batch.length;
      onBatch(seen);
      yield batch;
      continue;
    }
    const items = requireArray(origin, batch, seen);
    // In slices of the budget's stride, each check per item: a whole batch checked at once held
    // serve's event loop (issue 16).
    const valid: T[] = [];
    for (let from = 0; from < items.length; from += CLOCK_STRIDE) {
      if (turns.due()) await turns.turn();
      valid.push(...check(items.slice(from, from + CLOCK_STRIDE), seen + from));
    }
    seen += items.length;
    onBatch(seen);
    yield valid;
  }
  if (signal.aborted) throw abortReason(signal);
}
