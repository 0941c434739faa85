/**
 * v15: fleet_1m, the fleet's minutes as fleet_5m holds its 5-minute buckets (per account, cloud,
 * region, GPU model and minute: the sum of GPU minute means and the GPUs measured), for the 1-hour
 * chart. Read from raw samples, it grouped every GPU's minutes (6M samples at 100,000 GPUs) on each
 * request: over a second. Filled here only for the newest hour of samples stored, since grouping a
 * 100,000-GPU store's whole week of minutes would hold the first start-up for minutes;
 * fleet_1m_coverage says from which minute fleet_1m is whole (no row: every minute), and the chart
 * reads raw samples for a range that starts earlier. Frozen history: the live rule is
 * fleet/rollups.ts.
 */
import type { Migration } from './migration';

export const V15_FLEET_MINUTES: Migration = {
  version: 15,
  description: 'fleet_1m: per-minute sums of GPU means for the 1-hour fleet chart',
  sql: `
    CREATE TABLE fleet_1m (
      account VARCHAR NOT NULL,
      cloud VARCHAR NOT NULL,
      region VARCHAR NOT NULL,
      gpu_model VARCHAR NOT NULL,
      bucket TIMESTAMP NOT NULL,
      gpu_mean_sum DOUBLE NOT NULL,
      gpus INTEGER NOT NULL
    );
    CREATE TABLE fleet_1m_coverage (from_ts TIMESTAMP NOT NULL);
    INSERT INTO fleet_1m_coverage
    SELECT time_bucket(INTERVAL 1 MINUTE, max(ts)) - INTERVAL 60 MINUTE
    FROM (SELECT max(ts) AS ts FROM gpu_sample UNION ALL SELECT max(ts) AS ts FROM rollup_1m)
    HAVING max(ts) IS NOT NULL;
    INSERT INTO fleet_1m
    SELECT g.account, g.cloud, g.region, g.gpu_model, f.bucket, sum(f.m), count(*)::INTEGER
    FROM (
      SELECT gpu_id, bucket, sum(util_sum) / sum(util_count) AS m FROM (
        SELECT gpu_id, time_bucket(INTERVAL 1 MINUTE, ts) AS bucket, sum(util) AS util_sum, count(util) AS util_count
        FROM gpu_sample WHERE ts >= (SELECT from_ts FROM fleet_1m_coverage) AND util IS NOT NULL GROUP BY ALL
        UNION ALL
        SELECT gpu_id, time_bucket(INTERVAL 1 MINUTE, ts) AS bucket, util_sum, util_count
        FROM rollup_1m WHERE ts >= (SELECT from_ts FROM fleet_1m_coverage) AND util_count > 0
      ) GROUP BY gpu_id, bucket
    ) f JOIN gpu g USING (gpu_id)
    GROUP BY g.account, g.cloud, g.region, g.gpu_model, f.bucket
    ORDER BY f.bucket;
  `,
};
