/**
 * Schema version 5: a compact integer GPU key.
 * - gpu: one row per (account, resource_id, gpu_index) ever seen, with a store-assigned gpu_id that stays
 *   the same across inventory snapshots, and the cloud, region and GPU model fleet queries filter on;
 * - gpu_sample, rollup_5m and rollup_1h are keyed by gpu_id (integers and numbers only), so per-GPU
 *   group-bys hash one integer instead of long VARCHAR ids, and the sample appender writes no strings;
 * - fleet_1h: like fleet_5m, per account, cloud, region, GPU model and hour (the 30-day series);
 * - *_by_name views give the old shapes (account, resource_id, gpu_index, cloud, ...) for queries that
 *   are not hot.
 * Existing rows are converted, not dropped. Raw samples of a GPU that is neither in the inventory nor in
 * any rollup have no dimension row and are dropped (none can exist: metrics writes reject samples of
 * machines not in the inventory, and every kept sample is rolled up).
 * Frozen history: live code keeps its own copies of the rules written here (fleet/rollups.ts,
 * fleet/sample-appender.ts), so changing them never rewrites this migration.
 */
import type { Migration } from './migration';

/** The idle threshold (percent) when v5 shipped; the live rule is shared/domain's IDLE_THRESHOLD_PERCENT. */
const IDLE_THRESHOLD_PERCENT = 5;

const ROLLUP_COLUMNS_V5 = `
  gpu_id INTEGER NOT NULL,
  bucket TIMESTAMP NOT NULL,
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

const ROLLUP_VALUES = `sample_count, util_sum, util_count, util_max, xid_sum, mem_sum, mem_count,
  power_sum, power_count, temp_sum, temp_count`;

/**
 * rollup_1h also counts its idle 5-minute buckets (measured, mean below the idle threshold), so idle
 * waste over today's whole hours reads one row per GPU and hour. The same float test as on rollup_5m.
 */
const IDLE_BUCKETS_SQL = `count(*) FILTER (WHERE util_count > 0 AND util_sum / util_count < ${IDLE_THRESHOLD_PERCENT})::INTEGER`;

const convertRollup = (table: string, extra: string): string => `
  CREATE TABLE ${table}_v5 (${ROLLUP_COLUMNS_V5}${extra === '' ? '' : ',\n  idle_buckets INTEGER NOT NULL'});
  INSERT INTO ${table}_v5
  SELECT g.gpu_id, r.bucket, ${ROLLUP_VALUES.split(',').map((c) => `r.${c.trim()}`).join(', ')}${extra}
  FROM ${table} r JOIN gpu g ON g.account = r.account AND g.resource_id = r.resource_id AND g.gpu_index = r.gpu_index
  ORDER BY r.bucket, g.gpu_id;
  DROP TABLE ${table};
  ALTER TABLE ${table}_v5 RENAME TO ${table};`;

const rollupView = (table: string): string => `
  CREATE VIEW ${table}_by_name AS
  SELECT g.account, g.resource_id, g.gpu_index, r.bucket, g.cloud, g.region, g.gpu_model, ${ROLLUP_VALUES}
  FROM ${table} r JOIN gpu g USING (gpu_id);`;

export const V5_GPU_KEY: Migration = {
  version: 5,
  description: 'gpu dimension table; samples and rollups keyed by integer gpu_id; fleet_1h',
  sql: `
    CREATE TABLE gpu (
      gpu_id INTEGER PRIMARY KEY,
      account VARCHAR NOT NULL,
      resource_id VARCHAR NOT NULL,
      gpu_index SMALLINT NOT NULL,
      cloud VARCHAR NOT NULL,
      region VARCHAR NOT NULL,
      gpu_model VARCHAR NOT NULL
    );
    -- Every GPU of the inventory, and every GPU the rollups remember (machines since removed), with the
    -- inventory's cloud, region and model where it has them, else the latest the rollups copied.
    INSERT INTO gpu
    SELECT (row_number() OVER (ORDER BY account, resource_id, gpu_index))::INTEGER,
           account, resource_id, gpu_index, cloud, region, gpu_model
    FROM (
      SELECT account, resource_id, gpu_index,
             arg_max(cloud, rank) AS cloud, arg_max(region, rank) AS region, arg_max(gpu_model, rank) AS gpu_model
      FROM (
        SELECT account, id AS resource_id, unnest(range(gpu_count))::SMALLINT AS gpu_index, cloud, region, gpu_model,
               TIMESTAMP '9999-01-01' AS rank
        FROM resource
        UNION ALL
        SELECT account, resource_id, gpu_index, arg_max(cloud, bucket), arg_max(region, bucket), arg_max(gpu_model, bucket), max(bucket)
        FROM rollup_1h GROUP BY account, resource_id, gpu_index
        UNION ALL
        SELECT account, resource_id, gpu_index, arg_max(cloud, bucket), arg_max(region, bucket), arg_max(gpu_model, bucket), max(bucket)
        FROM rollup_5m GROUP BY account, resource_id, gpu_index
      )
      GROUP BY account, resource_id, gpu_index
    );

    CREATE TABLE gpu_sample_v5 (
      gpu_id INTEGER NOT NULL,
      ts TIMESTAMP NOT NULL,
      util DOUBLE,
      util_source UTINYINT,
      mem_used_mib DOUBLE,
      power_w DOUBLE,
      temp_c DOUBLE,
      xid INTEGER NOT NULL
    );
    INSERT INTO gpu_sample_v5
    SELECT g.gpu_id, s.ts, s.util,
           CASE s.util_source WHEN 'prof' THEN 1 WHEN 'dev' THEN 2 WHEN 'provider' THEN 3 END,
           s.mem_used_mib, s.power_w, s.temp_c, s.xid
    FROM gpu_sample s JOIN gpu g ON g.account = s.account AND g.resource_id = s.resource_id AND g.gpu_index = s.gpu_index
    ORDER BY s.ts, g.gpu_id;
    DROP TABLE gpu_sample;
    ALTER TABLE gpu_sample_v5 RENAME TO gpu_sample;
    ${convertRollup(
      'rollup_1h',
      // from the (not yet converted) 5-minute rollups of the same GPU and hour
      `, coalesce((SELECT ${IDLE_BUCKETS_SQL} FROM rollup_5m f
          WHERE f.account = r.account AND f.resource_id = r.resource_id AND f.gpu_index = r.gpu_index
            AND time_bucket(INTERVAL 1 HOUR, f.bucket) = r.bucket), 0)`,
    )}
    ${convertRollup('rollup_5m', '')}

    -- Per account, cloud, region, GPU model and hour: sum over measured GPUs of each GPU's hourly mean.
    CREATE TABLE fleet_1h (
      account VARCHAR NOT NULL,
      cloud VARCHAR NOT NULL,
      region VARCHAR NOT NULL,
      gpu_model VARCHAR NOT NULL,
      bucket TIMESTAMP NOT NULL,
      gpu_mean_sum DOUBLE NOT NULL,
      gpus INTEGER NOT NULL
    );
    INSERT INTO fleet_1h
    SELECT g.account, g.cloud, g.region, g.gpu_model, h.bucket, sum(h.m), count(*)::INTEGER
    FROM (SELECT gpu_id, bucket, util_sum / util_count AS m FROM rollup_1h WHERE util_count > 0) h
    JOIN gpu g USING (gpu_id)
    GROUP BY g.account, g.cloud, g.region, g.gpu_model, h.bucket ORDER BY h.bucket;

    CREATE VIEW gpu_sample_by_name AS
    SELECT g.account, g.resource_id, g.gpu_index, s.ts, s.util,
           CASE s.util_source WHEN 1 THEN 'prof' WHEN 2 THEN 'dev' WHEN 3 THEN 'provider' END AS util_source,
           s.mem_used_mib, s.power_w, s.temp_c, s.xid
    FROM gpu_sample s JOIN gpu g USING (gpu_id);
    ${rollupView('rollup_5m')}
    ${rollupView('rollup_1h')}
  `,
};
