/**
 * A rollups-only account's metrics window is written in one transaction, so the window the sync
 * engine asks for at most (sync/windows.ts ROLLUPS_WINDOW_SAMPLES) must fit the backend's DuckDB
 * memory limit. Its minute detail, when it was built in one statement, did not: a 2,000-GPU first
 * backfill (6-hour windows of 720,000 samples) failed with "Out of Memory".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { ROLLUPS_WINDOW_SAMPLES, rollupsChunkMs } from '../../sync/windows';
import { openStore } from '../index';
import type { FleetStore } from '../types';
import { account, batchesOf, resource, run, tempDataDir } from '../test-support';

const MIN = 60_000;
const GPUS_EACH = 8;
/** Enough GPUs that the window is bounded by the samples cap rather than by the 6-hour chunk. */
const MACHINES = Math.ceil(ROLLUPS_WINDOW_SAMPLES / (6 * 60) / GPUS_EACH);
const GPUS = MACHINES * GPUS_EACH;
/** A window start on a 5-minute boundary, as a rollups-only window always is. */
const FROM = Date.parse('2026-11-24T06:00:00Z');

/** One sample per GPU and minute, a machine at a time, a batch per machine. */
async function* windowSamples(machines: GpuResource[], from: number, to: number): AsyncIterable<GpuSample[]> {
  for (const [m, r] of machines.entries()) {
    const batch: GpuSample[] = [];
    for (let g = 0; g < r.gpuCount; g++) {
      for (let t = from; t < to; t += MIN) {
        batch.push({
          resourceId: r.id,
          gpuIndex: g,
          ts: t,
          utilisation: ((m * 7 + g * 13 + t / MIN) % 100) + 0.5,
          utilSource: 'prof',
          memoryUsedMiB: 1000,
          powerWatts: 300,
          temperatureC: 50,
          xidErrors: 0,
        });
      }
    }
    yield batch;
  }
}

describe('a rollups-only window of the largest size the engine asks for', () => {
  let store: FleetStore;
  let cleanup: () => Promise<void>;
  const machines = Array.from({ length: MACHINES }, (_, i) => resource(`node-${i}`, { gpuCount: GPUS_EACH }));
  const to = FROM + rollupsChunkMs(GPUS);

  beforeAll(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    // The backend's own memory limit: the default, not one sized for the test.
    store = await openStore(temp.dir, { now: () => new Date(to), memoryLimit: '256MB' });
    await store.upsertAccounts([account('acct')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf(machines));
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
  });

  it('is written whole under the backend memory limit', async () => {
    const samples = (GPUS * (to - FROM)) / MIN;
    // The window is as large as the cap allows (within two 5-minute buckets of it).
    expect(samples).toBeLessThanOrEqual(ROLLUPS_WINDOW_SAMPLES);
    expect(samples).toBeGreaterThan(ROLLUPS_WINDOW_SAMPLES - GPUS * 10);
    const written = await store.writeMetrics(run('acct', 'metrics'), { from: FROM, to }, windowSamples(machines, FROM, to), 'rollups');
    expect(written).toBe(samples);
    // Every GPU's state facts come from the rollups and their minute detail: all measured.
    const overview = await store.overview(new Date(to - MIN), { clouds: [], regions: [], gpuModels: [] });
    expect(overview.totals.gpus.total).toBe(GPUS);
    expect(overview.totals.gpus.unknown).toBe(0);
    expect(overview.totals.coverage.gpusWithoutMetrics).toBe(0);
  }, 120_000);
});
