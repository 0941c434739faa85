/** Spend per billing currency, each number labelled billed or estimate (never mixed silently). */
import type { ReactNode } from 'react';
import { formatMoney } from '../../../shared/format';
import type { SpendSummary } from '../../../shared/overview';

const ROWS = [
  { field: 'billedMonthToDate', id: 'billed', label: 'Billed, month to date', kind: 'billed' },
  { field: 'runRateToday', id: 'runrate', label: 'Run-rate today (not yet billed)', kind: 'run-rate' },
  { field: 'forecastMonth', id: 'forecast', label: 'Month forecast', kind: 'estimate' },
  { field: 'idleWasteToday', id: 'idle', label: 'Idle waste today', kind: 'run-rate' },
] as const;

/** One block per currency; testids `<prefix>billed-<CUR>`, `runrate`, `forecast`, `idle`. */
export function SpendList({ spend, testIdPrefix = 'spend-' }: { spend: readonly SpendSummary[]; testIdPrefix?: string }): ReactNode {
  if (spend.length === 0) {
    return <p className="muted">No spend recorded yet.</p>;
  }
  return (
    <div className="spend">
      {spend.map((s) => (
        <dl key={s.currency} className="spend__currency" aria-label={`Spend in ${s.currency}`}>
          {ROWS.map((row) => (
            <div key={row.id} className="spend__row">
              <dt>
                {row.label} <span className={`kind kind--${row.kind}`}>{row.kind}</span>
              </dt>
              <dd className="num" data-testid={`${testIdPrefix}${row.id}-${s.currency}`} data-amount={s[row.field]}>
                {formatMoney(s[row.field], s.currency)}
              </dd>
            </div>
          ))}
        </dl>
      ))}
    </div>
  );
}
