/**
 * v17: the overview's GPU facts kept for one minute (fleet/kept-overview.ts). At 100,000 GPUs the
 * window means and GPU states read about five million rollup and sample rows per overview, most of a
 * cold overview's time; kept per GPU (means) and per machine group (states) for the current minute,
 * a filter nobody asked for yet reads a hundred thousand rows instead. store_write gets a row from
 * every write, so a reader sees in its own snapshot whether anything changed since they were kept.
 */
import type { Migration } from './migration';

export const V17_KEPT_OVERVIEW: Migration = {
  version: 17,
  description: 'overview facts kept for the current minute, and a row per write since',
  sql: `
    CREATE TABLE store_write (written_at TIMESTAMP NOT NULL);
    CREATE TABLE overview_kept (minute TIMESTAMP NOT NULL);
    CREATE TABLE overview_kept_gpu (
      gpu_id INTEGER NOT NULL,
      cloud VARCHAR NOT NULL,
      account VARCHAR NOT NULL,
      region VARCHAR NOT NULL,
      gpu_model VARCHAR NOT NULL,
      mean_1h DOUBLE,
      mean_24h DOUBLE
    );
    CREATE TABLE overview_kept_state (
      cloud VARCHAR NOT NULL,
      account VARCHAR NOT NULL,
      region VARCHAR,
      gpu_model VARCHAR,
      state VARCHAR NOT NULL,
      n INTEGER NOT NULL,
      without_metrics INTEGER NOT NULL,
      unplaced INTEGER NOT NULL
    );
  `,
};
