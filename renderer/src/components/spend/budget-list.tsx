/** Budgets per cloud or tag: billed month to date, burn rate, forecast, and a warning past the budget. */
import type { ReactNode } from 'react';
import { CLOUD_LABELS } from '../../../../shared/domain';
import type { BudgetStatus } from '../../../../shared/contract-spend';
import { formatMoney } from '../../../../shared/format';

export function BudgetList({
  budgets,
  onEdit,
  onDelete,
}: {
  budgets: readonly BudgetStatus[];
  onEdit?: (budget: BudgetStatus) => void;
  onDelete?: (budget: BudgetStatus) => void;
}): ReactNode {
  if (budgets.length === 0) return <p className="muted">No budgets yet.</p>;
  return (
    <ul className="budget-list">
      {budgets.map((b) => (
        <li key={b.id} className={b.overBudget ? 'budget--over' : undefined} data-testid={`budget-${b.id}`} data-over={b.overBudget}>
          <strong>{b.name}</strong> <span className="muted">({b.scope.kind === 'cloud' ? CLOUD_LABELS[b.scope.cloud] : `tag ${b.scope.key}=${b.scope.value}`})</span>
          <br />
          {formatMoney(b.billedMonthToDate, b.currency)} billed of {formatMoney(b.monthlyAmount, b.currency)} · burn {formatMoney(b.burnRatePerDay, b.currency)}/day · forecast{' '}
          {formatMoney(b.forecastMonth, b.currency)} ({b.forecastPercent}%)
          {b.overBudget ? (
            <span className="budget__warning" role="alert">
              {' '}
              Forecast passes the budget
            </span>
          ) : null}
          {onEdit ? (
            <button type="button" className="button button--quiet" onClick={() => onEdit(b)} aria-label={`Edit budget ${b.name}`} data-testid={`budget-edit-${b.id}`}>
              Edit
            </button>
          ) : null}
          {onDelete ? (
            <button type="button" className="button button--quiet" onClick={() => onDelete(b)} aria-label={`Delete budget ${b.name}`} data-testid={`budget-delete-${b.id}`}>
              Delete
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
