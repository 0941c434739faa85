/** Announced maintenance whose window has not opened: listed apart from incidents, never counted. */
import type { ReactNode } from 'react';
import { CLOUD_LABELS } from '../../../shared/domain';
import type { IncidentBrief } from '../../../shared/overview';
import { formatLocalWindow, formatUntil, formatUtcWindow } from '../lib/time';

export interface PlannedListProps {
  maintenance: readonly IncidentBrief[];
  /** The instant the list describes (the overview's asOf): "starts in ..." is measured from it. */
  asOfIso: string;
  limit?: number;
  showCloud?: boolean;
  /** Said when nothing is planned; null shows nothing at all. */
  empty?: string | null;
}

/** Planned maintenance, soonest first, each with its window in UTC and on this computer's clock. */
export function PlannedList({ maintenance, asOfIso, limit = 10, showCloud = false, empty = 'No planned maintenance.' }: PlannedListProps): ReactNode {
  if (maintenance.length === 0) return empty === null ? null : <p className="muted">{empty}</p>;
  const shown = maintenance.slice(0, limit);
  return (
    <>
      <ul className="incidents planned">
        {shown.map((m) => {
          const utc = formatUtcWindow(m.startedAt, m.endedAt);
          const local = formatLocalWindow(m.startedAt, m.endedAt);
          return (
            <li key={`${m.account}:${m.id}`} className="incident incident--planned" data-testid="planned-maintenance" data-incident-id={m.id}>
              <p className="incident__title">
                <span className="severity severity--maintenance">planned</span>{' '}
                {m.url !== null ? (
                  <a href={m.url} target="_blank" rel="noopener noreferrer">
                    {m.title}
                  </a>
                ) : (
                  m.title
                )}
                {m.demo ? <span className="badge badge--small">demo</span> : null}
              </p>
              <p className="incident__meta">
                {showCloud ? <span>{CLOUD_LABELS[m.cloud]} · </span> : null}
                <span>{m.regions.length > 0 ? m.regions.join(', ') : 'all regions'}</span>
                {' · '}
                <span>starts {formatUntil(m.startedAt, asOfIso)}</span>
                {' · '}
                <time dateTime={m.startedAt} title={local === null ? utc : `${local} (your time) · ${utc}`} data-testid="planned-window">
                  {utc}
                </time>
                {local !== null ? <span className="planned__local"> ({local} your time)</span> : null}
                {m.affectedGpus > 0 ? ` · ${m.affectedGpus} ${m.affectedGpus === 1 ? 'GPU' : 'GPUs'} in its path` : null}
              </p>
            </li>
          );
        })}
      </ul>
      {maintenance.length > shown.length ? <p className="muted">and {maintenance.length - shown.length} more</p> : null}
    </>
  );
}
