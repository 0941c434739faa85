/**
 * v11: the minute detail of rollups-only accounts becomes one flat row per GPU and minute (rollup_1m)
 * instead of a list of minutes per GPU and 5-minute bucket (v9's rollup_5m_minutes). The lists were
 * built by an ordered aggregate DuckDB holds whole until the statement ends, which ran the first
 * backfill of a 2,000-GPU account out of the backend's memory, and stored more bytes per GPU-day than
 * the raw samples they replace. Flat rows are plain columns: each compressed on its own, read without
 * unnesting. The rows move over unchanged, in the order they were written (the buckets' order: a sort
 * of a week of a large fleet's minutes would spill gigabytes at the open). Frozen history: the live
 * rule is fleet/minute-rows.ts.
 */
import type { Migration } from './migration';

export const V11_MINUTE_ROWS: Migration = {
  version: 11,
  description: 'rollup_1m: the minute detail of rollups-only accounts as one row per GPU and minute',
  sql: `
    CREATE TABLE rollup_1m (
      gpu_id INTEGER NOT NULL,
      ts TIMESTAMP NOT NULL,
      samples INTEGER NOT NULL,
      util_sum DOUBLE NOT NULL,
      util_count INTEGER NOT NULL,
      xid INTEGER NOT NULL,
      fault BOOLEAN
    );
    INSERT INTO rollup_1m
    SELECT gpu_id, m.ts, m.samples, m.util_sum, m.util_count, m.xid, m.fault
    FROM (SELECT gpu_id, unnest(minutes) AS m FROM rollup_5m_minutes);
    DROP TABLE rollup_5m_minutes;
  `,
};
