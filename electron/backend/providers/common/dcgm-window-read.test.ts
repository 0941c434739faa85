import { describe, expect, it } from 'vitest';
import type { GpuSample } from '../../../../shared/domain';
import { resource } from '../../domain/testing/factories';
import { MinuteColumnsPool } from './dcgm';
import { readDcgmWindow, windowColumns, type DcgmWindowQuery, type RangeQuerySource } from './dcgm-window-read';
import type { MatrixSink } from './prom-matrix';

const MINUTE = 60_000;
const from = Date.UTC(2026, 10, 30, 12);
const signal = new AbortController().signal;
const machines = ['node-a', 'node-b'].map((name) => resource(`k8s-node:${name}`, { name, gpuCount: 4 }));
const query: DcgmWindowQuery = { groupLabels: ['Hostname'], selector: '', maxPointsPerSeries: 11_000, stepsPerRequest: 60, pointsPerRequest: 1000, concurrency: 4 };

/**
 * A source answering the utilisation (DCGM_FI_DEV_GPU_UTIL) of the GPUs `reporting` names at every
 * step; every other field has no series. Utilisation is 10 x the GPU's index plus the minute of the hour.
 */
function sourceOf(reporting: (host: string, gpu: number) => boolean): RangeQuerySource {
  return {
    queryRangeInto(q: string, startSec: number, endSec: number, stepSec: number, _signal: AbortSignal, sink: MatrixSink): Promise<void> {
      if (!q.includes('DCGM_FI_DEV_GPU_UTIL')) return Promise.resolve();
      for (const m of machines) {
        for (let gpu = 0; gpu < 4; gpu++) {
          if (!reporting(m.name, gpu)) continue;
          const times: number[] = [];
          for (let t = startSec; t <= endSec; t += stepSec) times.push(t);
          const values = times.map((t) => 10 * gpu + new Date((t - stepSec) * 1000).getUTCMinutes());
          sink.series({ Hostname: m.name, gpu: String(gpu) }, Float64Array.from(times), Float64Array.from(values), times.length);
        }
      }
      return Promise.resolve();
    },
  };
}

const place = (metric: Readonly<Record<string, string>>) => ({ resourceId: `k8s-node:${metric.Hostname ?? ''}`, gpuIndex: Number(metric.gpu) });

async function read(source: RangeQuerySource, fromMs: number, minutes: number): Promise<GpuSample[]> {
  const out: GpuSample[] = [];
  for await (const batch of readDcgmWindow(source, query, { from: fromMs, to: fromMs + minutes * MINUTE, signal, resources: machines }, place)) out.push(...batch);
  return out;
}

describe('the minute columns of metrics windows', () => {
  it('are made for the first window and reused by the next, which reads only its own minutes', async () => {
    // 300 minutes at 60 steps a query: five folds per window, up to three at once (concurrency 4).
    const first = await read(sourceOf(() => true), from, 300);
    expect(first).toHaveLength(8 * 300);
    const made = windowColumns.made;
    expect(made).toBeGreaterThan(0);
    expect(windowColumns.idle).toBeGreaterThan(0);

    // The next window: one GPU stopped reporting. Its reused rows must not bring back its old sums.
    const next = await read(sourceOf((host, gpu) => !(host === 'node-b' && gpu === 3)), from + 300 * MINUTE, 300);
    expect(windowColumns.made).toBe(made);
    expect(next).toHaveLength(7 * 300);
    expect(next.some((s) => s.resourceId === 'k8s-node:node-b' && s.gpuIndex === 3)).toBe(false);
    const at = next.find((s) => s.resourceId === 'k8s-node:node-a' && s.gpuIndex === 2 && s.ts === from + 301 * MINUTE);
    expect(at?.utilisation).toBe(20 + new Date(from + 301 * MINUTE).getUTCMinutes());
    expect(next.every((s) => s.ts >= from + 300 * MINUTE && s.ts < from + 600 * MINUTE)).toBe(true);
  });

  it('are let go once no window has used them for a while', async () => {
    const pool = new MinuteColumnsPool(5);
    const { DcgmWindowFold } = await import('./dcgm');
    const fold = new DcgmWindowFold(place, 60, from, pool);
    fold.add('dev', []);
    expect([...fold.samples(100)]).toEqual([]);
    expect(pool.idle).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(pool.idle).toBe(0);
  });
});
