/**
 * Remembers overviews per (asOf minute, filter) for as long as the store's data is unchanged. Every
 * store method that is not a known pure read advances the data version when it settles, so an
 * overview computed while a write ran is never kept past it, and no write can leave an entry behind:
 * a cached overview is exactly what a recomputation would return (generatedAt is set anew).
 *
 * Syncs write every minute, so the first request after each write would pay the full computation.
 * Instead, once writes settle, the overviews of the filters asked for in the last few minutes are
 * computed again in the background (for the current minute), and the pane's next request finds them.
 *
 * Writes are told apart by what of the overview's data they change (WRITE_FACETS), and the overview's
 * parts are kept on the same rule as whole overviews, per what they read: after a cost write only the
 * spend is computed again, after an alert nothing. At 100,000 GPUs a sync's cost, incident and alert
 * writes each cost a whole computation (0.2-1.0 s under a team's load), though only the metrics and
 * inventory writes change the GPU states and means that are most of it.
 */
import { EVENT_COALESCE_MS, type FleetFilter } from '../../../shared/contract';
import type { Overview } from '../../../shared/overview';
import type { OverviewFacet, OverviewParts } from './fleet/types';
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
  'inventoryChanges',
]);
const ALL_FACETS: readonly OverviewFacet[] = ['inventory', 'samples', 'incidents', 'costs', 'runs'];

/**
 * Writes that change only some of what the overview reads, and which (from the tables each writes:
 * fleet/writer.ts, spend/writer.ts, focus/import.ts, triage/writer.ts; a write given a run records it).
 * Any other write counts as changing all of it.
 */
const WRITE_FACETS: Readonly<Record<string, readonly OverviewFacet[]>> = {
  writeMetrics: ['samples', 'runs'],
  writeCosts: ['costs', 'runs'],
  importFocus: ['costs', 'runs'],
  writeIncidents: ['incidents', 'runs'],
  writeDerivedIncidents: ['incidents'],
  acknowledgeIncident: ['incidents'],
  addIncidentNote: ['incidents'],
  recordFailure: ['runs'],
  // The overview shows no alert, budget or report definition.
  writeAlerts: [],
  setAlertSettings: [],
  saveBudget: [],
  deleteBudget: [],
  saveReportDefinition: [],
  deleteReportDefinition: [],
  recordReportRun: [],
};

/** What the store's method `name` may change of the overview's data (PURE_READS change nothing). */
export function facetsWritten(name: string): readonly OverviewFacet[] {
  return PURE_READS.has(name) ? [] : (WRITE_FACETS[name] ?? ALL_FACETS);
}

const MAX_ENTRIES = 16;
/** Parts kept at most: an overview has about a dozen, so about as many overviews' worth as MAX_ENTRIES. */
const MAX_PARTS = MAX_ENTRIES * 12;
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
  // Each facet's version advances when a write that changes it settles; `changes` advances with any
  // of them and is what whole overviews are kept by.
  const versions = Object.fromEntries(ALL_FACETS.map((f) => [f, 0])) as Record<OverviewFacet, number>;
  let changes = 0;
  const entries = new Map<string, { version: number; overview: Promise<Overview> }>();
  const parts = new Map<string, { minute: number; reads: readonly OverviewFacet[]; stamp: string; value: Promise<unknown> }>();
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
  const bump = (facets: readonly OverviewFacet[]): void => {
    if (facets.length === 0) return;
    for (const f of facets) versions[f] += 1;
    changes += 1;
    entries.clear();
    // Parts that read what changed can never be handed out again.
    for (const [key, kept] of parts) if (kept.reads.some((f) => facets.includes(f))) parts.delete(key);
  };
  const settled = (facets: readonly OverviewFacet[]): void => {
    bump(facets);
    if (closed || facets.length === 0 || recentFilters.size === 0) return;
    if (warmTimer !== null) clearTimeout(warmTimer);
    warmTimer = setTimeout(warm, WARM_DEBOUNCE_MS);
    warmTimer.unref?.();
  };
  const wrapped = { ...store } as unknown as Record<string, unknown>;
  for (const [name, value] of Object.entries(store)) {
    if (typeof value !== 'function' || PURE_READS.has(name)) continue;
    const method = value as (...args: unknown[]) => unknown;
    const facets = facetsWritten(name);
    wrapped[name] = (...args: unknown[]): unknown => {
      // What was computed stays until the write settles: until its COMMIT it is what the store
      // holds, and anything computed meanwhile was stamped before the settling bump, so it is never
      // handed out after. A warm-up due now would read data the write is changing: the write's own
      // settling schedules the next one.
      if (facets.length > 0 && warmTimer !== null) {
        clearTimeout(warmTimer);
        warmTimer = null;
      }
      const inventoryBefore = name === 'writeInventory' ? store.inventoryChanges() : null;
      // An inventory snapshot equal to the stored one records its run and nothing else (fleet/writer.ts).
      const written = (): readonly OverviewFacet[] =>
        inventoryBefore !== null && store.inventoryChanges() === inventoryBefore ? ['runs'] : facets;
      let result: unknown;
      try {
        result = method.apply(store, args);
      } catch (err) {
        settled(facets);
        throw err;
      }
      if (result instanceof Promise) return result.finally(() => settled(written()));
      // A method that hands back an iterator or handle may write later: nothing computed before now
      // and kept is trusted after its next call either way, since that call settles again.
      settled(facets);
      return result;
    };
  }
  const stampOf = (reads: readonly OverviewFacet[]): string => reads.map((f) => versions[f]).join(',');
  /** The parts of the overview of one minute and filter, each kept on the same rule as whole overviews. */
  const partsOf = (overviewKey: string, minute: number): OverviewParts => ({
    part<P>(name: string, reads: readonly OverviewFacet[], compute: () => Promise<P>): Promise<P> {
      const key = `${overviewKey}\u0000${name}`;
      const stamp = stampOf(reads);
      const hit = parts.get(key);
      if (hit && hit.stamp === stamp) return hit.value as Promise<P>;
      const value = compute();
      if (parts.size >= MAX_PARTS) parts.clear();
      // Parts of minutes before the last are never asked for again (the pane asks for now).
      for (const [old, kept] of parts) if (kept.minute < minute - 1) parts.delete(old);
      parts.set(key, { minute, reads, stamp, value });
      const forget = (): void => {
        if (parts.get(key)?.value === value) parts.delete(key);
      };
      // A write that settled meanwhile changed the stamp: only a part of unchanged data may stay.
      value.then(() => stampOf(reads) !== stamp && forget(), forget);
      return value;
    },
  });
  const cachedOverview = async (asOf: Date, filter: FleetFilter, asked: boolean): Promise<Overview> => {
    const filterKey = JSON.stringify(filter);
    if (asked) recentFilters.set(filterKey, { filter, askedAt: now().getTime() });
    const minute = Math.floor(asOf.getTime() / 60_000);
    const key = `${minute}\u0000${filterKey}`;
    const hit = entries.get(key);
    if (hit && hit.version === changes) return { ...structuredClone(await hit.overview), generatedAt: now().toISOString() };
    const started = changes;
    const pending = store.overview(asOf, filter, partsOf(key, minute));
    if (entries.size >= MAX_ENTRIES) entries.clear();
    entries.set(key, { version: started, overview: pending });
    try {
      const overview = await pending;
      // A write that settled meanwhile cleared the map; only an unchanged version may keep the entry.
      if (changes !== started && entries.get(key)?.overview === pending) entries.delete(key);
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
