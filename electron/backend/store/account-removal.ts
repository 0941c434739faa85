/**
 * Removing an account removes everything stored for it: every row of every table that has an
 * `account` column or a `gpu_id` of its GPUs (so tables added by later migrations are covered without a
 * change here) and its
 * row in the account table, in one transaction. The fleet-wide rollups are keyed by account too, so the pane forgets it at once.
 */
import { exec, rows } from './db';
import type { Write } from './write';

/** Deletes the account's rows from every table with an `account` column; returns the rows deleted. */
export function removeAccountData(write: Write, account: string): Promise<number> {
  return write(async (conn) => {
    let deleted = 0;
    // Tables keyed by gpu_id first (their GPUs are named in the gpu table, which goes below).
    const byGpu = await rows<{ table_name: string }>(
      conn,
      `SELECT DISTINCT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t USING (schema_name, table_name)
       WHERE c.column_name = 'gpu_id' AND c.table_name <> 'gpu' AND c.schema_name = 'main' AND NOT t.internal
       ORDER BY c.table_name`,
    );
    const ofAccount = 'gpu_id IN (SELECT gpu_id FROM gpu WHERE account = $account)';
    for (const { table_name } of byGpu) {
      const name = `"${table_name.replace(/"/g, '""')}"`;
      const counted = await rows<{ n: number }>(conn, `SELECT count(*)::DOUBLE AS n FROM ${name} WHERE ${ofAccount}`, { account });
      deleted += counted[0]?.n ?? 0;
      await exec(conn, `DELETE FROM ${name} WHERE ${ofAccount}`, { account });
    }
    // Base tables only: the *_by_name views have an account column too.
    const tables = await rows<{ table_name: string }>(
      conn,
      `SELECT DISTINCT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t USING (schema_name, table_name)
       WHERE c.column_name = 'account' AND c.schema_name = 'main' AND NOT t.internal ORDER BY c.table_name`,
    );
    for (const { table_name } of tables) {
      const counted = await rows<{ n: number }>(conn, `SELECT count(*)::DOUBLE AS n FROM "${table_name.replace(/"/g, '""')}" WHERE account = $account`, { account });
      deleted += counted[0]?.n ?? 0;
      await exec(conn, `DELETE FROM "${table_name.replace(/"/g, '""')}" WHERE account = $account`, { account });
    }
    // The account table itself keys the account by `name`.
    const own = await rows<{ n: number }>(conn, 'SELECT count(*)::DOUBLE AS n FROM account WHERE name = $account', { account });
    await exec(conn, 'DELETE FROM account WHERE name = $account', { account });
    return deleted + (own[0]?.n ?? 0);
  });
}
