/** One cloud on the pane: GPUs by state and model, utilisation, spend, incidents, freshness. */
import { useId, type ReactNode } from 'react';
import type { Series } from '../../../shared/contract';
import { formatPercent } from '../../../shared/format';
import type { CloudOverview, CoverageCounts } from '../../../shared/overview';
import { openInApp } from '../lib/open-link';
import { FreshnessList } from './freshness-list';
import { GpuStateCounts } from './gpu-states';
import { IncidentList } from './incident-list';
import { PlannedList } from './planned-list';
import { Sparkline } from './sparkline';
import { SpendList } from './spend-list';

export interface CloudCardProps {
  cloud: CloudOverview;
  /** The overview's generatedAt: freshness ages are measured against it. */
  nowIso: string;
  /** The overview's asOf: planned maintenance "starts in" is measured from it (defaults to nowIso). */
  asOfIso?: string | undefined;
  /** This cloud's 24 h utilisation series, if loaded. */
  trend?: Series | undefined;
  /** Where the card's heading links to (the drill-down); the link covers the whole card. */
  href: string;
  /** Where the reasons behind the coverage lines are listed (the accounts screen). */
  reasonsHref?: string | undefined;
  /** Opens the drill-down through the app's navigation on a plain click of the card's link. */
  onOpen?: () => void;
}

/** Coverage lines in the SRE's words, one per count; a zero count is not a gap and gets no line. */
const COVERAGE_LINES: readonly { field: keyof CoverageCounts; one: string; many: string }[] = [
  { field: 'gpusWithoutMetrics', one: 'GPU without metrics', many: 'GPUs without metrics' },
  { field: 'machinesWithoutPrice', one: 'machine without a list price', many: 'machines without a list price' },
  { field: 'gpusUnplaced', one: 'GPU unplaced', many: 'GPUs unplaced' },
];

/** What the card cannot measure, price or place, with a way to the reasons; nothing when nothing is missing. */
export function CoverageLines({ coverage, reasonsHref }: { coverage: CoverageCounts; reasonsHref?: string | undefined }): ReactNode {
  const headingId = useId();
  const lines = COVERAGE_LINES.filter((l) => coverage[l.field] > 0);
  if (lines.length === 0) return null;
  return (
    <div className="card__section coverage" data-testid="coverage">
      <h4 id={headingId}>
        <span aria-hidden="true">⚠ </span>Not measured, priced or placed
      </h4>
      <ul aria-labelledby={headingId} className="coverage__list">
        {lines.map((l) => (
          <li key={l.field} data-testid={`coverage-${l.field}`} data-count={coverage[l.field]}>
            <span className="num">{coverage[l.field]}</span> {coverage[l.field] === 1 ? l.one : l.many}
          </li>
        ))}
      </ul>
      {reasonsHref === undefined ? (
        <p className="muted">The reasons are listed per machine on the Accounts screen.</p>
      ) : (
        <a href={reasonsHref}>Reasons per machine on the Accounts screen</a>
      )}
    </div>
  );
}

const UTIL_ROWS = [
  { field: 'avg1h', label: 'Average, last hour' },
  { field: 'avg24h', label: 'Average, last 24 h' },
  { field: 'p95_24h', label: 'p95, last 24 h' },
] as const;

/**
 * A cloud card. Its heading's link stretches over the card (CSS .stretched-link), so a click
 * anywhere opens the cloud's resources and the keyboard reaches it as one link; the card itself is
 * neither focusable nor clickable, and the links inside it stay links of their own.
 */
export function CloudCard({ cloud, nowIso, asOfIso, trend, href, reasonsHref, onOpen }: CloudCardProps): ReactNode {
  // Keys of on-premises entries hold free text ("other:Frankfurt lab"), so the id is generated.
  const headingId = useId();
  const staleStreams = Object.values(cloud.freshness).filter((f) => f.stale).length;
  return (
    <article
      className="card cloud-card"
      data-testid={`cloud-card-${cloud.key}`}
      data-cloud={cloud.provider}
      aria-labelledby={headingId}
    >
      <header className="card__header">
        <h3 id={headingId} className="card__title">
          <a href={href} className="stretched-link" onClick={openInApp(onOpen)}>
            {cloud.label}
          </a>
        </h3>
        {cloud.demo ? <span className="badge badge--demo badge--small">demo</span> : null}
        {staleStreams > 0 ? (
          <span className="badge badge--warn badge--small">
            <span aria-hidden="true">⚠ </span>
            {staleStreams} stale
          </span>
        ) : null}
        <p className="card__sub muted">
          {cloud.accounts.length === 1 ? 'Account' : 'Accounts'}: {cloud.accounts.join(', ') || '—'}
        </p>
      </header>

      <div className="card__section">
        <h4>GPUs</h4>
        <GpuStateCounts counts={cloud.gpus} testIdPrefix="gpus" />
      </div>

      <CoverageLines coverage={cloud.coverage} reasonsHref={reasonsHref} />

      {cloud.byModel.length > 0 ? (
        <div className="card__section">
          <h4>By GPU model</h4>
          <table className="mini-table" aria-label="GPUs by model" data-testid="by-model">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col" className="num">
                  Busy
                </th>
                <th scope="col" className="num">
                  Idle
                </th>
              </tr>
            </thead>
            <tbody>
              {cloud.byModel.map((m) => (
                <tr key={m.model}>
                  <th scope="row">{m.model}</th>
                  <td className="num">{m.total}</td>
                  <td className="num">{m.busy}</td>
                  <td className="num">{m.idle}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}

      <div className="card__section">
        <h4>Utilisation</h4>
        <dl className="util">
          {UTIL_ROWS.map((row) => (
            <div key={row.field} className="util__row">
              <dt>{row.label}</dt>
              <dd className="num" data-testid={`util-${row.field}`}>
                {formatPercent(cloud.utilisation[row.field], 1)}
              </dd>
            </div>
          ))}
        </dl>
        <Sparkline points={trend?.points ?? []} label={`${cloud.label} utilisation, last 24 h`} />
      </div>

      <div className="card__section">
        <h4>Spend</h4>
        <SpendList spend={cloud.spend} />
      </div>

      <div className="card__section">
        <h4>
          Active incidents: <span data-testid="incidents-active">{cloud.incidents.active}</span>
        </h4>
        <IncidentList incidents={cloud.incidents.list} />
      </div>

      {cloud.incidents.planned.length > 0 ? (
        <div className="card__section" data-testid="cloud-planned">
          <h4>
            Planned maintenance, not counted: <span data-testid="incidents-planned">{cloud.incidents.planned.length}</span>
          </h4>
          <PlannedList maintenance={cloud.incidents.planned} asOfIso={asOfIso ?? nowIso} limit={3} empty={null} />
        </div>
      ) : null}

      <div className="card__section">
        <h4>Freshness</h4>
        <FreshnessList freshness={cloud.freshness} nowIso={nowIso} />
      </div>
    </article>
  );
}
