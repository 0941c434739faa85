/**
 * The incident over the utilisation of the GPUs it touches: the affected GPUs' mean and the rest of
 * the region as lines, the incident's open period shaded, and each provider update as a marker.
 */
import { useMemo, type ReactNode } from 'react';
import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { IncidentPage } from '../../../../shared/contract-triage';
import { formatPercent } from '../../../../shared/format';
import { mergeSeries } from '../../lib/series';
import { formatTick, formatUtcDateTime } from '../../lib/time';

/** The chart of an incident page (live or from a snapshot). */
export function IncidentTimelineChart({ page, height = 260 }: { page: IncidentPage; height?: number }): ReactNode {
  const rows = useMemo(() => mergeSeries(page.utilisation), [page.utilisation]);
  const start = Math.max(page.window.from, Date.parse(page.incident.startedAt));
  const end = page.incident.endedAt === null ? page.window.to : Math.min(page.window.to, Date.parse(page.incident.endedAt));
  const markers = page.timeline.filter((e) => e.kind === 'update' || e.kind === 'source' || e.kind === 'acknowledged');
  const rangeMs = page.window.to - page.window.from;
  const hasData = rows.some((r) => page.utilisation.some((s) => r[s.key] !== null && r[s.key] !== undefined));
  const affected = page.utilisation.find((s) => s.key === 'affected');
  const lastAffected = affected?.points.filter((p) => p.value !== null).at(-1)?.value ?? null;
  return (
    <figure className="chart" data-testid="incident-timeline-chart" data-markers={markers.length}>
      <figcaption className="visually-hidden">Utilisation of the GPUs the incident touches, with the incident period shaded</figcaption>
      <div
        className="chart__plot"
        role="img"
        aria-label={`Incident from ${formatUtcDateTime(page.incident.startedAt)}${page.incident.endedAt ? ` to ${formatUtcDateTime(page.incident.endedAt)}` : ', still open'}; affected GPUs now at ${formatPercent(lastAffected)}`}
      >
        <LineChart responsive data={rows} style={{ width: '100%', height }} margin={{ top: 8, right: 16, bottom: 4, left: 0 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" className="chart__grid" />
          <XAxis dataKey="t" type="number" scale="time" domain={[page.window.from, page.window.to]} tickFormatter={(t: number) => formatTick(t, rangeMs)} className="chart__axis" />
          <YAxis domain={[0, 100]} unit="%" width={48} className="chart__axis" />
          <ReferenceArea x1={start} x2={end} className="incident-period" fill="var(--incident-shade, rgba(220, 80, 60, 0.12))" ifOverflow="hidden" />
          {markers.map((m) => (
            <ReferenceLine key={`${m.at}:${m.title}`} x={Date.parse(m.at)} stroke="var(--incident-marker, #b04a3a)" strokeDasharray="2 3" ifOverflow="hidden" />
          ))}
          <Tooltip
            labelFormatter={(t) => (typeof t === 'number' ? formatUtcDateTime(new Date(t).toISOString()) : String(t))}
            formatter={(value) => (typeof value === 'number' ? formatPercent(value) : '—')}
            wrapperClassName="chart__tooltip"
          />
          {page.utilisation.map((s, i) => (
            <Line key={s.key} dataKey={s.key} name={s.label} type="linear" stroke={`var(--series-${i})`} strokeDasharray={i === 0 ? '' : '6 3'} dot={false} isAnimationActive={false} connectNulls={false} />
          ))}
        </LineChart>
      </div>
      {!hasData ? <p className="muted">No utilisation was measured on these GPUs in this window.</p> : null}
      <ul className="chart__legend">
        {page.utilisation.map((s) => (
          <li key={s.key}>{s.label}</li>
        ))}
        <li>Shaded: the incident</li>
      </ul>
    </figure>
  );
}
