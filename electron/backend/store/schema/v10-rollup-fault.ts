/**
 * v10: rollup_5m.fault_count, the samples of the GPU and bucket with a provider fault signal (v8), so the
 * overview's GPU state reads whole 5-minute buckets from rollup_5m and only the partial buckets at the
 * window's edges from raw samples or minute detail. Existing buckets are filled from the raw samples
 * still kept and, for rollups-only accounts, from the minute detail (which keeps no per-sample count, so
 * there it counts the minutes with a fault: fault_count > 0 still holds exactly when a sample had one).
 * Frozen history: the live rule is fleet/rollups.ts.
 */
import type { Migration } from './migration';

export const V10_ROLLUP_FAULT: Migration = {
  version: 10,
  description: 'rollup_5m.fault_count: samples with a provider fault signal per GPU and 5-minute bucket',
  sql: `
    ALTER TABLE rollup_5m ADD COLUMN fault_count INTEGER DEFAULT 0;
    UPDATE rollup_5m SET fault_count = f.n
    FROM (
      SELECT gpu_id, bucket, sum(n)::INTEGER AS n FROM (
        SELECT gpu_id, time_bucket(INTERVAL 5 MINUTE, ts) AS bucket, count(*) AS n
        FROM gpu_sample WHERE fault GROUP BY gpu_id, bucket
        UNION ALL
        SELECT gpu_id, bucket, count(*) AS n
        FROM (SELECT gpu_id, bucket, unnest(minutes) AS m FROM rollup_5m_minutes) WHERE m.fault GROUP BY gpu_id, bucket
      ) GROUP BY gpu_id, bucket
    ) f
    WHERE rollup_5m.gpu_id = f.gpu_id AND rollup_5m.bucket = f.bucket;
  `,
};
