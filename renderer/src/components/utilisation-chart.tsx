/** Utilisation over time, one line per series (clouds on the pane, GPUs on a resource page). */
import { useMemo, type ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { Series } from '../../../shared/contract';
import { formatPercent } from '../../../shared/format';
import { mergeSeries } from '../lib/series';
import { formatTick, formatUtcDateTime } from '../lib/time';

// Colour and dash pattern both differ per line, so lines stay apart without colour.
const PALETTE_SIZE = 8;
const DASHES = ['', '6 3', '2 2', '8 3 2 3', '12 4', '3 5', '1 3', '10 2 2 2'];

function seriesStyle(index: number): { stroke: string; dash: string } {
  return { stroke: `var(--series-${index % PALETTE_SIZE})`, dash: DASHES[index % DASHES.length] ?? '' };
}

export interface UtilisationChartProps {
  series: readonly Series[];
  /** Accessible title of the figure. */
  title: string;
  /** Length of the displayed range, to choose tick labels. */
  rangeMs: number;
  height?: number;
  testId?: string;
}

/** A line chart of utilisation in percent with a text legend; animations off for stable frames. */
export function UtilisationChart({ series, title, rangeMs, height = 260, testId = 'utilisation-chart' }: UtilisationChartProps): ReactNode {
  const rows = useMemo(() => mergeSeries(series), [series]);
  const hasData = rows.some((r) => series.some((s) => r[s.key] !== null && r[s.key] !== undefined));
  return (
    <figure className="chart" data-testid={testId} data-series-count={series.length}>
      <figcaption className="visually-hidden">{title}</figcaption>
      {hasData ? (
        <div className="chart__plot" role="img" aria-label={`${title}. ${summarise(series)}`}>
          <LineChart responsive data={rows} style={{ width: '100%', height }} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid strokeDasharray="3 3" className="chart__grid" />
            <XAxis
              dataKey="t"
              type="number"
              scale="time"
              domain={['dataMin', 'dataMax']}
              tickFormatter={(t: number) => formatTick(t, rangeMs)}
              className="chart__axis"
            />
            <YAxis domain={[0, 100]} unit="%" width={48} className="chart__axis" />
            <Tooltip
              labelFormatter={(t) => (typeof t === 'number' ? formatUtcDateTime(new Date(t).toISOString()) : String(t))}
              formatter={(value) => (typeof value === 'number' ? formatPercent(value) : '—')}
              wrapperClassName="chart__tooltip"
            />
            {series.map((s, i) => {
              const style = seriesStyle(i);
              return (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={s.label}
                  type="linear"
                  stroke={style.stroke}
                  strokeDasharray={style.dash}
                  strokeWidth={2}
                  dot={false}
                  connectNulls={false}
                  isAnimationActive={false}
                />
              );
            })}
          </LineChart>
        </div>
      ) : (
        <p className="chart__empty muted">No utilisation samples in this range.</p>
      )}
      <ul className="legend" aria-label="Legend">
        {series.map((s, i) => {
          const style = seriesStyle(i);
          return (
            <li key={s.key} className="legend__item">
              <svg width="28" height="10" aria-hidden="true" className="legend__swatch">
                <line x1="0" y1="5" x2="28" y2="5" stroke={style.stroke} strokeWidth="2" strokeDasharray={style.dash} />
              </svg>
              {s.label}
            </li>
          );
        })}
      </ul>
    </figure>
  );
}

/** A one-line text version of the chart for screen readers: the latest value of each series. */
function summarise(series: readonly Series[]): string {
  return series
    .map((s) => {
      const last = [...s.points].reverse().find((p) => p.value !== null);
      return `${s.label}: latest ${formatPercent(last?.value ?? null)}`;
    })
    .join('; ');
}
