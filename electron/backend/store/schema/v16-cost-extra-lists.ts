/**
 * v16: the FOCUS columns an import keeps but does not model, as a list of cells per row
 * (cost_row.extra, VARCHAR[]) with the columns' names kept once per imported file
 * (cost_extra_columns), instead of a JSON object per row naming every column again. Building that
 * object was a quarter of a million-row import's time (issue 16: the import >= 0.5 of read_csv).
 * Existing rows convert in place: a file's objects all have its columns in its order, so their keys
 * are the file's names and their values, in that order, the list. The table is copied (as v5 did):
 * DuckDB 1.5 cannot replay ALTER COLUMN ... TYPE ... USING from the WAL (a store killed before the
 * next checkpoint would not open), and refuses to commit a column added, filled and dropped in one
 * transaction. Frozen history: the live rule is focus/import.ts.
 */
import type { Migration } from './migration';
import { COST_ROW_COLUMNS_V1 } from './cost-row-v1';

export const V16_COST_EXTRA_LISTS: Migration = {
  version: 16,
  description: 'cost_row.extra as a list of cells, cost_extra_columns naming them once per imported file',
  sql: `
    CREATE TABLE cost_extra_columns (
      account VARCHAR NOT NULL,
      source VARCHAR NOT NULL,
      names VARCHAR[] NOT NULL
    );
    INSERT INTO cost_extra_columns
    SELECT account, source, any_value(json_keys(extra)) FROM cost_row WHERE extra IS NOT NULL GROUP BY account, source;
    CREATE TABLE cost_row_v16 (
${COST_ROW_COLUMNS_V1},
        extra VARCHAR[],
        is_estimate BOOLEAN DEFAULT false
    );
    INSERT INTO cost_row_v16 SELECT * REPLACE (json_extract_string(extra, '$.*') AS extra) FROM cost_row;
    DROP TABLE cost_row;
    ALTER TABLE cost_row_v16 RENAME TO cost_row;
  `,
};
