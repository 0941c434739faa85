/** The one pane: totals, one card per cloud, fleet utilisation over time, planned maintenance, incidents elsewhere. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { accountsQuery, overviewQuery, seriesQuery } from '../api/queries';
import { CloudCard } from '../components/cloud-card';
import { IncidentList } from '../components/incident-list';
import { PlannedList } from '../components/planned-list';
import { EmptyState, ErrorState, LoadingSkeleton } from '../components/status';
import { TotalsRow } from '../components/totals-row';
import { LazyUtilisationChart } from '../components/lazy-utilisation-chart';
import { formatHash, type ViewParams } from '../routing/route';
import { RANGE_MS } from './ranges';

export interface OverviewPageProps {
  params: ViewParams;
  /** Opens an overview entry's drill-down, by its key. */
  onOpenCloud: (key: string) => void;
  onClearFilters: () => void;
}

function hasFilter(params: ViewParams): boolean {
  const f = params.filter;
  return f.clouds.length + f.regions.length + f.gpuModels.length > 0;
}

/** The first screen. Aggregates only: no per-GPU DOM, so it stays fast at 10,000 GPUs. */
export function OverviewPage({ params, onOpenCloud, onClearFilters }: OverviewPageProps): ReactNode {
  const overview = useQuery(overviewQuery(params.filter, params.asOf));
  const trend = useQuery(seriesQuery('24h', params.filter, params.asOf));
  const chart = useQuery(seriesQuery(params.range, params.filter, params.asOf));
  const noClouds = overview.data !== undefined && overview.data.clouds.length === 0;
  const accounts = useQuery({ ...accountsQuery(), enabled: noClouds });

  if (overview.isPending) return <LoadingSkeleton label="Loading the fleet overview" rows={4} testId="overview-loading" />;
  if (overview.isError) {
    return <ErrorState title="Could not load the fleet overview." error={overview.error} onRetry={() => void overview.refetch()} />;
  }
  const data = overview.data;

  if (data.clouds.length === 0) {
    if (hasFilter(params)) return <EmptyState reason="no-match" onClearFilters={onClearFilters} />;
    if (accounts.isPending) return <LoadingSkeleton label="Loading accounts" testId="overview-loading" />;
    if (accounts.isError) {
      return <ErrorState title="Could not load the configured accounts." error={accounts.error} onRetry={() => void accounts.refetch()} />;
    }
    return <EmptyState reason={accounts.data.accounts.length === 0 ? 'no-accounts' : 'no-gpus'} />;
  }

  return (
    <>
      <TotalsRow totals={data.totals} />
      {data.totals.gpus.total === 0 ? (
        <EmptyState reason={hasFilter(params) ? 'no-match' : 'no-gpus'} onClearFilters={onClearFilters} />
      ) : null}

      <section aria-labelledby="clouds-heading" className="clouds">
        <h2 id="clouds-heading">Clouds</h2>
        <div className="clouds__grid">
          {data.clouds.map((cloud) => (
            <CloudCard
              key={cloud.key}
              cloud={cloud}
              nowIso={data.generatedAt}
              asOfIso={data.asOf}
              // The trend is per cloud: an on-premises entry shares 'other' with the others, so it gets none.
              trend={cloud.key === cloud.provider ? trend.data?.series.find((s) => s.key === cloud.provider) : undefined}
              href={formatHash({ name: 'cloud', cloud: cloud.key }, params)}
              reasonsHref={formatHash({ name: 'accounts' }, params)}
              onOpen={() => onOpenCloud(cloud.key)}
            />
          ))}
        </div>
      </section>

      <section aria-labelledby="util-heading" className="panel">
        <h2 id="util-heading">Fleet utilisation by cloud</h2>
        {chart.isPending ? (
          <LoadingSkeleton label="Loading utilisation" rows={1} testId="chart-loading" />
        ) : chart.isError ? (
          <ErrorState title="Could not load utilisation over time." error={chart.error} onRetry={() => void chart.refetch()} />
        ) : (
          <LazyUtilisationChart
            series={chart.data.series}
            title={`Mean GPU utilisation per cloud, ${params.range}`}
            rangeMs={RANGE_MS[params.range]}
            testId="fleet-utilisation-chart"
          />
        )}
      </section>

      <section aria-labelledby="planned-heading" className="panel" data-testid="maintenance-planned">
        <h2 id="planned-heading">Planned maintenance, not counted</h2>
        <p className="muted">Announced maintenance whose window has not opened yet. It counts as an incident only inside its window.</p>
        <PlannedList maintenance={data.maintenancePlanned} asOfIso={data.asOf} limit={20} showCloud />
      </section>

      <section aria-labelledby="elsewhere-heading" className="panel" data-testid="incidents-elsewhere">
        <h2 id="elsewhere-heading">Elsewhere, not counted</h2>
        <p className="muted">Provider incidents in regions or services this fleet does not use.</p>
        <IncidentList incidents={data.incidentsElsewhere} limit={20} showCloud />
      </section>
    </>
  );
}
