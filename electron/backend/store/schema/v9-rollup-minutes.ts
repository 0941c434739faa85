/**
 * v9: the minute detail of 5-minute rollups for accounts that keep no raw samples
 * (`metrics.storage: "rollups"`). One row per GPU and 5-minute bucket: the bucket's minutes that had
 * samples, each with the newest sample time, the sample count, utilisation sum and count, XID errors
 * and the provider's fault flag. The overview's windows start and end mid-bucket (the 30-minute state,
 * the 1 h and 24 h means); with this the rollup path reads exactly the samples the raw path reads
 * there. Memory, power and temperature minutes are not kept. Raw-mode accounts write no row here.
 */
import type { Migration } from './migration';

export const V9_ROLLUP_MINUTES: Migration = {
  version: 9,
  description: 'rollup_5m_minutes: per-minute utilisation, XID and fault detail of rollups-only accounts',
  sql: `
    CREATE TABLE rollup_5m_minutes (
      gpu_id INTEGER NOT NULL,
      bucket TIMESTAMP NOT NULL,
      minutes STRUCT(ts TIMESTAMP, samples INTEGER, util_sum DOUBLE, util_count INTEGER, xid INTEGER, fault BOOLEAN)[] NOT NULL
    );
  `,
};
