/**
 * Removing an account removes everything stored for it: every row of every table that has an
 * `account` column (so tables added by later migrations are covered without a change here) and its
 * row in the account table, in one transaction. The fleet-wide rollups are keyed by account too, so the pane forgets it at once.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import { exec, inTransaction, rows } from './db';

/** Deletes the account's rows from every table with an `account` column; returns the rows deleted. */
export async function removeAccountData(instance: DuckDBInstance, account: string): Promise<number> {
  const conn = await instance.connect();
  try {
    return await inTransaction(conn, async () => {
      const tables = await rows<{ table_name: string }>(
        conn,
        `SELECT DISTINCT table_name FROM duckdb_columns()
         WHERE column_name = 'account' AND schema_name = 'main' AND NOT internal ORDER BY table_name`,
      );
      let deleted = 0;
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
  } finally {
    conn.closeSync();
  }
}
