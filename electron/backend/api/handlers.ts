/**
 * The backend's implementation of the contract: one handler per channel, over the store (reads) and
 * the sync engine (sync:now). The same handlers serve Electron IPC and serve mode's HTTP routes.
 */
import { ApiError, FleetFilter, type ApiHandlers, type AppEvent, type ChannelId } from '../../../shared/contract';
import type { FleetStore } from '../store/types';
import { createTriageHandlers } from './triage-handlers';
import { createSpendHandlers } from './spend-handlers';
import type { PdfPrinter } from '../reports/pdf';
import { createAccountsHandlers } from './accounts-handlers';
import type { AccountsService } from '../accounts/accounts-service';

/** What the API needs from the sync engine: a way to start a sync now. */
export interface SyncTrigger {
  /** Starts syncing one account (or every enabled one) without waiting; returns the accounts started. */
  syncNow(account?: string): readonly string[] | Promise<readonly string[]>;
}

export type ApiMode = 'desktop' | 'serve';

export interface CreateApiOptions {
  store: FleetStore;
  /** Absent when the backend only serves the store as it is (serve without --config, overview). */
  engine?: SyncTrigger;
  mode: ApiMode;
  version: string;
  /** Whether the fleet shown is the simulated demo fleet (asked on every app:info). */
  demo: () => boolean;
  now?: () => Date;
  /** Prints PDF cost reports (Chromium in serve mode and the CLI, printToPDF in the app). */
  printPdf?: PdfPrinter;
  /** Receives FOCUS import progress and data-changed events. */
  emitSpendEvent?: (event: AppEvent) => void;
  /** The accounts screen's backend (desktop; serve with --config); absent: accounts are listed read-only. */
  accounts?: AccountsService;
  /** Called after alert rules were saved (the desktop and serve re-evaluate them). */
  onAlertSettingsChanged?: () => void;
}

/**
 * Channels that change data beyond syncing (settings, account edits, imports). Serve mode refuses
 * them: its API is read-only. None exist yet; add a channel here when it does.
 */
export const DATA_CHANGING_CHANNELS: ReadonlySet<ChannelId> = new Set<ChannelId>([
  'spend:budget-save',
  'spend:budget-delete',
  'spend:import-focus',
  'reports:save',
  'reports:delete',
]);

function asOfDate(asOf: string | undefined, now: () => Date): Date {
  return asOf === undefined ? now() : new Date(asOf);
}

function filterOf(filter: FleetFilter | undefined): FleetFilter {
  return filter ?? FleetFilter.parse({});
}

/** Builds the handlers for every channel of the contract. */
export function createApi(options: CreateApiOptions): ApiHandlers {
  const { store, engine, mode, version, demo } = options;
  const now = options.now ?? (() => new Date());

  const handlers: ApiHandlers = {
    'app:info': async () => ({
      version,
      mode,
      demo: demo(),
      readOnly: mode === 'serve' || store.readOnly,
    }),
    'fleet:overview': (req) => store.overview(asOfDate(req.asOf, now), filterOf(req.filter)),
    'fleet:filter-options': () => store.filterOptions(),
    'fleet:utilisation-series': (req) =>
      store.utilisationSeries(asOfDate(req.asOf, now), req.range, filterOf(req.filter), req.groupBy),
    'fleet:resources': (req) => store.resourceRows(asOfDate(req.asOf, now), filterOf(req.filter)),
    'fleet:resource': async (req) => {
      const detail = await store.resourceDetail(asOfDate(req.asOf, now), req.account, req.id, req.range);
      if (detail === null) throw new ApiError('not-found', `no GPU machine "${req.id}" in account "${req.account}"`);
      return detail;
    },
    'incidents:list': (req) => store.incidents(asOfDate(req.asOf, now), req.includeEnded),
    'incidents:get': async (req) => {
      const found = await store.incident(now(), req.id);
      if (found === null) throw new ApiError('not-found', `no incident "${req.id}"`);
      return found;
    },
    'accounts:list': () => store.accounts(now()),
    'sync:runs': async (req) => ({ runs: await store.syncRuns(req.account, req.limit) }),
    ...createAccountsHandlers({ store, now, service: options.accounts }),
    ...createSpendHandlers({
      store,
      now,
      ...(options.printPdf ? { printPdf: options.printPdf } : {}),
      ...(options.emitSpendEvent ? { emit: options.emitSpendEvent } : {}),
    }),
    ...createTriageHandlers({ store, now, version, demo, ...(options.onAlertSettingsChanged ? { onAlertSettingsChanged: options.onAlertSettingsChanged } : {}) }),
    'sync:now': async (req) => {
      if (engine === undefined) {
        throw new ApiError('read-only', 'this Fleetpane does not sync: it was started without a config file');
      }
      // The engine starts the runs in the background (progress arrives as sync-progress events) and
      // throws ApiError not-found / bad-request for an unknown or disabled account.
      const started = await engine.syncNow(req.account);
      return { started: [...started] };
    },
  };

  if (mode === 'serve') {
    for (const channel of DATA_CHANGING_CHANNELS) {
      handlers[channel] = async () => {
        throw new ApiError('read-only', `${channel} is not available in serve mode (its API is read-only)`);
      };
    }
  }
  return handlers;
}
