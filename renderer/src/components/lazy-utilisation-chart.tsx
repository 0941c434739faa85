/**
 * The utilisation chart, loaded on first use: the charting library is the largest part of the
 * bundle, and the pane's numbers should not wait for it to be parsed before they can be read.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import type { UtilisationChartProps } from './utilisation-chart';
import { LoadingSkeleton } from './status';

const Chart = lazy(() => import('./utilisation-chart').then((m) => ({ default: m.UtilisationChart })));

/** UtilisationChart behind a placeholder of its kind until its code has arrived. */
export function LazyUtilisationChart(props: UtilisationChartProps): ReactNode {
  return (
    <Suspense fallback={<LoadingSkeleton label="Loading the chart" rows={1} testId="chart-loading" />}>
      <Chart {...props} />
    </Suspense>
  );
}
