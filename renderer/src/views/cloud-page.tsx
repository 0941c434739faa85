/** Drill-down: every GPU machine of one overview entry (a cloud, or one on-premises cluster), sorted and paged by the backend. */
import type { ReactNode } from 'react';
import type { ResourceRow } from '../../../shared/contract';
import { cloudKeyLabel, cloudOfKey } from '../../../shared/overview';
import { MachineTable } from '../components/machine-table';
import { formatHash, type Page, type ViewParams } from '../routing/route';

export interface CloudPageProps {
  /** The overview entry's key: a cloud id, or `other:<site or account>`. */
  cloud: string;
  params: ViewParams;
  onOpen: (page: Page) => void;
  onClearFilters: () => void;
}

/** The machine page a row links to. */
export function resourcePage(r: ResourceRow): Page {
  return { name: 'resource', account: r.account, id: r.id };
}

/** The machines of the entry `cloud` under the current region and GPU model filters. */
export function CloudPage({ cloud, params, onOpen, onClearFilters }: CloudPageProps): ReactNode {
  const provider = cloudOfKey(cloud) ?? 'other';
  const label = cloudKeyLabel(cloud);
  return (
    <section aria-labelledby="cloud-heading" data-testid="cloud-page" data-cloud={cloud}>
      <h2 id="cloud-heading">{label}: GPU machines</h2>
      <MachineTable
        // A new entry is a new table: its own order, search and scroll position.
        key={cloud}
        caption={`${label} GPU machines`}
        filter={{ ...params.filter, clouds: [provider] }}
        // Every on-premises cluster is `other`; each entry shows only its own machines.
        cloudKey={cloud}
        {...(params.asOf === undefined ? {} : { asOf: params.asOf })}
        hrefFor={(r) => formatHash(resourcePage(r), params)}
        onOpen={(r) => onOpen(resourcePage(r))}
        onClearFilters={onClearFilters}
      />
    </section>
  );
}
