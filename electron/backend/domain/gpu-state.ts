/**
 * A GPU's one state (glossary): where several apply, the first in STATE_PRECEDENCE wins. The rule is
 * data; gpuState applies it in TypeScript and gpuStateCaseSql writes it as the SQL CASE the store's
 * state query runs (store/gpu-state-query.ts), both from the same order and thresholds.
 */
import { GpuState, IDLE_THRESHOLD_PERCENT } from '../../../shared/domain';

/** First match wins: stopped, unhealthy, unknown, busy, idle (the order of shared/domain.ts GpuState). */
export const STATE_PRECEDENCE: readonly GpuState[] = GpuState.options;

/** Provider or node health values that make a GPU unhealthy. */
export const UNHEALTHY_HEALTH: readonly string[] = ['degraded', 'unavailable'];

/** What decides a GPU's state, over the state window (shared/domain.ts STATE_WINDOW_MS). */
export interface GpuStateFacts {
  powerState: string;
  health: string;
  /** XID errors reported on this GPU in the window. */
  xidErrors: number;
  /** A provider fault signal on this GPU in the window (OCI gpu_infrastructure_health Fault). */
  fault: boolean;
  /** Samples with a utilisation in the window. */
  samples: number;
  /** Mean utilisation of those samples in percent; null without samples. */
  meanUtilisation: number | null;
}

/** Whether each state applies; the state is the first that does in STATE_PRECEDENCE. */
const APPLIES: Readonly<Record<GpuState, (f: GpuStateFacts) => boolean>> = {
  stopped: (f) => f.powerState === 'stopped',
  unhealthy: (f) => UNHEALTHY_HEALTH.includes(f.health) || f.xidErrors > 0 || f.fault,
  unknown: (f) => f.samples === 0 || f.meanUtilisation === null,
  busy: (f) => (f.meanUtilisation ?? 0) >= IDLE_THRESHOLD_PERCENT,
  idle: () => true,
};

/** The one state of a GPU. */
export function gpuState(facts: GpuStateFacts): GpuState {
  return STATE_PRECEDENCE.find((s) => APPLIES[s](facts)) ?? 'idle';
}

/** SQL expressions (over the caller's columns) of the facts gpuState reads; NULL counts as none. */
export interface GpuStateColumns {
  powerState: string;
  health: string;
  xidErrors: string;
  fault: string;
  samples: string;
  meanUtilisation: string;
}

/** gpuState as a SQL CASE over the given columns, in STATE_PRECEDENCE order. */
export function gpuStateCaseSql(c: GpuStateColumns): string {
  const condition: Readonly<Record<GpuState, string | null>> = {
    stopped: `${c.powerState} = 'stopped'`,
    unhealthy: `${c.health} IN (${UNHEALTHY_HEALTH.map((h) => `'${h}'`).join(', ')}) OR coalesce(${c.xidErrors}, 0) > 0 OR coalesce(${c.fault}, false)`,
    unknown: `coalesce(${c.samples}, 0) = 0`,
    busy: `${c.meanUtilisation} >= ${IDLE_THRESHOLD_PERCENT}`,
    idle: null,
  };
  const whens = STATE_PRECEDENCE.filter((s) => condition[s] !== null).map((s) => `WHEN ${condition[s]} THEN '${s}'`);
  const last = STATE_PRECEDENCE.find((s) => condition[s] === null) ?? 'idle';
  return `CASE ${whens.join(' ')} ELSE '${last}' END`;
}
