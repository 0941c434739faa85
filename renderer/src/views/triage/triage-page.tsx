/** The triage view: active incidents by blast radius with what changed in the last hour, data problems, alerts. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { TriageIncident } from '../../../../shared/contract-triage';
import { CLOUD_LABELS } from '../../../../shared/domain';
import { formatMoney } from '../../../../shared/format';
import { alertsQuery, triageListQuery } from '../../api/triage-queries';
import { formatAtRisk } from '../../components/incident-list';
import { PlannedList } from '../../components/planned-list';
import { ErrorState, LoadingSkeleton } from '../../components/status';
import { AlertSettingsPanel } from '../../components/triage/alert-settings-panel';
import { formatHash, type ViewParams } from '../../routing/route';
import { formatUtcDateTime } from '../../lib/time';
import '../../components/triage/triage.css';

function TriageRow({ incident, params }: { incident: TriageIncident; params: ViewParams }): ReactNode {
  return (
    <li className={`incident incident--${incident.severity}`} aria-label={incident.title} data-testid="triage-incident" data-incident-id={incident.id}>
      <p className="incident__title">
        <span className={`severity severity--${incident.severity}`}>{incident.severity}</span>{' '}
        <a href={formatHash({ name: 'incident', id: incident.id }, params)} data-testid="triage-incident-link">
          {incident.title}
        </a>
        {incident.acknowledged ? (
          <span className="badge badge--small" title={`by ${incident.acknowledged.by}`}>
            acknowledged
          </span>
        ) : null}
        {incident.demo ? <span className="badge badge--small">demo</span> : null}
      </p>
      <p className="incident__meta">
        {CLOUD_LABELS[incident.cloud]} · {incident.regions.length > 0 ? incident.regions.join(', ') : 'all regions'} ·{' '}
        <span data-testid="triage-gpus">
          {incident.affectedGpus} {incident.affectedGpus === 1 ? 'GPU' : 'GPUs'}
        </span>{' '}
        · <span data-testid="triage-at-risk">{formatAtRisk(incident)}</span> at risk · {incident.sources.map((s) => s.source).join(' + ')} · since{' '}
        <time dateTime={incident.startedAt}>{formatUtcDateTime(incident.startedAt)}</time>
        {incident.noteCount > 0 ? ` · ${incident.noteCount} note${incident.noteCount === 1 ? '' : 's'}` : ''}
      </p>
      {incident.recentChanges.length > 0 ? (
        <ul className="recent-changes" data-testid="triage-recent-changes" aria-label="Last hour">
          {incident.recentChanges.slice(0, 3).map((c) => (
            <li key={`${c.at}:${c.kind}:${c.text}`}>
              <time dateTime={c.at}>{formatUtcDateTime(c.at)}</time> {c.text}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function Section({ title, testId, incidents, params, empty }: { title: string; testId: string; incidents: TriageIncident[]; params: ViewParams; empty: string }): ReactNode {
  return (
    <section className="card" aria-label={title} data-testid={testId}>
      <h3 className="card__title">{title}</h3>
      {incidents.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="incidents">
          {incidents.map((i) => (
            <TriageRow key={i.id} incident={i} params={params} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function TriagePage({ params, readOnly }: { params: ViewParams; readOnly: boolean }): ReactNode {
  const triage = useQuery(triageListQuery(params.asOf));
  const alerts = useQuery(alertsQuery());
  if (triage.isPending) return <LoadingSkeleton label="Loading incidents" testId="triage-loading" />;
  if (triage.isError) return <ErrorState title="Could not load incidents" error={triage.error} onRetry={() => void triage.refetch()} />;
  const t = triage.data;
  return (
    <div className="triage" data-testid="triage-page" data-as-of={t.asOf}>
      <section className="card" aria-label="Blast radius">
        <h2 className="card__title">Triage</h2>
        <p>
          <strong data-testid="triage-active-count">{t.totals.active}</strong> active incident{t.totals.active === 1 ? '' : 's'} touching{' '}
          <strong data-testid="triage-total-gpus">{t.totals.affectedGpus}</strong> GPUs,{' '}
          <strong>{t.totals.atRiskPerHour.map((a) => `${formatMoney(a.amount, a.currency)}/h`).join(' + ') || 'nothing priced'}</strong> at risk, as of{' '}
          <time dateTime={t.asOf}>{formatUtcDateTime(t.asOf)}</time>. <a href="#/snapshot">Open a snapshot</a>
        </p>
      </section>
      <Section title="Active incidents, largest blast radius first" testId="triage-active" incidents={t.active} params={params} empty="No active incident touches the fleet." />
      {t.dataProblems.length > 0 ? (
        <section className="card notice--warn" aria-label="Data problems" data-testid="triage-data-problems">
          <h3 className="card__title">Data problems (not outages)</h3>
          <ul>
            {t.dataProblems.map((p) => (
              <li key={`${p.account}:${p.stream}`}>
                {p.account} {p.stream}: {p.consecutiveFailures} failed syncs in a row since {formatUtcDateTime(p.failingSince)} ({p.lastError.kind}: {p.lastError.message}).
                The numbers from this stream are stale, not down.
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      <section className="card" aria-label="Alerts" data-testid="triage-alerts">
        <h3 className="card__title">Alerts firing ({alerts.data?.firing ?? '…'})</h3>
        {alerts.data && alerts.data.alerts.length > 0 ? (
          <ul>
            {alerts.data.alerts.map((a) => (
              <li key={a.id} data-testid="alert">
                <time dateTime={a.raisedAt}>{formatUtcDateTime(a.raisedAt)}</time> <strong>{a.title}</strong> {a.body}
                {a.incidentId ? (
                  <>
                    {' '}
                    <a href={formatHash({ name: 'incident', id: a.incidentId }, params)}>open incident</a>
                  </>
                ) : null}
                {a.notified ? null : <span className="muted"> (quiet hours: not notified)</span>}
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">No alert is firing.</p>
        )}
        <AlertSettingsPanel readOnly={readOnly} />
      </section>
      <section className="card" aria-label="Planned maintenance (not counted)" data-testid="triage-planned">
        <h3 className="card__title">Planned maintenance (not counted)</h3>
        <PlannedList maintenance={t.planned} asOfIso={t.asOf} limit={20} showCloud />
      </section>
      <Section title="Provider incidents elsewhere (not counted)" testId="triage-elsewhere" incidents={t.elsewhere} params={params} empty="None." />
      <Section title="Ended in the last 24 hours" testId="triage-ended" incidents={t.recentlyEnded} params={params} empty="None." />
    </div>
  );
}
