/**
 * Appends GPU samples in DuckDB data chunks of typed vectors: no per-row SQL and no per-row native
 * call, which is what lets a metrics sync ingest hundreds of thousands of samples a second.
 */
import {
  BOOLEAN,
  type DuckDBAppender,
  DuckDBDataChunk,
  DOUBLE,
  INTEGER,
  TIMESTAMP,
  DuckDBTimestampValue,
  UTINYINT,
  type DuckDBVector,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { GpuSample } from '../../../../shared/domain';

/** util_source as a small code (the appender writes no strings): 1 prof, 2 dev, 3 provider (as since v5). */
export const UTIL_SOURCE_CODES = { prof: 1, dev: 2, provider: 3 } as const;

// Column order of gpu_sample (schema/migrations.ts).
// Integers and numbers only: the GPU is its gpu_id, the utilisation source a small code.
// fault (v8) is NULL when the provider does not report one.
const TYPES = [INTEGER, TIMESTAMP, DOUBLE, UTINYINT, DOUBLE, DOUBLE, DOUBLE, INTEGER, BOOLEAN];
const CHUNK_ROWS = 2048;

/** Buffers samples into a data chunk and hands full chunks to the appender. */
export class SampleChunkWriter {
  private readonly chunk = DuckDBDataChunk.create(TYPES, CHUNK_ROWS);
  private vectors: DuckDBVector<DuckDBValue>[] = [];
  private row = 0;

  constructor(private readonly appender: DuckDBAppender) {
    this.resetVectors();
  }

  private resetVectors(): void {
    this.chunk.reset();
    // Vectors are sized by the chunk's row count, so it must be the full size while filling.
    this.chunk.rowCount = CHUNK_ROWS;
    this.vectors = TYPES.map((_, i) => this.chunk.getColumnVector(i));
    this.row = 0;
  }

  /** Adds one sample of the GPU `gpuId` (already checked against the inventory). */
  add(gpuId: number, s: GpuSample): void {
    const v = this.vectors;
    const r = this.row;
    v[0]!.setItem(r, gpuId);
    v[1]!.setItem(r, new DuckDBTimestampValue(BigInt(s.ts) * 1000n));
    v[2]!.setItem(r, s.utilisation);
    v[3]!.setItem(r, s.utilSource === null ? null : UTIL_SOURCE_CODES[s.utilSource]);
    v[4]!.setItem(r, s.memoryUsedMiB);
    v[5]!.setItem(r, s.powerWatts);
    v[6]!.setItem(r, s.temperatureC);
    v[7]!.setItem(r, s.xidErrors);
    v[8]!.setItem(r, s.fault ?? null);
    this.row = r + 1;
    if (this.row === CHUNK_ROWS) this.flushChunk();
  }

  private flushChunk(): void {
    if (this.row === 0) return;
    for (const v of this.vectors) v.flush();
    this.chunk.rowCount = this.row;
    this.appender.appendDataChunk(this.chunk);
    this.resetVectors();
  }

  /** Appends what is buffered and flushes the appender into the open transaction. */
  finish(): void {
    this.flushChunk();
    this.appender.flushSync();
  }
}
