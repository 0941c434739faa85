/**
 * FOCUS import throughput: a FOCUS 1.0 CSV of FOCUS_ROWS rows (the AWS sample rows repeated over a
 * month of days) through `store.importFocus` (read, validate, write), against DuckDB reading the same
 * file straight into a table of an in-memory database (no validation: the engine's ceiling for the file).
 *
 * Cost-write memory: COST_ROWS connector cost rows (BENCH_COST_ROWS, default 1M) written by the
 * spend writer in a fresh process with the store's default 256MB DuckDB limit, as `fleetpane serve`
 * writes a cost stream: RSS before, at its peak and after, and DuckDB's own accounting
 * (duckdb_memory()) at its peak, so memory outside DuckDB's limit shows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { percentile } from './measure';
import type { FocusCostRow } from '../shared/domain';
import { openStore, STORE_FILE } from '../electron/backend/store/index';
import { createSpendWriter } from '../electron/backend/store/spend/writer';
import { createWrite } from '../electron/backend/store/write';

const FOCUS_ROWS = Number(process.env.BENCH_FOCUS_ROWS ?? 1_000_000);
const COST_ROWS = Number(process.env.BENCH_COST_ROWS ?? 1_000_000);
/** Reference-then-import pairs timed: BENCH_FOCUS_PAIRS, default 3. */
const FOCUS_PAIRS = Math.max(1, Math.floor(Number(process.env.BENCH_FOCUS_PAIRS) || 3));
const FIXTURE = join(import.meta.dirname, '..', 'electron/backend/reports/testing/fixtures/focus_1.0_sample_aws.csv');

export interface FocusImportBench {
  rows: number;
  /** Median over the pairs. */
  seconds: number;
  rowsPerSecond: number;
  referenceRowsPerSecond: number;
  /** Median of each pair's ratio (import rows/s over the reference's, measured back to back). */
  ratio: number;
  pairs: { seconds: number; referenceSeconds: number }[];
}

/**
 * Writes the big file with DuckDB (repeating the sample), then times FOCUS_PAIRS pairs back to back:
 * the reference (read_csv into a table of an in-memory database) and the import into a fresh store.
 * On a shared machine either one alone varied twofold between runs; a pair's ratio varies less.
 */
export async function benchFocusImport(): Promise<FocusImportBench> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-bench-focus-'));
  try {
    const file = join(dir, 'focus-big.csv');
    const maker = await DuckDBInstance.create(':memory:');
    const conn = await maker.connect();
    const repeats = Math.ceil(FOCUS_ROWS / 367);
    await conn.run(
      `COPY (SELECT * REPLACE (strftime(TRY_CAST(ChargePeriodStart AS TIMESTAMP) - INTERVAL (r % 28) DAY, '%Y-%m-%d %H:%M:%S') AS ChargePeriodStart)
             FROM read_csv('${FIXTURE}', header = true, all_varchar = true, nullstr = 'NULL'), range(${repeats}) t(r) LIMIT ${FOCUS_ROWS})
       TO '${file}' (HEADER, NULL 'NULL')`,
    );
    conn.closeSync();
    maker.closeSync();

    const pairs: FocusImportBench['pairs'] = [];
    let rows = 0;
    for (let pair = 0; pair < FOCUS_PAIRS; pair++) {
      const reference = await DuckDBInstance.create(':memory:');
      const refConn = await reference.connect();
      let started = performance.now();
      await refConn.run(`CREATE TABLE ref AS SELECT * FROM read_csv('${file}', header = true, nullstr = 'NULL')`);
      const referenceSeconds = (performance.now() - started) / 1000;
      refConn.closeSync();
      reference.closeSync();

      const storeDir = join(dir, `store-${pair}`);
      const store = await openStore(storeDir);
      try {
        started = performance.now();
        const result = await store.importFocus([file], 'bench');
        pairs.push({ seconds: (performance.now() - started) / 1000, referenceSeconds });
        rows = result.rows;
      } finally {
        await store.close();
      }
      await rm(storeDir, { recursive: true, force: true });
    }
    const median = (xs: number[]): number => percentile(xs, 50);
    const seconds = median(pairs.map((p) => p.seconds));
    return {
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      referenceRowsPerSecond: FOCUS_ROWS / median(pairs.map((p) => p.referenceSeconds)),
      ratio: median(pairs.map((p) => p.referenceSeconds / p.seconds)),
      pairs,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface CostWriteMemory {
  rows: number;
  seconds: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
  /** DuckDB's own accounting at its sampled peak, total and by component (duckdb_memory() tags). */
  duckdbPeakMiB: number;
  duckdbPeakByTag: Record<string, number>;
}

const HOUR = 3_600_000;
/** Longest the cost-write child may run: 1M rows take about a minute, a few on a loaded machine. */
const COST_WRITE_TIMEOUT_MS = 15 * 60_000;

/** A connector's cost stream of `rows` rows in batches of 5,000, spread over the hours of `window`. */
async function* syntheticCosts(rows: number, window: { from: number; to: number }): AsyncGenerator<FocusCostRow[]> {
  const hours = Math.floor((window.to - window.from) / HOUR);
  let batch: FocusCostRow[] = [];
  for (let i = 0; i < rows; i++) {
    const start = window.from + (i % hours) * HOUR;
    batch.push({
      BillingAccountId: 'bench-billing', BillingAccountName: 'Bench', SubAccountId: `sub-${i % 50}`, SubAccountName: null,
      BillingCurrency: 'USD', BilledCost: `${(i % 9973) + 1}.${String(i % 100).padStart(2, '0')}`, EffectiveCost: '1.25', ListCost: null,
      BillingPeriodStart: new Date(Date.UTC(2026, 10, 1)).toISOString(), BillingPeriodEnd: new Date(Date.UTC(2026, 11, 1)).toISOString(),
      ChargePeriodStart: new Date(start).toISOString(), ChargePeriodEnd: new Date(start + HOUR).toISOString(),
      ChargeCategory: i % 97 === 0 ? 'Credit' : 'Usage', ChargeClass: null, ChargeDescription: 'ND96asr_v4 GPU hour', ProviderName: 'Microsoft',
      PublisherName: 'Microsoft', InvoiceIssuerName: 'Microsoft', ServiceName: 'Virtual Machines', ServiceCategory: 'Compute',
      RegionId: 'eastus', RegionName: 'East US', AvailabilityZone: null, ResourceId: `/subscriptions/bench/vm-${i % 20_000}`,
      ResourceName: `vm-${i % 20_000}`, ResourceType: 'Virtual machine', SkuId: 'ND96asr_v4', PricingQuantity: '1', PricingUnit: 'Hours',
      ConsumedQuantity: '1', ConsumedUnit: 'Hours', Tags: { team: `team-${i % 40}` },
    });
    if (batch.length === 5_000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** In this process: writes the cost stream into a fresh store and prints CostWriteMemory as JSON. */
async function costWriteChild(rows: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-bench-costs-'));
  try {
    await (await openStore(dir)).close();
    // The store's defaults (256MB, 2 threads), on an instance of our own so duckdb_memory() can be asked.
    const instance = await DuckDBInstance.create(join(dir, STORE_FILE), { memory_limit: '256MB', threads: '2' });
    const probe = await instance.connect();
    const spend = createSpendWriter(instance, createWrite(instance, false), () => new Date());
    const window = { from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) };
    const mib = (bytes: number): number => bytes / 2 ** 20;
    const rssBeforeMiB = mib(process.memoryUsage().rss);
    let rssPeak = process.memoryUsage().rss;
    let duckdbPeakMiB = 0;
    let duckdbPeakByTag: Record<string, number> = {};
    const rssTimer = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
    // The probe in flight, if any. Its connection must not close under it: closed during a query, the
    // connection's last reference goes to the query's worker thread, which then waits for the context
    // lock it holds itself. That libuv work never ends, so this child never exits (or, closed a moment
    // earlier, the probe fails with bad_weak_ptr).
    let probing: Promise<void> | null = null;
    const duckTimer = setInterval(() => {
      if (probing !== null) return;
      probing = probe
        .runAndReadAll(`SELECT tag, memory_usage_bytes::DOUBLE AS bytes FROM duckdb_memory()`)
        .then((r) => {
          const byTag = Object.fromEntries((r.getRowObjectsJS() as { tag: string; bytes: number }[]).filter((t) => t.bytes > 0).map((t) => [t.tag, Math.round(mib(t.bytes))]));
          const total = Object.values(byTag).reduce((a, b) => a + b, 0);
          if (total > duckdbPeakMiB) [duckdbPeakMiB, duckdbPeakByTag] = [total, byTag];
        })
        .finally(() => (probing = null));
    }, 250);
    const started = performance.now();
    let written: number;
    let rssAfterMiB: number;
    try {
      written = await spend.writeCosts({ id: 'bench-costs', account: 'bench', stream: 'costs', startedAt: new Date(), attempt: 1 }, window, syntheticCosts(rows, window));
      rssAfterMiB = mib(process.memoryUsage().rss);
    } finally {
      // Also when the write fails: a live interval would keep this child, and execFileSync, waiting forever.
      clearInterval(rssTimer);
      clearInterval(duckTimer);
      // A failed probe only loses its sample; the connections close once it has ended either way.
      await (probing as Promise<void> | null)?.catch(() => undefined);
      probe.closeSync();
      instance.closeSync();
    }
    const seconds = (performance.now() - started) / 1000;
    const result: CostWriteMemory = { rows: written, seconds, rssBeforeMiB, rssPeakMiB: mib(rssPeak), rssAfterMiB, duckdbPeakMiB, duckdbPeakByTag };
    process.stdout.write(JSON.stringify(result));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** RSS of a fresh process writing COST_ROWS connector cost rows (nothing else in it, so the figure is the write's). */
export function benchCostWriteMemory(rows = COST_ROWS): CostWriteMemory {
  let out: Buffer;
  try {
    out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'focus-import.ts'), '--cost-write', String(rows)], {
      cwd: join(import.meta.dirname, '..'),
      maxBuffer: 1 << 20,
      timeout: COST_WRITE_TIMEOUT_MS,
    });
  } catch (error) {
    // A child that never exits must fail the bench with its reason, not stall it.
    if ((error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
      throw new Error(`the cost-write child did not exit within ${COST_WRITE_TIMEOUT_MS / 60_000} min and was stopped`, { cause: error });
    }
    throw error;
  }
  return JSON.parse(out.toString()) as CostWriteMemory;
}

if (process.argv[1]?.endsWith('focus-import.ts')) {
  const costWrite = process.argv.indexOf('--cost-write');
  if (costWrite > 0) await costWriteChild(Number(process.argv[costWrite + 1]));
  else console.log(JSON.stringify({ import: await benchFocusImport(), costWrite: benchCostWriteMemory() }));
}
