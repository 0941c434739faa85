/**
 * Handlers of the triage and alert channels. Acknowledgements, notes and alert settings are the
 * operators' own annotations, not fleet data: the desktop writes them; serve mode's API is read-only
 * and refuses them (handlers.ts serveRefusal) unless started with --allow-triage, so a team sharing
 * one collector can opt in to sharing them. A store opened read-only refuses them too.
 */
import { userInfo } from 'node:os';
import { ApiError, type ApiHandlers } from '../../../shared/contract';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type IncidentSnapshot } from '../../../shared/contract-triage';
import { incidentMarkdown } from '../../../shared/incident-markdown';
import type { FleetStore } from '../store/types';

type TriageChannel =
  | 'triage:list'
  | 'triage:incident'
  | 'triage:acknowledge'
  | 'triage:add-note'
  | 'triage:snapshot'
  | 'alerts:settings'
  | 'alerts:set-settings'
  | 'alerts:list';

export interface TriageHandlerOptions {
  store: FleetStore;
  now: () => Date;
  version: string;
  demo: () => boolean;
  /** Called after the alert rules changed (re-evaluates them). */
  onAlertSettingsChanged?: () => void;
}

function defaultAuthor(): string {
  try {
    return userInfo().username || 'operator';
  } catch {
    return 'operator';
  }
}

function requireWritable(store: FleetStore, what: string): void {
  if (store.readOnly) throw new ApiError('read-only', `${what} needs a writable store: this Fleetpane serves the store as it is`);
}

/** Builds the triage and alert handlers. */
export function createTriageHandlers(options: TriageHandlerOptions): Pick<ApiHandlers, TriageChannel> {
  const { store, now, version, demo } = options;
  const asOfDate = (asOf: string | undefined): Date => (asOf === undefined ? now() : new Date(asOf));
  const page = async (id: string, asOf: string | undefined) => {
    const found = await store.incidentPage(asOfDate(asOf), id);
    if (found === null) throw new ApiError('not-found', `no incident "${id}"`);
    return found;
  };
  return {
    'triage:list': (req) => store.triageList(asOfDate(req.asOf)),
    'triage:incident': (req) => page(req.id, req.asOf),
    'triage:acknowledge': async (req) => {
      requireWritable(store, 'acknowledging an incident');
      const result = await store.acknowledgeIncident(req.id, req.acknowledged, req.by ?? defaultAuthor(), now());
      if (result === null) throw new ApiError('not-found', `no incident "${req.id}"`);
      return result;
    },
    'triage:add-note': async (req) => {
      requireWritable(store, 'adding a note');
      const note = await store.addIncidentNote(req.id, req.author ?? defaultAuthor(), req.body, now());
      if (note === null) throw new ApiError('not-found', `no incident "${req.id}"`);
      return { note };
    },
    'triage:snapshot': async (req) => {
      const at = asOfDate(req.asOf);
      const [incidentPage, overview] = await Promise.all([page(req.id, req.asOf), store.overview(at, { clouds: [], regions: [], gpuModels: [] })]);
      const snapshot: IncidentSnapshot = {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        savedAt: now().toISOString(),
        savedBy: version,
        demo: demo(),
        page: incidentPage,
        spend: overview.totals.spend,
        markdown: incidentMarkdown(incidentPage),
      };
      return snapshot;
    },
    'alerts:settings': () => store.alertSettings(),
    'alerts:set-settings': async (req) => {
      requireWritable(store, 'changing alert rules');
      const ids = new Set<string>();
      for (const rule of req.rules) {
        if (ids.has(rule.id)) throw new ApiError('bad-request', `two alert rules have the id "${rule.id}"`);
        ids.add(rule.id);
      }
      const saved = await store.setAlertSettings(req);
      options.onAlertSettingsChanged?.();
      return saved;
    },
    'alerts:list': async (req) => {
      const [alerts, firing] = await Promise.all([store.alerts(req.includeResolved, req.limit), store.alerts(false, 500)]);
      return { alerts, firing: firing.length };
    },
  };
}
