/**
 * Why a machine counts in the overview's `coverage`, in the SRE's words. The same rules as the
 * overview's SQL (overview-query.ts), applied to one machine:
 * - metrics: a machine that is not stopped, with a connector `metrics` gap (all its GPUs), else with
 *   GPUs that sent no utilisation sample in the last 30 minutes;
 * - price: any machine with a connector `price` gap, else with no hourly price;
 * - placement: a machine with a connector `placement` gap (all its GPUs).
 */
import type { MachineGap } from '../../../../shared/contract';
import type { GpuResource } from '../../../../shared/domain';

/** The gaps of one machine; `silentGpus` is how many of its GPUs had no utilisation sample in the state window. */
export function machineGaps(r: GpuResource, silentGpus: number): MachineGap[] {
  const told = r.coverageGaps ?? [];
  const fromConnector = (kind: MachineGap['kind']): MachineGap[] =>
    told.filter((g) => g.kind === kind).map((g) => ({ kind, reason: g.reason, gpus: r.gpuCount, source: 'connector' }));
  const gaps: MachineGap[] = [];
  if (r.powerState !== 'stopped') {
    const metrics = fromConnector('metrics');
    if (metrics.length > 0) gaps.push(...metrics);
    else if (silentGpus > 0) {
      const reason =
        silentGpus === r.gpuCount
          ? 'no GPU sample in the last 30 minutes'
          : `${silentGpus} of ${r.gpuCount} GPUs sent no sample in the last 30 minutes`;
      gaps.push({ kind: 'metrics', reason, gpus: silentGpus, source: 'store' });
    }
  }
  const price = fromConnector('price');
  if (price.length > 0) gaps.push(...price);
  else if (r.hourlyPrice === null) {
    gaps.push({ kind: 'price', reason: `no hourly price for ${r.instanceType} in ${r.region}`, gpus: r.gpuCount, source: 'store' });
  }
  gaps.push(...fromConnector('placement'));
  return gaps;
}
