import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import { FOCUS_1_2_COLUMNS, usageRow } from '../../reports/testing/focus-1-2';
import { openStore, STORE_FILE } from '../index';
import { tempDataDir } from '../test-support';
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

// cost_row.extra holds every column the store does not model, as the JSON object the export reads
// back with json_keys and ->>: its text must be exactly what json_object writes, whatever the names
// and cells hold (the export also orders rows by that text).
describe('FOCUS import: columns kept in cost_row.extra', () => {
  it('stores odd names and values as exact JSON, and the export gives them back cell for cell', async () => {
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

      // The stored text, key for key in file order, each cell escaped as JSON and '' or NULL as null.
      const modelled = new Set<string>(MODELLED_COLUMNS);
      const extraColumns = header.map((name, index) => ({ name, index })).filter(({ name }) => !modelled.has(name));
      const expected = cells.map((row) =>
        `{${extraColumns.map(({ name, index }) => `${duckJson(name)}:${row[index] === '' || row[index] === 'NULL' ? 'null' : duckJson(row[index])}`).join(',')}}`,
      );
      const stored = await readAll(
        join(dir, 'store', STORE_FILE),
        `SELECT ResourceId AS id, extra::VARCHAR AS text, json_keys(extra) AS keys FROM cost_row ORDER BY ResourceId`,
      );
      const byId = new Map(stored.map((r) => [r.id as string, r]));
      cells.forEach((_row, i) => {
        expect(byId.get(`i-${i}`)?.text).toBe(expected[i]);
        expect(byId.get(`i-${i}`)?.keys).toEqual(extraColumns.map((c) => c.name));
      });

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
});
