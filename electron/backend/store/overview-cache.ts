/**
 * Remembers overviews per (asOf minute, filter) for as long as the store's data is unchanged. Every
 * store method that is not a known pure read advances the data version before it starts and after it
 * settles, so an overview computed while a write ran is never kept, and no write can leave an entry
 * behind: a cached overview is exactly what a recomputation would return (generatedAt is set anew).
 */
import type { FleetFilter } from '../../../shared/contract';
import type { Overview } from '../../../shared/overview';
import type { FleetStore } from './types';

/** FleetStore methods that only read; every other method counts as a write. */
const PURE_READS = new Set<string>([
  'overview',
  'filterOptions',
  'utilisationSeries',
  'resourceRows',
  'resourceDetail',
  'incidents',
  'incident',
  'accounts',
  'syncRuns',
  'cursor',
  'resources',
  'close',
]);
const MAX_ENTRIES = 16;

/** Wraps `store` so overview() answers repeated questions about unchanged data from memory. */
export function withOverviewCache<T extends FleetStore>(store: T, now: () => Date): T {
  let version = 0;
  const entries = new Map<string, { version: number; overview: Promise<Overview> }>();
  const bump = (): void => {
    version += 1;
    entries.clear();
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
        bump();
        throw err;
      }
      if (result instanceof Promise) return result.finally(bump);
      // A method that hands back an iterator or handle may write later: nothing computed before now
      // and kept is trusted after its next call either way, since that call bumps again.
      bump();
      return result;
    };
  }
  wrapped.overview = async (asOf: Date, filter: FleetFilter): Promise<Overview> => {
    const key = `${Math.floor(asOf.getTime() / 60_000)}\u0000${JSON.stringify(filter)}`;
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
  return wrapped as unknown as T;
}
