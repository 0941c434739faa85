/**
 * The rollups of a metrics write, added up in JavaScript from each staged slice of samples while it
 * is appended in time order (sample-appender.ts): per GPU, its 5-minute rows (appended to rollup_5m
 * as each bucket ends) and its hour rows (appended to rollup_1h as each hour ends), and per fleet
 * group (cloud, region, GPU model) the fleet_1m, fleet_5m and fleet_1h sums. Summing the raw samples
 * again in SQL (a GROUP BY of millions of rows into hundreds of thousands of groups, then the hours and
 * fleet tables from those) was about half of a metrics write.
 *
 * The current bucket and hour stay open from one slice to the next, so samples that come minute by
 * minute (the Prometheus connectors' order) part no period. What JavaScript cannot know while it adds
 * up is left to SQL (rollups.ts): a (GPU, bucket) or (GPU, hour) whose samples come apart (a later
 * slice goes back to a period that was appended: samples sent late, or shuffled) gets a row each time
 * (`splits5m`, `splits1h` name them), and the buckets and hours at a window's edges hold rows stored
 * before. Those are summed again there.
 */
import type { DuckDBAppender } from '@duckdb/node-api';
import { IDLE_THRESHOLD_PERCENT } from '../../../../shared/domain';
import type { TurnBudget } from '../event-loop-turns';
import { CHUNK_ROWS, type ColumnKind, TypedChunkAppender } from '../typed-chunks';
import { FIVE_MINUTES_MS, type FleetRow, HOUR_MS, MINUTE_MS, type RollupRebuild, type Splits, type WrittenRollups } from './rollups';

/** The columns of rollup_5m (schema v5 and v10) and of rollup_1h (v5) in table order. */
const KINDS: ColumnKind[] = [
  'integer', 'timestamp', 'integer', 'double', 'integer', 'double', 'integer', 'double', 'integer', 'double', 'integer', 'double', 'integer', 'integer',
];
/** util_max is NULL when no sample of the bucket measured utilisation; the last column is fault_count (5 minutes) or idle_buckets (hour). */
const UTIL_MAX = 5;
const NULLABLE = KINDS.map((_, i) => i === UTIL_MAX);

/**
 * Offsets of a GPU slot's sums, the same for its bucket and its hour (max utilisation is -Infinity
 * until one is measured; LAST counts faults in a bucket, idle buckets in an hour).
 */
const [COUNT, UTIL_SUM, UTIL_COUNT, UTIL_MAX_SUM, XID, MEM_SUM, MEM_COUNT, POWER_SUM, POWER_COUNT, TEMP_SUM, TEMP_COUNT, LAST] = [
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

/** Fleet cells (buckets x groups) added up in JavaScript at most; a longer window leaves its fleet rows to SQL. */
const MAX_FLEET_CELLS = 1 << 20;

/** The GPUs a write may store samples of: slots numbered from 0, each with its gpu_id and fleet group. */
export interface WriteGpus {
  gpuIdOfSlot: Int32Array;
  groupOfSlot: Int32Array;
  groups: readonly { cloud: string; region: string; gpuModel: string }[];
}

/**
 * Rows of one period (5 minutes or an hour) being added up per GPU slot: the slots with sums in the
 * current period, appended as rows when it ends (samples come in time order within a slice).
 */
class PeriodSums {
  readonly splits: Splits = { gpuIds: [], buckets: [] };
  /** The period being added up (NaN: none). */
  period = NaN;
  readonly sums: Float64Array;
  readonly #out: TypedChunkAppender;
  #row = 0;
  readonly #open: Int32Array;
  #openCount = 0;
  readonly #isOpen: Uint8Array;
  /** Per GPU slot: the last period emitted (to find splits). */
  readonly #emitted: Float64Array;

  constructor(
    appender: DuckDBAppender,
    private readonly gpuIdOfSlot: Int32Array,
  ) {
    this.#out = new TypedChunkAppender(appender, KINDS, NULLABLE);
    const slots = gpuIdOfSlot.length;
    this.sums = new Float64Array(slots * SUMS);
    this.#open = new Int32Array(slots);
    this.#isOpen = new Uint8Array(slots);
    this.#emitted = new Float64Array(slots).fill(-Infinity);
  }

  /** The offset of `slot`'s sums in `sums`, opened (zeroed) if the slot has none in this period yet. */
  open(slot: number): number {
    const o = slot * SUMS;
    if (this.#isOpen[slot] === 0) {
      this.#isOpen[slot] = 1;
      this.#open[this.#openCount++] = slot;
      this.sums.fill(0, o, o + SUMS);
      this.sums[o + UTIL_MAX_SUM] = -Infinity;
    }
    return o;
  }

  /**
   * Calls `each` with each open slot, its sums' offset and whether the slot had a row of this period
   * already (a split, listed in `splits` unless `edge`: SQL sums an edge period again anyway), and
   * emits the slot's row (full chunks are held for appendHeld()); then no slot is open.
   */
  end(edge: boolean, each: (slot: number, o: number, split: boolean) => void): void {
    const period = this.period;
    const out = this.#out;
    const sums = this.sums;
    for (let k = 0; k < this.#openCount; k++) {
      const slot = this.#open[k]!;
      this.#isOpen[slot] = 0;
      const o = slot * SUMS;
      // Out of order but new is taken for a split too: SQL then sums one row, the same numbers.
      const split = period <= this.#emitted[slot]!;
      if (!split) this.#emitted[slot] = period;
      else if (!edge) {
        this.splits.gpuIds.push(this.gpuIdOfSlot[slot]!);
        this.splits.buckets.push(period);
      }
      each(slot, o, split);
      const r = this.#row;
      out.int32(0)[r] = this.gpuIdOfSlot[slot]!;
      out.float64(1)[r] = period;
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
      out.int32(13)[r] = sums[o + LAST]!;
      this.#row = r + 1;
      if (this.#row === CHUNK_ROWS) {
        out.hold(CHUNK_ROWS);
        this.#row = 0;
      }
    }
    this.#openCount = 0;
    this.period = NaN;
  }

  /** Holds the rows emitted but not yet in a full chunk as well. */
  holdRest(): void {
    this.#out.hold(this.#row);
    this.#row = 0;
  }

  /** Appends the oldest chunk of emitted rows held; false when none is held. */
  appendHeld(): boolean {
    return this.#out.appendHeld();
  }

  /** Appends every row emitted and flushes the appender into the transaction. */
  flush(): void {
    this.holdRest();
    this.#out.flush();
  }
}

/**
 * Per fleet group and period of the window (buckets or hours from `from`): the sum of GPU means and
 * the GPUs measured, as fleet_1m, fleet_5m and fleet_1h hold them; null when the window has too many cells.
 */
class FleetSums {
  readonly #sums: Float64Array | null;
  /** Periods SQL must sum again (a GPU's row there was split). */
  readonly #again = new Set<number>();

  constructor(
    private readonly from: number,
    private readonly step: number,
    periods: number,
    private readonly groups: number,
  ) {
    this.#sums = periods * groups <= MAX_FLEET_CELLS ? new Float64Array(periods * groups * 2) : null;
  }

  add(period: number, group: number, mean: number): void {
    if (this.#sums === null) return;
    const o = (((period - this.from) / this.step) * this.groups + group) * 2;
    this.#sums[o]! += mean;
    this.#sums[o + 1]!++;
  }

  sumAgain(period: number): void {
    this.#again.add(period);
  }

  /** The rows of the periods JavaScript added up completely, or null when SQL sums every period. */
  rows(skip: readonly number[]): { rows: FleetRow[]; again: number[] } | null {
    const sums = this.#sums;
    if (sums === null) return null;
    const rows: FleetRow[] = [];
    for (let o = 0; o < sums.length; o += 2) {
      const cell = o / 2;
      const period = this.from + Math.floor(cell / this.groups) * this.step;
      if (sums[o + 1] === 0 || this.#again.has(period) || skip.includes(period)) continue;
      rows.push({ bucket: period, group: cell % this.groups, gpuMeanSum: sums[o]!, gpus: sums[o + 1]! });
    }
    return { rows, again: [...this.#again] };
  }
}

/** A metrics write's rollups, added up sample by sample; `result()` says what SQL must finish. */
export class RollupPartials {
  readonly #five: PeriodSums;
  readonly #hour: PeriodSums;
  /** The minute of the last measured sample added (NaN: none), and per GPU slot the last minute it measured. */
  #minute = NaN;
  readonly #lastMinuteOfSlot: Float64Array;
  readonly #fleet1m: FleetSums;
  readonly #fleet5m: FleetSums;
  readonly #fleet1h: FleetSums;

  /**
   * `appenders`: of rollup_5m and rollup_1h, whose rows for the window the write has deleted
   * (clearRollups); `rebuild`: the window's periods and edges.
   */
  constructor(
    appenders: { rollup5m: DuckDBAppender; rollup1h: DuckDBAppender },
    private readonly gpus: WriteGpus,
    private readonly rebuild: RollupRebuild,
  ) {
    this.#five = new PeriodSums(appenders.rollup5m, gpus.gpuIdOfSlot);
    this.#hour = new PeriodSums(appenders.rollup1h, gpus.gpuIdOfSlot);
    this.#lastMinuteOfSlot = new Float64Array(gpus.gpuIdOfSlot.length).fill(-Infinity);
    const { m0, m1, b0, b1, h0, h1 } = rebuild;
    this.#fleet1m = new FleetSums(m0, MINUTE_MS, (m1 - m0) / MINUTE_MS, gpus.groups.length);
    this.#fleet5m = new FleetSums(b0, FIVE_MINUTES_MS, (b1 - b0) / FIVE_MINUTES_MS, gpus.groups.length);
    this.#fleet1h = new FleetSums(h0, HOUR_MS, (h1 - h0) / HOUR_MS, gpus.groups.length);
  }

  /**
   * Adds one sample of the GPU in `slot`, its values missing where `missing` (MISSING_* bits) says;
   * `fault` is 1 for a fault. Within a slice, samples must come in time order.
   */
  add(slot: number, ts: number, missing: number, util: number, mem: number, power: number, temp: number, xid: number, fault: number): void {
    const five = this.#five;
    // Samples come in time order: most are in the bucket of the one before.
    if (!(ts >= five.period && ts < five.period + FIVE_MINUTES_MS)) {
      this.#endBucket();
      five.period = ts - (((ts % FIVE_MINUTES_MS) + FIVE_MINUTES_MS) % FIVE_MINUTES_MS);
    }
    const sums = five.sums;
    const o = five.open(slot);
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
    if ((missing & MISSING_FAULT) === 0) sums[o + LAST]! += fault;
  }

  /**
   * Appends the oldest chunk of rows of ended periods; false when none is waiting. A period's end emits
   * every open GPU's row at once (100,000 at 100,000 GPUs, and as many again when an hour ends with it),
   * and appending them in one go held the event loop for half a second: the caller appends them a
   * chunk at a time, with turns between.
   */
  appendHeld(): boolean {
    return this.#five.appendHeld() || this.#hour.appendHeld();
  }

  /** Appends every row emitted, in the event loop's turns, and says what SQL must sum again. */
  async finish(turns: TurnBudget): Promise<WrittenRollups> {
    this.#endBucket();
    this.#endHour();
    this.#five.holdRest();
    this.#hour.holdRest();
    while (this.appendHeld()) await turns.maybeTurn();
    this.#five.flush();
    this.#hour.flush();
    const { edgeMinutes, edgeBuckets, edgeHours } = this.rebuild;
    return {
      splits5m: this.#five.splits,
      splits1h: this.#hour.splits,
      fleet1m: this.#fleet1m.rows(edgeMinutes),
      fleet5m: this.#fleet5m.rows(edgeBuckets),
      fleet1h: this.#fleet1h.rows(edgeHours),
      groups: this.gpus.groups,
    };
  }

  /**
   * Adds a measured sample (one add() was given) to its fleet minute, as the GPU's minute mean: most
   * GPUs report once a minute. A GPU's second sample of a minute, or one of a minute before the last it
   * measured (its samples in two slices, or out of order), leaves the minute to SQL, which sums each
   * GPU's samples first. A call of its own: add() grown by it was no longer inlined into the staging
   * loop, and a 10,000-GPU backfill stored about a tenth fewer samples a second.
   */
  addMinute(slot: number, ts: number, util: number): void {
    let minute = this.#minute;
    if (!(ts >= minute && ts < minute + MINUTE_MS)) this.#minute = minute = ts - (((ts % MINUTE_MS) + MINUTE_MS) % MINUTE_MS);
    if (minute > this.#lastMinuteOfSlot[slot]!) {
      this.#lastMinuteOfSlot[slot] = minute;
      this.#fleet1m.add(minute, this.gpus.groupOfSlot[slot]!, util);
    } else {
      this.#fleet1m.sumAgain(minute);
    }
  }

  #endBucket(): void {
    const five = this.#five;
    const bucket = five.period;
    if (bucket !== bucket) return;
    const hour = this.#hour;
    const bucketHour = bucket - (((bucket % HOUR_MS) + HOUR_MS) % HOUR_MS);
    if (bucketHour !== hour.period) {
      this.#endHour();
      hour.period = bucketHour;
    }
    // A bucket at the window's edge is merged with rows stored before, in SQL, and so is its hour
    // (an edge bucket lies in an edge hour): neither is added up here.
    const edge = this.rebuild.edgeBuckets.includes(bucket);
    const inEdgeHour = this.rebuild.edgeHours.includes(bucketHour);
    const groupOfSlot = this.gpus.groupOfSlot;
    const five5 = five.sums;
    const hourSums = hour.sums;
    five.end(edge, (slot, o, split) => {
      // Its rows are merged in SQL, so is the bucket's fleet row. (The GPU's hour is split too: it
      // had a row of this hour in the slice that held the bucket's other samples.)
      if (split) this.#fleet5m.sumAgain(bucket);
      const utilCount = five5[o + UTIL_COUNT]!;
      if (!edge && utilCount > 0) this.#fleet5m.add(bucket, groupOfSlot[slot]!, five5[o + UTIL_SUM]! / utilCount);
      if (inEdgeHour) return;
      const h = hour.open(slot);
      hourSums[h + COUNT]! += five5[o + COUNT]!;
      hourSums[h + UTIL_SUM]! += five5[o + UTIL_SUM]!;
      hourSums[h + UTIL_COUNT]! += utilCount;
      if (five5[o + UTIL_MAX_SUM]! > hourSums[h + UTIL_MAX_SUM]!) hourSums[h + UTIL_MAX_SUM] = five5[o + UTIL_MAX_SUM]!;
      hourSums[h + XID]! += five5[o + XID]!;
      hourSums[h + MEM_SUM]! += five5[o + MEM_SUM]!;
      hourSums[h + MEM_COUNT]! += five5[o + MEM_COUNT]!;
      hourSums[h + POWER_SUM]! += five5[o + POWER_SUM]!;
      hourSums[h + POWER_COUNT]! += five5[o + POWER_COUNT]!;
      hourSums[h + TEMP_SUM]! += five5[o + TEMP_SUM]!;
      hourSums[h + TEMP_COUNT]! += five5[o + TEMP_COUNT]!;
      // The same float test as SQL's IDLE_BUCKETS_SQL.
      if (utilCount > 0 && five5[o + UTIL_SUM]! / utilCount < IDLE_THRESHOLD_PERCENT) hourSums[h + LAST]!++;
    });
  }

  #endHour(): void {
    const hour = this.#hour;
    const h = hour.period;
    if (h !== h) return;
    const groupOfSlot = this.gpus.groupOfSlot;
    const sums = hour.sums;
    hour.end(false, (slot, o, split) => {
      if (split) this.#fleet1h.sumAgain(h);
      const utilCount = sums[o + UTIL_COUNT]!;
      if (utilCount > 0) this.#fleet1h.add(h, groupOfSlot[slot]!, sums[o + UTIL_SUM]! / utilCount);
    });
  }
}
