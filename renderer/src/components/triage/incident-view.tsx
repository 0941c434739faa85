/**
 * An incident page's content: what, where, blast radius, sources, timeline over utilisation,
 * affected machines and notes. Renders a live page or a snapshot alike; actions only when live.
 */
import type { ReactNode } from 'react';
import { CLOUD_LABELS } from '../../../../shared/domain';
import type { IncidentPage } from '../../../../shared/contract-triage';
import { formatMoney, formatPercent } from '../../../../shared/format';
import { formatAtRisk } from '../incident-list';
import { formatUtcDateTime } from '../../lib/time';
import { IncidentTimelineChart } from './incident-timeline-chart';
import './triage.css';

export function IncidentView({ page, actions }: { page: IncidentPage; actions?: ReactNode }): ReactNode {
  const i = page.incident;
  return (
    <article className="incident-page" aria-label={i.title} data-testid="incident-page" data-incident-id={i.id}>
      <header className="card">
        <h2 className="card__title">
          <span className={`severity severity--${i.severity}`}>{i.severity}</span> {i.title}
          {i.demo ? <span className="badge badge--small">demo</span> : null}
        </h2>
        <p className="incident__meta">
          {CLOUD_LABELS[i.cloud]} · {i.regions.length > 0 ? i.regions.join(', ') : 'all regions'}
          {i.services.length > 0 ? ` · ${i.services.join(', ')}` : ''} · {i.endedAt === null ? 'open since ' : 'from '}
          <time dateTime={i.startedAt}>{formatUtcDateTime(i.startedAt)}</time>
          {i.endedAt !== null ? (
            <>
              {' to '}
              <time dateTime={i.endedAt}>{formatUtcDateTime(i.endedAt)}</time>
            </>
          ) : null}
        </p>
        <dl className="blast-radius">
          <div>
            <dt>GPUs affected</dt>
            <dd data-testid="incident-page-gpus">{i.affectedGpus}</dd>
          </div>
          <div>
            <dt>At risk</dt>
            <dd data-testid="incident-page-at-risk">{formatAtRisk(i)}</dd>
          </div>
          <div>
            <dt>Acknowledged</dt>
            <dd data-testid="incident-page-ack">{i.acknowledged ? `${i.acknowledged.by}, ${formatUtcDateTime(i.acknowledged.at)}` : 'no'}</dd>
          </div>
        </dl>
        {i.summary ? <p>{i.summary}</p> : null}
        <p className="muted">
          Reported by{' '}
          {i.sources.map((s, n) => (
            <span key={s.id} data-testid="incident-source">
              {n > 0 ? ', ' : ''}
              {s.url ? (
                <a href={s.url} target="_blank" rel="noopener noreferrer">
                  {s.source}
                </a>
              ) : (
                s.source
              )}
            </span>
          ))}
        </p>
        {actions}
      </header>

      <section className="card" aria-labelledby="incident-timeline-heading">
        <h3 id="incident-timeline-heading" className="card__title">
          Timeline
        </h3>
        <IncidentTimelineChart page={page} />
        <ol className="timeline" aria-labelledby="incident-timeline-heading" data-testid="incident-timeline">
          {page.timeline.map((e) => (
            <li key={`${e.at}:${e.kind}:${e.title}`} className={`timeline__entry timeline__entry--${e.kind}`} data-kind={e.kind}>
              <time dateTime={e.at}>{formatUtcDateTime(e.at)}</time> <strong>{e.title}</strong>
              {e.source ? <span className="muted"> ({e.source})</span> : null}
              {e.body ? <p>{e.body}</p> : null}
            </li>
          ))}
        </ol>
      </section>

      <section className="card" aria-labelledby="incident-affected-heading">
        <h3 id="incident-affected-heading" className="card__title">
          Affected machines ({page.affected.length})
        </h3>
        {page.affected.length === 0 ? (
          <p className="muted">No machine of the fleet is affected.</p>
        ) : (
          <div className="incident-affected">
            <table className="data-table" aria-labelledby="incident-affected-heading" data-testid="incident-affected">
              <thead>
                <tr>
                  <th scope="col">Machine</th>
                  <th scope="col">Region</th>
                  <th scope="col">GPUs</th>
                  <th scope="col">States</th>
                  <th scope="col">Utilisation 30 min</th>
                  <th scope="col">Price per hour</th>
                </tr>
              </thead>
              <tbody>
                {page.affected.map((r) => (
                  <tr key={`${r.account}:${r.id}`}>
                    <th scope="row">
                      <a href={`#/resource/${encodeURIComponent(r.account)}/${encodeURIComponent(r.id)}`}>{r.name}</a>
                    </th>
                    <td>{r.region}</td>
                    <td>
                      {r.gpuCount} x {r.gpuModel}
                    </td>
                    <td>
                      {Object.entries(r.states)
                        .filter(([, n]) => n > 0)
                        .map(([s, n]) => `${n} ${s}`)
                        .join(', ')}
                    </td>
                    <td>{formatPercent(r.utilisation30m)}</td>
                    <td>{r.hourlyPrice === null ? '—' : formatMoney(r.hourlyPrice, r.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="incident-notes-heading">
        <h3 id="incident-notes-heading" className="card__title">
          Notes
        </h3>
        {page.notes.length === 0 ? <p className="muted">No notes yet.</p> : null}
        <ul className="notes" aria-labelledby="incident-notes-heading" data-testid="incident-notes">
          {page.notes.map((n) => (
            <li key={n.id}>
              <time dateTime={n.at}>{formatUtcDateTime(n.at)}</time> <strong>{n.author}</strong>: {n.body}
            </li>
          ))}
        </ul>
      </section>
    </article>
  );
}
