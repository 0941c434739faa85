/**
 * The backend's implementation of the contract: one handler per channel, over the store (reads) and
 * the sync engine (sync:now). The same handlers serve Electron IPC and serve mode's HTTP routes.
 */
import { ApiError, CHANNEL_IDS, FleetFilter, type ApiHandlers, type AppEvent, type ChannelId } from '../../../shared/contract';
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
  /** Serve mode only: accept acknowledgements, notes and alert-rule edits (`serve --allow-triage`). */
  allowTriage?: boolean;
  /** Serve mode only: accept budget and saved-report edits (`serve --manage-spend`). */
  allowSpendEdits?: boolean;
}

/**
 * Channels that change data beyond syncing (budgets, imports, saved reports). Serve mode refuses
 * them: its API is read-only. Add a channel here when it changes data.
 */
export const DATA_CHANGING_CHANNELS: ReadonlySet<ChannelId> = new Set<ChannelId>([
  'spend:budget-save',
  'spend:budget-delete',
  'spend:import-focus',
  'reports:save',
  'reports:delete',
  'accounts:remove-imported',
]);

/**
 * Channels that write the operators' own annotations (acknowledgements, notes, alert rules). The
 * desktop accepts them; serve mode refuses them unless started with --allow-triage, because its
 * API is read-only by default.
 */
export const TRIAGE_WRITE_CHANNELS: ReadonlySet<ChannelId> = new Set<ChannelId>(['triage:acknowledge', 'triage:add-note', 'alerts:set-settings']);

/**
 * What `fleetpane serve --manage-spend` unlocks: budgets, saved reports and removing imported accounts
 * (their cost rows came in through FOCUS imports, which the same flag allows as uploads, so taking them
 * out is the same kind of change; app:info reports it as writes.spend). `spend:import-focus` stays
 * refused in serve mode: it names files on the serving host, so a browser uploads the file instead
 * (server/focus-upload.ts).
 */
export const SPEND_EDIT_CHANNELS: ReadonlySet<ChannelId> = new Set<ChannelId>([
  'spend:budget-save',
  'spend:budget-delete',
  'reports:save',
  'reports:delete',
  'accounts:remove-imported',
]);

/** What serve mode was allowed to change when it started. */
export interface ServeWrites {
  allowTriage?: boolean;
  /** `serve --manage-spend`: budgets and saved reports may be edited (and FOCUS files uploaded). */
  allowSpendEdits?: boolean;
}

/**
 * Why serve mode refuses a channel, or null when it serves it. The one decision both the api (its
 * serve-mode handlers) and the HTTP server (before reading the body) apply.
 */
export function serveRefusal(channel: ChannelId, writes: ServeWrites = {}): string | null {
  if (DATA_CHANGING_CHANNELS.has(channel) && !(writes.allowSpendEdits === true && SPEND_EDIT_CHANNELS.has(channel))) {
    if (SPEND_EDIT_CHANNELS.has(channel)) {
      return `${channel} is not available: serve mode is read-only; start \`fleetpane serve --manage-spend\` to edit budgets and saved reports and remove imported accounts`;
    }
    return `${channel} is not available in serve mode (its API is read-only)`;
  }
  if (TRIAGE_WRITE_CHANNELS.has(channel) && writes.allowTriage !== true) {
    return `${channel} is not available: serve mode is read-only; start \`fleetpane serve --allow-triage\` (with --config FILE or --demo) to acknowledge incidents, add notes and edit alert rules`;
  }
  return null;
}

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

  const serveWrites: ServeWrites = { allowTriage: options.allowTriage === true, allowSpendEdits: options.allowSpendEdits === true };
  // The same decision serve mode's refusals below apply (serveRefusal), asked of one channel per area.
  const writesAllowed = (): { triage: boolean; spend: boolean; accounts: boolean } => {
    const allows = (channel: ChannelId): boolean => !store.readOnly && (mode === 'desktop' || serveRefusal(channel, serveWrites) === null);
    return { triage: allows('triage:acknowledge'), spend: allows('spend:budget-save'), accounts: !store.readOnly && options.accounts?.canManage() === true };
  };

  const handlers: ApiHandlers = {
    'app:info': async () => ({
      version,
      mode,
      demo: demo(),
      readOnly: mode === 'serve' || store.readOnly,
      writes: writesAllowed(),
    }),
    'fleet:overview': (req) => store.overview(asOfDate(req.asOf, now), filterOf(req.filter)),
    'fleet:filter-options': () => store.filterOptions(),
    'fleet:utilisation-series': (req) =>
      store.utilisationSeries(asOfDate(req.asOf, now), req.range, filterOf(req.filter), req.groupBy),
    'fleet:resources': (req) => store.resourceRows(asOfDate(req.asOf, now), filterOf(req.filter)),
    'fleet:coverage': (req) => store.coverage(asOfDate(req.asOf, now), filterOf(req.filter)),
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
    ...createAccountsHandlers({ store, now, service: options.accounts, emit: options.emitSpendEvent }),
    ...createSpendHandlers({
      store,
      now,
      ...(options.printPdf ? { printPdf: options.printPdf } : {}),
      ...(options.emitSpendEvent ? { emit: options.emitSpendEvent } : {}),
      accountNames: { store, now, accounts: options.accounts },
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
    for (const channel of CHANNEL_IDS) {
      const refusal = serveRefusal(channel, serveWrites);
      if (refusal === null) continue;
      handlers[channel] = async () => {
        throw new ApiError('read-only', refusal);
      };
    }
  }
  return handlers;
}
