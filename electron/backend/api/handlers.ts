/**
 * The backend's implementation of the contract: one handler per channel, over the store (reads) and
 * the sync engine (sync:now). The same handlers serve Electron IPC and serve mode's HTTP routes.
 */
import { ApiError, FleetFilter, type ApiHandlers, type ChannelId } from '../../../shared/contract';
import type { FleetStore } from '../store/types';

/** What the API needs from the sync engine: a way to start a sync now. */
export interface SyncTrigger {
  /** Starts a sync of one account (or all); the promise settles when that sync is done. */
  syncNow(account?: string): Promise<unknown> | unknown;
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
  /** Where background failures (a sync started by sync:now) are reported. */
  log?: (message: string) => void;
}

/**
 * Channels that change data beyond syncing (settings, account edits, imports). Serve mode refuses
 * them: its API is read-only. None exist yet; add a channel here when it does.
 */
export const DATA_CHANGING_CHANNELS: ReadonlySet<ChannelId> = new Set<ChannelId>([]);

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
  const log = options.log ?? ((message: string) => console.error(message));

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
    'sync:now': async (req) => {
      if (engine === undefined) {
        throw new ApiError('read-only', 'this Fleetpane does not sync: it was started without a config file');
      }
      const { accounts } = await store.accounts(now());
      const enabled = accounts.filter((a) => a.enabled).map((a) => a.name);
      if (req.account !== undefined && !accounts.some((a) => a.name === req.account)) {
        throw new ApiError('not-found', `no account "${req.account}"`);
      }
      const started = req.account === undefined ? enabled : [req.account];
      // The sync runs in the background; progress arrives as sync-progress events.
      Promise.resolve()
        .then(() => engine.syncNow(req.account))
        .catch((error: unknown) => log(`sync now failed: ${error instanceof Error ? error.message : String(error)}`));
      return { started };
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
