/**
 * Appends GPU samples in DuckDB data chunks of typed vectors: no per-row SQL and no per-row native
 * call, which is what lets a metrics sync ingest hundreds of thousands of samples a second.
 * The chunks go to a staging table shaped for speed (SAMPLE_BATCH_COLUMNS), which the writer moves
 * into gpu_sample in time order, or (rollups-only storage) only rolls up (writer.ts).
 */
import {
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

/** fault as a code, never NULL: a NULL costs a validity-mask update per row in the JS bindings. */
const FAULT_CODE = { unreported: 0, none: 1, fault: 2 } as const;

/**
 * The staging table's columns: gpu_sample's (schema/migrations.ts, v5 and v8) with fault as FAULT_CODE.
 * Integers and numbers only: the GPU is its gpu_id, the utilisation source a small code.
 */
export const SAMPLE_BATCH_COLUMNS = `gpu_id INTEGER, ts TIMESTAMP, util DOUBLE, util_source UTINYINT, mem_used_mib DOUBLE,
  power_w DOUBLE, temp_c DOUBLE, xid INTEGER, fault_code UTINYINT`;

/** SQL over a staging table: gpu_sample's fault (NULL when not reported). */
export const BATCH_FAULT_SQL = `CASE fault_code WHEN ${FAULT_CODE.none} THEN false WHEN ${FAULT_CODE.fault} THEN true END`;

/** SQL over a staging table: its rows in gpu_sample's column order. */
export const SAMPLE_BATCH_AS_GPU_SAMPLE = `gpu_id, ts, util, util_source, mem_used_mib, power_w, temp_c, xid, ${BATCH_FAULT_SQL} AS fault`;

const TYPES = [INTEGER, TIMESTAMP, DOUBLE, UTINYINT, DOUBLE, DOUBLE, DOUBLE, INTEGER, UTINYINT];
const CHUNK_ROWS = 2048;

type Vector = DuckDBVector<DuckDBValue>;

/** Buffers samples into a data chunk and hands full chunks to the appender (of a SAMPLE_BATCH_COLUMNS table). */
export class SampleChunkWriter {
  private readonly chunk = DuckDBDataChunk.create(TYPES, CHUNK_ROWS);
  // One field per column (not an array): each call site then sees one vector class and stays fast.
  private gpu!: Vector;
  private ts!: Vector;
  private util!: Vector;
  private source!: Vector;
  private mem!: Vector;
  private power!: Vector;
  private temp!: Vector;
  private xid!: Vector;
  private fault!: Vector;
  private row = 0;
  private lastTs = -Infinity;
  /** Whether every sample added so far came in time order (the store then need not sort them). */
  timeOrdered = true;

  constructor(private readonly appender: DuckDBAppender) {
    this.resetVectors();
  }

  private resetVectors(): void {
    this.chunk.reset();
    // Vectors are sized by the chunk's row count, so it must be the full size while filling.
    this.chunk.rowCount = CHUNK_ROWS;
    const c = this.chunk;
    [this.gpu, this.ts, this.util, this.source, this.mem, this.power, this.temp, this.xid, this.fault] = TYPES.map((_, i) =>
      c.getColumnVector(i),
    ) as [Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector];
    this.row = 0;
  }

  /** Adds one sample of the GPU `gpuId` (already checked against the inventory). */
  add(gpuId: number, s: GpuSample): void {
    const r = this.row;
    if (s.ts < this.lastTs) this.timeOrdered = false;
    this.lastTs = s.ts;
    this.gpu.setItem(r, gpuId);
    // ms * 1000 stays an exact integer in a double until the year 2255.
    this.ts.setItem(r, new DuckDBTimestampValue(BigInt(s.ts * 1000)));
    this.util.setItem(r, s.utilisation);
    this.source.setItem(r, s.utilSource === null ? null : UTIL_SOURCE_CODES[s.utilSource]);
    this.mem.setItem(r, s.memoryUsedMiB);
    this.power.setItem(r, s.powerWatts);
    this.temp.setItem(r, s.temperatureC);
    this.xid.setItem(r, s.xidErrors);
    this.fault.setItem(r, s.fault === undefined ? FAULT_CODE.unreported : s.fault ? FAULT_CODE.fault : FAULT_CODE.none);
    this.row = r + 1;
    if (this.row === CHUNK_ROWS) this.flushChunk();
  }

  private flushChunk(): void {
    if (this.row === 0) return;
    for (const v of [this.gpu, this.ts, this.util, this.source, this.mem, this.power, this.temp, this.xid, this.fault]) v.flush();
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
