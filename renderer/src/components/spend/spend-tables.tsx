/** Spend tables: totals per currency and one grouping's rows, amounts as exact text. */
import type { ReactNode } from 'react';
import type { SpendAmounts, SpendGroupRow } from '../../../../shared/contract-spend';
import { formatMoney } from '../../../../shared/format';

/** Totals per billing currency; estimates never added to billed. */
export function SpendTotals({ totals }: { totals: readonly SpendAmounts[] }): ReactNode {
  if (totals.length === 0) return <p className="muted" data-testid="spend-empty">No charges in this period.</p>;
  return (
    <div className="spend-totals">
      {totals.map((t) => (
        <dl key={t.currency} className="spend-totals__currency" aria-label={`Totals in ${t.currency}`}>
          <div>
            <dt>
              Billed <span className="kind kind--billed">billed</span>
            </dt>
            <dd className="num spend-totals__big" data-testid={`spend-total-billed-${t.currency}`} data-amount={t.billed}>
              {formatMoney(t.billed, t.currency)}
            </dd>
          </div>
          <div>
            <dt>Effective (after discounts)</dt>
            <dd className="num" data-testid={`spend-total-effective-${t.currency}`}>{formatMoney(t.effective, t.currency)}</dd>
          </div>
          <div>
            <dt>
              Estimated, not billed <span className="kind kind--estimate">estimate</span>
            </dt>
            <dd className="num" data-testid={`spend-total-estimated-${t.currency}`} data-amount={t.estimated}>
              {formatMoney(t.estimated, t.currency)}
            </dd>
          </div>
          <div>
            <dt>Charges</dt>
            <dd className="num">{t.rows.toLocaleString('en-US')}</dd>
          </div>
        </dl>
      ))}
    </div>
  );
}

/** One grouping as a table, with a totals row per currency. */
export function SpendGroupTable({
  labels,
  rows,
  totals,
  testId,
  caption,
}: {
  labels: readonly string[];
  rows: readonly SpendGroupRow[];
  totals: readonly SpendAmounts[];
  testId: string;
  caption: string;
}): ReactNode {
  return (
    <table className="table spend-table" data-testid={testId}>
      <caption className="spend-table__caption">{caption}</caption>
      <thead>
        <tr>
          {labels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
          <th scope="col">Currency</th>
          <th scope="col" className="num">
            Billed
          </th>
          <th scope="col" className="num">
            Estimated (not billed)
          </th>
          <th scope="col" className="num">
            Charges
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.keys.join('\u0000')}|${r.currency}`} data-testid="spend-group-row" data-key={r.keys.join(' / ')} data-amount={r.billed}>
            {r.keys.map((k, i) => (
              <td key={i}>{k}</td>
            ))}
            <td>{r.currency}</td>
            <td className="num">{formatMoney(r.billed, r.currency)}</td>
            <td className="num">{r.estimated === '0.00' ? '—' : formatMoney(r.estimated, r.currency)}</td>
            <td className="num">{r.rows.toLocaleString('en-US')}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        {totals.map((t) => (
          <tr key={t.currency} className="spend-table__total" data-testid={`spend-group-total-${t.currency}`}>
            <th scope="row" colSpan={labels.length}>
              Total
            </th>
            <td>{t.currency}</td>
            <td className="num">{formatMoney(t.billed, t.currency)}</td>
            <td className="num">{t.estimated === '0.00' ? '—' : formatMoney(t.estimated, t.currency)}</td>
            <td className="num">{t.rows.toLocaleString('en-US')}</td>
          </tr>
        ))}
      </tfoot>
    </table>
  );
}
