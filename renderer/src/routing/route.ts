/**
 * Hash routes, so deep links work from file:// in Electron and from the serve-mode server alike:
 * #/  ·  #/cloud/<entry key>  ·  #/machines  ·  #/resource/<account>/<encodeURIComponent(id)>, each optionally
 * followed by ?cloud=&region=&model=&range=&asOf= carrying the filters across pages.
 */
import { CloudId } from '../../../shared/domain';
import type { FleetFilter, TimeRange } from '../../../shared/contract';
import { cloudOfKey } from '../../../shared/overview';

export type Page =
  | { name: 'overview' }
  /** `cloud` is the overview entry's key: a cloud id, or `other:<site or account>` for an on-premises cluster. */
  | { name: 'cloud'; cloud: string }
  /**
   * Every GPU machine of every cloud, paged by the backend. `wholeFleet` (`?rows=all`, not linked):
   * the whole fleet loaded and sorted in the browser as the table did before paging, to compare them.
   */
  | { name: 'machines'; wholeFleet: boolean }
  | { name: 'resource'; account: string; id: string }
  | { name: 'triage' }
  | { name: 'incident'; id: string }
  | { name: 'snapshot' }
  | { name: 'accounts' }
  | { name: 'spend' }
  | { name: 'report'; q: string }
  | { name: 'not-found'; path: string };

/** The ranges the pane offers (the contract also knows 1h; the pane's charts start at a day). */
// 1h shows minutes (a rollups-only account's machine page asks its metrics source for them).
export const VIEW_RANGES = ['1h', '24h', '7d', '30d'] as const satisfies readonly TimeRange[];
export type ViewRange = (typeof VIEW_RANGES)[number];

export interface ViewParams {
  filter: FleetFilter;
  range: ViewRange;
  /** Pins every query to an instant (reproducible views); undefined means live. */
  asOf?: string;
}

export interface Route {
  page: Page;
  params: ViewParams;
}

export const DEFAULT_PARAMS: ViewParams = { filter: { clouds: [], regions: [], gpuModels: [] }, range: '24h' };

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** Reads a location hash ("#/cloud/azure?range=7d") into a route; unknown paths become not-found. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const search = new URLSearchParams(queryPart);
  const clouds = search.getAll('cloud').flatMap((c) => {
    const parsed = CloudId.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
  const rangeParam = search.get('range');
  const range = VIEW_RANGES.find((r) => r === rangeParam) ?? DEFAULT_PARAMS.range;
  const asOf = search.get('asOf') ?? undefined;
  const params: ViewParams = {
    filter: { clouds, regions: search.getAll('region'), gpuModels: search.getAll('model') },
    range,
    ...(asOf !== undefined && asOf !== '' ? { asOf } : {}),
  };

  const segments = pathPart.split('/').filter((s) => s !== '');
  if (segments.length === 0) return { page: { name: 'overview' }, params };
  if (segments[0] === 'spend' && segments.length === 1) return { page: { name: 'spend' }, params };
  if (segments[0] === 'report' && segments.length === 1) return { page: { name: 'report', q: search.get('q') ?? '' }, params };
  if (segments[0] === 'accounts' && segments.length === 1) return { page: { name: 'accounts' }, params };
  if (segments[0] === 'machines' && segments.length === 1) {
    return { page: { name: 'machines', wholeFleet: search.get('rows') === 'all' }, params };
  }
  if (segments[0] === 'cloud' && segments.length === 2) {
    const key = decodeSegment(segments[1] ?? '');
    if (key !== null && cloudOfKey(key) !== null) return { page: { name: 'cloud', cloud: key }, params };
  }
  if (segments[0] === 'resource' && segments.length === 3) {
    const account = decodeSegment(segments[1] ?? '');
    const id = decodeSegment(segments[2] ?? '');
    if (account !== null && id !== null && account !== '' && id !== '') {
      return { page: { name: 'resource', account, id }, params };
    }
  }
  if (segments[0] === 'triage' && segments.length === 1) return { page: { name: 'triage' }, params };
  if (segments[0] === 'snapshot' && segments.length === 1) return { page: { name: 'snapshot' }, params };
  if (segments[0] === 'incident' && segments.length === 2) {
    const id = decodeSegment(segments[1] ?? '');
    if (id !== null && id !== '') return { page: { name: 'incident', id }, params };
  }
  return { page: { name: 'not-found', path: pathPart }, params };
}

/** The path part of a page's hash, without the query. */
export function pagePath(page: Page): string {
  switch (page.name) {
    case 'overview':
      return '/';
    case 'cloud':
      return `/cloud/${encodeURIComponent(page.cloud)}`;
    case 'machines':
      return page.wholeFleet ? '/machines?rows=all' : '/machines';
    case 'resource':
      return `/resource/${encodeURIComponent(page.account)}/${encodeURIComponent(page.id)}`;
    case 'triage':
      return '/triage';
    case 'incident':
      return `/incident/${encodeURIComponent(page.id)}`;
    case 'snapshot':
      return '/snapshot';
    case 'accounts':
      return '/accounts';
    case 'spend':
      return '/spend';
    case 'report':
      return `/report?q=${page.q}`;
    case 'not-found':
      return page.path;
  }
}

/** The full hash ("#/cloud/azure?range=7d") for a page with the current view parameters. */
export function formatHash(page: Page, params: ViewParams = DEFAULT_PARAMS): string {
  const search = new URLSearchParams();
  for (const c of params.filter.clouds) search.append('cloud', c);
  for (const r of params.filter.regions) search.append('region', r);
  for (const m of params.filter.gpuModels) search.append('model', m);
  if (params.range !== DEFAULT_PARAMS.range) search.set('range', params.range);
  if (params.asOf !== undefined) search.set('asOf', params.asOf);
  const query = search.toString();
  return `#${pagePath(page)}${query === '' ? '' : `?${query}`}`;
}

/** Where "back" leads when there is no in-app history: one level up. */
export function parentPage(page: Page, cloudOfResource?: string): Page | null {
  switch (page.name) {
    case 'overview':
      return null;
    case 'cloud':
    case 'machines':
    case 'spend':
    case 'report':
    case 'not-found':
    case 'accounts':
      return { name: 'overview' };
    case 'resource':
      return cloudOfResource !== undefined ? { name: 'cloud', cloud: cloudOfResource } : { name: 'overview' };
    case 'triage':
      return { name: 'overview' };
    case 'incident':
    case 'snapshot':
      return { name: 'triage' };
  }
}
