/** Every GPU machine of the fleet in one table, across clouds: find a machine by name, id, region, model or tag. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { resourcesQuery } from '../api/queries';
import { MachineTable } from '../components/machine-table';
import { ResourceTable } from '../components/resource-table';
import { ErrorState, LoadingSkeleton } from '../components/status';
import { formatHash, type Page, type ViewParams } from '../routing/route';
import { resourcePage } from './cloud-page';

export interface MachinesPageProps {
  params: ViewParams;
  /** The whole fleet in the browser, as before paging (kept to compare the two; not linked). */
  wholeFleet: boolean;
  onOpen: (page: Page) => void;
  onClearFilters: () => void;
}

const CAPTION = 'GPU machines of every cloud';

/** The fleet's machines under the current filters, paged and sorted by the backend. */
export function MachinesPage({ params, wholeFleet, onOpen, onClearFilters }: MachinesPageProps): ReactNode {
  return (
    <section aria-labelledby="machines-heading" data-testid="machines-page">
      <h2 id="machines-heading">GPU machines</h2>
      {wholeFleet ? (
        <WholeFleetTable params={params} onOpen={onOpen} />
      ) : (
        <MachineTable
          caption={CAPTION}
          filter={params.filter}
          {...(params.asOf === undefined ? {} : { asOf: params.asOf })}
          hrefFor={(r) => formatHash(resourcePage(r), params)}
          onOpen={(r) => onOpen(resourcePage(r))}
          onClearFilters={onClearFilters}
        />
      )}
    </section>
  );
}

/** The path the paged table replaced: every row fetched, parsed and sorted in the renderer. */
function WholeFleetTable({ params, onOpen }: { params: ViewParams; onOpen: (page: Page) => void }): ReactNode {
  const resources = useQuery(resourcesQuery(params.filter, params.asOf));
  if (resources.isPending) return <LoadingSkeleton label={`Loading ${CAPTION}`} rows={6} testId="resources-loading" />;
  if (resources.isError) return <ErrorState title={`Could not load ${CAPTION}.`} error={resources.error} onRetry={() => void resources.refetch()} />;
  const rows = resources.data.resources;
  return (
    <>
      <p className="muted" data-testid="resources-summary">
        {rows.length} machines, {rows.reduce((n, r) => n + r.gpuCount, 0)} GPUs
      </p>
      <ResourceTable rows={rows} caption={CAPTION} hrefFor={(r) => formatHash(resourcePage(r), params)} onOpen={(r) => onOpen(resourcePage(r))} />
    </>
  );
}
