/**
 * Atlassian Statuspage v2 public API (`/api/v2/summary.json`, `/api/v2/incidents.json`,
 * `/api/v2/scheduled-maintenances.json`) and the Statuspage-compatible variant incident.io serves.
 * Public, read-only, no paging: each endpoint is a fixed window of the 50 most recent entries.
 */
import { z } from 'zod';
import type { Incident, IncidentSeverity } from '../../../../../shared/domain';
import { MalformedResponseError } from '../../types';
import { fetchFeedText, parseJson } from './http';
import { type MaintenanceWindow, parseMaintenanceWindow } from './maintenance-window';
import { type FeedTarget, isoUtc, plainText, regionsIn } from './types';

const AffectedComponent = z.looseObject({ name: z.string().optional(), new_status: z.string().optional() });
const IncidentUpdateRaw = z.looseObject({
  status: z.string(),
  body: z.string().nullable().optional(),
  created_at: z.string(),
  display_at: z.string().nullable().optional(),
  affected_components: z.array(AffectedComponent).nullable().optional(),
});
const IncidentRaw = z.looseObject({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  impact: z.string().nullable().optional(),
  created_at: z.string(),
  updated_at: z.string().nullable().optional(),
  started_at: z.string().nullable().optional(),
  resolved_at: z.string().nullable().optional(),
  shortlink: z.string().nullable().optional(),
  scheduled_for: z.string().nullable().optional(),
  scheduled_until: z.string().nullable().optional(),
  components: z.array(z.looseObject({ name: z.string() })).nullable().optional(),
  incident_updates: z.array(IncidentUpdateRaw).default([]),
});
type IncidentRaw = z.infer<typeof IncidentRaw>;

const PageRaw = z.looseObject({ id: z.string(), name: z.string(), url: z.string().optional() });

/** summary.json, incidents.json and scheduled-maintenances.json share these keys. */
export const StatuspageDocument = z.looseObject({
  page: PageRaw,
  incidents: z.array(IncidentRaw).optional(),
  scheduled_maintenances: z.array(IncidentRaw).optional(),
});
export type StatuspageDocument = z.infer<typeof StatuspageDocument>;

const ENDED = new Set(['resolved', 'postmortem', 'completed']);

function severityOf(raw: IncidentRaw, maintenance: boolean): IncidentSeverity {
  if (maintenance) return 'maintenance';
  switch (raw.impact) {
    case 'critical':
      return 'critical';
    case 'major':
      return 'major';
    case 'minor':
      return 'minor';
    default:
      return 'info';
  }
}

function toIncident(raw: IncidentRaw, maintenance: boolean, pageUrl: string | null, target: FeedTarget): Incident {
  const updates = [...raw.incident_updates]
    .map((u) => ({ at: isoUtc(u.display_at ?? u.created_at), status: u.status, body: plainText(u.body ?? '') }))
    .sort((a, b) => a.at.localeCompare(b.at));
  const services = new Set<string>();
  for (const c of raw.components ?? []) services.add(c.name);
  for (const u of raw.incident_updates) for (const c of u.affected_components ?? []) if (c.name) services.add(c.name);
  const ended = ENDED.has(raw.status);
  const updatedAt = isoUtc(raw.updated_at ?? raw.created_at);
  const planned = maintenance ? maintenanceWindow(raw, updates) : null;
  const startedAt = planned?.start ?? isoUtc(raw.started_at ?? raw.created_at);
  // A running or future window ends at its scheduled end; the store counts it ended once that passes.
  const endedAt = ended ? isoUtc(raw.resolved_at ?? planned?.end ?? raw.updated_at ?? raw.created_at) : (planned?.end ?? null);
  const summary = updates.at(-1)?.body ?? '';
  return {
    id: `${target.idPrefix}:${raw.id}`,
    account: target.account,
    cloud: target.cloud,
    source: maintenance ? 'maintenance' : 'status-page',
    severity: severityOf(raw, maintenance),
    title: raw.name.trim() || raw.id,
    summary,
    status: raw.status,
    regions: regionsIn([raw.name, ...services, ...updates.map((u) => u.body)], target.regionPattern),
    services: [...services],
    resourceIds: [],
    startedAt,
    endedAt,
    updatedAt,
    url: raw.shortlink ?? pageUrl,
    updates,
    demo: false,
  };
}

/**
 * A maintenance's window: `scheduled_for`/`scheduled_until` where the page fills them, else read
 * from the first update's text. Statuspage sets `started_at` when the item is posted, days before
 * the work, so it is never the start of a maintenance.
 */
function maintenanceWindow(raw: IncidentRaw, updates: readonly { at: string; body: string }[]): MaintenanceWindow | null {
  const first = updates[0];
  const prose = first ? parseMaintenanceWindow(`${raw.name}\n${first.body}`, first.at) : null;
  if (!raw.scheduled_for) return prose;
  const start = isoUtc(raw.scheduled_for);
  if (raw.scheduled_until) return { start, end: isoUtc(raw.scheduled_until) };
  // No scheduled end: the text's end, when it closes this very window.
  return { start, end: prose?.end && prose.start === start ? prose.end : null };
}

/** Maps any Statuspage v2 document (summary, incidents, scheduled maintenances) to incidents. */
export function mapStatuspageDocument(doc: StatuspageDocument, target: FeedTarget): Incident[] {
  const pageUrl = doc.page.url ?? null;
  return [
    ...(doc.incidents ?? []).map((i) => toIncident(i, false, pageUrl, target)),
    ...(doc.scheduled_maintenances ?? []).map((i) => toIncident(i, true, pageUrl, target)),
  ];
}

/** Parses a Statuspage v2 body, naming the URL when the shape is wrong. */
export function parseStatuspageDocument(url: string, body: string): StatuspageDocument {
  const parsed = StatuspageDocument.safeParse(parseJson(url, body));
  if (!parsed.success) throw new MalformedResponseError(`${url}: not a Statuspage v2 document: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * Reads a Statuspage v2 page: summary.json (unresolved incidents, active maintenance) plus
 * incidents.json and scheduled-maintenances.json where the page serves them (incident.io does
 * not: a 404 there is normal). Later documents win for the same id.
 */
export async function readStatuspage(baseUrl: string, target: FeedTarget, signal: AbortSignal): Promise<Incident[]> {
  const base = baseUrl.replace(/\/+$/, '');
  const byId = new Map<string, Incident>();
  const paths = ['summary.json', 'incidents.json', 'scheduled-maintenances.json'];
  for (const path of paths) {
    const url = `${base}/api/v2/${path}`;
    const { status, body } = await fetchFeedText(url, signal);
    if (status === 404) {
      if (path === 'summary.json') throw new MalformedResponseError(`${url}: no Statuspage v2 summary at this address`);
      continue;
    }
    for (const incident of mapStatuspageDocument(parseStatuspageDocument(url, body), target)) {
      const prev = byId.get(incident.id);
      if (!prev || prev.updatedAt <= incident.updatedAt) byId.set(incident.id, incident);
    }
  }
  return [...byId.values()];
}
