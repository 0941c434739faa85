/** Incidents with their blast radius: where, how many GPUs, and what they cost per hour. */
import type { ReactNode } from 'react';
import { formatMoney } from '../../../shared/format';
import type { IncidentBrief } from '../../../shared/overview';
import { formatUtcDateTime } from '../lib/time';

/** "$12.40/h + €3.00/h", or "—" when no priced GPU is affected. */
export function formatAtRisk(incident: IncidentBrief): string {
  if (incident.atRiskPerHour.length === 0) return '—';
  return incident.atRiskPerHour.map((r) => `${formatMoney(r.amount, r.currency)}/h`).join(' + ');
}

/** A list of incidents; shows at most `limit` and says how many more there are. */
export function IncidentList({
  incidents,
  limit = 5,
  showCloud = false,
}: {
  incidents: readonly IncidentBrief[];
  limit?: number;
  showCloud?: boolean;
}): ReactNode {
  if (incidents.length === 0) return <p className="muted">None.</p>;
  const shown = incidents.slice(0, limit);
  return (
    <>
      <ul className="incidents">
        {shown.map((i) => (
          <li key={`${i.account}:${i.id}`} className={`incident incident--${i.severity}`} data-testid="incident" data-incident-id={i.id}>
            <p className="incident__title">
              <span className={`severity severity--${i.severity}`}>{i.severity}</span>{' '}
              {i.url !== null ? (
                <a href={i.url} target="_blank" rel="noopener noreferrer">
                  {i.title}
                </a>
              ) : (
                i.title
              )}
              {i.demo ? <span className="badge badge--small">demo</span> : null}
            </p>
            <p className="incident__meta">
              {showCloud ? <span>{i.cloud} · </span> : null}
              <span data-testid="incident-regions">{i.regions.length > 0 ? i.regions.join(', ') : 'all regions'}</span>
              {' · '}
              <span data-testid="incident-gpus">
                {i.affectedGpus} {i.affectedGpus === 1 ? 'GPU' : 'GPUs'} affected
              </span>
              {' · '}
              <span data-testid="incident-at-risk">{formatAtRisk(i)} at risk</span>
              {' · '}
              <span>
                since <time dateTime={i.startedAt}>{formatUtcDateTime(i.startedAt)}</time>
              </span>
            </p>
          </li>
        ))}
      </ul>
      {incidents.length > shown.length ? <p className="muted">and {incidents.length - shown.length} more</p> : null}
    </>
  );
}
