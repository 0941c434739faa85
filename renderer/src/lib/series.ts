/** Chart data helpers: the contract caps series at MAX_SERIES_POINTS; we hold charts to it too. */
import { MAX_SERIES_POINTS, type Series, type SeriesPoint } from '../../../shared/contract';

/**
 * Reduces a series to at most `max` points by averaging equal-width runs of buckets (nulls
 * skipped, a run of only nulls stays null), so a gap still shows as a gap.
 */
export function downsamplePoints(points: readonly SeriesPoint[], max: number = MAX_SERIES_POINTS): SeriesPoint[] {
  if (points.length <= max) return [...points];
  const size = Math.ceil(points.length / max);
  const out: SeriesPoint[] = [];
  for (let i = 0; i < points.length; i += size) {
    const run = points.slice(i, i + size);
    let sum = 0;
    let n = 0;
    for (const p of run) {
      if (p.value !== null) {
        sum += p.value;
        n += 1;
      }
    }
    out.push({ t: run[0]?.t ?? 0, value: n === 0 ? null : sum / n });
  }
  return out;
}

/** One row per timestamp with a column per series key, the shape recharts wants. */
export type ChartRow = { t: number } & Record<string, number | null>;

/** Merges several series onto shared timestamps (missing points become null, i.e. gaps). */
export function mergeSeries(series: readonly Series[]): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  for (const s of series) {
    for (const p of downsamplePoints(s.points)) {
      let row = rows.get(p.t);
      if (row === undefined) {
        row = { t: p.t } as ChartRow;
        rows.set(p.t, row);
      }
      row[s.key] = p.value;
    }
  }
  const sorted = [...rows.values()].sort((a, b) => a.t - b.t);
  for (const row of sorted) {
    for (const s of series) if (!(s.key in row)) row[s.key] = null;
  }
  return sorted;
}
