/**
 * Query factories of the triage views. Keys sit under ['fleet'] so any data change refreshes them
 * (blast radius moves with the inventory), alerts under ['alerts'].
 */
import { queryOptions } from '@tanstack/react-query';
import { apiOf } from './queries';

const LIVE_REFETCH_MS = 60_000;

export const triageKeys = {
  triage: ['fleet', 'triage'] as const,
  alerts: ['alerts'] as const,
};

/** The triage list, live or pinned. */
export function triageListQuery(asOf?: string) {
  return queryOptions({
    queryKey: ['fleet', 'triage', 'list', asOf ?? 'live'] as const,
    queryFn: ({ client }) => apiOf(client)['triage:list']({ asOf }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** One incident's page. */
export function incidentPageQuery(id: string, asOf?: string) {
  return queryOptions({
    queryKey: ['fleet', 'triage', 'incident', id, asOf ?? 'live'] as const,
    queryFn: ({ client }) => apiOf(client)['triage:incident']({ id, asOf }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** Alerts that are firing (or all, newest first). */
export function alertsQuery(includeResolved = false) {
  return queryOptions({
    queryKey: ['alerts', 'list', includeResolved] as const,
    queryFn: ({ client }) => apiOf(client)['alerts:list']({ includeResolved, limit: 50 }),
  });
}

/** The alert rules and quiet hours. */
export function alertSettingsQuery() {
  return queryOptions({
    queryKey: ['alerts', 'settings'] as const,
    queryFn: ({ client }) => apiOf(client)['alerts:settings']({}),
  });
}
