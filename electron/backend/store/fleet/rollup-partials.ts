/**
 * The 5-minute rollup rows of a metrics write, added up in JavaScript from each staged slice of
 * samples while it is appended in time order (sample-appender.ts), and appended to rollup_5m in
 * bucket order. Summing the raw samples again in SQL (a GROUP BY of millions of rows into hundreds
 * of thousands of groups, then sorted) was about a third of a metrics write.
 *
 * A (GPU, bucket) whose samples fall in two slices gets a row from each: `splits` names those, and
 * rollups.ts adds them up (sums and counts add exactly). So do the buckets at a window's edges, whose
 * other samples are stored already.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import { CHUNK_ROWS, type ColumnKind, TypedChunkAppender } from '../typed-chunks';
import { FIVE_MINUTES_MS, type Splits } from './rollups';

/** The columns of rollup_5m (schema v5 and v10) in table order. */
const KINDS: ColumnKind[] = [
  'integer', 'timestamp', 'integer', 'double', 'integer', 'double', 'integer', 'double', 'integer', 'double', 'integer', 'double', 'integer', 'integer',
];
/** util_max is NULL when no sample of the bucket measured utilisation. */
const UTIL_MAX = 5;
const NULLABLE = KINDS.map((_, i) => i === UTIL_MAX);

/** Offsets of a GPU slot's sums (max utilisation is -Infinity until one is measured). */
const [COUNT, UTIL_SUM, UTIL_COUNT, UTIL_MAX_SUM, XID, MEM_SUM, MEM_COUNT, POWER_SUM, POWER_COUNT, TEMP_SUM, TEMP_COUNT, FAULTS] = [
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
];
const SUMS = 12;

/** Bits of a staged sample's NULL flags, one per nullable gpu_sample column (its value is then ignored). */
export const MISSING_UTIL = 1;
export const MISSING_SOURCE = 2;
export const MISSING_MEM = 4;
export const MISSING_POWER = 8;
export const MISSING_TEMP = 16;
export const MISSING_FAULT = 32;

/** Per-GPU sums of the bucket being added up, appended to rollup_5m as each bucket ends. */
export class RollupPartials {
  /** (gpu_id, bucket ms) pairs that got more than one row: rollups.ts merges them. */
  readonly splits: Splits = { gpuIds: [], buckets: [] };
  readonly #out: TypedChunkAppender;
  #row = 0;
  /** The bucket being added up (samples come in time order within a slice). */
  #bucket = NaN;
  /** Slots with sums in the current bucket, and whether each slot has. */
  readonly #open: Int32Array;
  #openCount = 0;
  readonly #isOpen: Uint8Array;
  /** Per GPU slot, SUMS numbers (one or two cache lines): the sums of the current bucket. */
  readonly #sums: Float64Array;
  /** Per GPU slot: the last bucket emitted (to find splits). */
  readonly #emitted: Float64Array;

  /**
   * `appender`: of rollup_5m, whose rows for the window's buckets the write has deleted.
   * `gpuIdOfSlot`: the gpu_id of each GPU slot of the write (slots number the write's GPUs from 0).
   * `edgeBuckets`: buckets whose other samples are stored already (merged anyway, so never splits).
   */
  constructor(
    appender: DuckDBAppender,
    private readonly gpuIdOfSlot: Int32Array,
    private readonly edgeBuckets: readonly number[],
  ) {
    this.#out = new TypedChunkAppender(appender, KINDS, NULLABLE);
    const slots = gpuIdOfSlot.length;
    this.#open = new Int32Array(slots);
    this.#isOpen = new Uint8Array(slots);
    this.#sums = new Float64Array(slots * SUMS);
    this.#emitted = new Float64Array(slots).fill(-Infinity);
  }

  /**
   * Adds one sample of the GPU in `slot`, its values missing where `missing` (MISSING_* bits) says;
   * `fault` is 1 for a fault. Within a slice, samples must come in time order.
   */
  add(slot: number, ts: number, missing: number, util: number, mem: number, power: number, temp: number, xid: number, fault: number): void {
    // Samples come in time order: most are in the bucket of the one before.
    if (!(ts >= this.#bucket && ts < this.#bucket + FIVE_MINUTES_MS)) {
      this.endBucket();
      this.#bucket = ts - (((ts % FIVE_MINUTES_MS) + FIVE_MINUTES_MS) % FIVE_MINUTES_MS);
    }
    const sums = this.#sums;
    const o = slot * SUMS;
    if (this.#isOpen[slot] === 0) {
      this.#isOpen[slot] = 1;
      this.#open[this.#openCount++] = slot;
      sums.fill(0, o, o + SUMS);
      sums[o + UTIL_MAX_SUM] = -Infinity;
    }
    sums[o + COUNT]!++;
    sums[o + XID]! += xid;
    if ((missing & MISSING_UTIL) === 0) {
      sums[o + UTIL_SUM]! += util;
      sums[o + UTIL_COUNT]!++;
      if (util > sums[o + UTIL_MAX_SUM]!) sums[o + UTIL_MAX_SUM] = util;
    }
    if ((missing & MISSING_MEM) === 0) {
      sums[o + MEM_SUM]! += mem;
      sums[o + MEM_COUNT]!++;
    }
    if ((missing & MISSING_POWER) === 0) {
      sums[o + POWER_SUM]! += power;
      sums[o + POWER_COUNT]!++;
    }
    if ((missing & MISSING_TEMP) === 0) {
      sums[o + TEMP_SUM]! += temp;
      sums[o + TEMP_COUNT]!++;
    }
    if ((missing & MISSING_FAULT) === 0) sums[o + FAULTS]! += fault;
  }

  /** Emits the rows of the bucket being added up (the end of a slice ends it too). */
  endBucket(): void {
    const bucket = this.#bucket;
    const edge = this.edgeBuckets.includes(bucket);
    const out = this.#out;
    const sums = this.#sums;
    for (let k = 0; k < this.#openCount; k++) {
      const slot = this.#open[k]!;
      this.#isOpen[slot] = 0;
      const gpuId = this.gpuIdOfSlot[slot]!;
      if (bucket > this.#emitted[slot]!) this.#emitted[slot] = bucket;
      else if (!edge) {
        this.splits.gpuIds.push(gpuId);
        this.splits.buckets.push(bucket);
      }
      const r = this.#row;
      const o = slot * SUMS;
      out.int32(0)[r] = gpuId;
      out.float64(1)[r] = bucket;
      out.int32(2)[r] = sums[o + COUNT]!;
      out.float64(3)[r] = sums[o + UTIL_SUM]!;
      out.int32(4)[r] = sums[o + UTIL_COUNT]!;
      if (sums[o + UTIL_COUNT] === 0) out.validity(UTIL_MAX)[r >>> 5]! &= ~(1 << (r & 31));
      else out.float64(UTIL_MAX)[r] = sums[o + UTIL_MAX_SUM]!;
      out.int32(6)[r] = sums[o + XID]!;
      out.float64(7)[r] = sums[o + MEM_SUM]!;
      out.int32(8)[r] = sums[o + MEM_COUNT]!;
      out.float64(9)[r] = sums[o + POWER_SUM]!;
      out.int32(10)[r] = sums[o + POWER_COUNT]!;
      out.float64(11)[r] = sums[o + TEMP_SUM]!;
      out.int32(12)[r] = sums[o + TEMP_COUNT]!;
      out.int32(13)[r] = sums[o + FAULTS]!;
      this.#row = r + 1;
      if (this.#row === CHUNK_ROWS) {
        out.append(CHUNK_ROWS);
        this.#row = 0;
      }
    }
    this.#openCount = 0;
    this.#bucket = NaN;
  }

  /** Appends the rows emitted so far and flushes the appender into the transaction. */
  flush(): void {
    this.#out.append(this.#row);
    this.#row = 0;
    this.#out.flush();
  }
}
