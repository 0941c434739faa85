/**
 * Query factories over the key tree in query-keys.ts, so one invalidation of keys.fleet.all()
 * refreshes every fleet view. The ApiClient is bound to the QueryClient, so factories need no
 * client argument and components never touch the transport.
 */
import { queryOptions, type QueryClient } from '@tanstack/react-query';
import type { ApiClient, FleetFilter, TimeRange } from '../../../shared/contract';
import { keys, type MachineSelection } from './query-keys';

const clients = new WeakMap<QueryClient, ApiClient>();

/** Makes `api` the client every query on `queryClient` uses. */
export function bindApiClient(queryClient: QueryClient, api: ApiClient): void {
  clients.set(queryClient, api);
}

/** The ApiClient bound to a QueryClient; throws if none was bound (a wiring bug). */
export function apiOf(queryClient: QueryClient): ApiClient {
  const api = clients.get(queryClient);
  if (api === undefined) throw new Error('No ApiClient bound to this QueryClient: wrap the app in <ApiProvider>.');
  return api;
}

/** Empty filter lists mean "all"; normalised so equal filters share one cache entry. */
export function normaliseFilter(filter: FleetFilter): FleetFilter {
  return {
    clouds: [...filter.clouds].sort(),
    regions: [...filter.regions].sort(),
    gpuModels: [...filter.gpuModels].sort(),
  };
}

/** Live views refresh on events; this is the fallback when an event is missed. */
const LIVE_REFETCH_MS = 60_000;

/** The one-pane overview for a filter, live (asOf undefined) or pinned to an instant. */
export function overviewQuery(filter: FleetFilter, asOf?: string) {
  const f = normaliseFilter(filter);
  return queryOptions({
    queryKey: keys.fleet.overview(f, asOf),
    queryFn: ({ client }) => apiOf(client)['fleet:overview']({ filter: f, asOf }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** Fleet utilisation over time, one series per cloud. */
export function seriesQuery(range: TimeRange, filter: FleetFilter, asOf?: string) {
  const f = normaliseFilter(filter);
  return queryOptions({
    queryKey: keys.fleet.series(range, f, asOf),
    queryFn: ({ client }) => apiOf(client)['fleet:utilisation-series']({ range, filter: f, asOf, groupBy: 'cloud' }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** Every machine the pane cannot measure, price or place, with its reasons (the accounts screen's diagnostics). */
export function coverageQuery(asOf?: string) {
  return queryOptions({
    queryKey: keys.fleet.coverage(asOf),
    queryFn: ({ client }) => apiOf(client)['fleet:coverage']({ asOf }),
    refetchInterval: asOf === undefined ? LIVE_REFETCH_MS : false,
  });
}

/** Every GPU machine matching the filter (the drill-down table). */
export function resourcesQuery(filter: FleetFilter, asOf?: string) {
  const f = normaliseFilter(filter);
  return queryOptions({
    queryKey: keys.fleet.resources(f, asOf),
    queryFn: ({ client }) => apiOf(client)['fleet:resources']({ filter: f, asOf }),
  });
}

/** Rows offset..offset+limit of the machine table, sorted and filtered by the backend, with the count of all. */
export function machinesQuery(selection: MachineSelection, offset: number, limit: number) {
  const s: MachineSelection = { ...selection, filter: normaliseFilter(selection.filter), text: selection.text.trim() };
  return queryOptions({
    queryKey: keys.fleet.machines(s, offset, limit),
    queryFn: ({ client }) =>
      apiOf(client)['fleet:machines']({
        filter: s.filter,
        ...(s.cloudKey === undefined ? {} : { cloudKey: s.cloudKey }),
        text: s.text,
        sort: s.sort,
        offset,
        limit,
        asOf: s.asOf,
      }),
  });
}

/** One machine with its GPUs and per-GPU series. */
export function resourceQuery(account: string, id: string, range: TimeRange, asOf?: string) {
  return queryOptions({
    queryKey: keys.fleet.resource(account, id, range, asOf),
    queryFn: ({ client }) => apiOf(client)['fleet:resource']({ account, id, range, asOf }),
  });
}

/** Values the filter controls offer. */
export function filterOptionsQuery() {
  return queryOptions({
    queryKey: keys.fleet.filterOptions(),
    queryFn: ({ client }) => apiOf(client)['fleet:filter-options']({}),
  });
}

/** Active incidents. */
export function incidentsQuery() {
  return queryOptions({
    queryKey: keys.incidents.list(),
    queryFn: ({ client }) => apiOf(client)['incidents:list']({}),
  });
}

/** Configured accounts with their freshness (tells "no accounts" from "no GPUs"). */
export function accountsQuery() {
  return queryOptions({
    queryKey: keys.accounts.list(),
    queryFn: ({ client }) => apiOf(client)['accounts:list']({}),
  });
}

/** The accounts screen's state, refreshed every few seconds so freshness and next sync move. */
export function accountsStateQuery() {
  return queryOptions({
    queryKey: keys.accounts.state(),
    queryFn: ({ client }) => apiOf(client)['accounts:state']({}),
    refetchInterval: 5_000,
  });
}

/** Cost rows stored under a name no configured account has (imported FOCUS files). */
export function importedAccountsQuery() {
  return queryOptions({
    queryKey: keys.accounts.imported(),
    queryFn: ({ client }) => apiOf(client)['accounts:imported']({}),
  });
}

/** The issues the connector's own schema finds in a config entry typed by hand. */
/** The providers this build can read, each with the entry the editor starts from. */
export function providersQuery() {
  return queryOptions({
    queryKey: keys.accountEntry.providers(),
    queryFn: ({ client }) => apiOf(client)['accounts:providers']({}),
    staleTime: Infinity,
  });
}

export function accountValidationQuery(entry: Record<string, unknown>) {
  return queryOptions({
    queryKey: keys.accountEntry.validation(entry),
    queryFn: ({ client }) => apiOf(client)['accounts:validate']({ entry }),
    staleTime: Infinity,
  });
}
