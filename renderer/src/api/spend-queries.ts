/**
 * Query factories for spend. Their keys sit under keys.fleet (keys.spend), so a data-changed event (a
 * costs sync, a FOCUS import) refreshes them along with the fleet views.
 */
import { queryOptions } from '@tanstack/react-query';
import type { CostReportQuery, SpendFilter } from '../../../shared/contract-spend';
import { apiOf } from './queries';
import { keys } from './query-keys';

/** A cost report (totals, groupings, daily bars) for a period, grouping and filter. */
export function costReportQuery(query: CostReportQuery) {
  return queryOptions({
    queryKey: keys.spend.report(query),
    queryFn: ({ client }) => apiOf(client)['spend:report'](query),
  });
}

/** Values the spend filters and group-by keys offer. */
export function spendFilterOptionsQuery() {
  return queryOptions({
    queryKey: keys.spend.filterOptions(),
    queryFn: ({ client }) => apiOf(client)['spend:filter-options']({}),
  });
}

/** Effective price per GPU-hour next to the list price. */
export function gpuHourPricesQuery(from: string, to: string, filter: SpendFilter) {
  return queryOptions({
    queryKey: keys.spend.gpuHourPrices(from, to, filter),
    queryFn: ({ client }) => apiOf(client)['spend:gpu-hour-prices']({ from, to, filter }),
  });
}

/** Budgets with burn rate and forecast for the month of `asOf` (live when undefined). */
export function budgetsQuery(asOf?: string) {
  return queryOptions({
    queryKey: keys.spend.budgets.month(asOf),
    queryFn: ({ client }) => apiOf(client)['spend:budgets']({ ...(asOf ? { asOf } : {}) }),
  });
}

/** Saved report definitions. */
export function savedReportsQuery() {
  return queryOptions({
    queryKey: keys.spend.reports(),
    queryFn: ({ client }) => apiOf(client)['reports:list']({}),
  });
}
