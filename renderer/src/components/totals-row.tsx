/** The fleet in one line: GPUs by state, spend per currency, active incidents. */
import type { ReactNode } from 'react';
import type { Overview } from '../../../shared/overview';
import { GpuStateCounts } from './gpu-states';
import { SpendList } from './spend-list';

/**
 * Totals over every cloud shown; testids `total-gpus-<state>`, `total-spend-<kind>-<CUR>`,
 * `total-incidents-active`, `total-coverage-<field>`.
 */
export function TotalsRow({ totals }: { totals: Overview['totals'] }): ReactNode {
  return (
    <section className="totals" aria-labelledby="totals-heading" data-testid="totals">
      <h2 id="totals-heading">Fleet totals</h2>
      <div className="totals__grid">
        <div className="totals__block">
          <h3>GPUs</h3>
          <GpuStateCounts counts={totals.gpus} testIdPrefix="total-gpus" />
        </div>
        <div className="totals__block">
          <h3>Spend</h3>
          <SpendList spend={totals.spend} testIdPrefix="total-spend-" />
        </div>
        <div className="totals__block">
          <h3>Incidents</h3>
          <p className="totals__big">
            <span data-testid="total-incidents-active">{totals.incidents.active}</span> active
          </p>
        </div>
        <div className="totals__block">
          <h3>Not measured, priced or placed</h3>
          <ul className="coverage__list">
            <li>
              <span className="num" data-testid="total-coverage-gpusWithoutMetrics">{totals.coverage.gpusWithoutMetrics}</span> GPUs without metrics
            </li>
            <li>
              <span className="num" data-testid="total-coverage-machinesWithoutPrice">{totals.coverage.machinesWithoutPrice}</span> machines without a list price
            </li>
            <li>
              <span className="num" data-testid="total-coverage-gpusUnplaced">{totals.coverage.gpusUnplaced}</span> GPUs unplaced
            </li>
          </ul>
        </div>
      </div>
    </section>
  );
}
