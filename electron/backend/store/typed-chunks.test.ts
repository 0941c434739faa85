import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { CHUNK_ROWS, FLUSH_CHUNKS, TypedChunkAppender } from './typed-chunks';

/** Runs `body` with an appender to table t (made by `ddl`) in a fresh in-memory database. */
async function withTable(ddl: string, body: (conn: DuckDBConnection, appender: DuckDBAppender) => Promise<void>): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run(ddl);
    // The body closes the appender (closing it flushes what it holds).
    await body(conn, await conn.createAppender('t'));
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

describe('TypedChunkAppender', () => {
  it('stores every value it was given, NULLs where marked and nowhere else, across chunks', async () => {
    await withTable('CREATE TABLE t (i INTEGER NOT NULL, ts TIMESTAMP NOT NULL, d DOUBLE, u UTINYINT, b BOOLEAN)', async (conn, appender) => {
      const chunk = new TypedChunkAppender(appender, ['integer', 'timestamp', 'double', 'utinyint', 'boolean'], [false, false, true, true, true]);
      const rows = 2 * CHUNK_ROWS + 77;
      // Before 1970, at a millisecond, and far ahead: timestamps cross the 32-bit halves of microseconds.
      const tsOf = (k: number): number => (k % 3 === 0 ? -86_400_000 * 365 - k : Date.parse('2026-11-25T00:00:00.123Z') + k * 4_321_987);
      const nullD = (k: number): boolean => k % 7 === 0 && k < CHUNK_ROWS;
      for (let from = 0; from < rows; from += CHUNK_ROWS) {
        const n = Math.min(CHUNK_ROWS, rows - from);
        for (let r = 0; r < n; r++) {
          const k = from + r;
          chunk.int32(0)[r] = k - 1000;
          chunk.float64(1)[r] = tsOf(k);
          if (nullD(k)) chunk.validity(2)[r >>> 5]! &= ~(1 << (r & 31));
          else chunk.float64(2)[r] = k / 8;
          chunk.uint8(3)[r] = k % 256;
          if (k % 11 === 0) chunk.validity(4)[r >>> 5]! &= ~(1 << (r & 31));
          else chunk.uint8(4)[r] = k % 2;
        }
        chunk.append(n);
      }
      chunk.flush();
      appender.closeSync();
      const got = (await conn.runAndReadAll('SELECT i, epoch_ms(ts)::DOUBLE, d, u, b FROM t ORDER BY i')).getRowsJS();
      expect(got).toHaveLength(rows);
      for (let k = 0; k < rows; k++) {
        expect(got[k]).toEqual([k - 1000, tsOf(k), nullD(k) ? null : k / 8, k % 256, k % 11 === 0 ? null : k % 2 === 1]);
      }
    });
  });

  it('hands its rows to the table every FLUSH_CHUNKS chunks, so no flush of the appender moves more', async () => {
    await withTable('CREATE TABLE t (i INTEGER NOT NULL)', async (conn, appender) => {
      const chunk = new TypedChunkAppender(appender, ['integer'], [false]);
      // Rows an appender holds are not in the table until it flushes them.
      const stored = async (): Promise<number> => Number((await conn.runAndReadAll('SELECT count(*) FROM t')).getRowsJS()[0]?.[0]);
      const seen: number[] = [];
      for (let c = 1; c <= 2 * FLUSH_CHUNKS + 1; c++) {
        chunk.int32(0).fill(c);
        chunk.append(CHUNK_ROWS);
        seen.push(await stored());
      }
      const expected = seen.map((_, k) => Math.floor((k + 1) / FLUSH_CHUNKS) * FLUSH_CHUNKS * CHUNK_ROWS);
      expect(seen).toEqual(expected);
      // An explicit flush starts the count again.
      chunk.flush();
      expect(await stored()).toBe((2 * FLUSH_CHUNKS + 1) * CHUNK_ROWS);
      for (let c = 1; c < FLUSH_CHUNKS; c++) chunk.append(CHUNK_ROWS);
      expect(await stored()).toBe((2 * FLUSH_CHUNKS + 1) * CHUNK_ROWS);
      chunk.append(CHUNK_ROWS);
      expect(await stored()).toBe((3 * FLUSH_CHUNKS + 1) * CHUNK_ROWS);
      appender.closeSync();
    });
  });

  it('appends held chunks one per appendHeld, in the order held, each with its own values, and every one left on flush', async () => {
    await withTable('CREATE TABLE t (i INTEGER NOT NULL, d DOUBLE)', async (conn, appender) => {
      const chunk = new TypedChunkAppender(appender, ['integer', 'double'], [false, true]);
      const heldChunk = (value: number, rows: number, nullRow: number): void => {
        chunk.int32(0).fill(value);
        chunk.float64(1).fill(value / 2);
        chunk.validity(1)[nullRow >>> 5]! &= ~(1 << (nullRow & 31));
        chunk.hold(rows);
      };
      const table = async (): Promise<unknown[][]> =>
        (await conn.runAndReadAll('SELECT i, count(*)::INTEGER, count(d)::INTEGER, min(d) FROM t GROUP BY i ORDER BY i')).getRowsJS();
      heldChunk(1, CHUNK_ROWS, 0);
      heldChunk(2, 100, 99);
      expect(chunk.appendHeld()).toBe(true);
      heldChunk(3, 7, 3);
      expect(chunk.appendHeld()).toBe(true);
      chunk.flush();
      // The third chunk was appended by flush; a chunk filled again from a spare one keeps no old value.
      expect(await table()).toEqual([
        [1, CHUNK_ROWS, CHUNK_ROWS - 1, 0.5],
        [2, 100, 99, 1],
        [3, 7, 6, 1.5],
      ]);
      expect(chunk.appendHeld()).toBe(false);
      heldChunk(4, 2, 1);
      chunk.flush();
      expect((await table()).at(-1)).toEqual([4, 2, 1, 2]);
      appender.closeSync();
    });
  });

  it('refuses a chunk that does not match the table', async () => {
    await withTable('CREATE TABLE t (i INTEGER, d DOUBLE)', async (_conn, appender) => {
      expect(() => new TypedChunkAppender(appender, ['integer'], [false])).toThrow(/2 columns/);
      appender.closeSync();
    });
  });
});
