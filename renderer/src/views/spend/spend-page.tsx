/**
 * Spend: this month's billed spend next to the run-rate since the last billed hour (labelled), the
 * month forecast and idle waste (from the overview); a period's totals per currency, daily bars and a
 * breakdown by cloud, account, region, service, GPU model or tag; budgets with burn rate; effective
 * price per GPU-hour next to the list price; FOCUS import and the Export dialog.
 */
import { useState, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { CostReportQuery, spendGroupLabel, type SpendFilter, type SpendGroupKey } from '../../../../shared/contract-spend';
import { overviewQuery } from '../../api/queries';
import { budgetsQuery, costReportQuery, gpuHourPricesQuery, spendFilterOptionsQuery } from '../../api/spend-queries';
import { BudgetsPanel } from '../../components/spend/budget-editor';
import { DailyBars } from '../../components/spend/daily-bars';
import { ExportDialog } from '../../components/spend/export-dialog';
import { FocusDropZone } from '../../components/spend/focus-drop-zone';
import { GpuPriceTable } from '../../components/spend/gpu-price-table';
import { SavedReportsPanel } from '../../components/spend/report-definition-editor';
import { SpendGroupTable, SpendTotals } from '../../components/spend/spend-tables';
import { SpendList } from '../../components/spend-list';
import { ErrorState, LoadingSkeleton, errorMessage } from '../../components/status';
import type { ViewParams } from '../../routing/route';
import { presetPeriod, type PeriodPreset } from './period';
import { WritesHint } from '../../components/writes-hint';
import { useWrites } from '../../api/writes';
import '../../components/spend/spend.css';

const BASE_GROUPS: readonly SpendGroupKey[] = ['cloud', 'account', 'region', 'service', 'gpu-model', 'tag:team', 'tag:project', 'day'];

function spendFilterOf(params: ViewParams): SpendFilter {
  return { clouds: params.filter.clouds, accounts: [], regions: params.filter.regions, services: [], gpuModels: params.filter.gpuModels, tags: {} };
}

/** The spend screen. */
export function SpendPage({ params }: { params: ViewParams }): ReactNode {
  const now = params.asOf !== undefined ? new Date(params.asOf) : new Date();
  const [preset, setPreset] = useState<PeriodPreset>('month-to-date');
  const [custom, setCustom] = useState(() => presetPeriod('month-to-date', now));
  const [groupBy, setGroupBy] = useState<SpendGroupKey>('cloud');
  const period = preset === 'custom' ? custom : presetPeriod(preset, now);
  const filter = spendFilterOf(params);
  const query = CostReportQuery.parse({ from: period.from, to: period.to, groupBy: [groupBy], filter });

  const overview = useQuery(overviewQuery(params.filter, params.asOf));
  const writes = useWrites();
  const report = useQuery(costReportQuery(query));
  const options = useQuery(spendFilterOptionsQuery());
  const budgets = useQuery(budgetsQuery(params.asOf));
  const prices = useQuery(gpuHourPricesQuery(period.from, period.to, filter));

  const tagGroups = (options.data?.tagKeys ?? []).map((k) => `tag:${k}`);
  const groups = [...new Set([...BASE_GROUPS, ...tagGroups])];

  return (
    <div className="spend-page" data-testid="spend-page">
      <h2 id="spend-heading">Spend</h2>

      <section aria-labelledby="spend-month-heading" className="spend-card">
        <h3 id="spend-month-heading">This month</h3>
        {overview.data ? <SpendList spend={overview.data.totals.spend} testIdPrefix="spend-month-" /> : <LoadingSkeleton label="Loading this month's spend" rows={1} />}
        <p className="muted">
          Billed is what the providers have billed so far (it lags by hours); run-rate is running GPU machines × hourly price since the last billed hour. The
          two are never added silently.
        </p>
      </section>

      <div className="spend-controls" role="group" aria-label="Report period and grouping">
        <label>
          Period
          <select value={preset} onChange={(e) => setPreset(e.target.value as PeriodPreset)} data-testid="spend-period">
            <option value="month-to-date">Month to date</option>
            <option value="previous-month">Previous month</option>
            <option value="last-30-days">Last 30 days</option>
            <option value="custom">Custom…</option>
          </select>
        </label>
        {preset === 'custom' ? (
          <>
            <label>
              From
              <input type="date" value={custom.from} onChange={(e) => setCustom({ ...custom, from: e.target.value })} data-testid="spend-from" />
            </label>
            <label>
              To
              <input type="date" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.target.value })} data-testid="spend-to" />
            </label>
          </>
        ) : null}
        <label>
          Group by
          <select value={groupBy} onChange={(e) => setGroupBy(e.target.value as SpendGroupKey)} data-testid="spend-group-by">
            {groups.map((g) => (
              <option key={g} value={g}>
                {spendGroupLabel(g)}
              </option>
            ))}
          </select>
        </label>
        <ExportDialog query={query} />
        {params.filter.clouds.length > 0 ? (
          <p className="muted">Clouds: {params.filter.clouds.join(', ')}</p>
        ) : null}
      </div>

      {report.isPending ? (
        <LoadingSkeleton label="Loading spend" rows={3} testId="spend-loading" />
      ) : report.isError ? (
        <ErrorState title="Could not load spend." error={report.error} onRetry={() => void report.refetch()} />
      ) : (
        <>
          <section aria-label={`Totals ${period.from} to ${period.to}`} className="spend-card" data-testid="spend-totals" data-from={period.from} data-to={period.to}>
            <h3>
              {period.from} to {period.to}
            </h3>
            <SpendTotals totals={report.data.totals} />
          </section>
          <div className="spend-grid">
            {report.data.totals.map((t) => (
              <section key={t.currency} className="spend-card" aria-label={`Daily spend in ${t.currency}`}>
                <h3>Daily, {t.currency}</h3>
                <DailyBars daily={report.data.daily} currency={t.currency} />
              </section>
            ))}
          </div>
          <section className="spend-card">
            <SpendGroupTable
              labels={[spendGroupLabel(groupBy)]}
              rows={report.data.groups}
              totals={report.data.totals}
              testId="spend-breakdown"
              caption={`By ${spendGroupLabel(groupBy).toLowerCase()}`}
            />
          </section>
        </>
      )}

      <div className="spend-pair">
        <section className="spend-card" aria-labelledby="budgets-heading">
          <h3 id="budgets-heading">Budgets this month</h3>
          <WritesHint area="spend" what="add, edit or delete budgets" />
          <fieldset className="writes-gate" disabled={!writes.allowed('spend')} data-testid="budgets-writes">
            <legend className="visually-hidden">Budget editing</legend>
            {budgets.data ? <BudgetsPanel budgets={budgets.data.budgets} /> : budgets.isError ? <p role="alert">{errorMessage(budgets.error)}</p> : null}
          </fieldset>
        </section>
        <section className="spend-card" aria-labelledby="gpu-price-heading">
          <h3 id="gpu-price-heading">Effective price per GPU-hour</h3>
          {prices.data ? <GpuPriceTable prices={prices.data.prices} /> : prices.isError ? <p role="alert">{errorMessage(prices.error)}</p> : null}
        </section>
      </div>

      <section className="spend-card" aria-labelledby="saved-reports-heading">
        <h3 id="saved-reports-heading">Saved reports</h3>
        <p className="muted">A scheduled report is written into its folder on the backend host each day, week or month, for the period it names.</p>
        <WritesHint area="spend" what="add, edit or delete saved reports" />
        <fieldset className="writes-gate" disabled={!writes.allowed('spend')} data-testid="reports-writes">
          <legend className="visually-hidden">Saved report editing</legend>
          <SavedReportsPanel groupKeys={groups} />
        </fieldset>
      </section>

      <section className="spend-card" aria-labelledby="import-heading">
        <h3 id="import-heading">Import FOCUS files</h3>
        <p className="muted">A re-import of the same billing period replaces it. Files are validated whole before anything is written.</p>
        <WritesHint area="spend" what="import FOCUS files" />
        <fieldset className="writes-gate" disabled={!writes.allowed('spend')} data-testid="import-writes">
          <legend className="visually-hidden">FOCUS import</legend>
          <FocusDropZone />
        </fieldset>
      </section>
    </div>
  );
}
