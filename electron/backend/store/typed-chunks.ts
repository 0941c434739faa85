/**
 * Appends rows of fixed-width columns to a DuckDB appender from plain typed arrays, one data chunk at
 * a time: each column is one memory copy into the chunk and each NULL one bit of a validity mask. The
 * node-api vectors' setItem path cost a call per value, a BigInt and a value object per timestamp (V8
 * garbage), and new vector objects per chunk: most of what staging a metrics sample cost (issue 16).
 */
import { type DuckDBAppender, DuckDBDataChunk, type DuckDBType, BOOLEAN, DOUBLE, INTEGER, TIMESTAMP, UTINYINT } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';

/** Rows of one data chunk (DuckDB's vector size). */
export const CHUNK_ROWS = 2048;

/**
 * Chunks appended before the appender is flushed into the transaction (32,768 rows). DuckDB's appender
 * flushes itself every 100 chunks: one native call on the event loop's thread, which took 40-160 ms
 * during a first backfill of 30,000 GPUs (it also writes full row groups to disk). Flushed every 16
 * chunks, that backfill had an event-loop stall over 100 ms in 3% of its 250 ms spans instead of 13%,
 * at the same speed (`BENCH_ONLY=backfill`).
 */
export const FLUSH_CHUNKS = 16;

/** The column types this appender writes and how JavaScript fills each. */
export type ColumnKind = 'integer' | 'double' | 'utinyint' | 'boolean' | 'timestamp';

const TYPE_OF: Record<ColumnKind, DuckDBType> = { integer: INTEGER, double: DOUBLE, utinyint: UTINYINT, boolean: BOOLEAN, timestamp: TIMESTAMP };

const TWO_POW_32 = 4294967296;
/** 32-bit words of validity bits per column of a chunk. */
export const VALIDITY_WORDS = CHUNK_ROWS / 32;

/** A chunk's worth of values of one column, in the typed array JavaScript fills it through. */
export function columnValues(kind: ColumnKind): Int32Array | Float64Array | Uint8Array {
  return kind === 'integer' ? new Int32Array(CHUNK_ROWS) : kind === 'double' || kind === 'timestamp' ? new Float64Array(CHUNK_ROWS) : new Uint8Array(CHUNK_ROWS);
}

function hasNull(bits: Uint32Array): boolean {
  for (let w = 0; w < bits.length; w++) if (bits[w] !== 0xffffffff) return true;
  return false;
}

/**
 * A data chunk whose columns JavaScript fills directly (`int32(i)[row] = ...`), appended with
 * `append(rows)`: timestamps as epoch milliseconds, booleans as 0 or 1. Columns are in the appender's
 * table order; `nullable` ones have validity bits.
 */
export class TypedChunkAppender {
  readonly #chunk: DuckDBDataChunk;
  readonly #kinds: readonly ColumnKind[];
  readonly #values: (Int32Array | Float64Array | Uint8Array)[];
  /** Validity bits per nullable column (1 = valid), as 32-bit words; null for NOT NULL columns. */
  readonly #validity: (Uint32Array | null)[];
  /** Timestamps converted to microseconds (int64 as two 32-bit halves, little-endian). */
  readonly #micros = new Uint32Array(CHUNK_ROWS * 2);
  /** Chunks appended since the appender was last flushed. */
  #unflushed = 0;
  /** Chunks filled by hold() and not yet appended, oldest first from #heldFrom. */
  readonly #held: DuckDBDataChunk[] = [];
  #heldFrom = 0;
  /** Chunks appendHeld() has appended, for hold() to fill again. */
  readonly #spare: DuckDBDataChunk[] = [];

  constructor(
    private readonly appender: DuckDBAppender,
    kinds: readonly ColumnKind[],
    nullable: readonly boolean[],
  ) {
    if (appender.columnCount !== kinds.length) throw new Error(`appender has ${appender.columnCount} columns, the chunk ${kinds.length}`);
    this.#kinds = kinds;
    this.#chunk = DuckDBDataChunk.create(kinds.map((k) => TYPE_OF[k]));
    this.#values = kinds.map(columnValues);
    this.#validity = kinds.map((_, i) => (nullable[i] ? new Uint32Array(VALIDITY_WORDS).fill(0xffffffff) : null));
  }

  int32(column: number): Int32Array {
    return this.#values[column] as Int32Array;
  }

  /** A double column, or a timestamp column in epoch milliseconds. */
  float64(column: number): Float64Array {
    return this.#values[column] as Float64Array;
  }

  /** A utinyint column, or a boolean one (0 or 1). */
  uint8(column: number): Uint8Array {
    return this.#values[column] as Uint8Array;
  }

  /**
   * The validity bits of a nullable column for the chunk being filled, 1 = valid: clear bit `row`
   * (`bits[row >>> 5] &= ~(1 << (row & 31))`) to make that value NULL.
   */
  validity(column: number): Uint32Array {
    const bits = this.#validity[column];
    if (!bits) throw new Error(`column ${column} is not nullable`);
    return bits;
  }

  /** Appends the first `rows` rows of every column as one chunk, then starts the next chunk empty. */
  append(rows: number): void {
    if (rows === 0) return;
    this.#fill(this.#chunk, rows);
    this.#appendChunk(this.#chunk);
  }

  /**
   * Copies the first `rows` rows of every column into a chunk of their own, appended later by
   * appendHeld() (or flush()), then starts the next chunk empty. A loop that makes many chunks at once
   * (every GPU's row when a period ends) holds them, and its caller appends them with the event loop's
   * turns between: DuckDB's appender writes rows in the calls that append them.
   */
  hold(rows: number): void {
    if (rows === 0) return;
    const chunk = this.#spare.pop() ?? DuckDBDataChunk.create(this.#kinds.map((k) => TYPE_OF[k]));
    this.#fill(chunk, rows);
    this.#held.push(chunk);
  }

  /** Appends the oldest held chunk; false when none is held. */
  appendHeld(): boolean {
    if (this.#heldFrom === this.#held.length) return false;
    const chunk = this.#held[this.#heldFrom++]!;
    this.#appendChunk(chunk);
    this.#spare.push(chunk);
    if (this.#heldFrom === this.#held.length) {
      this.#held.length = 0;
      this.#heldFrom = 0;
    }
    return true;
  }

  /** Appends every held chunk and flushes the appender's buffered chunks into the open transaction. */
  flush(): void {
    while (this.appendHeld());
    this.#unflushed = 0;
    this.appender.flushSync();
  }

  #fill(chunk: DuckDBDataChunk, rows: number): void {
    const raw = chunk.chunk;
    duckdb.data_chunk_reset(raw);
    duckdb.data_chunk_set_size(raw, rows);
    for (let c = 0; c < this.#kinds.length; c++) {
      const vector = duckdb.data_chunk_get_vector(raw, c);
      let data: Int32Array | Float64Array | Uint8Array | Uint32Array = this.#values[c]!;
      if (this.#kinds[c] === 'timestamp') data = this.#toMicros(data as Float64Array, rows);
      const width = this.#kinds[c] === 'timestamp' ? 8 : data.BYTES_PER_ELEMENT;
      duckdb.copy_data_to_vector(vector, 0, data.buffer as ArrayBuffer, data.byteOffset, rows * width);
      const bits = this.#validity[c];
      if (bits && hasNull(bits)) {
        duckdb.vector_ensure_validity_writable(vector);
        // The mask is whole 64-bit words: copy the words that hold the rows (an even count of halves).
        const words = Math.ceil(rows / 64) * 2;
        duckdb.copy_data_to_vector_validity(vector, 0, bits.buffer as ArrayBuffer, bits.byteOffset, words * 4);
        bits.fill(0xffffffff);
      }
    }
  }

  #appendChunk(chunk: DuckDBDataChunk): void {
    this.appender.appendDataChunk(chunk);
    if (++this.#unflushed >= FLUSH_CHUNKS) {
      this.#unflushed = 0;
      this.appender.flushSync();
    }
  }

  #toMicros(ms: Float64Array, rows: number): Uint32Array {
    const out = this.#micros;
    for (let r = 0; r < rows; r++) {
      // Exact in a double while |micros| < 2^53 (until the year 2255).
      const micros = ms[r]! * 1000;
      const high = Math.floor(micros / TWO_POW_32);
      out[2 * r] = micros - high * TWO_POW_32;
      out[2 * r + 1] = high; // two's complement of a negative high half, as an int64 wants
    }
    return out;
  }
}
