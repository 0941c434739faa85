/**
 * Simulated per-GPU samples. Every value is a pure function of (seed, resource, gpu, minute), so
 * re-fetching any window gives identical samples; `now` only decides which samples exist yet (none
 * after now, none while a machine is stopped or silent). States are kept far from the 5% idle
 * threshold so fleet counts do not flicker from one minute to the next.
 */
import type { GpuSample } from '../../../../shared/domain';
import type { DemoMachine } from './fleet';
import { mix, unit } from './hash';

const MINUTE_MS = 60_000;
const TWO_PI = Math.PI * 2;

/** Samples per yielded batch. */
export const METRICS_BATCH_SIZE = 50_000;

/** Utilisation 0-100 of one GPU in one minute. */
export function utilisationAt(m: DemoMachine, gpu: number, minute: number): number {
  return utilisationFor(m, mix(m.key, gpu + 1), minute);
}

function utilisationFor(m: DemoMachine, gpuKey: number, minute: number): number {
  const noise = unit(mix(gpuKey, minute)) - 0.5; // -0.5 .. 0.5
  const phase = gpuKey % 997;
  switch (m.pool.pattern) {
    case 'training': {
      // Synchronous data-parallel training: high and steady, with a short checkpoint dip every hour.
      if ((minute + (m.key % 60)) % 60 < 2) return 38 + 8 * noise;
      return 86 + 6 * Math.sin((TWO_PI * (minute + phase)) / 97) + 6 * noise;
    }
    case 'inference': {
      // Follows the region's day: quiet at 04:00 local time, peak at 16:00.
      const localHour = (((minute / 60 + m.pool.tzOffsetHours) % 24) + 24) % 24;
      const day = 0.5 - 0.5 * Math.cos((TWO_PI * (localHour - 4)) / 24);
      return 16 + 64 * day + 8 * noise + 6 * (unit(gpuKey) - 0.5);
    }
    case 'batch': {
      // Three-hour jobs; between jobs the GPUs still load data and evaluate.
      const job = mix(m.key, Math.floor(minute / 180));
      if (unit(job) < 0.75) return 78 + 12 * Math.sin((TWO_PI * (minute + phase)) / 53) + 6 * noise;
      return 27 + 10 * noise;
    }
    case 'idle':
      // Allocated and forgotten: a driver heartbeat, nothing more.
      return 0.9 + 1.6 * noise * (0.5 + 0.5 * unit(gpuKey));
  }
}

function memoryFraction(m: DemoMachine, util: number, gpuKey: number, minute: number): number {
  const jitter = unit(mix(gpuKey ^ 0x5bd1e995, minute));
  switch (m.pool.pattern) {
    case 'training':
      return 0.88 + 0.06 * jitter;
    case 'inference':
      return 0.35 + 0.45 * (util / 100) + 0.03 * jitter;
    case 'batch':
      return 0.45 + 0.4 * (util / 100) + 0.05 * jitter;
    case 'idle':
      return 0.006 + 0.004 * jitter;
  }
}

/** First minute (exclusive end) for which a machine has no samples at `now`. */
function endMinuteOf(m: DemoMachine, nowMs: number): number {
  let end = Math.floor(nowMs / MINUTE_MS); // the minute in progress is not complete yet
  if (m.stoppedSince !== null) end = Math.min(end, Math.ceil(m.stoppedSince / MINUTE_MS));
  if (m.silentSince !== null) end = Math.min(end, Math.ceil(m.silentSince / MINUTE_MS));
  return end;
}

/** The sample of one GPU in one minute, or null when none exists at `now`. */
export function sampleAt(m: DemoMachine, gpu: number, minute: number, nowMs: number): GpuSample | null {
  if (minute >= endMinuteOf(m, nowMs)) return null;
  return makeSample(m, gpu, mix(m.key, gpu + 1), minute);
}

function makeSample(m: DemoMachine, gpu: number, gpuKey: number, minute: number): GpuSample {
  const ts = minute * MINUTE_MS;
  const raw = utilisationFor(m, gpuKey, minute);
  const utilisation = Math.round(Math.min(100, Math.max(0, raw)) * 10) / 10;
  const heat = unit(mix(gpuKey ^ 0x27d4eb2d, minute)) - 0.5;
  const power =
    m.maxPowerW === null || m.idlePowerW === null
      ? null
      : Math.round((m.idlePowerW + (m.maxPowerW - m.idlePowerW) * (utilisation / 100) + 12 * heat) * 10) / 10;
  return {
    resourceId: m.resource.id,
    gpuIndex: gpu,
    ts,
    utilisation,
    utilSource: m.utilSource,
    memoryUsedMiB: Math.round(m.memoryMiB * memoryFraction(m, utilisation, gpuKey, minute)),
    powerWatts: power,
    temperatureC: m.utilSource === 'provider' ? null : Math.round((31 + 47 * (utilisation / 100) + 4 * heat) * 10) / 10,
    // XID 94/48-style errors recur every few minutes on one GPU of one node.
    xidErrors: m.xidGpu === gpu && (minute + (m.key % 5)) % 5 === 0 ? 1 : 0,
  };
}

/** Samples for [from, to) of the given machines, in batches. */
export function* generateSamples(
  machines: readonly DemoMachine[],
  from: number,
  to: number,
  nowMs: number,
  batchSize = METRICS_BATCH_SIZE,
): Generator<GpuSample[]> {
  const firstMinute = Math.ceil(from / MINUTE_MS);
  const windowEnd = Math.ceil(to / MINUTE_MS); // exclusive
  let batch: GpuSample[] = [];
  for (const m of machines) {
    if (m.resource.powerState !== 'running' && m.stoppedSince === null) continue;
    const end = Math.min(windowEnd, endMinuteOf(m, nowMs));
    for (let gpu = 0; gpu < m.resource.gpuCount; gpu++) {
      const gpuKey = mix(m.key, gpu + 1);
      for (let minute = firstMinute; minute < end; minute++) {
        batch.push(makeSample(m, gpu, gpuKey, minute));
        if (batch.length >= batchSize) {
          yield batch;
          batch = [];
        }
      }
    }
  }
  if (batch.length > 0) yield batch;
}
