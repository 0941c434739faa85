/**
 * A metrics write's samples, staged in typed memory and appended to gpu_sample in time order, in data
 * chunks (typed-chunks.ts): no per-row SQL, no per-value native call and no object per sample.
 * Connectors send samples GPU by GPU; sorting a staged slice here replaces DuckDB's ORDER BY of a
 * staging table, and the rows go into gpu_sample once instead of twice (a staging table, then
 * INSERT ... SELECT). The 5-minute sums are added up on the way (rollup-partials.ts), and for a
 * rollups-only account, which stores no sample, its minute rows (minute-detail.ts).
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import type { GpuSample } from '../../../../shared/domain';
import type { GpuSampleColumns } from '../../domain/sample-columns';
import type { TurnBudget } from '../event-loop-turns';
import { CHUNK_ROWS, type ColumnKind, columnValues, TypedChunkAppender, VALIDITY_WORDS } from '../typed-chunks';
import type { MinuteDetail } from './minute-detail';
import {
  MISSING_FAULT, MISSING_MEM, MISSING_POWER, MISSING_SOURCE, MISSING_TEMP, MISSING_UTIL, type RollupPartials,
} from './rollup-partials';

/** util_source as a small code (the appender writes no strings): 1 prof, 2 dev, 3 provider (as since v5). */
export const UTIL_SOURCE_CODES = { prof: 1, dev: 2, provider: 3 } as const;

const KINDS: ColumnKind[] = ['integer', 'timestamp', 'double', 'utinyint', 'double', 'double', 'double', 'integer', 'boolean'];
const NULLABLE = [false, false, true, true, true, true, true, false, true];
const [UTIL, SOURCE, MEM, POWER, TEMP, FAULT] = [2, 3, 4, 5, 6, 8];

/**
 * A staged sample is one row of 8 doubles (64 bytes, a cache line): appending in time order reads
 * the rows out of arrival order, one line each. Offsets in the row:
 */
const STRIDE = 8;
const SLOT = 0;
const TS = 1;
const U = 2;
const M = 3;
const P = 4;
const T = 5;
const X = 6;
/** MISSING_* bits | source code << 8 | fault (0/1) << 16. */
const FLAGS = 7;

/** Staged rows are kept in blocks of 2^BLOCK_BITS rows (2 MiB), so a slice grows without copying. */
const BLOCK_BITS = 15;
const BLOCK_ROWS = 1 << BLOCK_BITS;
const BLOCK_MASK = BLOCK_ROWS - 1;

/**
 * Samples staged for gpu_sample, keyed by the GPU's slot in the write's GPU table (`gpuIdOfSlot`
 * names its gpu_id when the rows are appended).
 */
export class StagedSamples {
  length = 0;
  /** Whether the samples came in time order (then they are appended as they came). */
  timeOrdered = true;
  #lastTs = -Infinity;
  /** The earliest and latest sample staged. */
  #minTs = Infinity;
  #maxTs = -Infinity;
  readonly #blocks: Float64Array[] = [];
  /** The block being filled and the next row's offset in it. */
  #block: Float64Array = new Float64Array(0);
  #offset = 0;

  /** `limit`: samples staged at most (`full` says when they must be stored); 64 bytes each. */
  constructor(private readonly limit: number) {}

  get full(): boolean {
    return this.length >= this.limit;
  }

  /** The earliest and latest sample staged (Infinity and -Infinity when none is). */
  get span(): { earliest: number; latest: number } {
    return { earliest: this.#minTs, latest: this.#maxTs };
  }

  /** Adds one sample of the GPU in `slot` (already checked against the inventory and the window). */
  add(slot: number, s: GpuSample): void {
    const o = this.#nextRow(slot, s.ts);
    const rows = this.#block;
    let flags = 0;
    if (s.utilisation === null) flags |= MISSING_UTIL;
    else rows[o + U] = s.utilisation;
    if (s.utilSource === null) flags |= MISSING_SOURCE;
    else flags |= UTIL_SOURCE_CODES[s.utilSource] << 8;
    if (s.memoryUsedMiB === null) flags |= MISSING_MEM;
    else rows[o + M] = s.memoryUsedMiB;
    if (s.powerWatts === null) flags |= MISSING_POWER;
    else rows[o + P] = s.powerWatts;
    if (s.temperatureC === null) flags |= MISSING_TEMP;
    else rows[o + T] = s.temperatureC;
    rows[o + X] = s.xidErrors;
    if (s.fault === undefined) flags |= MISSING_FAULT;
    else if (s.fault) flags |= 1 << 16;
    rows[o + FLAGS] = flags;
  }

  /**
   * Adds row `i` of a columns batch, of the GPU in `slot` (already checked against the inventory and
   * the window): its numbers are copied as they are, NaN (null) too, which the NULL flags then mask.
   */
  addRow(slot: number, c: GpuSampleColumns, i: number): void {
    const o = this.#nextRow(slot, c.ts[i]!);
    const rows = this.#block;
    const u = (rows[o + U] = c.utilisation[i]!);
    const m = (rows[o + M] = c.memoryUsedMiB[i]!);
    const p = (rows[o + P] = c.powerWatts[i]!);
    const t = (rows[o + T] = c.temperatureC[i]!);
    rows[o + X] = c.xidErrors[i]!;
    // Columns carry no per-GPU fault signal; their source codes are UTIL_SOURCE_CODES, 0 for null.
    const source = c.utilSource[i]!;
    let flags = MISSING_FAULT | (source === 0 ? MISSING_SOURCE : source << 8);
    if (u !== u) flags |= MISSING_UTIL;
    if (m !== m) flags |= MISSING_MEM;
    if (p !== p) flags |= MISSING_POWER;
    if (t !== t) flags |= MISSING_TEMP;
    rows[o + FLAGS] = flags;
  }

  /** Takes the next staged row for a sample of `slot` at `ts`, returning its offset in the current block. */
  #nextRow(slot: number, ts: number): number {
    let o = this.#offset;
    if (o === this.#block.length) o = this.#nextBlock();
    const rows = this.#block;
    this.#offset = o + STRIDE;
    if (ts < this.#lastTs) {
      this.timeOrdered = false;
      if (ts < this.#minTs) this.#minTs = ts;
    } else if (ts > this.#maxTs) this.#maxTs = ts;
    if (this.length === 0) this.#minTs = ts;
    this.#lastTs = ts;
    rows[o + SLOT] = slot;
    rows[o + TS] = ts;
    this.length++;
    return o;
  }

  /**
   * Reads the staged samples in time order, adding each to `sums`, and appends them to `to.samples`
   * (gpu_sample) or adds them to `to.minutes` (a rollups-only write's minute detail), giving the event
   * loop its turns; then empties the slice.
   */
  async appendTo(
    to: { samples: DuckDBAppender } | { minutes: MinuteDetail },
    sums: RollupPartials,
    gpuIdOfSlot: Int32Array,
    turns: TurnBudget,
  ): Promise<void> {
    const n = this.length;
    const blocks = this.#blocks;
    const order = this.timeOrdered ? null : timeOrder(blocks, n, this.#minTs, this.#maxTs);
    const minutes = 'minutes' in to ? to.minutes : null;
    // Without samples to store, the rows are written into columns no table gets (one loop for both).
    const chunk = 'samples' in to ? new TypedChunkAppender(to.samples, KINDS, NULLABLE) : unstoredColumns();
    const [gpu, ts, util, source, mem, power, temp, xid, fault] = [
      chunk.int32(0), chunk.float64(1), chunk.float64(UTIL), chunk.uint8(SOURCE), chunk.float64(MEM),
      chunk.float64(POWER), chunk.float64(TEMP), chunk.int32(7), chunk.uint8(FAULT),
    ] as const;
    const [utilValid, sourceValid, memValid, powerValid, tempValid, faultValid] = [UTIL, SOURCE, MEM, POWER, TEMP, FAULT].map((c) =>
      chunk.validity(c),
    ) as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
    for (let from = 0; from < n; from += CHUNK_ROWS) {
      await turns.maybeTurn();
      const rows = Math.min(CHUNK_ROWS, n - from);
      for (let r = 0; r < rows; r++) {
        const i = order === null ? from + r : order[from + r]!;
        const staged = blocks[i >>> BLOCK_BITS]!;
        const o = (i & BLOCK_MASK) * STRIDE;
        const slot = staged[o + SLOT]!;
        const flags = staged[o + FLAGS]!;
        const missing = flags & 0xff;
        const isFault = flags >>> 16;
        gpu[r] = gpuIdOfSlot[slot]!;
        const t = (ts[r] = staged[o + TS]!);
        const u = (util[r] = staged[o + U]!);
        source[r] = (flags >>> 8) & 0xff;
        const m = (mem[r] = staged[o + M]!);
        const p = (power[r] = staged[o + P]!);
        const c = (temp[r] = staged[o + T]!);
        const x = (xid[r] = staged[o + X]!);
        fault[r] = isFault;
        sums.add(slot, t, missing, u, m, p, c, x, isFault);
        if ((missing & MISSING_UTIL) === 0) sums.addMinute(slot, t, u);
        if (minutes !== null) minutes.add(slot, t, missing, u, x, isFault);
        if (missing !== 0) {
          const word = r >>> 5;
          const bit = ~(1 << (r & 31));
          if (missing & MISSING_UTIL) utilValid[word]! &= bit;
          if (missing & MISSING_SOURCE) sourceValid[word]! &= bit;
          if (missing & MISSING_MEM) memValid[word]! &= bit;
          if (missing & MISSING_POWER) powerValid[word]! &= bit;
          if (missing & MISSING_TEMP) tempValid[word]! &= bit;
          if (missing & MISSING_FAULT) faultValid[word]! &= bit;
        }
      }
      chunk.append(rows);
      // The rows of the periods these samples ended (every open GPU's), a chunk per turn of the event loop.
      while (sums.appendHeld() || (minutes?.appendHeld() ?? false)) await turns.maybeTurn();
    }
    // The last bucket, hour and minute stay open: the next slice may go on with them (samples that
    // come minute by minute do), and ends them when it moves on.
    chunk.flush();
    // The blocks stay for the next slice.
    this.length = 0;
    this.#block = blocks[0] ?? this.#block;
    this.#offset = 0;
    this.timeOrdered = true;
    this.#lastTs = -Infinity;
    this.#minTs = Infinity;
    this.#maxTs = -Infinity;
  }

  /** Moves on to the next block (made if the slice has never been this long), returning its first offset. */
  #nextBlock(): number {
    const index = this.length >>> BLOCK_BITS;
    if (index === this.#blocks.length) this.#blocks.push(new Float64Array(BLOCK_ROWS * STRIDE));
    this.#block = this.#blocks[index]!;
    return 0;
  }
}

/** Columns shaped as a gpu_sample chunk's that no table gets: append and flush do nothing. */
function unstoredColumns(): Pick<TypedChunkAppender, 'int32' | 'float64' | 'uint8' | 'validity' | 'append' | 'flush'> {
  const values = KINDS.map(columnValues);
  const validity = new Uint32Array(VALIDITY_WORDS);
  return {
    int32: (c) => values[c] as Int32Array,
    float64: (c) => values[c] as Float64Array,
    uint8: (c) => values[c] as Uint8Array,
    validity: () => validity,
    append: () => {},
    flush: () => {},
  };
}

const MINUTE_MS = 60_000;
/** Distinct minutes a counting sort takes at most (its counts are an Int32Array of this length). */
const MAX_MINUTES = 1 << 20;

/**
 * The order that sorts the first `n` staged rows (timestamps `min` to `max`) by time, stable: a
 * counting sort by minute (one pass: samples sit on whole minutes, as range queries at a 60 s step
 * return them), then any minute whose rows are out of order within it sorted by timestamp.
 */
function timeOrder(blocks: readonly Float64Array[], n: number, min: number, max: number): Int32Array {
  const tsOf = (i: number): number => blocks[i >>> BLOCK_BITS]![(i & BLOCK_MASK) * STRIDE + TS]!;
  const order = new Int32Array(n);
  const byTime = (a: number, b: number): number => tsOf(a) - tsOf(b) || a - b;
  const minutes = Math.floor((max - min) / MINUTE_MS) + 1;
  if (!(minutes <= MAX_MINUTES)) {
    for (let i = 0; i < n; i++) order[i] = i;
    return order.sort(byTime);
  }
  // Each row's minute (read block by block), and whether every sample is a whole number of minutes
  // after the first: then a minute's rows are equal in time.
  const minuteOf = new Int32Array(n);
  const starts = new Int32Array(minutes + 1);
  let onMinutes = true;
  for (let i = 0; i < n; i += BLOCK_ROWS) {
    const block = blocks[i >>> BLOCK_BITS]!;
    const rows = Math.min(BLOCK_ROWS, n - i);
    for (let r = 0; r < rows; r++) {
      const offset = block[r * STRIDE + TS]! - min;
      if (offset % MINUTE_MS !== 0) onMinutes = false;
      const minute = Math.floor(offset / MINUTE_MS);
      minuteOf[i + r] = minute;
      starts[minute + 1]!++;
    }
  }
  for (let m = 0; m < minutes; m++) starts[m + 1]! += starts[m]!;
  const next = starts.slice(0, minutes);
  for (let i = 0; i < n; i++) order[next[minuteOf[i]!]!++] = i;
  if (onMinutes) return order;
  for (let m = 0; m < minutes; m++) {
    const from = starts[m]!;
    const to = starts[m + 1]!;
    for (let k = from + 1; k < to; k++) {
      if (tsOf(order[k]!) < tsOf(order[k - 1]!)) {
        order.subarray(from, to).sort(byTime);
        break;
      }
    }
  }
  return order;
}
