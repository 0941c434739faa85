/** One machine: what it is, per-GPU utilisation over the range, and the state of each GPU. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { CLOUD_LABELS } from '../../../shared/domain';
import { formatMoney } from '../../../shared/format';
import { resourceQuery } from '../api/queries';
import { GpuTable } from '../components/gpu-table';
import { IncidentList } from '../components/incident-list';
import { ErrorState, LoadingSkeleton } from '../components/status';
import { UtilisationChart } from '../components/utilisation-chart';
import type { ViewParams } from '../routing/route';
import { RANGE_MS } from './ranges';

export interface ResourcePageProps {
  account: string;
  id: string;
  params: ViewParams;
}

/** The resource page; its cloud is known only once loaded (the breadcrumb uses it). */
export function ResourcePage({ account, id, params }: ResourcePageProps): ReactNode {
  const detail = useQuery(resourceQuery(account, id, params.range, params.asOf));

  if (detail.isPending) return <LoadingSkeleton label="Loading the machine" rows={5} testId="resource-loading" />;
  if (detail.isError) {
    return <ErrorState title="Could not load this machine." error={detail.error} onRetry={() => void detail.refetch()} />;
  }
  const { resource, gpus, series, incidents, seriesOrigin } = detail.data;
  return (
    <article className="resource-page" aria-labelledby="resource-heading" data-testid="resource-page" data-resource-id={resource.id}>
      <h2 id="resource-heading">
        {resource.name}
        {resource.demo ? <span className="badge badge--demo badge--small">demo</span> : null}
      </h2>
      <dl className="facts">
        <div>
          <dt>Cloud</dt>
          <dd>{CLOUD_LABELS[resource.cloud]}</dd>
        </div>
        <div>
          <dt>Account</dt>
          <dd>{resource.account}</dd>
        </div>
        <div>
          <dt>Region</dt>
          <dd>
            {resource.region}
            {resource.zone !== null ? ` (${resource.zone})` : ''}
          </dd>
        </div>
        <div>
          <dt>Instance type</dt>
          <dd>{resource.instanceType}</dd>
        </div>
        <div>
          <dt>GPUs</dt>
          <dd>
            {resource.gpuCount} × {resource.gpuModel}
            {resource.gpuMemoryGiB !== null ? ` (${resource.gpuMemoryGiB} GiB)` : ''}
          </dd>
        </div>
        <div>
          <dt>Power</dt>
          <dd>{resource.powerState}</dd>
        </div>
        <div>
          <dt>Health</dt>
          <dd>
            <span className={`health health--${resource.health}`}>{resource.health}</span>
            {resource.healthReason !== null ? ` — ${resource.healthReason}` : ''}
          </dd>
        </div>
        <div>
          <dt>Price</dt>
          <dd>{resource.hourlyPrice === null ? 'unknown' : `${formatMoney(resource.hourlyPrice, resource.currency)}/h (list, on demand)`}</dd>
        </div>
      </dl>

      <section aria-labelledby="resource-util-heading" className="panel">
        <h3 id="resource-util-heading">Utilisation per GPU</h3>
        {seriesOrigin?.source === 'source' ? (
          <p className="series-origin" data-testid="series-origin">
            Minutes from {seriesOrigin.sourceName}, not stored here
          </p>
        ) : null}
        {seriesOrigin?.unreachable ? (
          <p className="series-origin series-origin--fallback" role="status" data-testid="series-origin">
            Showing the 5-minute rollups stored here: the metrics source could not be reached ({seriesOrigin.unreachable})
          </p>
        ) : null}
        <UtilisationChart
          series={series}
          title={`Utilisation of each GPU on ${resource.name}, ${params.range}`}
          rangeMs={RANGE_MS[params.range]}
          testId="gpu-utilisation-chart"
        />
      </section>

      <section aria-labelledby="resource-gpus-heading" className="panel">
        <h3 id="resource-gpus-heading">GPUs</h3>
        <GpuTable gpus={gpus} />
      </section>

      <section aria-labelledby="resource-incidents-heading" className="panel">
        <h3 id="resource-incidents-heading">Incidents touching this machine</h3>
        <IncidentList incidents={incidents} limit={20} />
      </section>
    </article>
  );
}
