/**
 * Every query key the renderer uses, as one tree. A node's `all()` is the prefix of every key below
 * it, so invalidating `keys.fleet.all()` refreshes every fleet view (spend and triage included: their
 * numbers move with the same stored data). Queries, mutations and server events take their keys
 * from here only, so what an invalidation reaches is read in one place.
 */
import type { FleetFilter, MachineSortKey, SortDirection, TimeRange } from '../../../shared/contract';

/** What selects and orders the machine table's rows (every window of one table shares it). */
export interface MachineSelection {
  filter: FleetFilter;
  cloudKey?: string;
  text: string;
  sort: { key: MachineSortKey; direction: SortDirection };
  asOf?: string;
}
import type { CostReportQuery, SpendFilter } from '../../../shared/contract-spend';

/** A live view's key ends in 'live'; a pinned one in its instant, so both can be cached side by side. */
const at = (asOf: string | undefined): string => asOf ?? 'live';

const FLEET = ['fleet'] as const;
const SPEND = [...FLEET, 'spend'] as const;
const TRIAGE = [...FLEET, 'triage'] as const;
const ALERTS = ['alerts'] as const;
const INCIDENTS = ['incidents'] as const;
const ACCOUNTS = ['accounts'] as const;
const APP = ['app'] as const;

export const keys = {
  /** Stored fleet data: inventory, utilisation, coverage, and below it spend and triage. */
  fleet: {
    all: () => FLEET,
    overview: (filter: FleetFilter, asOf?: string) => [...FLEET, 'overview', filter, at(asOf)] as const,
    series: (range: TimeRange, filter: FleetFilter, asOf?: string) => [...FLEET, 'series', range, filter, at(asOf)] as const,
    coverage: (asOf?: string) => [...FLEET, 'coverage', at(asOf)] as const,
    resources: (filter: FleetFilter, asOf?: string) => [...FLEET, 'resources', filter, at(asOf)] as const,
    /** One window of the machine table: what selects and orders it, then where it starts. */
    machines: (selection: MachineSelection, offset: number, limit: number) =>
      [...FLEET, 'machines', selection, at(selection.asOf), offset, limit] as const,
    resource: (account: string, id: string, range: TimeRange, asOf?: string) => [...FLEET, 'resource', account, id, range, at(asOf)] as const,
    filterOptions: () => [...FLEET, 'filter-options'] as const,
  },
  /** Cost rows, budgets and saved reports (under fleet: a costs sync or a FOCUS import changes them). */
  spend: {
    all: () => SPEND,
    report: (query: CostReportQuery) => [...SPEND, 'report', query] as const,
    filterOptions: () => [...SPEND, 'filter-options'] as const,
    gpuHourPrices: (from: string, to: string, filter: SpendFilter) => [...SPEND, 'gpu-hour-prices', from, to, filter] as const,
    budgets: {
      all: () => [...SPEND, 'budgets'] as const,
      month: (asOf?: string) => [...SPEND, 'budgets', at(asOf)] as const,
    },
    reports: () => [...SPEND, 'reports'] as const,
  },
  /** Triage list and incident pages (under fleet: the blast radius moves with the inventory). */
  triage: {
    all: () => TRIAGE,
    list: (asOf?: string) => [...TRIAGE, 'list', at(asOf)] as const,
    incident: (id: string, asOf?: string) => [...TRIAGE, 'incident', id, at(asOf)] as const,
  },
  alerts: {
    all: () => ALERTS,
    list: (includeResolved: boolean) => [...ALERTS, 'list', includeResolved] as const,
    settings: () => [...ALERTS, 'settings'] as const,
  },
  incidents: {
    all: () => INCIDENTS,
    list: () => [...INCIDENTS, 'list'] as const,
  },
  /** Configured and imported accounts with their freshness. */
  accounts: {
    all: () => ACCOUNTS,
    list: () => [...ACCOUNTS, 'list'] as const,
    state: () => [...ACCOUNTS, 'state'] as const,
    imported: () => [...ACCOUNTS, 'imported'] as const,
  },
  /**
   * A hand-typed config entry checked by its connector's schema. Not under accounts: its answer
   * depends on the schema only, so saving or syncing an account must not check it again.
   */
  accountEntry: {
    validation: (entry: Record<string, unknown>) => ['account-entry', 'validation', entry] as const,
    /** The providers of this build with their example entries (fixed while the app runs). */
    providers: () => ['account-entry', 'providers'] as const,
  },
  app: {
    all: () => APP,
    info: () => [...APP, 'info'] as const,
  },
};
