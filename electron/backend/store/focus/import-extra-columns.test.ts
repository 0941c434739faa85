import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import { FOCUS_1_2_COLUMNS, usageRow } from '../../reports/testing/focus-1-2';
import { openStore, STORE_FILE } from '../index';
import { tempDataDir } from '../test-support';
import { MIGRATIONS, migrate } from '../schema/migrations';
import { MODELLED_COLUMNS } from './import';

const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] });

/** Column names a bill's own columns may carry: quotes, backslashes, JSON path syntax, controls, non-ASCII, a long one. */
const ODD_NAMES = ['x"quote', 'back\\slash', 'uni€ñ日本😀', 'tab\there', 'nl\nname', 'sp ace', "ap'os", '$.path', '*', 'a/b~c', 'dots.in.name', 'ctl\u0001\u001f', 'L'.repeat(300)];
/** Cell values that need JSON escaping, or look like it; '' and the NULL token are nulls. */
const ODD_VALUES = ['plain', 'q"uote', 'back\\s', 'new\nline', 'cr\r\nlf', 'tab\t', 'ctl\u0001\u001f', 'ünï€😀', '\u2028ls\u2029', '\u007f', '/slash', '<>&', '"', '\\', ' ', '{"a":1}', '', 'NULL'];
const ROWS = ODD_VALUES.length;

/** JSON as DuckDB's writer (yyjson) spells it: JSON.stringify, but \u escapes in upper-case hex. */
const duckJson = (value: unknown): string => JSON.stringify(value).replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) => `\\u${hex.toUpperCase()}`);
const csvCell = (value: string): string => `"${value.replaceAll('"', '""')}"`;

async function readAll(dbFile: string, sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(dbFile, dbFile === ':memory:' ? {} : { access_mode: 'READ_ONLY' });
  const conn = await instance.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRowObjectsJS();
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

// cost_row.extra holds the cells of every column the store does not model, cost_extra_columns their
// names once per file: the export must give each back under its name, whatever the names and cells hold.
describe('FOCUS import: columns kept in cost_row.extra', () => {
  it('stores odd names and values exactly, and the export gives them back cell for cell', async () => {
    const { dir, cleanup } = await tempDataDir();
    const other = await tempDataDir();
    try {
      const header = [...FOCUS_1_2_COLUMNS, ...ODD_NAMES];
      // Row i: ResourceId names it; the odd columns take the odd values in turn, so each value meets several names.
      const cells = Array.from({ length: ROWS }, (_, i) => {
        const row = usageRow('1.5', String((i % 28) + 1).padStart(2, '0'), { ResourceId: `i-${i}` });
        return [...FOCUS_1_2_COLUMNS.map((c) => row[c] ?? ''), ...ODD_NAMES.map((_n, j) => ODD_VALUES[(i + j) % ROWS] ?? '')];
      });
      const file = join(dir, 'odd.csv');
      await writeFile(file, `${[header, ...cells].map((r) => r.map(csvCell).join(',')).join('\n')}\n`);

      const store = await openStore(join(dir, 'store'), { now: fixedNow });
      let exported: string;
      try {
        expect((await store.importFocus([file], 'odd')).rows).toBe(ROWS);
        exported = join(dir, 'export.csv');
        expect(await store.exportFocusCsv(query, exported)).toBe(ROWS);
      } finally {
        await store.close();
      }

      // The stored cells, in file order, '' and the NULL token as null; the names once, for the file.
      const modelled = new Set<string>(MODELLED_COLUMNS);
      const extraColumns = header.map((name, index) => ({ name, index })).filter(({ name }) => !modelled.has(name));
      const storeFile = join(dir, 'store', STORE_FILE);
      const stored = await readAll(storeFile, `SELECT ResourceId AS id, source, extra FROM cost_row ORDER BY ResourceId`);
      const byId = new Map(stored.map((r) => [r.id as string, r]));
      cells.forEach((row, i) => {
        expect(byId.get(`i-${i}`)?.extra).toEqual(extraColumns.map(({ index }) => (row[index] === '' || row[index] === 'NULL' ? null : row[index])));
      });
      const names = await readAll(storeFile, `SELECT account, source, names FROM cost_extra_columns`);
      expect(names).toEqual([{ account: 'odd', source: stored[0]?.source, names: extraColumns.map((c) => c.name) }]);

      // The export writes each odd column back under its own name with the file's cell (nulls empty):
      // also a name holding a tab, a line break, a control character or a bare "*".
      const back = await readAll(
        ':memory:',
        `SELECT * FROM read_csv('${exported.replaceAll("'", "''")}', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
         ORDER BY ResourceId`,
      );
      const exportedById = new Map(back.map((r) => [r.ResourceId as string, r]));
      cells.forEach((row, i) => {
        for (const [j, name] of ODD_NAMES.entries()) {
          const cell = row[FOCUS_1_2_COLUMNS.length + j] ?? '';
          expect(exportedById.get(`i-${i}`)?.[name] ?? '').toBe(cell === 'NULL' ? '' : cell);
        }
      });

      // A store written before v16 held each row's kept columns as a JSON object (the text json_object
      // wrote, key for key in file order): upgraded, it exports the same file.
      const old = await tempDataDir();
      try {
        const oldFile = join(old.dir, STORE_FILE);
        const instance = await DuckDBInstance.create(oldFile);
        const conn = await instance.connect();
        try {
          await migrate(conn, MIGRATIONS.filter((m) => m.version <= 15));
          await conn.run(`ATTACH '${storeFile.replaceAll("'", "''")}' AS s (READ_ONLY)`);
          // The tables a v15 store has (later versions' own tables did not exist yet).
          const tables = (
            await conn.runAndReadAll(
              `SELECT table_name FROM duckdb_tables() WHERE database_name = 's' AND estimated_size > 0
               AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name <> 's')`,
            )
          )
            .getRowObjectsJS()
            .map((r) => r.table_name as string)
            .filter((t) => !['cost_row', 'cost_extra_columns', 'schema_version'].includes(t));
          for (const t of tables) await conn.run(`INSERT INTO main."${t}" BY NAME SELECT * FROM s."${t}"`);
          const objects = cells.map((row, i) => [
            `i-${i}`,
            `{${extraColumns.map(({ name, index }) => `${duckJson(name)}:${row[index] === '' || row[index] === 'NULL' ? 'null' : duckJson(row[index])}`).join(',')}}`,
          ]);
          await conn.run(`CREATE TEMP TABLE objects (id VARCHAR, extra VARCHAR)`);
          const appender = await conn.createAppender('objects', 'main', 'temp');
          for (const [id, text] of objects) {
            appender.appendVarchar(id!);
            appender.appendVarchar(text!);
            appender.endRow();
          }
          appender.closeSync();
          await conn.run(`INSERT INTO main.cost_row SELECT c.* REPLACE (o.extra::JSON AS extra) FROM s.cost_row c JOIN objects o ON o.id = c.ResourceId`);
          expect((await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM main.cost_row WHERE extra IS NOT NULL`)).getRowObjectsJS()).toEqual([{ n: ROWS }]);
        } finally {
          conn.closeSync();
          instance.closeSync();
        }
        const upgraded = await openStore(old.dir, { now: fixedNow });
        try {
          const fromOld = join(old.dir, 'upgraded.csv');
          expect(await upgraded.exportFocusCsv(query, fromOld)).toBe(ROWS);
          expect(await readFile(fromOld, 'utf8')).toBe(await readFile(exported, 'utf8'));
        } finally {
          await upgraded.close();
        }
      } finally {
        await old.cleanup();
      }

      // Imported again, the export is the same file.
      const second = await openStore(other.dir, { now: fixedNow });
      try {
        await second.importFocus([exported], 'odd');
        const again = join(other.dir, 'again.csv');
        await second.exportFocusCsv(query, again);
        expect(await readFile(again, 'utf8')).toBe(await readFile(exported, 'utf8'));
      } finally {
        await second.close();
      }
    } finally {
      await other.cleanup();
      await cleanup();
    }
  });

  it("keeps a file's column names as long as rows of it remain: a re-import of its period forgets them", async () => {
    const { dir, cleanup } = await tempDataDir();
    try {
      // The same billing period twice, the second file with a column of its own the first lacks.
      const write = async (name: string, own: string[]): Promise<string> => {
        const header = [...FOCUS_1_2_COLUMNS, ...own];
        const row = usageRow('2.5', '03', { ResourceId: `i-${name}` });
        const file = join(dir, `${name}.csv`);
        await writeFile(file, `${[header, [...FOCUS_1_2_COLUMNS.map((c) => row[c] ?? ''), ...own.map(() => name)]].map((r) => r.map(csvCell).join(',')).join('\n')}\n`);
        return file;
      };
      const store = await openStore(join(dir, 'store'), { now: fixedNow });
      try {
        await store.importFocus([await write('first', ['x_First'])], 'acct');
        const second = await store.importFocus([await write('second', ['x_Second'])], 'acct');
        expect(second.replacedRows).toBe(1);
        const exported = join(dir, 'export.csv');
        expect(await store.exportFocusCsv(query, exported)).toBe(1);
        const [header, line] = (await readFile(exported, 'utf8')).trim().split('\n');
        const cells = Object.fromEntries(header!.split(',').map((name, i) => [name, line!.split(',')[i]]));
        expect(cells.x_Second).toBe('second');
        expect(cells).not.toHaveProperty('x_First');
      } finally {
        await store.close();
      }
      const names = await readAll(join(dir, 'store', STORE_FILE), 'SELECT names[-1] AS own FROM cost_extra_columns');
      expect(names).toEqual([{ own: 'x_Second' }]);
    } finally {
      await cleanup();
    }
  });
});
