/**
 * v14: sample_order_pending, the time ranges of gpu_sample written out of time order (a metrics window
 * larger than the writer stages at once goes in as slices of GPUs, each slice in time order). The
 * store rewrites them in time order when quiet (fleet/sample-order.ts) and deletes the row. Starts
 * empty: older stores keep their layout until raw retention ages it out. Frozen history: the live
 * rule is fleet/writer.ts.
 */
import type { Migration } from './migration';

export const V14_SAMPLE_ORDER: Migration = {
  version: 14,
  description: 'sample_order_pending: time ranges of gpu_sample to rewrite in time order',
  sql: `
    CREATE TABLE sample_order_pending (from_ts TIMESTAMP NOT NULL, to_ts TIMESTAMP NOT NULL);
  `,
};
