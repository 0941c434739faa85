/** A tiny trend line drawn as plain SVG (cheap enough for one per cloud card). */
import type { ReactNode } from 'react';
import type { SeriesPoint } from '../../../shared/contract';
import { formatPercent } from '../../../shared/format';
import { downsamplePoints } from '../lib/series';

const WIDTH = 120;
const HEIGHT = 28;

/** Utilisation 0-100 % over time; gaps (null) break the line. */
export function Sparkline({ points, label }: { points: readonly SeriesPoint[]; label: string }): ReactNode {
  const reduced = downsamplePoints(points, WIDTH);
  const measured = reduced.filter((p) => p.value !== null);
  if (measured.length === 0) {
    return (
      <p className="sparkline sparkline--empty muted" data-testid="util-sparkline">
        No samples in the last 24 h.
      </p>
    );
  }
  const t0 = reduced[0]?.t ?? 0;
  const t1 = reduced[reduced.length - 1]?.t ?? t0;
  const span = Math.max(1, t1 - t0);
  const segments: string[] = [];
  let current: string[] = [];
  for (const p of reduced) {
    if (p.value === null) {
      if (current.length > 0) segments.push(current.join(' '));
      current = [];
      continue;
    }
    const x = ((p.t - t0) / span) * WIDTH;
    const y = HEIGHT - (Math.min(100, Math.max(0, p.value)) / 100) * HEIGHT;
    current.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  }
  if (current.length > 0) segments.push(current.join(' '));
  const first = measured[0]?.value ?? null;
  const last = measured[measured.length - 1]?.value ?? null;
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      preserveAspectRatio="none"
      role="img"
      aria-label={`${label}: from ${formatPercent(first)} to ${formatPercent(last)}`}
      data-testid="util-sparkline"
    >
      {segments.map((s, i) =>
        s.includes(' ') ? (
          <polyline key={i} points={s} className="sparkline__line" />
        ) : (
          <circle key={i} cx={s.split(',')[0]} cy={s.split(',')[1]} r="1.2" className="sparkline__dot" />
        ),
      )}
    </svg>
  );
}
