/**
 * Steady one-minute metrics sync at fleet scale (issue 16: 100k GPUs within 10 s), `BENCH_ONLY=steady`.
 *
 * The last ~15 minutes of N GPUs' dcgm-exporter series (dcgm-exporter's default counters, labelled as
 * bench/prometheus.ts writes them) are backfilled into Debian's Prometheus with promtool; a loopback
 * Kubernetes API lists the fleet's nodes (8 GPUs each) and pods. The real Kubernetes connector, sync
 * engine and store then sync once to warm (the first sync of the recent window), and N more syncs,
 * each one minute later, are timed end to end: the inventory (due every 5 minutes, so included: the
 * worst minute) and the metrics of the new minute, with their store writes. Costs run every 6 hours
 * and are left out (the wrapped connector bills nothing); incidents run, as they would.
 *
 * Each timed sync is split into phases: the connector's reads (inventory: node and pod lists and
 * mapping; metrics: queries, parsing, mapping) and the store's writes. After the timed syncs, one
 * more minute's connector read is broken down alone: node list, pod list, the Prometheus answers as
 * bytes, JSON parsing, and mapping to samples.
 *
 * Environment: BENCH_STEADY_GPUS (100,000), BENCH_STEADY_SYNCS (5), BENCH_STEADY_MINUTES (15, the
 * series' length), BENCH_STEADY_KEEP (a folder keeping the backfilled TSDB: reused by the next run
 * with the same size, so tuning does not pay for the backfill again), BENCH_STEADY_PROFILE (a file:
 * the timed syncs' CPU profile of this process, for Chrome DevTools).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { performance } from 'node:perf_hooks';
import { AccountConfigBase } from '../shared/config';
import type { Connector, MetricsRequest, StreamContext } from '../electron/backend/providers/types';
import { type KubernetesConfig } from '../electron/backend/providers/kubernetes/index';
import { kubernetesProvider } from '../electron/backend/providers/kubernetes/provider';
import { coreApi, listActivePods, listNodes } from '../electron/backend/providers/kubernetes/client';
import { planMetricsQueries, stepFor, withShard } from '../electron/backend/providers/common/dcgm-window-read';
import { dcgmQueries } from '../electron/backend/providers/kubernetes/promql';
import { mapDcgmSeries, type SeriesSet } from '../electron/backend/providers/kubernetes/map';
import { backfillOpenMetrics, prometheusSkipReason, startPrometheusIn, type RunningPrometheus } from '../electron/backend/providers/kubernetes/testing/prometheus-server';
import { openStore } from '../electron/backend/store/index';
import type { FleetStore, StoreWriter } from '../electron/backend/store/types';
import { SyncEngine } from '../electron/backend/sync/engine';
import { systemClock } from '../electron/backend/sync/clock';
import { buildBenchFleet, writeOpenMetrics, type RecordMeasure } from './prometheus';
import { DCGM_FAMILIES } from './prometheus-api';
import { percentile, cpuSecondsOf, freeBytes, timed } from './measure';

const MINUTE = 60_000;
const TARGET_S = 10;

/**
 * The Kubernetes API emulator for the fleet, in a process of its own (as an API server is): its
 * JSON for 12,500 nodes and 25,000 pods each minute is not Fleetpane's CPU nor on its event loop.
 */
async function startEmulatorProcess(gpus: number, now: number, minutes: number): Promise<{ kubeconfigPath: string; close(): Promise<void> }> {
  const url = (rel: string) => JSON.stringify(new URL(rel, import.meta.url).href);
  const script = `
    const { buildBenchFleet } = await import(${url('./prometheus.ts')});
    const { fleetNodes, fleetPods } = await import(${url('../electron/backend/providers/kubernetes/testing/fleet.ts')});
    const { startK8sEmulator } = await import(${url('../electron/backend/providers/kubernetes/testing/k8s-emulator.ts')});
    const fleet = { ...buildBenchFleet(${gpus}, ${now}), start: ${now - minutes * MINUTE} };
    const emu = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
    console.log(JSON.stringify({ kubeconfigPath: emu.kubeconfigPath }));
    process.stdin.on('end', () => emu.close().then(() => process.exit(0)));
    process.stdin.resume();`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  for await (const chunk of child.stdout) {
    out += String(chunk);
    if (out.includes('\n')) break;
  }
  const ready = JSON.parse(out.split('\n')[0] ?? '{}') as { kubeconfigPath?: string };
  if (!ready.kubeconfigPath) throw new Error('the Kubernetes API emulator process did not start');
  return {
    kubeconfigPath: ready.kubeconfigPath,
    close: async () => {
      const exited = once(child, 'exit');
      child.stdin.end();
      await exited;
    },
  };
}

interface Phases {
  inventoryRead: { ms: number };
  inventoryWrite: { ms: number };
  metricsRead: { ms: number };
  metricsWrite: { ms: number };
}
const newPhases = (): Phases => ({ inventoryRead: { ms: 0 }, inventoryWrite: { ms: 0 }, metricsRead: { ms: 0 }, metricsWrite: { ms: 0 } });

/** The connector with its reads timed, billing nothing (costs run every 6 hours, not each minute). */
function timedConnector(connector: Connector, phases: () => Phases): Connector {
  return {
    ...connector,
    bills: false,
    inventory: (ctx: StreamContext) => timed(connector.inventory(ctx), phases().inventoryRead),
    metrics: (req: MetricsRequest) => timed(connector.metrics(req), phases().metricsRead),
  };
}

/** The store with its inventory and metrics writes timed (their wall time, the connector's reads inside them subtracted later). */
function timedStore(store: FleetStore, phases: () => Phases): StoreWriter {
  const writer: StoreWriter = {
    upsertAccounts: (a) => store.upsertAccounts(a),
    writeInventory: async (run, batches) => {
      const t0 = performance.now();
      try {
        return await store.writeInventory(run, batches);
      } finally {
        phases().inventoryWrite.ms += performance.now() - t0;
      }
    },
    writeMetrics: async (run, window, batches, storage) => {
      const t0 = performance.now();
      try {
        return await store.writeMetrics(run, window, batches, storage);
      } finally {
        phases().metricsWrite.ms += performance.now() - t0;
      }
    },
    writeCosts: (run, window, batches) => store.writeCosts(run, window, batches),
    importFocus: (...args) => store.importFocus(...args),
    writeIncidents: (run, batches) => store.writeIncidents(run, batches),
    recordFailure: (run, error) => store.recordFailure(run, error),
    cursor: (account, stream) => store.cursor(account, stream),
    resources: (account) => store.resources(account),
    applyRetention: (now) => store.applyRetention(now),
    removeAccount: (account) => store.removeAccount(account),
  };
  return writer;
}

/** One minute's connector read, alone and in parts: node list, pod list, Prometheus bytes, JSON parsing, mapping. */
async function breakdown(config: KubernetesConfig, promUrl: string, store: FleetStore, minuteFrom: number): Promise<string> {
  const api = await coreApi(config);
  let t0 = performance.now();
  let nodes = 0;
  for await (const page of listNodes(api, config.pageSize)) nodes += page.length;
  const nodeMs = performance.now() - t0;
  t0 = performance.now();
  let pods = 0;
  for await (const page of listActivePods(api, config.pageSize)) pods += page.length;
  const podMs = performance.now() - t0;

  const p = config.prometheus!;
  const resources = await store.resources(config.name);
  const gpus = resources.reduce((n, r) => n + r.gpuCount, 0);
  const to = minuteFrom + MINUTE;
  const step = stepFor(minuteFrom, to, p.maxPointsPerSeries);
  const plan = planMetricsQueries(minuteFrom, to, step, gpus, Math.min(p.stepsPerRequest, p.maxPointsPerSeries - 1), p.pointsPerRequest);
  let fetchMs = 0;
  let parseMs = 0;
  let mapMs = 0;
  let bytes = 0;
  let requests = 0;
  let samples = 0;
  for (const chunk of plan.chunks) {
    for (const shard of plan.shards) {
      const q = dcgmQueries(step, p.nodeLabels, withShard(p.selector, shard));
      const set: Record<string, unknown> = {};
      for (const [field, query] of Object.entries(q)) {
        const f0 = performance.now();
        const res = await fetch(`${promUrl}/api/v1/query_range`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'accept-encoding': 'identity' },
          body: new URLSearchParams({ query, start: String(chunk.from / 1000), end: String(chunk.to / 1000), step: String(step) }),
        });
        const text = await res.text();
        fetchMs += performance.now() - f0;
        bytes += text.length;
        requests += 1;
        const p0 = performance.now();
        set[field] = (JSON.parse(text) as { data: { result: unknown[] } }).data.result;
        parseMs += performance.now() - p0;
      }
      const m0 = performance.now();
      samples += mapDcgmSeries(set as SeriesSet, resources, p.nodeLabels, step, chunk.from).length;
      mapMs += performance.now() - m0;
    }
  }
  return (
    `node list ${nodes.toLocaleString()} nodes ${nodeMs.toFixed(0)} ms; pod list ${pods.toLocaleString()} pods ${podMs.toFixed(0)} ms; ` +
    `queries ${requests} (${plan.chunks.length} chunk(s) x ${plan.shards.length} shard(s) x 7) ${fetchMs.toFixed(0)} ms for ${(bytes / 2 ** 20).toFixed(1)} MiB, one after another; ` +
    `JSON parse ${parseMs.toFixed(0)} ms; mapping ${samples.toLocaleString()} samples ${mapMs.toFixed(0)} ms`
  );
}

/** Runs the steady-sync measurement; skipped (with a line saying why) without Prometheus or disk. */
export async function benchSteady(record: RecordMeasure): Promise<void> {
  const skip = prometheusSkipReason();
  if (skip) {
    console.log(`  steady sync skipped: ${skip}`);
    return;
  }
  const gpus = Number(process.env.BENCH_STEADY_GPUS ?? 100_000);
  const syncs = Math.max(1, Number(process.env.BENCH_STEADY_SYNCS ?? 5));
  const minutes = Math.max(syncs + 2, Number(process.env.BENCH_STEADY_MINUTES ?? 15));
  const keep = process.env.BENCH_STEADY_KEEP;
  const kept = keep === undefined ? null : join(keep, `${gpus}-gpus-${minutes}-minutes`);
  // A kept TSDB was written up to the minute saved beside it: the syncs run at that minute.
  const keptNow = kept !== null && existsSync(join(kept, 'as-of')) ? Number(await readFile(join(kept, 'as-of'), 'utf8')) : null;
  const now = keptNow ?? Math.floor(Date.now() / MINUTE) * MINUTE;
  const fleet = { ...buildBenchFleet(gpus, now), start: now - minutes * MINUTE };
  // Every family dcgm-exporter writes by default: what a real steady sync reads.
  const families = DCGM_FAMILIES.length;
  const work = await mkdtemp(join(tmpdir(), 'fleetpane-bench-steady-'));
  const promDir = join(work, 'prometheus');
  let prom: RunningPrometheus | undefined;
  const emu = await startEmulatorProcess(gpus, now, minutes);
  try {
    console.log(`Steady sync: ${gpus.toLocaleString()} GPUs on ${fleet.nodes.length.toLocaleString()} nodes, ${minutes} minutes of ${families - 1} dcgm-exporter series per GPU`);
    if (kept !== null && keptNow !== null) {
      await cp(join(kept, 'data'), join(promDir, 'data'), { recursive: true });
      console.log(`  reusing the TSDB kept in BENCH_STEADY_KEEP (as of ${new Date(now).toISOString()})`);
    } else {
      // About 330 bytes a sample of OpenMetrics text, plus the TSDB blocks beside it.
      const need = gpus * (families - 1) * minutes * 330 * 1.5;
      const free = await freeBytes(work);
      if (free < need) {
        console.log(`  skipped: the OpenMetrics input and TSDB need about ${(need / 2 ** 30).toFixed(1)} GiB in ${tmpdir()}, ${(free / 2 ** 30).toFixed(1)} GiB free; set BENCH_STEADY_GPUS lower`);
        return;
      }
      const input = join(work, 'dcgm.om');
      const g0 = performance.now();
      const promSamples = await writeOpenMetrics(fleet, input, DCGM_FAMILIES);
      const genMs = performance.now() - g0;
      const b0 = performance.now();
      backfillOpenMetrics(input, join(promDir, 'data'));
      const backfillMs = performance.now() - b0;
      await rm(input);
      console.log(`  ${promSamples.toLocaleString()} samples: OpenMetrics written in ${(genMs / 1000).toFixed(1)} s, promtool backfill ${(backfillMs / 1000).toFixed(1)} s`);
      if (kept !== null) {
        await mkdir(kept, { recursive: true });
        await cp(join(promDir, 'data'), join(kept, 'data'), { recursive: true });
        await writeFile(join(kept, 'as-of'), String(now));
      }
    }
    prom = await startPrometheusIn(promDir);

    const config = kubernetesProvider.parseConfig(
      AccountConfigBase.parse({ name: 'gpu-clusters', provider: 'kubernetes', kubeconfig: emu.kubeconfigPath, prometheus: { url: prom.url }, metricsBackfillHours: 1 }),
    );
    let phases = newPhases();
    const connector = timedConnector(await kubernetesProvider.create(config), () => phases);
    // The warm sync runs `syncs` minutes before the series end; each timed one a minute later.
    let clockNow = new Date(now - syncs * MINUTE);
    const store = await openStore(join(work, 'store'), { now: () => clockNow });
    try {
      const engine = new SyncEngine({ store: timedStore(store, () => phases), accounts: [{ config, connector }], clock: { ...systemClock, now: () => clockNow }, random: () => 0.5 });
      let t0 = performance.now();
      const warm = await engine.syncOnce();
      console.log(`  warm sync (first hour's window): ${((performance.now() - t0) / 1000).toFixed(1)} s, ${(warm.accounts[0]?.streams.metrics.rows ?? 0).toLocaleString()} samples${warm.ok ? '' : `, NOT OK: ${JSON.stringify(warm.accounts[0]?.streams)}`}`);

      const times: number[] = [];
      let allOk = warm.ok;
      const profileFile = process.env.BENCH_STEADY_PROFILE;
      const profiler = profileFile ? new Session() : null;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.start');
      }
      for (let i = 1; i <= syncs; i++) {
        clockNow = new Date(now - (syncs - i) * MINUTE);
        phases = newPhases();
        // CPU seconds as well as wall time: on a shared machine they say what the work costs.
        const cpu0 = { node: process.cpuUsage(), prom: await cpuSecondsOf(prom.pid) };
        t0 = performance.now();
        const summary = await engine.syncOnce();
        const ms = performance.now() - t0;
        const nodeCpu = process.cpuUsage(cpu0.node);
        const promCpu = (await cpuSecondsOf(prom.pid)) - cpu0.prom;
        times.push(ms);
        allOk &&= summary.ok;
        const s = summary.accounts[0]?.streams;
        const ph = phases;
        console.log(
          `  sync ${i}: ${(ms / 1000).toFixed(2)} s (CPU: Fleetpane ${((nodeCpu.user + nodeCpu.system) / 1e6).toFixed(1)} s, Prometheus ${promCpu.toFixed(1)} s), ${(s?.inventory.rows ?? 0).toLocaleString()} machines, ${(s?.metrics.rows ?? 0).toLocaleString()} samples | ` +
            `inventory read ${ph.inventoryRead.ms.toFixed(0)} ms, write ${(ph.inventoryWrite.ms - ph.inventoryRead.ms).toFixed(0)} ms | ` +
            `metrics read ${ph.metricsRead.ms.toFixed(0)} ms, write ${(ph.metricsWrite.ms - ph.metricsRead.ms).toFixed(0)} ms${summary.ok ? '' : ` | NOT OK: ${JSON.stringify(s)}`}`,
        );
      }
      if (profiler && profileFile) {
        const { profile } = await profiler.post('Profiler.stop');
        await writeFile(profileFile, JSON.stringify(profile));
        profiler.disconnect();
      }
      console.log(`  one minute's connector read, alone: ${await breakdown(config, prom.url, store, now - 2 * MINUTE)}`);
      const p50 = percentile(times, 50) / 1000;
      const max = Math.max(...times) / 1000;
      record({
        name: `steady one-minute sync, p50 of ${syncs} (${gpus.toLocaleString()} GPUs; inventory + metrics + writes${allOk ? '' : '; a sync FAILED'})`,
        value: p50,
        unit: 's',
        target: `<= ${TARGET_S} at 100k GPUs`,
        met: allOk && gpus >= 100_000 && p50 <= TARGET_S,
        reference: { name: 'target, s', value: TARGET_S, ratio: p50 / TARGET_S },
      });
      record({
        name: `steady one-minute sync, max of ${syncs} (${gpus.toLocaleString()} GPUs)`,
        value: max,
        unit: 's',
        target: `<= ${TARGET_S} at 100k GPUs`,
        met: allOk && gpus >= 100_000 && max <= TARGET_S,
        reference: { name: 'target, s', value: TARGET_S, ratio: max / TARGET_S },
      });
    } finally {
      await store.close();
    }
  } finally {
    await prom?.stop();
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
}
