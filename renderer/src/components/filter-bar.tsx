/** Cloud, region, GPU model and time range: they narrow every query on every page. */
import { useId, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { CLOUD_LABELS, CloudId } from '../../../shared/domain';
import { filterOptionsQuery } from '../api/queries';
import { VIEW_RANGES, type ViewParams, type ViewRange } from '../routing/route';

const RANGE_LABELS: Readonly<Record<ViewRange, string>> = { '1h': 'Last hour', '24h': 'Last 24 hours', '7d': 'Last 7 days', '30d': 'Last 30 days' };

export interface FilterBarProps {
  params: ViewParams;
  onChange: (params: ViewParams) => void;
  /** On a cloud's page the cloud is fixed by the page itself. */
  lockedCloud?: CloudId | undefined;
  /** False where the page has its own period (spend): the time range would do nothing there. */
  showRange?: boolean;
}

/** Labelled selects; an empty choice means "all". */
export function FilterBar({ params, onChange, lockedCloud, showRange = true }: FilterBarProps): ReactNode {
  const id = useId();
  const options = useQuery(filterOptionsQuery());
  const clouds = options.data?.clouds ?? [];
  const cloudValue = lockedCloud ?? params.filter.clouds[0] ?? '';
  const regionChoices = (options.data?.regions ?? [])
    .filter((r) => cloudValue === '' || r.cloud === cloudValue)
    .map((r) => r.region);
  const regions = [...new Set([...regionChoices, ...params.filter.regions])].sort();
  const models = [...new Set([...(options.data?.gpuModels ?? []), ...params.filter.gpuModels])].sort();
  const active = params.filter.clouds.length + params.filter.regions.length + params.filter.gpuModels.length > 0;

  const setFilter = (patch: Partial<ViewParams['filter']>): void =>
    onChange({ ...params, filter: { ...params.filter, ...patch } });

  return (
    <form className="filters" role="search" aria-label="Fleet filters" onSubmit={(e) => e.preventDefault()}>
      <div className="filters__field">
        <label htmlFor={`${id}-cloud`}>Cloud</label>
        <select
          id={`${id}-cloud`}
          data-testid="filter-cloud"
          value={cloudValue}
          disabled={lockedCloud !== undefined}
          onChange={(e) => {
            const parsed = CloudId.safeParse(e.target.value);
            setFilter({ clouds: parsed.success ? [parsed.data] : [], regions: [] });
          }}
        >
          <option value="">All clouds</option>
          {[...new Set([...clouds, ...(cloudValue === '' ? [] : [cloudValue as CloudId])])].map((c) => (
            <option key={c} value={c}>
              {CLOUD_LABELS[c]}
            </option>
          ))}
        </select>
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-region`}>Region</label>
        <select
          id={`${id}-region`}
          data-testid="filter-region"
          value={params.filter.regions[0] ?? ''}
          onChange={(e) => setFilter({ regions: e.target.value === '' ? [] : [e.target.value] })}
        >
          <option value="">All regions</option>
          {regions.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </div>
      <div className="filters__field">
        <label htmlFor={`${id}-model`}>GPU model</label>
        <select
          id={`${id}-model`}
          data-testid="filter-model"
          value={params.filter.gpuModels[0] ?? ''}
          onChange={(e) => setFilter({ gpuModels: e.target.value === '' ? [] : [e.target.value] })}
        >
          <option value="">All GPU models</option>
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </div>
      {showRange ? (
      <div className="filters__field">
        <label htmlFor={`${id}-range`}>Time range</label>
        <select
          id={`${id}-range`}
          data-testid="filter-range"
          value={params.range}
          onChange={(e) => {
            const range = VIEW_RANGES.find((r) => r === e.target.value);
            if (range !== undefined) onChange({ ...params, range });
          }}
        >
          {VIEW_RANGES.map((r) => (
            <option key={r} value={r}>
              {RANGE_LABELS[r]}
            </option>
          ))}
        </select>
      </div>
      ) : null}
      {active ? (
        <button
          type="button"
          className="button button--quiet"
          data-testid="filter-clear"
          onClick={() => onChange({ ...params, filter: { clouds: [], regions: [], gpuModels: [] } })}
        >
          Clear filters
        </button>
      ) : null}
    </form>
  );
}
