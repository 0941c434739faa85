/** Helpers for tests that compare two ways of computing the same numbers. */
import type { GpuResource, GpuSample } from '../../../../shared/domain';

const MIN = 60_000;

/** Deterministic 0..1 from integers (no Math.random: two stores compared must get the same samples). */
export function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ (x | 0), 16777619) >>> 0;
  return (h % 10_000) / 10_000;
}

/**
 * `actual` with each number that lies within 1e-12 (relative) of the same place in `expected` taken
 * from `expected`, so toEqual then compares everything else exactly and shows any real difference.
 * Two computations may add the same doubles in another order, and double addition is not associative.
 */
export function withinRounding(actual: unknown, expected: unknown): unknown {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)) ? expected : actual;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) return actual.map((a, i) => withinRounding(a, expected[i]));
  if (actual !== null && expected !== null && typeof actual === 'object' && typeof expected === 'object') {
    const e = expected as Record<string, unknown>;
    return Object.fromEntries(Object.entries(actual).map(([k, v]) => [k, withinRounding(v, e[k])]));
  }
  return actual;
}

/** What mixedSamples varies. */
export interface MixedSamples {
  from: number;
  to: number;
  /** Some GPUs fall silent 13 + 7 x index minutes before this (some mid-bucket). */
  silentBefore: number;
  /** Share of minutes without a sample, and of samples with an XID error (or a fault, on Google Cloud). */
  gaps: number;
  events: number;
  /** Varies the draw; none gives the draw of stores built before it existed. */
  seed?: number;
}

/**
 * One sample per GPU and minute of [from, to) with patterns: busy, idle (< 5 %), GPUs that fall
 * silent, null utilisation, XID errors and faults at scattered minutes.
 */
export function mixedSamples(resources: readonly GpuResource[], { from, to, silentBefore, gaps, events, seed }: MixedSamples): GpuSample[] {
  const draw = (...xs: number[]): number => (seed === undefined ? noise(...xs) : noise(seed, ...xs));
  const out: GpuSample[] = [];
  resources.forEach((r, ri) => {
    for (let g = 0; g < r.gpuCount; g++) {
      const silentFrom = ri % 6 === 1 ? silentBefore - (13 + g * 7) * MIN : Infinity;
      for (let t = from; t < to; t += MIN) {
        if (t >= silentFrom || draw(ri, g, t / MIN, 1) < gaps) continue;
        const kind = (ri + g) % 5;
        const util = kind === 0 ? null : kind === 1 ? draw(ri, g, t / MIN) * 4.99 : draw(ri, g, t / MIN) * 100;
        out.push({
          resourceId: r.id,
          gpuIndex: g,
          ts: t,
          utilisation: util,
          utilSource: util === null ? null : 'prof',
          memoryUsedMiB: 1000 + g,
          powerWatts: 300,
          temperatureC: 50,
          xidErrors: draw(ri, g, t / MIN, 2) < events ? 1 : 0,
          ...(r.cloud === 'gcp' ? { fault: draw(ri, g, t / MIN, 3) < events } : {}),
        });
      }
    }
  });
  return out;
}
