/**
 * FOCUS import throughput: a FOCUS 1.0 CSV of FOCUS_ROWS rows (the AWS sample rows repeated over a
 * month of days) through `store.importFocus` (read, validate, write), against DuckDB reading the same
 * file straight into a table with COPY (no validation: the engine's ceiling for the file).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { openStore } from '../electron/backend/store/index';

const FOCUS_ROWS = Number(process.env.BENCH_FOCUS_ROWS ?? 1_000_000);
const FIXTURE = join(import.meta.dirname, '..', 'electron/backend/reports/testing/fixtures/focus_1.0_sample_aws.csv');

export interface FocusImportBench {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  referenceRowsPerSecond: number;
}

/** Writes the big file with DuckDB (repeating the sample), imports it, and times the reference COPY. */
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
    let started = performance.now();
    await conn.run(`CREATE TABLE ref AS SELECT * FROM read_csv('${file}', header = true, nullstr = 'NULL')`);
    const referenceSeconds = (performance.now() - started) / 1000;
    conn.closeSync();
    maker.closeSync();

    const store = await openStore(join(dir, 'store'));
    try {
      started = performance.now();
      const result = await store.importFocus([file], 'bench');
      const seconds = (performance.now() - started) / 1000;
      return { rows: result.rows, seconds, rowsPerSecond: result.rows / seconds, referenceRowsPerSecond: FOCUS_ROWS / referenceSeconds };
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('focus-import.ts')) {
  const r = await benchFocusImport();
  console.log(JSON.stringify(r));
}
