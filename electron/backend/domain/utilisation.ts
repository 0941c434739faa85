/**
 * The glossary's utilisation rule, in one home: which source a GPU's busy percentage comes from, and
 * how series of the same GPU are merged. Pure; every provider's map calls it.
 *
 * - Sources, first available wins: DCGM_FI_PROF_GR_ENGINE_ACTIVE x 100 (MIG-aware, not coarse), then
 *   DCGM_FI_DEV_GPU_UTIL, then the provider's own GPU utilisation metric.
 * - Series of the same GPU (same UUID) are one GPU: the first place a UUID was seen is its home, so a
 *   pod that moves (or a series relabelled by another scrape) does not split it.
 */
import type { UtilSource } from '../../../shared/domain';

/** The sources of a GPU's utilisation, most trusted first (glossary). */
export const UTIL_SOURCE_ORDER: readonly UtilSource[] = ['prof', 'dev', 'provider'];

/** What each source read for one GPU in one minute; absent or null where the source said nothing. */
export type UtilReadings = Partial<Record<UtilSource, number | null>>;

/** A utilisation percentage held to 0-100. */
export function clampPercent(value: number): number {
  return Math.min(100, Math.max(0, value));
}

/** The utilisation of one GPU-minute from its readings: the first source in the glossary's order that has a finite value. */
export function chooseUtilisation(readings: UtilReadings): { utilisation: number | null; utilSource: UtilSource | null } {
  for (const source of UTIL_SOURCE_ORDER) {
    const v = readings[source];
    if (v !== undefined && v !== null && Number.isFinite(v)) return { utilisation: clampPercent(v), utilSource: source };
  }
  return { utilisation: null, utilSource: null };
}

/** Where a GPU lives in the inventory: its machine and its index on that machine. */
export interface GpuHome {
  resourceId: string;
  gpuIndex: number;
}

/**
 * Merges series by GPU UUID: `home(uuid, place)` returns the home the UUID was first placed at, else
 * places it now with `place()` (the provider's own reading of host and index labels). Without a UUID
 * every series is placed on its own.
 */
export function uuidHomes(): (uuid: string | undefined, place: () => GpuHome | null) => GpuHome | null {
  const homes = new Map<string, GpuHome>();
  return (uuid, place) => {
    if (uuid) {
      const known = homes.get(uuid);
      if (known) return known;
    }
    const home = place();
    if (home && uuid) homes.set(uuid, home);
    return home;
  };
}
