/** Daily spend bars for one currency: billed, with connector estimates stacked apart and labelled. */
import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from 'recharts';
import type { DailySpend } from '../../../../shared/contract-spend';
import { formatMoney } from '../../../../shared/format';

export interface DailyBarsProps {
  daily: readonly DailySpend[];
  currency: string;
  height?: number;
  /** Fixed width for print (the report page); responsive when absent. */
  width?: number;
}

/** Bar heights only need a number; every amount shown stays the exact text. */
export function DailyBars({ daily, currency, height = 220, width }: DailyBarsProps): ReactNode {
  const rows = daily
    .filter((d) => d.currency === currency)
    .map((d) => ({ day: d.day.slice(5), billed: Number(d.billed), estimated: Number(d.estimated), billedText: d.billed, estimatedText: d.estimated }));
  const hasEstimates = rows.some((r) => r.estimated !== 0);
  const summary = rows.length === 0 ? 'No charges in the period.' : `${rows.length} days of charges in ${currency}.`;
  return (
    <figure className="chart spend-bars" data-testid={`daily-bars-${currency}`} data-days={rows.length}>
      <figcaption className="visually-hidden">Daily spend in {currency}</figcaption>
      <div role="img" aria-label={`Daily billed spend in ${currency}. ${summary}`}>
        <BarChart
          {...(width ? { width, height } : { responsive: true, style: { width: '100%', height } })}
          data={rows}
          margin={{ top: 8, right: 16, bottom: 4, left: 8 }}
          accessibilityLayer={false}
        >
          <CartesianGrid strokeDasharray="3 3" vertical={false} className="chart__grid" />
          <XAxis dataKey="day" tick={{ fontSize: 11 }} />
          <YAxis tick={{ fontSize: 11 }} width={70} tickFormatter={(v: number) => formatMoney(String(Math.round(v)), currency).replace(/\.00$/, '')} />
          <Tooltip
            formatter={(_value, name, item) => {
              const p = item.payload as { billedText: string; estimatedText: string };
              return [formatMoney(name === 'Billed' ? p.billedText : p.estimatedText, currency), name];
            }}
          />
          {hasEstimates ? <Legend /> : null}
          <Bar dataKey="billed" name="Billed" stackId="s" fill="var(--series-0)" isAnimationActive={false} />
          {hasEstimates ? <Bar dataKey="estimated" name="Estimate (not billed)" stackId="s" fill="var(--series-1)" fillOpacity={0.55} isAnimationActive={false} /> : null}
        </BarChart>
      </div>
    </figure>
  );
}
