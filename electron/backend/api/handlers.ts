/**
 * The backend's implementation of the contract: one handler per channel, over the store (reads) and
 * the sync engine (sync:now). The same handlers serve Electron IPC and serve mode's HTTP routes.
 */
import {
  ApiError,
  CHANNEL_IDS,
  channelNamesHostPaths,
  channelWrites,
  FleetFilter,
  SERVE_WRITE_FLAGS,
  type ApiHandlers,
  type AppEvent,
  type ChannelId,
  type WriteKind,
} from '../../../shared/contract';
import type { FleetStore } from '../store/types';
import { createTriageHandlers } from './triage-handlers';
import { createSpendHandlers } from './spend-handlers';
import type { PdfPrinter } from '../reports/pdf';
import { createAccountsHandlers } from './accounts-handlers';
import { withSourceMinutes, type MachineMinutesSource } from './machine-minutes';
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
  /** Serve mode only: the kinds of write its start flags opened (the desktop accepts every kind). */
  serveWrites?: ServeWrites;
  /** The connector of a configured account, asked for a rollups-only account's machine minutes. */
  machineSource?: (account: string) => MachineMinutesSource | undefined;
}

/**
 * What serve mode was started to allow, one switch per kind of write (WriteKind): `--manage-accounts`,
 * `--allow-triage`, `--manage-spend`. Absent or false: that kind is refused (serve is read-only).
 */
export type ServeWrites = Partial<Record<WriteKind, boolean>>;

/**
 * Why serve mode refuses a channel, or null when it serves it: a channel that only reads is always
 * served, a write only when its kind's flag was given, and a channel naming files on the host never.
 * Taken from the channel's own declaration in the contract; the one decision both the api (its
 * serve-mode handlers) and the HTTP server (before reading the body) apply.
 */
export function serveRefusal(channel: ChannelId, writes: ServeWrites = {}): string | null {
  const kind = channelWrites(channel);
  if (kind === null) return null;
  if (channelNamesHostPaths(channel)) {
    return `${channel} is not available in serve mode: it names files on the serving host (its API is read-only)`;
  }
  if (writes[kind] === true) return null;
  const { flag, opens } = SERVE_WRITE_FLAGS[kind];
  return `${channel} is not available: serve mode is read-only; start \`fleetpane serve ${flag}\` to ${opens}`;
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

  const serveWrites: ServeWrites = options.serveWrites ?? {};
  // A kind of write is accepted where the store is writable, serve's flags opened it (the desktop
  // opens all) and its handlers can write here: the accounts channels need an accounts service with
  // a config file to save to. The same declarations serve's refusals below are derived from.
  const writesAllowed = (): Record<WriteKind, boolean> => {
    const handledHere: Record<WriteKind, boolean> = { accounts: options.accounts?.canManage() === true, triage: true, spend: true };
    const allows = (kind: WriteKind): boolean => !store.readOnly && (mode === 'desktop' || serveWrites[kind] === true) && handledHere[kind];
    return { accounts: allows('accounts'), triage: allows('triage'), spend: allows('spend') };
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
    'fleet:machines': (req) =>
      store.machineWindow(asOfDate(req.asOf, now), {
        filter: filterOf(req.filter),
        ...(req.cloudKey === undefined ? {} : { cloudKey: req.cloudKey }),
        text: req.text,
        sort: req.sort,
        offset: req.offset,
        limit: req.limit,
      }),
    'fleet:coverage': (req) => store.coverage(asOfDate(req.asOf, now), filterOf(req.filter)),
    'fleet:resource': async (req) => {
      const detail = await store.resourceDetail(asOfDate(req.asOf, now), req.account, req.id, req.range);
      if (detail === null) throw new ApiError('not-found', `no GPU machine "${req.id}" in account "${req.account}"`);
      return withSourceMinutes(detail, req.range, options.machineSource?.(req.account), () => store.resources(req.account));
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
