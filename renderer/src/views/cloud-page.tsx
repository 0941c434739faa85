/** Drill-down: every GPU machine of one overview entry (a cloud, or one on-premises cluster), sortable and virtualized. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { ResourceRow } from '../../../shared/contract';
import { cloudKeyLabel, cloudOfKey } from '../../../shared/overview';
import { resourcesQuery } from '../api/queries';
import { ResourceTable } from '../components/resource-table';
import { EmptyState, ErrorState, LoadingSkeleton } from '../components/status';
import { formatHash, type Page, type ViewParams } from '../routing/route';

export interface CloudPageProps {
  /** The overview entry's key: a cloud id, or `other:<site or account>`. */
  cloud: string;
  params: ViewParams;
  onOpen: (page: Page) => void;
  onClearFilters: () => void;
}

function resourcePage(r: ResourceRow): Page {
  return { name: 'resource', account: r.account, id: r.id };
}

/** The machines of the entry `cloud` under the current region and GPU model filters. */
export function CloudPage({ cloud, params, onOpen, onClearFilters }: CloudPageProps): ReactNode {
  const provider = cloudOfKey(cloud) ?? 'other';
  const filter = { ...params.filter, clouds: [provider] };
  const resources = useQuery({
    ...resourcesQuery(filter, params.asOf),
    // Every on-premises cluster is `other`; each entry shows only its own machines.
    select: (data) => ({ ...data, resources: data.resources.filter((r) => r.cloudKey === cloud) }),
  });
  const label = cloudKeyLabel(cloud);

  let body: ReactNode;
  if (resources.isPending) {
    body = <LoadingSkeleton label={`Loading ${label} machines`} rows={6} testId="resources-loading" />;
  } else if (resources.isError) {
    body = <ErrorState title={`Could not load ${label} machines.`} error={resources.error} onRetry={() => void resources.refetch()} />;
  } else if (resources.data.resources.length === 0) {
    const filtered = params.filter.regions.length + params.filter.gpuModels.length > 0;
    body = <EmptyState reason={filtered ? 'no-match' : 'no-gpus'} onClearFilters={onClearFilters} />;
  } else {
    const rows = resources.data.resources;
    const gpus = rows.reduce((n, r) => n + r.gpuCount, 0);
    body = (
      <>
        <p className="muted" data-testid="resources-summary">
          {rows.length} {rows.length === 1 ? 'machine' : 'machines'}, {gpus} GPUs
        </p>
        <ResourceTable
          rows={rows}
          caption={`${label} GPU machines`}
          hrefFor={(r) => formatHash(resourcePage(r), params)}
          onOpen={(r) => onOpen(resourcePage(r))}
        />
      </>
    );
  }

  return (
    <section aria-labelledby="cloud-heading" data-testid="cloud-page" data-cloud={cloud}>
      <h2 id="cloud-heading">{label}: GPU machines</h2>
      {body}
    </section>
  );
}
