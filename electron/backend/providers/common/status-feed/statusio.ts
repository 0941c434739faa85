/**
 * Status.io public feeds (CoreWeave's status page runs on Status.io, not Atlassian Statuspage):
 * the RSS feed `https://<host>/pages/<pageId>/rss` (incident and maintenance logs) and the public
 * status API `https://api.status.io/1.0/status/<pageId>` (current component status codes).
 */
import { z } from 'zod';
import type { Incident, IncidentSeverity, IncidentUpdate } from '../../../../../shared/domain';
import { MalformedResponseError } from '../../types';
import { fetchFeedText, parseJson } from './http';
import { parseMaintenanceWindow } from './maintenance-window';
import { parseRssItems, type RssItem } from './rss';
import { type FeedTarget, isoUtc, plainText, regionsIn } from './types';

/** Status.io status codes (100 operational ... 600 security event). */
export const STATUSIO_CODES: Readonly<Record<number, string>> = {
  100: 'Operational',
  200: 'Planned Maintenance',
  300: 'Degraded Performance',
  400: 'Partial Service Disruption',
  500: 'Service Disruption',
  600: 'Security Event',
};

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** Parses Status.io's "September 1, 2026 1:14AM UTC" stamps. */
export function parseStatusioStamp(text: string): string | null {
  const m = /^([A-Za-z]+)\s+(\d{1,2}),\s+(\d{4})\s+(\d{1,2}):(\d{2})\s*(AM|PM)\s+UTC$/i.exec(text.trim());
  if (!m) return null;
  const month = MONTHS.indexOf((m[1] ?? '').toLowerCase());
  if (month < 0) return null;
  let hour = Number(m[4]) % 12;
  if ((m[6] ?? '').toUpperCase() === 'PM') hour += 12;
  return new Date(Date.UTC(Number(m[3]), month, Number(m[2]), hour, Number(m[5]))).toISOString();
}

/** Splits a Status.io item description into its updates, oldest first (the feed's order varies). */
export function parseStatusioUpdates(description: string): IncidentUpdate[] {
  const updates: IncidentUpdate[] = [];
  for (const part of description.split(/<small>/i).slice(1)) {
    const m = /^([\s\S]*?)<\/small>\s*(?:<br\s*\/?>)?\s*(?:<b>([\s\S]*?)<\/b>\s*-?\s*)?([\s\S]*)$/i.exec(part);
    if (!m) continue;
    const at = parseStatusioStamp(m[1] ?? '');
    if (!at) continue;
    updates.push({ at, status: plainText(m[2] ?? 'Update').toLowerCase(), body: plainText(m[3] ?? '') });
  }
  return updates.sort((a, b) => a.at.localeCompare(b.at));
}

const ENDED_STATES = new Set(['resolved', 'completed']);

function incidentSeverity(title: string, body: string): IncidentSeverity {
  return /outage|disruption|down\b|unavailable/i.test(`${title} ${body}`) ? 'major' : 'minor';
}

/** Maps Status.io RSS items to incidents (maintenance items by their /pages/maintenance/ link). */
export function mapStatusioRss(items: readonly RssItem[], target: FeedTarget): Incident[] {
  return items.map((item) => {
    const maintenance = /\/pages\/maintenance\//.test(item.link ?? '');
    const updates = parseStatusioUpdates(item.description);
    const last = updates.at(-1);
    const id = item.guid ?? item.link ?? item.title;
    const pubAt = item.pubDate ? isoUtc(item.pubDate) : null;
    const firstAt = updates[0]?.at ?? pubAt;
    if (!firstAt) throw new MalformedResponseError(`status.io item "${item.title}" has no date`);
    // Maintenance starts when its window opens (or when it went active, if earlier), not when it was announced.
    const activeAt = maintenance ? updates.find((u) => u.status === 'active' || u.status === 'in progress')?.at : undefined;
    const announced = updates[0];
    const planned = maintenance ? parseMaintenanceWindow(`${item.title}\n${announced?.body ?? plainText(item.description)}`, announced?.at ?? firstAt) : null;
    const startedAt = [activeAt, planned?.start].filter((x): x is string => !!x).sort()[0] ?? firstAt;
    const status = last?.status ?? (maintenance ? 'scheduled' : 'investigating');
    const ended = ENDED_STATES.has(status);
    const updatedAt = [last?.at, pubAt].filter((x): x is string => !!x).sort().at(-1) ?? firstAt;
    const allText = updates.map((u) => u.body).join('\n');
    return {
      id: `${target.idPrefix}:${id}`,
      account: target.account,
      cloud: target.cloud,
      source: maintenance ? 'maintenance' : 'status-page',
      severity: maintenance ? 'maintenance' : incidentSeverity(item.title, allText),
      title: item.title || id,
      summary: last?.body ?? '',
      status,
      regions: regionsIn([item.title, allText], target.regionPattern),
      services: [],
      resourceIds: [],
      startedAt,
      endedAt: ended ? (last?.at ?? updatedAt) : (planned?.end ?? null),
      updatedAt,
      url: item.link,
      updates,
      demo: false,
    } satisfies Incident;
  });
}

const StatusioContainer = z.looseObject({ name: z.string(), status: z.string().optional(), status_code: z.number() });
const StatusioComponent = z.looseObject({
  id: z.string().optional(),
  name: z.string(),
  status: z.string().optional(),
  status_code: z.number(),
  updated: z.string().optional(),
  containers: z.array(StatusioContainer).optional(),
});
const StatusioNamed = z.looseObject({ name: z.string() });
const StatusioMaintenance = z.looseObject({
  _id: z.string().optional(),
  id: z.string().optional(),
  name: z.string(),
  datetime_open: z.string().nullable().optional(),
  datetime_planned_start: z.string(),
  datetime_planned_end: z.string().nullable().optional(),
  messages: z
    .array(z.looseObject({ details: z.string().nullable().optional(), datetime: z.string().nullable().optional() }))
    .nullable()
    .optional(),
  components_affected: z.array(StatusioNamed).nullable().optional(),
  containers_affected: z.array(StatusioNamed).nullable().optional(),
});
type StatusioMaintenance = z.infer<typeof StatusioMaintenance>;

/** The public status API answer (only the fields Fleetpane reads). */
export const StatusioStatus = z.looseObject({
  result: z.looseObject({
    status_overall: z.looseObject({ status: z.string().optional(), status_code: z.number(), updated: z.string().optional() }),
    status: z.array(StatusioComponent).default([]),
    maintenance: z
      .looseObject({
        active: z.array(StatusioMaintenance).nullable().optional(),
        upcoming: z.array(StatusioMaintenance).nullable().optional(),
      })
      .nullable()
      .optional(),
  }),
});
export type StatusioStatus = z.infer<typeof StatusioStatus>;

/**
 * Components (and their containers, which Status.io uses for regions) that are not operational,
 * as open incidents. Maintenance (200) is left to the RSS maintenance items.
 */
export function mapStatusioStatus(doc: StatusioStatus, target: FeedTarget, now: Date): Incident[] {
  const out: Incident[] = [];
  for (const comp of doc.result.status) {
    const degraded = (comp.containers ?? []).filter((c) => c.status_code >= 300);
    if (comp.status_code < 300 && degraded.length === 0) continue;
    const code = Math.max(comp.status_code, ...degraded.map((c) => c.status_code));
    const label = STATUSIO_CODES[code] ?? comp.status ?? `status ${code}`;
    const at = comp.updated ? isoUtc(comp.updated) : now.toISOString();
    const containerNames = degraded.map((c) => c.name);
    out.push({
      id: `${target.idPrefix}:component:${comp.id ?? comp.name}`,
      account: target.account,
      cloud: target.cloud,
      source: 'status-page',
      severity: code >= 500 ? 'major' : 'minor',
      title: `${comp.name}: ${label}`,
      summary: containerNames.length ? `${label} in ${containerNames.join(', ')}` : label,
      status: label.toLowerCase(),
      regions: regionsIn([comp.name, ...containerNames], target.regionPattern),
      services: [comp.name],
      resourceIds: [],
      startedAt: at,
      endedAt: null,
      updatedAt: at,
      url: null,
      updates: [],
      demo: false,
    });
  }
  return out;
}

function maintenanceIncident(m: StatusioMaintenance, state: 'active' | 'upcoming', target: FeedTarget, now: Date): Incident {
  const id = m._id ?? m.id ?? m.name;
  const updates: IncidentUpdate[] = (m.messages ?? [])
    .filter((u): u is { details: string; datetime: string } => !!u.datetime && !!u.details)
    .map((u) => ({ at: isoUtc(u.datetime), status: state === 'active' ? 'active' : 'scheduled', body: plainText(u.details) }))
    .sort((a, b) => a.at.localeCompare(b.at));
  const names = [...(m.components_affected ?? []), ...(m.containers_affected ?? [])].map((c) => c.name);
  const updatedAt = updates.at(-1)?.at ?? (m.datetime_open ? isoUtc(m.datetime_open) : now.toISOString());
  return {
    id: `${target.idPrefix}:${id}`,
    account: target.account,
    cloud: target.cloud,
    source: 'maintenance',
    severity: 'maintenance',
    title: m.name.trim() || id,
    summary: updates.at(-1)?.body ?? '',
    status: state === 'active' ? 'active' : 'scheduled',
    regions: regionsIn([m.name, ...names, ...updates.map((u) => u.body)], target.regionPattern),
    services: (m.components_affected ?? []).map((c) => c.name),
    resourceIds: [],
    startedAt: isoUtc(m.datetime_planned_start),
    endedAt: m.datetime_planned_end ? isoUtc(m.datetime_planned_end) : null,
    updatedAt,
    url: null,
    updates,
    demo: false,
  };
}

/** Active and upcoming maintenance of the public status API, each with its planned window. */
export function mapStatusioMaintenance(doc: StatusioStatus, target: FeedTarget, now: Date): Incident[] {
  const m = doc.result.maintenance;
  return [
    ...(m?.active ?? []).map((x) => maintenanceIncident(x, 'active', target, now)),
    ...(m?.upcoming ?? []).map((x) => maintenanceIncident(x, 'upcoming', target, now)),
  ];
}

/** Reads a Status.io page: the RSS feed, plus the public status API when its URL is given. */
export async function readStatusio(
  feed: { rssUrl: string; statusApiUrl?: string | undefined },
  target: FeedTarget,
  signal: AbortSignal,
  now: Date,
): Promise<Incident[]> {
  const rss = await fetchFeedText(feed.rssUrl, signal);
  if (rss.status === 404) throw new MalformedResponseError(`${feed.rssUrl}: no Status.io RSS feed at this address`);
  let items: RssItem[];
  try {
    items = parseRssItems(rss.body);
  } catch (cause) {
    throw new MalformedResponseError(`${feed.rssUrl}: not an RSS feed`, { cause });
  }
  const incidents = mapStatusioRss(items, target);
  if (feed.statusApiUrl) {
    const api = await fetchFeedText(feed.statusApiUrl, signal);
    if (api.status === 404) throw new MalformedResponseError(`${feed.statusApiUrl}: no Status.io status at this address`);
    const parsed = StatusioStatus.safeParse(parseJson(feed.statusApiUrl, api.body));
    if (!parsed.success) throw new MalformedResponseError(`${feed.statusApiUrl}: not a Status.io status document`);
    incidents.push(...mapStatusioStatus(parsed.data, target, now));
    // The API's planned window beats the one read from RSS prose; the RSS keeps its update log and link.
    for (const planned of mapStatusioMaintenance(parsed.data, target, now)) {
      const i = incidents.findIndex((x) => x.id === planned.id);
      const rss = i >= 0 ? incidents[i] : undefined;
      if (!rss) incidents.push(planned);
      else if (!ENDED_STATES.has(rss.status)) {
        incidents[i] = { ...rss, startedAt: planned.startedAt, endedAt: planned.endedAt, regions: rss.regions.length ? rss.regions : planned.regions };
      }
    }
  }
  return incidents;
}
