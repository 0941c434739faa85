/**
 * The cost report as a designed page for print (PDF): title, period, totals per currency, daily bars
 * and one table per grouping. Chromium (serve, CLI) and Electron's printToPDF load this route and wait
 * for data-report-ready before printing.
 */
import { useEffect, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { spendGroupLabel } from '../../../../shared/contract-spend';
import { costReportQuery } from '../../api/spend-queries';
import { DailyBars } from '../../components/spend/daily-bars';
import { SpendGroupTable, SpendTotals } from '../../components/spend/spend-tables';
import { errorMessage } from '../../components/status';
import { decodeReportQuery } from './report-link';
import '../../components/spend/spend.css';

/** The printable report for the encoded query of the route. */
export function ReportPage({ encoded }: { encoded: string }): ReactNode {
  const query = decodeReportQuery(encoded);
  const report = useQuery({ ...costReportQuery(query ?? { from: '1970-01-01', to: '1970-01-01', groupBy: ['cloud'], filter: { clouds: [], accounts: [], regions: [], services: [], gpuModels: [], tags: {} } }), enabled: query !== null });
  const title = report.data?.title;
  useEffect(() => {
    // The printed PDF takes its Title from the page.
    if (title !== undefined) document.title = title;
  }, [title]);
  if (query === null) {
    return (
      <main className="report" data-report-error="the report link is not a valid report query">
        <h1>Report not found</h1>
        <p>The report link is not a valid report query.</p>
      </main>
    );
  }
  if (report.isError) {
    return (
      <main className="report" data-report-error={errorMessage(report.error)}>
        <h1>Could not build the report</h1>
        <p>{errorMessage(report.error)}</p>
      </main>
    );
  }
  if (report.isPending) {
    return (
      <main className="report" aria-busy="true">
        <p>Building the report…</p>
      </main>
    );
  }
  const r = report.data;
  const currencies = r.totals.map((t) => t.currency);
  return (
    <main className="report" data-report-ready="true" data-testid="report-page">
      <header className="report__header">
        <p className="report__brand">Fleetpane · cost report</p>
        <h1 data-testid="report-title">{r.title}</h1>
        <p className="report__meta">
          Charges from {r.query.from} to {r.query.to} (UTC, inclusive) · grouped by {r.query.groupBy.map(spendGroupLabel).join(', ')} · generated{' '}
          {r.generatedAt.slice(0, 16).replace('T', ' ')} UTC
        </p>
        {r.demo ? <p className="badge badge--demo">Includes the simulated DEMO fleet</p> : null}
        <p className="report__note">
          Billed = sum of FOCUS BilledCost per billing currency, as the providers bill it. Estimates from connectors (e.g. GPU-hours × catalog price) are
          shown apart and are not part of billed. Currencies are never converted.
        </p>
      </header>
      <section aria-label="Totals" className="report__section">
        <SpendTotals totals={r.totals} />
      </section>
      {currencies.map((c) => (
        <section key={c} className="report__section report__chart" aria-label={`Daily spend in ${c}`}>
          <h2>Daily spend, {c}</h2>
          <DailyBars daily={r.daily} currency={c} width={980} height={240} />
        </section>
      ))}
      {r.groupings.map((g) => (
        <section key={g.key} className="report__section">
          <SpendGroupTable labels={[g.label]} rows={g.rows} totals={r.totals} testId={`report-grouping-${g.key}`} caption={`By ${g.label.toLowerCase()}`} />
        </section>
      ))}
    </main>
  );
}
