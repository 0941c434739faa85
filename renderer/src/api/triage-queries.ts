/**
 * Query factories of the triage views. Keys sit under keys.fleet so any data change refreshes them
 * (blast radius moves with the inventory), alerts under keys.alerts.
 */
import { queryOptions } from '@tanstack/react-query';
import { apiOf } from './queries';
import { keys } from './query-keys';

const LIVE_REFETCH_MS = 60_000;

/** The triage list, live or pinned. */
export function triageListQuery(asOf?: string) {
  return queryOptions({
    queryKey: keys.triage.list(asOf),
    queryFn: ({ client }) => apiOf(client)['triage:list']({ asOf }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** One incident's page. */
export function incidentPageQuery(id: string, asOf?: string) {
  return queryOptions({
    queryKey: keys.triage.incident(id, asOf),
    queryFn: ({ client }) => apiOf(client)['triage:incident']({ id, asOf }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** Alerts that are firing (or all, newest first). */
export function alertsQuery(includeResolved = false) {
  return queryOptions({
    queryKey: keys.alerts.list(includeResolved),
    queryFn: ({ client }) => apiOf(client)['alerts:list']({ includeResolved, limit: 50 }),
  });
}

/** The alert rules and quiet hours. */
export function alertSettingsQuery() {
  return queryOptions({
    queryKey: keys.alerts.settings(),
    queryFn: ({ client }) => apiOf(client)['alerts:settings']({}),
  });
}
