/**
 * `npm run bench`: a 10,000-GPU, 30-day demo fleet through the real store, then the queries the pane
 * makes, and the time until the pane is interactive in Chromium. Prints each number with its target,
 * the reference it is compared with in the same run, and writes bench/results/<timestamp>.json.
 *
 * References (measured on the same data in the same run, because this machine is shared and noisy):
 * - ingest: DuckDB's own bulk INSERT ... SELECT of generated rows into a copy of the sample table (the
 *   engine's ceiling for getting rows into that table, with no JavaScript in the way);
 * - overview and series: the same numbers computed by naive SQL that scans raw samples (no rollups);
 * - Prometheus (bench/prometheus.ts): Debian's Prometheus holding the same DCGM samples, asked the
 *   pane's questions in alternating pairs; the collector (bench/collector.ts): its own p50.
 *
 * Environment:
 * - BENCH_SCALE (default 5, about 10,000 GPUs; 50 for 100k): the demo fleet's size; when set, the
 *   Prometheus fleet is 2,000 GPUs per unit too.
 * - BENCH_DAYS (30), BENCH_REPEATS (30): history length, timed repeats per query.
 * - BENCH_DATA_DIR: a store to keep and reuse (ingest skipped when it holds one).
 * - BENCH_ONLY: `ingest` (the demo fleet's ingest and its reference only), `queries` (store queries only), `prometheus` (the Prometheus side by side and sync
 *   from Prometheus only), `collector` (the team collector load only, on the demo store),
 *   `machine-table` (the machine table in Chromium only, on a store of inventory and 2 h of metrics
 *   unless BENCH_DATA_DIR holds one; BENCH_SCALE=31.4 is about 12,500 machines), `focus` (FOCUS
 *   import and cost-write memory only), `pane` (backend RSS after the pane's queries and pane
 *   interactive only, on the demo store), `steady` (the steady one-minute sync of 100k GPUs from
 *   Prometheus only, bench/steady.ts; BENCH_STEADY_GPUS sets its size), `backfill` (the first 24 h
 *   backfill's peak RSS at 100,000 GPUs from the bench's Prometheus API only, bench/backfill-scale.ts;
 *   BENCH_BACKFILL_GPUS sets its size), `history` (the accounts' freshness over a long sync history,
 *   before and after retention, bench/sync-history.ts; BENCH_HISTORY_DAYS sets its length).
 * - BENCH_PROM_GPUS (2,000 unless BENCH_SCALE is set), BENCH_PROM_PAIRS (10): the Prometheus fleet
 *   and the alternating query pairs.
 * - BENCH_COLLECTOR_SESSIONS (50), BENCH_COLLECTOR_SECONDS (30): the collector load.
 * - BENCH_FOCUS_ROWS (1M), BENCH_FOCUS_PAIRS (3): the FOCUS file and the reference-then-import pairs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, totalmem, tmpdir, type as osType, release } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { launchChromium } from './chromium';
import type { GpuSample } from '../shared/domain';
import { createDemoConnector } from '../electron/backend/providers/demo/index';
import { buildFleet } from '../electron/backend/providers/demo/fleet';
import { sampleAt } from '../electron/backend/providers/demo/metrics';
import { DemoConfig } from '../electron/backend/providers/demo/config';
import { IDLE_RELEASE_MS } from '../electron/backend/store/idle-memory';
import { openStore, STORE_FILE } from '../electron/backend/store/index';
import { startServeProcess, stopProcess } from '../electron/backend/cli/testing/fleetpane-process';
import type { FleetStore, RunStart } from '../electron/backend/store/types';
import { benchCostWriteMemory, benchFocusImport } from './focus-import';
import { benchMachineTable, buildTableStore } from './machine-table';
import { benchPrometheus } from './prometheus';
import { benchBackfillAtScale } from './backfill-scale';
import { benchCollector } from './collector';
import { benchSteady } from './steady';
import { benchSyncHistory } from './sync-history';
import { percentile, REPEATS, timeAlternated, timed, timeRepeated } from './measure';
import { buildBenchChild } from './bench-child';
import { describePeaks, emptyPeaks, foldMemoryLine } from './memory-lines';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SCALE = Number(process.env.BENCH_SCALE ?? 5);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
/** A data dir to keep: ingested into when it holds no store yet, reused (ingest skipped) when it does. */
const KEEP_DIR = process.env.BENCH_DATA_DIR;
/** `queries` measures only the store queries (the fast loop while tuning them). */
const ONLY = process.env.BENCH_ONLY;
const root = join(import.meta.dirname, '..');

interface Measure {
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean;
  reference?: { name: string; value: number; ratio: number };
}

const results: Measure[] = [];
let runCounter = 0;

function run(account: string, stream: RunStart['stream']): RunStart {
  runCounter += 1;
  return { id: `bench-${runCounter}`, account, stream, startedAt: new Date(), attempt: 1 };
}

function record(m: Measure): void {
  results.push(m);
  const ref = m.reference ? `  | ${m.reference.name}: ${m.reference.value.toFixed(1)} (ratio ${m.reference.ratio.toFixed(2)})` : '';
  console.log(`${m.met ? 'ok  ' : 'MISS'} ${m.name}: ${m.value.toFixed(1)} ${m.unit} (target ${m.target})${ref}`);
}

/** Hourly samples for the history older than the last day: one per GPU per hour, as a 30-day store holds. */
function* historySamples(machines: ReturnType<typeof buildFleet>, from: number, to: number, nowMs: number): Generator<GpuSample[]> {
  let batch: GpuSample[] = [];
  for (let t = from; t < to; t += HOUR) {
    const minute = t / MINUTE;
    for (const m of machines) {
      for (let gpu = 0; gpu < m.resource.gpuCount; gpu++) {
        const s = sampleAt(m, gpu, minute, nowMs);
        if (s) batch.push(s);
      }
    }
    if (batch.length >= 50_000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function ingest(store: FleetStore, nowMs: number): Promise<{ gpus: number; samples: number; storeSeconds: number }> {
  const account = 'bench';
  const config = DemoConfig.parse({ name: account, provider: 'demo', scale: SCALE, seed: 7 });
  const connector = createDemoConnector(config);
  const now = new Date(nowMs);
  const signal = new AbortController().signal;
  await store.upsertAccounts([{ name: account, provider: 'demo', enabled: true, intervals: config.syncIntervals }]);
  await store.writeInventory(run(account, 'inventory'), connector.inventory({ now, signal }));
  const resources = await store.resources(account);
  const gpus = resources.reduce((n, r) => n + r.gpuCount, 0);
  const machines = buildFleet(account, config.seed, config.scale, now);

  const recentFrom = Math.floor((nowMs - 26 * HOUR) / HOUR) * HOUR;
  const historyFrom = Math.floor((nowMs - DAYS * DAY) / DAY) * DAY;
  let samples = 0;
  const generation = { ms: 0 };
  const t0 = performance.now();
  for (let from = historyFrom; from < recentFrom; from += DAY) {
    const to = Math.min(from + DAY, recentFrom);
    samples += await store.writeMetrics(run(account, 'metrics'), { from, to }, timed(historySamples(machines, from, to, nowMs), generation));
  }
  const historyMs = performance.now() - t0;
  console.log(`  history: ${DAYS} days hourly, ${samples.toLocaleString()} samples in ${(historyMs / 1000).toFixed(1)} s`);

  const recentStart = performance.now();
  let recent = 0;
  const end = Math.floor(nowMs / MINUTE) * MINUTE;
  for (let from = recentFrom; from < end; from += 6 * HOUR) {
    const to = Math.min(from + 6 * HOUR, end);
    recent += await store.writeMetrics(
      run(account, 'metrics'),
      { from, to },
      timed(connector.metrics({ now, signal, from, to, resources }), generation),
    );
  }
  samples += recent;
  const totalMs = performance.now() - t0;
  console.log(`  last 26 h at 1 minute: ${recent.toLocaleString()} samples in ${((performance.now() - recentStart) / 1000).toFixed(1)} s`);
  await store.writeCosts(run(account, 'costs'), { from: historyFrom, to: nowMs }, timed(connector.costs({ now, signal, from: historyFrom, to: nowMs }), generation));
  await store.writeIncidents(run(account, 'incidents'), connector.incidents({ now, signal, resources }));
  await store.applyRetention(now);
  return { gpus, samples, storeSeconds: (totalMs - generation.ms) / 1000 };
}

/**
 * DuckDB's bulk path into a table shaped like the sample table: the ceiling our Appender is compared with.
 * Like the store, a database file on disk (not an in-memory one), the table with every gpu_sample column
 * (fault included) and the rows committed in one transaction, so the ratio compares the same work.
 */
async function referenceIngestRate(rows: number): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-bench-ref-'));
  const instance = await DuckDBInstance.create(join(dir, 'reference.duckdb'), { memory_limit: '2GB', threads: '2' });
  const conn = await instance.connect();
  try {
    await conn.run(
      'CREATE TABLE s (gpu_id INTEGER, ts TIMESTAMP, util DOUBLE, util_source UTINYINT, mem DOUBLE, power DOUBLE, temp DOUBLE, xid INTEGER, fault BOOLEAN)',
    );
    const t0 = performance.now();
    await conn.run('BEGIN TRANSACTION');
    await conn.run(
      `INSERT INTO s SELECT (i % 8000)::INTEGER, TIMESTAMP '2026-01-01' + to_minutes(i // 8000),
         (i % 97)::DOUBLE, 1, 1000.0 + i % 50, 300.0, 60.0, 0, NULL FROM range(${rows}) t(i)`,
    );
    await conn.run('COMMIT');
    return rows / ((performance.now() - t0) / 1000);
  } finally {
    conn.closeSync();
    instance.closeSync();
    await rm(dir, { recursive: true, force: true });
  }
}

async function paneInteractive(dataDir: string): Promise<number> {
  const { child, url } = await startServeProcess(['--data-dir', dataDir, '--port', '0']);
  try {
    const browser = await launchChromium();
    try {
      const times: number[] = [];
      const parts: { jsKiB: number; overviewAnsweredMs: number; longestTaskMs: number }[] = [];
      for (let i = 0; i < 5; i++) {
        const context = await browser.newContext();
        const page = await context.newPage();
        // Where the time goes: script bytes before interactive, when the overview answered, long tasks.
        await page.addInitScript(`window.__longTasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`);
        const t0 = performance.now();
        await page.goto(url.toString());
        // Interactive: the overview numbers are on screen and a cloud card takes keyboard focus.
        await page.getByTestId('as-of').waitFor();
        await page.locator('[data-testid^="cloud-card-"]').first().focus();
        times.push(performance.now() - t0);
        parts.push(
          (await page.evaluate(`(() => {
            const res = performance.getEntriesByType('resource');
            const overview = res.find((r) => r.name.includes('fleet:overview'));
            return { jsKiB: res.filter((r) => r.name.endsWith('.js')).reduce((n, r) => n + r.encodedBodySize, 0) / 1024,
              overviewAnsweredMs: overview ? overview.responseEnd : NaN, longestTaskMs: Math.max(0, ...window.__longTasks) };
          })()`)) as (typeof parts)[number],
        );
        await context.close();
      }
      const median = (key: keyof (typeof parts)[number]): number => percentile(parts.map((p) => p[key]), 50);
      console.log(
        `  pane: ${median('jsKiB').toFixed(0)} KiB of script loaded, overview answered at ${median('overviewAnsweredMs').toFixed(0)} ms, ` +
          `longest long task ${median('longestTaskMs').toFixed(0)} ms (medians of 5)`,
      );
      return percentile(times, 50);
    } finally {
      await browser.close();
    }
  } finally {
    await stopProcess(child);
  }
}

async function main(): Promise<void> {
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${osType()} ${release()}`,
    node: process.version,
  };
  console.log(`Fleetpane benchmark on ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}`);
  if (ONLY === 'backfill') return benchBackfillAtScale(record).then(() => writeResults(machine, { gpus: 0, samples: 0, days: DAYS, scale: SCALE }));
  if (ONLY === 'prometheus') return benchPrometheus(record).then(() => writeResults(machine, { gpus: 0, samples: 0, days: DAYS, scale: SCALE }));
  if (ONLY === 'focus') return benchFocus().then(() => writeResults(machine, { gpus: 0, samples: 0, days: DAYS, scale: SCALE }));
  if (ONLY === 'steady') return benchSteady(record).then(() => writeResults(machine, { gpus: 0, samples: 0, days: DAYS, scale: SCALE }));
  if (ONLY === 'history') return benchSyncHistory(record).then(() => writeResults(machine, { gpus: 0, samples: 0, days: DAYS, scale: SCALE }));
  const dataDir = KEEP_DIR ?? (await mkdtemp(join(tmpdir(), 'fleetpane-bench-')));
  const reuse = KEEP_DIR !== undefined && existsSync(join(KEEP_DIR, STORE_FILE));
  // A reused store was written up to the minute saved beside it; queries ask about that minute.
  const nowMs = reuse
    ? Number(await readFile(join(dataDir, 'bench-as-of'), 'utf8'))
    : Math.floor(Date.now() / MINUTE) * MINUTE;
  const asOf = new Date(nowMs);
  try {
    // A bulk sync may give DuckDB more memory than the 256MB the desktop backend runs with.
    let store = await openStore(dataDir, { memoryLimit: '2GB' });
    let gpus = 0;
    let samples = 0;
    const tableOnlyMark = join(dataDir, 'bench-table-only');
    if (reuse) {
      if (ONLY !== 'machine-table' && existsSync(tableOnlyMark)) throw new Error(`the store in BENCH_DATA_DIR holds only the machine table's data (BENCH_ONLY=machine-table built it); give another BENCH_DATA_DIR`);
      gpus = (await store.resources('bench')).reduce((n, r) => n + r.gpuCount, 0);
      console.log(`  reusing the store in BENCH_DATA_DIR (${gpus.toLocaleString()} GPUs), ingest not measured`);
    } else if (ONLY === 'machine-table') {
      // The table needs only machines and their last minutes: skip 30 days of ingest (12,500 machines in minutes).
      ({ gpus } = await buildTableStore(store, nowMs, SCALE));
      if (KEEP_DIR !== undefined) await writeFile(join(dataDir, 'bench-as-of'), String(nowMs));
      if (KEEP_DIR !== undefined) await writeFile(tableOnlyMark, 'inventory and 2 h of metrics only\n');
    } else {
      const ingested = await ingest(store, nowMs);
      ({ gpus, samples } = ingested);
      if (KEEP_DIR !== undefined) await writeFile(join(dataDir, 'bench-as-of'), String(nowMs));
      console.log(`  fleet: ${gpus.toLocaleString()} GPUs, ${samples.toLocaleString()} samples over ${DAYS} days`);
      const ingestRate = samples / ingested.storeSeconds;
      const refRate = await referenceIngestRate(5_000_000);
      record({
        name: 'ingest (store time, demo generation excluded)',
        value: ingestRate,
        unit: 'samples/s',
        target: '>= 1000000 and >= 0.3 of the reference',
        met: ingestRate >= 1_000_000 && ingestRate / refRate >= 0.3,
        reference: { name: 'DuckDB bulk INSERT...SELECT samples/s', value: refRate, ratio: ingestRate / refRate },
      });
      // What the store does once quiet after a backfill: its windows went in as slices of GPUs, and
      // are rewritten in time order (sample-order.ts). Not part of the ingest rate; timed here.
      const settleStart = performance.now();
      await store.settle();
      record({
        name: 'after the backfill: raw samples rewritten in time order, once the store is quiet (then a checkpoint)',
        value: (performance.now() - settleStart) / 1000,
        unit: 's',
        target: 'informational',
        met: true,
      });
    }
    await store.close();
    if (ONLY === 'ingest') return await writeResults(machine, { gpus, samples, days: DAYS, scale: SCALE });
    if (ONLY === undefined || ONLY === 'machine-table') {
      for (const m of await benchMachineTable(dataDir)) record(m);
      if (ONLY !== undefined) return await writeResults(machine, { gpus, samples, days: DAYS, scale: SCALE });
    }
    if (ONLY === 'collector') return await benchCollector(record, { dataDir, accounts: [benchAccount()] }).then(() => writeResults(machine, { gpus, samples, days: DAYS, scale: SCALE }));
    if (ONLY === 'pane') return await benchPane(dataDir, asOf).then(() => writeResults(machine, { gpus, samples, days: DAYS, scale: SCALE }));
    store = await openStore(dataDir);

    const filter = { clouds: [], regions: [], gpuModels: [] };
    // As served: a sync commits (any write), the pane asks ~250 ms later on the data-changed event.
    // The store recomputes the overviews asked for recently once writes settle, so time that request.
    await store.overview(new Date(), filter);
    const servedTimes: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      await store.upsertAccounts([{ name: 'bench', provider: 'demo', enabled: true, intervals: DemoConfig.parse({ name: 'bench', provider: 'demo' }).syncIntervals }]);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const t0 = performance.now();
      await store.overview(new Date(), filter);
      servedTimes.push(performance.now() - t0);
    }
    const overview = { p50: percentile(servedTimes, 50), p95: percentile(servedTimes, 95) };
    const series24 = await timeRepeated(() => store.utilisationSeries(asOf, '24h', filter, 'cloud'));
    const series30 = await timeRepeated(() => store.utilisationSeries(asOf, '30d', filter, 'cloud'));
    // The pane's other two ranges: no target of their own, but a chart the SRE waits for all the same.
    const series1 = await timeRepeated(() => store.utilisationSeries(asOf, '1h', filter, 'cloud'));
    const series7 = await timeRepeated(() => store.utilisationSeries(asOf, '7d', filter, 'cloud'));
    await store.close();
    // The same overview with its cache off (the cold computation: a filter nobody asked for lately),
    // timed in alternation with the same numbers straight from raw samples in the same DuckDB file.
    // First with no GPU facts kept for asOf (the writes above came after any): computed from rollups
    // and samples, as for a minute the store has not kept yet.
    store = await openStore(dataDir, { readOnly: true, cacheOverview: false });
    let instance = await DuckDBInstance.create(join(dataDir, STORE_FILE), { access_mode: 'READ_ONLY' });
    let conn = await instance.connect();
    const iso = asOf.toISOString().replace('T', ' ').replace('Z', '');
    // Raw samples are keyed by the integer gpu_id (the gpu table names them): naive means group by it.
    const naiveOverviewSql = async (): Promise<void> => {
      await conn.run(
        `SELECT r.cloud, count(*) FILTER (WHERE u >= 5), count(*) FILTER (WHERE u < 5), avg(u) FROM (
           SELECT gpu_id, avg(util) u FROM gpu_sample
           WHERE ts > TIMESTAMP '${iso}' - INTERVAL 30 MINUTE AND ts <= TIMESTAMP '${iso}' GROUP BY gpu_id) s
         JOIN gpu g USING (gpu_id) JOIN resource r ON r.account = g.account AND r.id = g.resource_id GROUP BY r.cloud`,
      );
      await conn.run(
        `SELECT r.cloud, avg(u) FROM (SELECT gpu_id, avg(util) u FROM gpu_sample
           WHERE ts > TIMESTAMP '${iso}' - INTERVAL 24 HOUR AND ts <= TIMESTAMP '${iso}' GROUP BY gpu_id) s
         JOIN gpu g USING (gpu_id) JOIN resource r ON r.account = g.account AND r.id = g.resource_id GROUP BY r.cloud`,
      );
    };
    const computed = await timeAlternated(() => store.overview(asOf, filter), naiveOverviewSql);
    await store.close();
    conn.closeSync();
    instance.closeSync();
    // Then as the pane finds the store: quiet, with the facts kept for its current minute (asOf here,
    // where the samples end), as a store whose clock reads asOf keeps them once writes pause.
    const keeper = await openStore(dataDir, { now: () => asOf });
    await keeper.settle();
    // Again, with no upkeep left: about what keeping the facts costs a quiet store each minute.
    const keepStart = performance.now();
    await keeper.settle();
    const keepMs = performance.now() - keepStart;
    await keeper.close();
    store = await openStore(dataDir, { readOnly: true, cacheOverview: false });
    instance = await DuckDBInstance.create(join(dataDir, STORE_FILE), { access_mode: 'READ_ONLY' });
    conn = await instance.connect();
    const cold = await timeAlternated(() => store.overview(asOf, filter), naiveOverviewSql);
    const uncached = cold.subject;
    const naiveOverview = cold.reference;
    // The derived signals' input, read after every metrics write. Its silent rule once grouped six hours
    // of raw samples by GPU; the reference is that grouping alone, so the ratio understates the gain.
    const signals = await timeAlternated(
      () => store.signalInput('bench', asOf),
      () =>
        conn.run(
          `SELECT g.resource_id, g.gpu_index, max(s.ts) FROM gpu_sample s JOIN gpu g USING (gpu_id)
           WHERE g.account = 'bench' AND s.ts > TIMESTAMP '${iso}' - INTERVAL 6 HOUR AND s.ts <= TIMESTAMP '${iso}'
           GROUP BY g.resource_id, g.gpu_index`,
        ),
    );
    await store.close();
    const naiveSeries24 = await timeRepeated(
      () =>
        conn.run(
          `SELECT r.cloud, b, avg(u) FROM (SELECT gpu_id, time_bucket(INTERVAL 5 MINUTE, ts) b, avg(util) u
             FROM gpu_sample WHERE ts > TIMESTAMP '${iso}' - INTERVAL 24 HOUR GROUP BY gpu_id, b) s
           JOIN gpu g USING (gpu_id) JOIN resource r ON r.account = g.account AND r.id = g.resource_id GROUP BY ALL`,
        ),
      5,
    );
    conn.closeSync();
    instance.closeSync();

    record({
      name: 'overview p50 as served (request after each sync write)',
      value: overview.p50,
      unit: 'ms',
      target: 'informational',
      met: true,
      reference: { name: 'naive raw-scan SQL p50 ms', value: naiveOverview.p50, ratio: overview.p50 / naiveOverview.p50 },
    });
    record({
      name: 'overview p95 as served (request after each sync write)',
      value: overview.p95,
      unit: 'ms',
      target: '<= 20',
      met: overview.p95 <= 20,
      reference: { name: 'naive raw-scan SQL p95 ms', value: naiveOverview.p95, ratio: overview.p95 / naiveOverview.p95 },
    });
    record({
      name: "overview p95, cold computation (cache off, the minute's GPU facts kept)",
      value: uncached.p95,
      unit: 'ms',
      // issue 16: <= 25 ms at 10,000 GPUs, <= 100 ms at 100,000, and <= 0.2 of the naive SQL either way.
      target: `<= ${gpus > 20_000 ? 100 : 25} and <= 0.2 of the reference`,
      met: uncached.p95 <= (gpus > 20_000 ? 100 : 25) && uncached.p95 / naiveOverview.p95 <= 0.2,
      reference: { name: 'naive raw-scan SQL p95 ms', value: naiveOverview.p95, ratio: uncached.p95 / naiveOverview.p95 },
    });
    record({
      name: 'overview p95, cold, no GPU facts kept for the minute (computed from rollups and samples)',
      value: computed.subject.p95,
      unit: 'ms',
      target: 'informational',
      met: true,
      reference: { name: 'naive raw-scan SQL p95 ms', value: computed.reference.p95, ratio: computed.subject.p95 / computed.reference.p95 },
    });
    record({
      name: "keeping the minute's GPU facts (a quiet store's settle: upkeep check, checkpoint check, facts)",
      value: keepMs,
      unit: 'ms',
      target: 'informational',
      met: true,
    });
    record({
      name: "derived signals' input p95 (read after each metrics write)",
      value: signals.subject.p95,
      unit: 'ms',
      target: 'informational',
      met: true,
      reference: { name: "naive: every GPU's last sample grouped from 6 h of raw samples, p95 ms", value: signals.reference.p95, ratio: signals.subject.p95 / signals.reference.p95 },
    });
    record({ name: '24 h series p50', value: series24.p50, unit: 'ms', target: 'informational', met: true });
    record({
      name: '24 h series p95',
      value: series24.p95,
      unit: 'ms',
      target: '<= 50',
      met: series24.p95 <= 50,
      reference: { name: 'naive raw-scan SQL p95 ms', value: naiveSeries24.p95, ratio: series24.p95 / naiveSeries24.p95 },
    });
    record({ name: '30 d series p50', value: series30.p50, unit: 'ms', target: 'informational', met: true });
    record({ name: '30 d series p95', value: series30.p95, unit: 'ms', target: '<= 100', met: series30.p95 <= 100 });
    record({ name: '1 h series p95 (1-minute steps from fleet_1m)', value: series1.p95, unit: 'ms', target: 'informational', met: true });
    record({ name: '7 d series p95', value: series7.p95, unit: 'ms', target: 'informational', met: true });
    if (ONLY === 'queries') return;

    await benchPane(dataDir, asOf);
    await benchFocus();
    await benchSyncHistory(record);

    await benchPrometheus(record);
    await benchBackfillAtScale(record);
    await benchCollector(record, { dataDir, accounts: [benchAccount()] });
    await benchSteady(record);
    await writeResults(machine, { gpus, samples, days: DAYS, scale: SCALE });
  } finally {
    if (KEEP_DIR === undefined) await rm(dataDir, { recursive: true, force: true });
  }
}

/** The backend's memory after the pane's queries, and the time until the pane is interactive. */
async function benchPane(dataDir: string, asOf: Date): Promise<void> {
  // Backend memory: a serve process that has answered the pane's queries (what a user keeps running).
  const rss = await backendRss(dataDir, asOf);
  // issue 16: <= 400 MB (decimal megabytes; the measure is in MiB).
  record({ name: 'backend RSS after the pane queries', value: rss.queriedMiB, unit: 'MiB', target: '<= 400 MB (381.5 MiB)', met: rss.queriedMiB * 2 ** 20 <= 400e6 });
  record({
    name: `backend RSS once quiet (${IDLE_RELEASE_MS / 1000} s after the pane's last query)`,
    value: rss.quietMiB,
    unit: 'MiB',
    target: '<= 400 MB (381.5 MiB)',
    met: rss.quietMiB * 2 ** 20 <= 400e6,
    reference: { name: 'RSS right after the queries, MiB', value: rss.queriedMiB, ratio: rss.quietMiB / rss.queriedMiB },
  });

  const interactive = await paneInteractive(dataDir);
  record({ name: 'pane interactive in Chromium (p50 of 5)', value: interactive, unit: 'ms', target: '<= 1000', met: interactive <= 1000 });
}

/** FOCUS import against plain read_csv, and the memory of writing a connector's cost stream. */
async function benchFocus(): Promise<void> {
  const focus = await benchFocusImport();
  console.log(
    `  FOCUS pairs (reference s / import s): ${focus.pairs.map((p) => `${p.referenceSeconds.toFixed(2)} / ${p.seconds.toFixed(2)}`).join(', ')}`,
  );
  record({
    name: `FOCUS import of ${focus.rows} rows (read, validate, write), median of ${focus.pairs.length}`,
    value: Math.round(focus.rowsPerSecond),
    unit: 'rows/s',
    // issue 16: at least half the speed of DuckDB's plain read_csv of the same file.
    target: '>= 0.5 of the reference (median of the pairs\' ratios)',
    met: focus.ratio >= 0.5,
    reference: { name: 'DuckDB read_csv into a table, no validation, rows/s (timed just before each import)', value: Math.round(focus.referenceRowsPerSecond), ratio: focus.ratio },
  });
  const costs = benchCostWriteMemory();
  console.log(
    `  cost write: ${costs.rows.toLocaleString()} rows in ${costs.seconds.toFixed(1)} s, RSS ${costs.rssBeforeMiB.toFixed(0)} -> peak ${costs.rssPeakMiB.toFixed(0)} -> ${costs.rssAfterMiB.toFixed(0)} MiB; ` +
      `DuckDB's own peak ${costs.duckdbPeakMiB} MiB (${Object.entries(costs.duckdbPeakByTag).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')})`,
  );
  record({
    name: `peak RSS writing a cost stream of ${costs.rows} rows (fresh process, 256MB DuckDB limit)`,
    value: costs.rssPeakMiB,
    unit: 'MiB',
    // issue 16: serve <= 500 MB; the cost stream's share must not grow with its size.
    target: '<= 500 MB (476.8 MiB)',
    met: costs.rssPeakMiB * 2 ** 20 <= 500e6,
    reference: { name: 'RSS before the write, MiB', value: costs.rssBeforeMiB, ratio: costs.rssPeakMiB / costs.rssBeforeMiB },
  });
  // What DuckDB itself accounts for at that peak: the rest of the RSS is outside its memory limit.
  record({ name: 'DuckDB memory (duckdb_memory()) at the cost write\'s peak', value: costs.duckdbPeakMiB, unit: 'MiB', target: 'informational', met: true });
}

/** Writes every recorded result to bench/results/<timestamp>.json and says whether any missed. */
async function writeResults(machine: Record<string, string | number>, fleet: { gpus: number; samples: number; days: number; scale: number }): Promise<void> {
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  const file = join(root, 'bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ when: new Date().toISOString(), machine, fleet, results }, null, 2));
  console.log(`results written to bench/results/${file.split('/').pop()}`);
  if (results.some((r) => !r.met)) console.log('Some targets were missed (MISS above).');
}

/** The demo account the bench store holds, as a config entry (what the collector syncs). */
function benchAccount(): Record<string, unknown> {
  return { name: 'bench', provider: 'demo', scale: SCALE, seed: 7 };
}

/**
 * RSS of a fresh backend process, built as the app's backend is (bench/pane-child.ts), that opens the
 * store and answers the pane's queries five times. Prints where the memory is (the store's memory line:
 * JS heap, DuckDB by tag).
 */
async function backendRss(dataDir: string, asOf: Date): Promise<{ queriedMiB: number; quietMiB: number }> {
  const file = await buildBenchChild('pane-child.ts', 'bench-pane');
  const child = spawnSync(process.execPath, [file], {
    cwd: root,
    env: { ...process.env, PANE_STORE_DIR: dataDir, PANE_AS_OF_MS: String(asOf.getTime()), FLEETPANE_MEMORY_TRACE_MS: '200' },
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const reports = child.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { phase: string; rss: number });
  const rssOf = (phase: string): number => {
    const found = reports.find((r) => r.phase === phase);
    if (child.status !== 0 || found === undefined) throw new Error(`the pane's backend process exited with ${child.status}: ${child.stderr.slice(-2000)}`);
    return found.rss / 2 ** 20;
  };
  const queriedMiB = rssOf('queried');
  const quietMiB = rssOf('quiet');
  // The last memory line before each report: where the memory is then.
  let line: string | undefined;
  for (const l of child.stderr.split('\n')) {
    if (l.startsWith('fleetpane memory:')) line = l;
    const phase = /^pane report: (\w+)/.exec(l)?.[1];
    if (phase === undefined || line === undefined) continue;
    const peaks = emptyPeaks();
    foldMemoryLine(line, peaks);
    console.log(`  backend ${phase === 'quiet' ? 'once quiet' : "after the pane's queries"}: ${describePeaks(peaks)}`);
  }
  return { queriedMiB, quietMiB };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
