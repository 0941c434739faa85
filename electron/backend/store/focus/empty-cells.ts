/**
 * Empty cells counted in the same read that inserts a FOCUS file. Once inserted, an empty cell and a
 * NULL token are both SQL nulls, and an INSERT gives back no aggregate; so the insert hands each chunk's
 * empty cells, as bit masks per row, to a JS scalar function that tallies them per column. DuckDB runs
 * such callbacks on the JS thread one at a time (@duckdb/node-api, "Scalar Functions"), so a tally
 * needs no lock; a chunk of 2,048 rows costs one callback, about 0.1 s per million rows in all.
 */
import { BOOLEAN, DuckDBScalarFunction, INTEGER, type DuckDBConnection } from '@duckdb/node-api';

const FUNCTION_NAME = 'fleetpane_count_empty_cells';
/** Columns per INTEGER mask: 30 bits keep every shift and sum inside a positive INTEGER. */
const BITS = 30;

/** Open tallies by id: per column index, the empty cells seen so far. */
const tallies = new Map<number, number[]>();
let nextId = 1;

/**
 * Registers the counting function on `conn`'s database (DuckDB keeps one per name, so registering it
 * again replaces it with the same). Returns true for every row; the insert only needs it called.
 */
export function registerEmptyCellCounter(conn: DuckDBConnection): void {
  conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: FUNCTION_NAME,
      returnType: BOOLEAN,
      // (tally id, mask of columns 0-29, mask of columns 30-59, ...)
      varArgsType: INTEGER,
      // It counts: never folded into a constant or called once for equal arguments.
      volatile: true,
      mainFunction: (_info, input, output) => {
        const rowCount = input.rowCount;
        const counts = tallies.get(input.getColumnVector(0).getItem(0) as number);
        if (counts !== undefined) {
          for (let m = 1; m < input.columnCount; m++) {
            const masks = input.getColumnVector(m);
            const base = (m - 1) * BITS;
            for (let r = 0; r < rowCount; r++) {
              let bits = (masks.getItem(r) as number | null) ?? 0;
              while (bits !== 0) {
                const lowest = bits & -bits;
                const index = base + 31 - Math.clz32(lowest);
                counts[index] = (counts[index] ?? 0) + 1;
                bits ^= lowest;
              }
            }
          }
        }
        for (let r = 0; r < rowCount; r++) output.setItem(r, true);
        output.flush();
      },
    }),
  );
}

/** One insert's tally of empty cells over `columns` (text columns of the relation it reads). */
export interface EmptyCellTally {
  /** SQL that is true for every row and counts the row's empty cells: call it once per row. */
  sql: string;
  /** Empty cells per column so far (only columns that had any). Read after the insert. */
  counts(): Record<string, number>;
  /** Forgets the tally (after the insert, whether it succeeded or not). */
  close(): void;
}

/** Opens a tally over `columns`, quoted with `quote` in the SQL it gives. */
export function openEmptyCellTally(columns: readonly string[], quote: (name: string) => string): EmptyCellTally {
  const id = nextId++;
  const counts = columns.map(() => 0);
  tallies.set(id, counts);
  const masks: string[] = [];
  for (let start = 0; start < columns.length; start += BITS) {
    const bits = columns.slice(start, start + BITS).map((c, i) => `CASE WHEN ${quote(c)} = '' THEN ${2 ** i} ELSE 0 END`);
    masks.push(`(${bits.join(' + ')})::INTEGER`);
  }
  return {
    sql: `${FUNCTION_NAME}(${[`${id}::INTEGER`, ...masks].join(', ')})`,
    counts: () => Object.fromEntries(columns.flatMap((c, i) => ((counts[i] ?? 0) > 0 ? [[c, counts[i] ?? 0]] : []))),
    close: () => {
      tallies.delete(id);
    },
  };
}
