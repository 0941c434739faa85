/**
 * The machine page's 1 h minutes for a rollups-only account (`metrics.storage: "rollups"`): asked of
 * the account's metrics source through its connector, since the store keeps no raw minutes of it.
 * When the source cannot answer, the page keeps the store's series (built from the 5-minute rollups)
 * and the response says why, so the page is never empty.
 */
import type { ResponseOf, Series, TimeRange } from '../../../shared/contract';
import type { GpuResource, GpuSample } from '../../../shared/domain';
import type { Connector } from '../providers/types';
import { safeErrorMessage } from '../sync/safe-error';

/** What the API needs of an account's connector for drill-downs. */
export type MachineMinutesSource = Pick<Connector, 'metricsStorage' | 'machineSeries'>;

/** How long the machine page waits for the source before it shows the store's rollups instead. */
export const SOURCE_TIMEOUT_MS = 20_000;

type ResourceDetail = ResponseOf<'fleet:resource'>;

/**
 * The samples laid on the store's grid (one series per GPU index, `stepMs` apart): each point the
 * mean utilisation of the GPU's samples in that step, null where it has none.
 */
export function seriesFromSamples(grid: readonly Series[], samples: readonly GpuSample[], stepMs: number): Series[] {
  const sums = new Map<string, { sum: number; n: number }>();
  for (const s of samples) {
    if (s.utilisation === null) continue;
    const key = `${s.gpuIndex}#${Math.floor(s.ts / stepMs) * stepMs}`;
    const acc = sums.get(key) ?? { sum: 0, n: 0 };
    acc.sum += s.utilisation;
    acc.n++;
    sums.set(key, acc);
  }
  return grid.map((series) => ({
    ...series,
    points: series.points.map((p) => {
      const acc = sums.get(`${series.key}#${p.t}`);
      return { t: p.t, value: acc ? acc.sum / acc.n : null };
    }),
  }));
}

/**
 * The store's detail, with the 1 h series asked of the source for a rollups-only account; every
 * other answer is the store's as it is, labelled so. `machinesOf` reads the account's machines (read
 * only when the source is asked): the source places its series among them as a metrics read does.
 */
export async function withSourceMinutes(
  detail: ResourceDetail,
  range: TimeRange,
  source: MachineMinutesSource | undefined,
  machinesOf: () => Promise<readonly GpuResource[]> = async () => [detail.resource],
  timeoutMs = SOURCE_TIMEOUT_MS,
): Promise<ResourceDetail> {
  const fromStore: ResourceDetail = { ...detail, seriesOrigin: { source: 'store', sourceName: null, unreachable: null } };
  if (range !== '1h' || source?.metricsStorage !== 'rollups' || !source.machineSeries) return fromStore;
  const first = detail.series[0]?.points[0]?.t;
  const last = detail.series[0]?.points.at(-1)?.t;
  if (first === undefined || last === undefined) return fromStore;
  try {
    const machines = await machinesOf();
    const answer = await source.machineSeries({ signal: AbortSignal.timeout(timeoutMs), resource: detail.resource, machines, from: first, to: last + detail.stepMs });
    return {
      ...detail,
      series: seriesFromSamples(detail.series, answer.samples, detail.stepMs),
      seriesOrigin: { source: 'source', sourceName: answer.source, unreachable: null },
    };
  } catch (err) {
    // Through the same cleaner as every returned error: the reason may quote what the source answered.
    const why = safeErrorMessage(err);
    return { ...fromStore, seriesOrigin: { source: 'store', sourceName: null, unreachable: why } };
  }
}
