/**
 * The composition root: one function builds what a Fleetpane process runs over one data folder (the
 * store, the sync engine with the triage watcher and alert rules after each commit, the accounts
 * service, the API handlers and the report schedule) and one object stops it all in order. The CLI's
 * one-shot commands, `fleetpane serve` and the desktop backend host all start here; what differs
 * between them is in RuntimeOptions. Transports (serve's HTTP server, the host's IPC) and PDF
 * printers stay with the entries: the runtime is handed a printer and gives the entry its API.
 */
import type { ApiHandlers, AppEvent } from '../../../shared/contract';
import type { AccountsService } from '../accounts/accounts-service';
import type { SecretAccessPolicy } from '../accounts/secret-access';
import type { SecretVault } from '../accounts/secret-vault';
import type { TriageWatcher } from '../analytics/triage-watcher';
import { createApi, createEventHub, type ApiMode, type EventHub, type ServeWrites } from '../api/index';
import type { PdfPrinter } from '../reports/pdf';
import { ReportScheduler } from '../reports/schedule';
import type { FleetStore } from '../store/types';
import { systemClock, type Clock } from '../sync/clock';
import type { SyncEngine } from '../sync/engine';
import { silentLogger, type Logger } from '../sync/logger';
import type { LoadedConfig } from './config-file';
import { createHeapTrim } from './heap-trim';
import { openStoreForCli } from './open-store';

export { CliError, EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_USAGE, UsageError } from './errors';
export * from './config-file';
export { openStoreForCli, prepareDataDir } from './open-store';

/** The accounts screen's service: where it saves, what it may change, where typed secrets go. */
export interface RuntimeAccountsOptions {
  /** The config file the screen saves to (null: none, serve's --demo). */
  configFile: string | null;
  /** The entries as written in that file (or the demo fleet's). */
  entries: readonly Record<string, unknown>[];
  /** Why the screen may not change accounts (serve without --manage-accounts); null: it may. */
  manageRefusal: string | null;
  vault: SecretVault;
  /** Serve: what entries from the browser may read and where they may connect. */
  secretAccess?: SecretAccessPolicy;
}


/** What the entry's printer may need from the runtime (Chromium serves the report page over the store). */
export interface PrinterParts {
  store: FleetStore;
  version: string;
}

export interface RuntimeOptions {
  /** The store folder (created owner-only unless read-only). */
  dataDir: string;
  /** The accounts to sync (validated); null: nothing syncs, the store is used as it is. */
  config: LoadedConfig | null;
  /** Open the store read-only (other readers may share it); nothing can write then. */
  readOnly?: boolean;
  /** How the API answers app:info and which channels it refuses ('serve' by default). */
  mode?: ApiMode;
  version?: string;
  /** The clock of the store, the engine, the triage watcher, the API and the report schedule. */
  clock?: Clock;
  log?: Logger;
  /** Where events go besides the runtime's own hub (the desktop host posts them to main). */
  emit?: (event: AppEvent) => void;
  /** Builds the accounts service (needs `config`); absent: accounts are listed read-only. */
  accounts?: RuntimeAccountsOptions;
  /** Serve: the kinds of write its flags opened; the API and the server refuse the rest (the desktop writes all). */
  serveWrites?: ServeWrites;
  /** Prints PDF reports; a function is called with the store once it is open. Absent: PDFs are refused. */
  printer?: PdfPrinter | ((parts: PrinterParts) => PdfPrinter);
  /** The report schedule's log (one line per run); default: the logger at info. */
  reportLog?: (line: string) => void;
  /** Opens the store (tests wrap it); default: openStoreForCli, failures as one-line CliErrors. */
  openStore?: (dataDir: string, options: { readOnly: boolean; now: () => Date }) => Promise<FleetStore>;
}

export interface Runtime extends AsyncDisposable {
  readonly dataDir: string;
  readonly store: FleetStore;
  /** Absent without accounts to sync. */
  readonly engine: SyncEngine | undefined;
  readonly triage: TriageWatcher | undefined;
  readonly accounts: AccountsService | undefined;
  readonly api: ApiHandlers;
  /** Every event of this runtime (sync progress, data changes, alerts): serve streams it as SSE. */
  readonly events: EventHub;
  readonly printer: PdfPrinter | undefined;
  readonly reports: ReportScheduler;
  /** Whether the fleet shown is the simulated demo fleet. */
  demo(): boolean;
  /** Starts the sync schedules and the report schedule (one-shot commands never call it). */
  start(): void;
  /** Stops the report schedule, the sync runs, the triage watcher, then closes the store; once. */
  close(): Promise<void>;
  /** What close() is waiting on, for an entry that must give up after a while. */
  readonly closing: string | null;
}

/** Builds everything over `options.dataDir`; nothing runs on a schedule until start(). */
export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const log = options.log ?? silentLogger;
  const version = options.version ?? '0.0.0';
  const readOnly = options.readOnly ?? false;
  const store = await (options.openStore ?? openStoreForCli)(options.dataDir, { readOnly, now });
  try {
    return await assemble(options, store, { clock, now, log, version, readOnly });
  } catch (error) {
    await store.close();
    throw error;
  }
}

async function assemble(
  options: RuntimeOptions,
  store: FleetStore,
  { clock, now, log, version, readOnly }: { clock: Clock; now: () => Date; log: Logger; version: string; readOnly: boolean },
): Promise<Runtime> {
  const events = createEventHub();
  let accounts: AccountsService | undefined;
  const config = options.config;
  // A syncing serve (or `fleetpane sync`) gives garbage back after sync batches (heap-trim.ts); the
  // desktop host runs beside its own Electron process and keeps V8's default.
  const heapTrim = (options.mode ?? 'serve') === 'serve' && config !== null && !readOnly ? createHeapTrim() : undefined;
  const emit = (event: AppEvent): void => {
    events.emit(event);
    options.emit?.(event);
    accounts?.onEvent(event);
    heapTrim?.onEvent(event);
  };
  let engine: SyncEngine | undefined;
  let triage: TriageWatcher | undefined;
  if (config !== null && !readOnly) {
    // Only a runtime that syncs loads the registry, and each provider's SDK loads with its first account.
    const { createEngineWithTriage } = await import('../sync/wiring');
    ({ engine, triage } = await createEngineWithTriage(store, config.accounts, emit, log, clock));
    if (options.accounts) {
      const { createAccountsService } = await import('../accounts/wiring');
      accounts = await createAccountsService({
        store,
        engine,
        configFile: options.accounts.configFile,
        entries: options.accounts.entries,
        manageRefusal: options.accounts.manageRefusal,
        vault: options.accounts.vault,
        log: (line) => log.warn(line),
        ...(options.accounts.secretAccess ? { secretAccess: options.accounts.secretAccess } : {}),
      });
    }
  }
  // A store used as it is shows the demo label when everything in it is the demo fleet.
  const storeDemo = config === null ? await storeHoldsOnlyDemo(store, now()) : config.demo;
  const demo = (): boolean => (accounts ? accounts.demoOnly() : storeDemo);
  const printer = typeof options.printer === 'function' ? options.printer({ store, version }) : options.printer;
  const mode = options.mode ?? 'serve';
  const service = accounts;
  const watcher = triage;
  const api = createApi({
    store,
    ...(engine ? { engine } : {}),
    ...(service ? { accounts: service } : {}),
    mode,
    version,
    demo,
    now,
    ...(printer ? { printPdf: printer } : {}),
    emitSpendEvent: emit,
    ...(options.serveWrites ? { serveWrites: options.serveWrites } : {}),
    // Rollups-only accounts' machine minutes are asked of their metrics source through the connector.
    ...(engine ? { machineSource: (name: string) => engine?.connectorOf(name) } : {}),
    // Edited alert rules take effect at once, not at the next commit.
    ...(watcher ? { onAlertSettingsChanged: () => void watcher.evaluateAlerts() } : {}),
  });
  const reports = new ReportScheduler({
    store,
    ...(printer ? { printPdf: printer } : {}),
    now,
    log: options.reportLog ?? ((line) => log.info(line)),
  });

  let started = false;
  let closing: string | null = null;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      // The schedule first (it may be printing from the store), then the sync runs and the signals
      // they trigger, and the store last, when nothing can write to it any more.
      closing = 'scheduled reports';
      await reports.stop();
      closing = 'sync runs';
      await engine?.stop();
      watcher?.stop();
      closing = 'the store';
      await store.close();
      closing = null;
    })();
    return closed;
  };
  return {
    dataDir: options.dataDir,
    store,
    engine,
    triage,
    accounts,
    api,
    events,
    printer,
    reports,
    demo,
    start() {
      if (started || closed) return;
      started = true;
      engine?.start();
      // On a read-only store the schedule says it cannot run, once.
      reports.start();
    },
    close,
    get closing() {
      return closing;
    },
    [Symbol.asyncDispose]: close,
  };
}

async function storeHoldsOnlyDemo(store: FleetStore, asOf: Date): Promise<boolean> {
  const { accounts } = await store.accounts(asOf);
  return accounts.length > 0 && accounts.every((account) => account.demo);
}
