/**
 * v18: more of the overview kept with its GPU facts for the same minute (fleet/kept-overview.ts):
 * each machine's idle 5-minute buckets of today, which the idle waste read from today's hourly
 * rollups of every GPU (up to a quarter of a million rows at 10,000 GPUs), and the fleet folded for
 * the incidents open then (incident-query.ts foldedFleetSql) with the machine ids they name, which
 * read every machine.
 */
import type { Migration } from './migration';

export const V18_KEPT_MORE: Migration = {
  version: 18,
  description: 'idle buckets of today per machine and the fleet folded for open incidents, kept for the current minute',
  sql: `
    CREATE TABLE overview_kept_idle (
      account VARCHAR NOT NULL,
      resource_id VARCHAR NOT NULL,
      n BIGINT NOT NULL
    );
    CREATE TABLE overview_kept_fleet (
      account VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      cloud VARCHAR NOT NULL,
      region VARCHAR NOT NULL,
      gpu_model VARCHAR NOT NULL,
      gpu_count INTEGER NOT NULL,
      power_state VARCHAR NOT NULL,
      hourly_price VARCHAR,
      currency VARCHAR NOT NULL,
      demo BOOLEAN NOT NULL
    );
    CREATE TABLE overview_kept_named (id VARCHAR NOT NULL);
  `,
};
