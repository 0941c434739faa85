/**
 * Rollup maintenance. rollup_5m is recomputed from raw samples for every 5-minute bucket a metrics
 * window touches; rollup_1h is recomputed from rollup_5m for every hour touched (exact, because
 * rollups hold sums and counts, and it still works for hours whose raw samples have aged out).
 * fleet_5m (per account, cloud, region, model and bucket: sum of GPU means, GPU count) follows rollup_5m.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { exec } from './db';
import type { Window } from './types';

export const FIVE_MINUTES_MS = 5 * 60_000;
export const HOUR_MS = 60 * 60_000;

export const floorTo = (ms: number, step: number): number => Math.floor(ms / step) * step;
export const ceilTo = (ms: number, step: number): number => Math.ceil(ms / step) * step;

const SUMS_FROM_RAW = `
  count(*)::INTEGER, coalesce(sum(s.util), 0), count(s.util)::INTEGER, max(s.util), coalesce(sum(s.xid), 0)::INTEGER,
  coalesce(sum(s.mem_used_mib), 0), count(s.mem_used_mib)::INTEGER,
  coalesce(sum(s.power_w), 0), count(s.power_w)::INTEGER,
  coalesce(sum(s.temp_c), 0), count(s.temp_c)::INTEGER`;

const SUMS_FROM_5M = `
  sum(sample_count)::INTEGER, sum(util_sum), sum(util_count)::INTEGER, max(util_max), sum(xid_sum)::INTEGER,
  sum(mem_sum), sum(mem_count)::INTEGER, sum(power_sum), sum(power_count)::INTEGER,
  sum(temp_sum), sum(temp_count)::INTEGER`;

/** Recomputes the account's 5-minute and 1-hour rollups for the buckets `window` touches. */
export async function refreshRollups(conn: DuckDBConnection, account: string, window: Window): Promise<void> {
  const b0 = floorTo(window.from, FIVE_MINUTES_MS);
  const b1 = ceilTo(window.to, FIVE_MINUTES_MS);
  const h0 = floorTo(window.from, HOUR_MS);
  const h1 = ceilTo(window.to, HOUR_MS);
  await exec(
    conn,
    `DELETE FROM rollup_5m WHERE account = $account
       AND bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)`,
    { account, b0, b1 },
  );
  await exec(
    conn,
    // Grouped by the GPU and bucket alone, then joined to the inventory (one machine per account and
    // id): the hash aggregate over raw samples keys on three columns instead of seven.
    `INSERT INTO rollup_5m
     SELECT g.account, g.resource_id, g.gpu_index, g.bucket, r.cloud, r.region, r.gpu_model,
            g.* EXCLUDE (account, resource_id, gpu_index, bucket)
     FROM (
       SELECT any_value(s.account) AS account, s.resource_id, s.gpu_index,
              time_bucket(INTERVAL 5 MINUTE, s.ts) AS bucket, ${SUMS_FROM_RAW}
       FROM gpu_sample s
       WHERE s.account = $account AND s.ts >= epoch_ms($b0::BIGINT) AND s.ts < epoch_ms($b1::BIGINT)
       GROUP BY s.resource_id, s.gpu_index, bucket
     ) g JOIN resource r ON r.account = g.account AND r.id = g.resource_id
     ORDER BY g.bucket`,
    { account, b0, b1 },
  );
  await exec(
    conn,
    `DELETE FROM fleet_5m WHERE account = $account
       AND bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)`,
    { account, b0, b1 },
  );
  await exec(
    conn,
    `INSERT INTO fleet_5m
     SELECT account, cloud, region, gpu_model, bucket, sum(util_sum / util_count), count(*)::INTEGER
     FROM rollup_5m
     WHERE account = $account AND bucket >= epoch_ms($b0::BIGINT) AND bucket < epoch_ms($b1::BIGINT)
       AND util_count > 0
     GROUP BY account, cloud, region, gpu_model, bucket
     ORDER BY bucket`,
    { account, b0, b1 },
  );
  await exec(
    conn,
    `DELETE FROM rollup_1h WHERE account = $account
       AND bucket >= epoch_ms($h0::BIGINT) AND bucket < epoch_ms($h1::BIGINT)`,
    { account, h0, h1 },
  );
  await exec(
    conn,
    `INSERT INTO rollup_1h
     SELECT account, resource_id, gpu_index, time_bucket(INTERVAL 1 HOUR, bucket) AS hour,
            cloud, region, gpu_model, ${SUMS_FROM_5M}
     FROM rollup_5m
     WHERE account = $account AND bucket >= epoch_ms($h0::BIGINT) AND bucket < epoch_ms($h1::BIGINT)
     GROUP BY account, resource_id, gpu_index, hour, cloud, region, gpu_model
     ORDER BY hour`,
    { account, h0, h1 },
  );
}
