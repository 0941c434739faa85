/**
 * Versioned schema migrations. Each entry runs once, in order, inside its own transaction together
 * with the schema_version row that records it; reopening applies only the ones not yet recorded.
 * Never edit an entry that has shipped: append a new one.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { exec, inTransaction, rows } from '../db';
import { markWritten } from '../fleet/kept-overview';
import { StoreVersionError } from '../errors';
import type { Migration } from './migration';
import { COST_ROW_COLUMNS_V1 } from './cost-row-v1';
import { V3_SPEND } from './v3-spend';
import { V4_TRIAGE } from './v4-triage';
import { V5_GPU_KEY } from './v5-gpu-key';
import { V6_COST_ESTIMATE } from './v6-cost-estimate';
import { V7_COVERAGE } from './v7-coverage';
import { V8_GPU_FAULT } from './v8-gpu-fault';
import { V9_ROLLUP_MINUTES } from './v9-rollup-minutes';
import { V10_ROLLUP_FAULT } from './v10-rollup-fault';
import { V11_MINUTE_ROWS } from './v11-minute-rows';
import { V12_COST_DAY } from './v12-cost-day';
import { V13_RETIRED_GPUS } from './v13-retired-gpus';
import { V14_SAMPLE_ORDER } from './v14-sample-order';
import { V15_FLEET_MINUTES } from './v15-fleet-minutes';
import { V16_COST_EXTRA_LISTS } from './v16-cost-extra-lists';
import { V17_KEPT_OVERVIEW } from './v17-kept-overview';
import { V18_KEPT_MORE } from './v18-kept-more';

export type { Migration } from './migration';

// Per-GPU rollup columns shared by rollup_5m and rollup_1h. Sums and counts (not means) so a coarser
// bucket is exact: its mean is sum/count over the finer buckets. cloud, region and gpu_model are
// copied from the inventory at write time so fleet queries need no join.
const ROLLUP_COLUMNS = `
  account VARCHAR NOT NULL,
  resource_id VARCHAR NOT NULL,
  gpu_index SMALLINT NOT NULL,
  bucket TIMESTAMP NOT NULL,
  cloud VARCHAR NOT NULL,
  region VARCHAR NOT NULL,
  gpu_model VARCHAR NOT NULL,
  sample_count INTEGER NOT NULL,
  util_sum DOUBLE NOT NULL,
  util_count INTEGER NOT NULL,
  util_max DOUBLE,
  xid_sum INTEGER NOT NULL,
  mem_sum DOUBLE NOT NULL,
  mem_count INTEGER NOT NULL,
  power_sum DOUBLE NOT NULL,
  power_count INTEGER NOT NULL,
  temp_sum DOUBLE NOT NULL,
  temp_count INTEGER NOT NULL`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'accounts, inventory, samples, rollups, costs, incidents, cursors, sync runs',
    sql: `
      CREATE TABLE account (
        name VARCHAR PRIMARY KEY,
        provider VARCHAR NOT NULL,
        enabled BOOLEAN NOT NULL,
        intervals JSON NOT NULL
      );
      CREATE TABLE resource (
        account VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        cloud VARCHAR NOT NULL,
        region VARCHAR NOT NULL,
        zone VARCHAR,
        name VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        instance_type VARCHAR NOT NULL,
        gpu_model VARCHAR NOT NULL,
        gpu_count INTEGER NOT NULL,
        gpu_memory_gib DOUBLE,
        power_state VARCHAR NOT NULL,
        health VARCHAR NOT NULL,
        health_reason VARCHAR,
        hourly_price DECIMAL(38,10),
        currency VARCHAR NOT NULL,
        tags JSON NOT NULL,
        gpu_uuids JSON NOT NULL,
        demo BOOLEAN NOT NULL,
        synced_at TIMESTAMP NOT NULL,
        PRIMARY KEY (account, id)
      );
      -- Raw 1-minute samples. No key: two series of the same GPU in one minute are two samples,
      -- and the GPU's mean counts both.
      CREATE TABLE gpu_sample (
        account VARCHAR NOT NULL,
        resource_id VARCHAR NOT NULL,
        gpu_index SMALLINT NOT NULL,
        ts TIMESTAMP NOT NULL,
        util DOUBLE,
        util_source VARCHAR,
        mem_used_mib DOUBLE,
        power_w DOUBLE,
        temp_c DOUBLE,
        xid INTEGER NOT NULL
      );
      CREATE TABLE rollup_5m (${ROLLUP_COLUMNS});
      CREATE TABLE rollup_1h (${ROLLUP_COLUMNS});
      CREATE TABLE cost_row (
${COST_ROW_COLUMNS_V1}
      );
      CREATE TABLE incident (
        account VARCHAR NOT NULL,
        id VARCHAR NOT NULL,
        cloud VARCHAR NOT NULL,
        source VARCHAR NOT NULL,
        severity VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        summary VARCHAR NOT NULL,
        status VARCHAR NOT NULL,
        regions JSON NOT NULL,
        services JSON NOT NULL,
        resource_ids JSON NOT NULL,
        started_at TIMESTAMP NOT NULL,
        ended_at TIMESTAMP,
        updated_at TIMESTAMP NOT NULL,
        url VARCHAR,
        updates JSON NOT NULL,
        demo BOOLEAN NOT NULL,
        PRIMARY KEY (account, id)
      );
      CREATE TABLE sync_cursor (
        account VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        position BIGINT NOT NULL,
        PRIMARY KEY (account, stream)
      );
      CREATE TABLE sync_run (
        id VARCHAR NOT NULL,
        account VARCHAR NOT NULL,
        stream VARCHAR NOT NULL,
        started_at TIMESTAMP NOT NULL,
        finished_at TIMESTAMP,
        status VARCHAR NOT NULL,
        rows BIGINT NOT NULL,
        rejected BIGINT NOT NULL,
        attempt INTEGER NOT NULL,
        error JSON
      );
    `,
  },
  {
    version: 2,
    description: 'fleet_5m: per-bucket sums of GPU means for fast fleet series and percentiles',
    sql: `
      -- One row per account, cloud, region, GPU model and 5-minute bucket: the sum over measured GPUs
      -- of each GPU's bucket mean, and how many GPUs that is. A fleet bucket value is
      -- sum(gpu_mean_sum) / sum(gpus) over the rows that pass the filter: exactly the mean over GPUs.
      CREATE TABLE fleet_5m (
        account VARCHAR NOT NULL,
        cloud VARCHAR NOT NULL,
        region VARCHAR NOT NULL,
        gpu_model VARCHAR NOT NULL,
        bucket TIMESTAMP NOT NULL,
        gpu_mean_sum DOUBLE NOT NULL,
        gpus INTEGER NOT NULL
      );
      INSERT INTO fleet_5m
      SELECT account, cloud, region, gpu_model, bucket, sum(util_sum / util_count), count(*)::INTEGER
      FROM rollup_5m WHERE util_count > 0
      GROUP BY account, cloud, region, gpu_model, bucket ORDER BY bucket;
    `,
  },
  V3_SPEND,
  V4_TRIAGE,
  V5_GPU_KEY,
  V6_COST_ESTIMATE,
  V7_COVERAGE,
  V8_GPU_FAULT,
  V9_ROLLUP_MINUTES,
  V10_ROLLUP_FAULT,
  V11_MINUTE_ROWS,
  V12_COST_DAY,
  V13_RETIRED_GPUS,
  V14_SAMPLE_ORDER,
  V15_FLEET_MINUTES,
  V16_COST_EXTRA_LISTS,
  V17_KEPT_OVERVIEW,
  V18_KEPT_MORE,
];

/** The schema version this build writes. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

async function currentVersion(conn: DuckDBConnection): Promise<number> {
  const exists = await rows<{ n: number }>(
    conn,
    `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'schema_version'`,
  );
  if ((exists[0]?.n ?? 0) === 0) return 0;
  const v = await rows<{ v: number | null }>(conn, 'SELECT max(version)::INTEGER AS v FROM schema_version');
  return v[0]?.v ?? 0;
}

/** Applies the migrations not yet recorded; returns the versions applied. */
export async function migrate(conn: DuckDBConnection, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await exec(
    conn,
    'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, description VARCHAR, applied_at TIMESTAMP)',
  );
  const from = await currentVersion(conn);
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (from > latest) {
    throw new StoreVersionError(`the store has schema version ${from}, newer than this Fleetpane knows (${latest})`);
  }
  // Apply every version not yet recorded (not just those above the highest), so a migration that
  // landed with a lower number than one already applied is still applied.
  const recorded = new Set(
    (await rows<{ version: number }>(conn, 'SELECT version::INTEGER AS version FROM schema_version')).map((r) => r.version),
  );
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (recorded.has(m.version)) continue;
    await inTransaction(conn, async () => {
      await exec(conn, m.sql);
      await exec(conn, 'INSERT INTO schema_version VALUES ($1, $2, current_timestamp::TIMESTAMP)', [
        m.version,
        m.description,
      ]);
    });
    applied.push(m.version);
  }
  // A migration may change what the overview's kept facts were kept from (fleet/kept-overview.ts).
  if (applied.length > 0) {
    const [kept] = await rows<{ n: number }>(conn, `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE table_name = 'store_write'`);
    if ((kept?.n ?? 0) > 0) await markWritten(conn);
  }
  return applied;
}

/** For read-only opens: the schema must already be current, since nothing can be migrated. */
export async function assertCurrent(conn: DuckDBConnection): Promise<void> {
  const v = await currentVersion(conn);
  if (v !== LATEST_VERSION) {
    throw new StoreVersionError(
      `the store has schema version ${v}, this Fleetpane needs ${LATEST_VERSION}: open it once without read-only to migrate`,
    );
  }
}
