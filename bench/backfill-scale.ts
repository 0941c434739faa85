/**
 * The first 24 h metrics backfill at the size (100,000 GPUs unless BENCH_BACKFILL_GPUS says
 * otherwise): the peak RSS of the process holding the store while it streams in, built code in a
 * process of its own (bench/backfill-process.ts), as the 10,000-GPU line from Debian's Prometheus
 * measures it. Prometheus's TSDB and its OpenMetrics input would need about 77 GB at this size, so the
 * samples come from the bench's Prometheus API (prometheus-api.ts), which answers the connector's
 * queries as that Prometheus does (prometheus-api.test.ts compares them), over every family
 * dcgm-exporter writes by default, as a real fleet's Prometheus holds them. The reference is the same
 * backfill of a tenth of the GPUs in the same run: how the peak grows with the fleet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetNodes, fleetPods } from '../electron/backend/providers/kubernetes/testing/fleet';
import { startK8sEmulator } from '../electron/backend/providers/kubernetes/testing/k8s-emulator';
import { buildBackfillChild, runBackfillProcess, TRACE_MS, type BackfillProcessResult } from './backfill-process';
import { freeBytes } from './measure';
import { describePeaks, LONG_STALL_MS } from './memory-lines';
import { buildBenchFleet, type RecordMeasure } from './prometheus';
import { DCGM_FAMILIES, startPrometheusApi } from './prometheus-api';

const MINUTE = 60_000;
/** Bytes on disk per GPU-day of a raw store (the Prometheus bench measures about 14,400), with room. */
const STORE_BYTES_PER_GPU_DAY = 30_000;
const MIB = 2 ** 20;
/** The ceiling for the store's process during a first backfill. */
const RSS_LIMIT_MIB = 500;

/** GPUs of the backfill: BENCH_BACKFILL_GPUS, else the 100,000. */
function backfillFleetGpus(): number {
  return Number(process.env.BENCH_BACKFILL_GPUS) || 100_000;
}

/** One first backfill of `gpus` GPUs from the bench's Prometheus API into a fresh store. */
async function backfillOnce(child: string, work: string, gpus: number): Promise<BackfillProcessResult> {
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const fleet = buildBenchFleet(gpus, now);
  const [api, k8s] = await Promise.all([startPrometheusApi(fleet, DCGM_FAMILIES), startK8sEmulator(fleetNodes(fleet), fleetPods(fleet))]);
  const storeDir = join(work, `store-${gpus}`);
  try {
    const result = await runBackfillProcess(child, { kubeconfig: k8s.kubeconfigPath, prometheusUrl: api.url, storeDir, clockMs: now - MINUTE });
    if (!result.ok) throw new Error(`the ${gpus.toLocaleString()}-GPU backfill did not succeed: ${JSON.stringify(result.streams)}`);
    console.log(
      `  ${gpus.toLocaleString()} GPUs: ${result.rows.toLocaleString()} samples in ${(result.ms / 1000).toFixed(1)} s, ` +
        `peak RSS ${(result.peakRssBytes / MIB).toFixed(1)} MiB (start ${(result.startRssBytes / MIB).toFixed(0)} MiB)`,
    );
    console.log(`    at the highest RSS line: ${describePeaks(result.memory.atRssPeak)}`);
    console.log(`    each part's own peak: ${describePeaks(result.memory.peaks)}`);
    return result;
  } finally {
    await Promise.all([api.close(), k8s.close()]);
    await rm(storeDir, { recursive: true, force: true });
  }
}

/** Runs the backfill at a tenth of the size, then at full size, and records the full size's peak. */
export async function benchBackfillAtScale(record: RecordMeasure): Promise<void> {
  const gpus = backfillFleetGpus();
  const work = await mkdtemp(join(tmpdir(), 'fleetpane-bench-backfill-'));
  try {
    const need = gpus * STORE_BYTES_PER_GPU_DAY;
    const free = await freeBytes(work);
    if (free < need) {
      console.log(`First backfill at ${gpus.toLocaleString()} GPUs skipped: the store needs about ${(need / 2 ** 30).toFixed(1)} GiB in ${tmpdir()}, ${(free / 2 ** 30).toFixed(1)} GiB free`);
      return;
    }
    console.log(`First 24 h backfill at ${gpus.toLocaleString()} GPUs, from the bench's Prometheus API (answers as Debian's Prometheus over the same series, every family dcgm-exporter writes)`);
    const child = await buildBackfillChild();
    const tenthGpus = Math.max(8, Math.round(gpus / 10));
    const tenth = await backfillOnce(child, work, tenthGpus);
    const full = await backfillOnce(child, work, gpus);
    const peak = full.peakRssBytes / MIB;
    record({
      name: `peak RSS of the store's process during the first 24 h backfill (${gpus.toLocaleString()} GPUs, ${full.rows.toLocaleString()} samples, built code, from the bench's Prometheus API)`,
      value: peak,
      unit: 'MiB',
      target: `<= ${RSS_LIMIT_MIB}`,
      met: peak <= RSS_LIMIT_MIB,
      reference: { name: `the same at ${tenthGpus.toLocaleString()} GPUs, MiB`, value: tenth.peakRssBytes / MIB, ratio: full.peakRssBytes / tenth.peakRssBytes },
    });
    const rate = full.rows / (full.ms / 1000);
    record({
      name: `first 24 h backfill at ${gpus.toLocaleString()} GPUs, samples/s end to end (the API's own work shares the 2 cores; the target is judged on Debian's Prometheus)`,
      value: Math.round(rate),
      unit: 'samples/s',
      target: 'informational',
      met: true,
      reference: { name: `the same at ${tenthGpus.toLocaleString()} GPUs, samples/s`, value: Math.round(tenth.rows / (tenth.ms / 1000)), ratio: rate / (tenth.rows / (tenth.ms / 1000)) },
    });
    // A collector answers its sessions on the event loop the backfill shares (the API's work on the
    // same cores delays it too, so this is an upper bound of what a backfill alone would cause).
    const stalls = (r: BackfillProcessResult): number => r.memory.peaks.longStallLines / Math.max(1, r.memory.peaks.lines);
    record({
      name: `first 24 h backfill at ${gpus.toLocaleString()} GPUs: share of ${TRACE_MS} ms spans with an event-loop stall over ${LONG_STALL_MS} ms (longest ${full.memory.peaks.loopMs.toFixed(0)} ms)`,
      value: stalls(full) * 100,
      unit: '%',
      target: 'informational',
      met: true,
      // No ratio to a tenth's span that had none.
      ...(stalls(tenth) > 0 ? { reference: { name: `the same at ${tenthGpus.toLocaleString()} GPUs, %`, value: stalls(tenth) * 100, ratio: stalls(full) / stalls(tenth) } } : {}),
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
