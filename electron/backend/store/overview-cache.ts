/**
 * Remembers overviews per (asOf minute, filter) for as long as the store's data is unchanged. Every
 * store method that is not a known pure read advances the data version before it starts and after it
 * settles, so an overview computed while a write ran is never kept, and no write can leave an entry
 * behind: a cached overview is exactly what a recomputation would return (generatedAt is set anew).
 *
 * Syncs write every minute, so the first request after each write would pay the full computation.
 * Instead, once writes settle, the overviews of the filters asked for in the last few minutes are
 * computed again in the background (for the current minute), and the pane's next request finds them.
 */
import { EVENT_COALESCE_MS, type FleetFilter } from '../../../shared/contract';
import type { Overview } from '../../../shared/overview';
import type { FleetStore } from './types';

/** FleetStore methods that only read; every other method counts as a write. */
const PURE_READS = new Set<string>([
  'overview',
  'filterOptions',
  'utilisationSeries',
  'resourceRows',
  'machineWindow',
  'coverage',
  'resourceDetail',
  'incidents',
  'incident',
  'accounts',
  'syncRuns',
  'cursor',
  'resources',
  'close',
  // triage and spend reads (TriageStore, SpendStore)
  'triageList',
  'incidentPage',
  'signalInput',
  'alertSettings',
  'alerts',
  'costReport',
  'spendFilterOptions',
  'exportFocusCsv',
  'gpuHourPrices',
  'budgets',
  'reportDefinitions',
  'costAccounts',
]);
const MAX_ENTRIES = 16;
/** Filters asked for within this long are kept warm after writes. */
const WARM_FOR_MS = 10 * 60_000;
/**
 * Writes of one sync come in a burst: warm once they have been quiet this long. The pane asks
 * EVENT_COALESCE_MS after the write's data-changed event; the warm-up starts early enough to be done
 * by then (it took 150-270 ms at 100,000 GPUs, and with both at 250 ms the pane's request waited
 * for most of it).
 */
const WARM_DEBOUNCE_MS = EVENT_COALESCE_MS / 5;

/** Wraps `store` so overview() answers repeated questions about unchanged data from memory. */
export function withOverviewCache<T extends FleetStore>(store: T, now: () => Date): T {
  let version = 0;
  const entries = new Map<string, { version: number; overview: Promise<Overview> }>();
  const recentFilters = new Map<string, { filter: FleetFilter; askedAt: number }>();
  let warmTimer: ReturnType<typeof setTimeout> | null = null;
  let warming: Promise<unknown> = Promise.resolve();
  let closed = false;
  const warm = (): void => {
    warmTimer = null;
    if (closed) return;
    const at = now();
    const jobs: Promise<unknown>[] = [];
    for (const [key, recent] of recentFilters) {
      if (at.getTime() - recent.askedAt > WARM_FOR_MS) recentFilters.delete(key);
      // A failed warm-up only means the next request computes it.
      else jobs.push(cachedOverview(at, recent.filter, false).catch(() => undefined));
    }
    warming = Promise.all(jobs);
  };
  const bump = (): void => {
    version += 1;
    entries.clear();
  };
  const settled = (): void => {
    bump();
    if (closed || recentFilters.size === 0) return;
    if (warmTimer !== null) clearTimeout(warmTimer);
    warmTimer = setTimeout(warm, WARM_DEBOUNCE_MS);
    warmTimer.unref?.();
  };
  const wrapped = { ...store } as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || PURE_READS.has(name)) continue;
    const method = value as (...args: unknown[]) => unknown;
    wrapped[name] = (...args: unknown[]): unknown => {
      bump();
      let result: unknown;
      try {
        result = method.apply(store, args);
      } catch (err) {
        settled();
        throw err;
      }
      if (result instanceof Promise) return result.finally(settled);
      // A method that hands back an iterator or handle may write later: nothing computed before now
      // and kept is trusted after its next call either way, since that call bumps again.
      settled();
      return result;
    };
  }
  const cachedOverview = async (asOf: Date, filter: FleetFilter, asked: boolean): Promise<Overview> => {
    const filterKey = JSON.stringify(filter);
    if (asked) recentFilters.set(filterKey, { filter, askedAt: now().getTime() });
    const key = `${Math.floor(asOf.getTime() / 60_000)}\u0000${filterKey}`;
    const hit = entries.get(key);
    if (hit && hit.version === version) return { ...structuredClone(await hit.overview), generatedAt: now().toISOString() };
    const started = version;
    const pending = store.overview(asOf, filter);
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(key, { version: started, overview: pending });
    try {
      const overview = await pending;
      // A write that began meanwhile cleared the map; only an unchanged version may keep the entry.
      if (version !== started && entries.get(key)?.overview === pending) entries.delete(key);
      return structuredClone(overview);
    } catch (err) {
      if (entries.get(key)?.overview === pending) entries.delete(key);
      throw err;
    }
  };
  wrapped.overview = (asOf: Date, filter: FleetFilter): Promise<Overview> => cachedOverview(asOf, filter, true);
  wrapped.close = async (): Promise<void> => {
    // No warm-up may still be reading when the connections close.
    closed = true;
    if (warmTimer !== null) clearTimeout(warmTimer);
    await warming;
    await store.close();
  };
  return wrapped as unknown as T;
}
