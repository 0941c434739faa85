/**
 * v13: gpu_retirement, one row per account with GPUs: whether any of its GPUs' machines has left the
 * inventory (the gpu row stays, history names it). The inventory write keeps it (fleet/writer.ts). The
 * overview asked this of the gpu and resource tables with every computation, an anti join on text keys
 * of 12 ms at 100,000 GPUs before the window means could start. Filled here from the tables as they
 * are. Frozen history: the live rule is fleet/writer.ts.
 */
import type { Migration } from './migration';

export const V13_RETIRED_GPUS: Migration = {
  version: 13,
  description: 'gpu_retirement: per account, whether a GPU of a machine that left the inventory is kept',
  sql: `
    CREATE TABLE gpu_retirement (account VARCHAR NOT NULL, retired BOOLEAN NOT NULL);
    INSERT INTO gpu_retirement
    SELECT g.account, bool_or(r.id IS NULL)
    FROM gpu g LEFT JOIN resource r ON r.account = g.account AND r.id = g.resource_id
    GROUP BY g.account;
  `,
};
