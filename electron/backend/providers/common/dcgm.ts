/**
 * dcgm-exporter series read through PromQL (Azure Managed Prometheus, a cluster's own Prometheus):
 * the queries per window, and the mapping of their matrices to one GpuSample per GPU per step. The
 * utilisation rule itself (source order, merge by UUID) is the domain's; MIG weighting is mig.ts's.
 */
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import { chooseUtilisation, uuidHomes, type GpuHome } from '../../domain/utilisation';
import { GpuSampleColumns } from '../../domain/sample-columns';
import { migInstanceWeight } from './mig';
import { sendSeries, type MatrixSeries, type MatrixSink } from './prom-matrix';

export type { MatrixSeries } from './prom-matrix';

/** The dcgm-exporter queries one metrics window needs, by what each reads. */
export const DCGM_FIELDS = ['prof', 'dev', 'fbUsed', 'power', 'temp', 'xidChanges', 'xidLast'] as const;
export type DcgmField = (typeof DCGM_FIELDS)[number];
export type DcgmQueries = Record<DcgmField, string>;
/** Range-query answers per field; a field not queried counts as no series. */
export type DcgmSeriesSet = Partial<Record<DcgmField, readonly MatrixSeries[]>>;

/**
 * Builds the per-GPU queries for a range query of step `stepSeconds`, grouped by `groupLabels` (the
 * node or host label), UUID and index, so pod-label variants of one GPU are merged on the server.
 *
 * Why `avg_over_time(x[step])` and not an instant `avg(x)`: an instant selector at t returns the last
 * raw scrape at or before t (within Prometheus's 5-minute lookback), so a minute's "utilisation"
 * would be one 15-30 s reading, and a GPU that stopped reporting would repeat its last value for five
 * more minutes. `avg_over_time` over a range equal to the step averages every scrape in (t - step, t]:
 * the utilisation in that minute, which is what the glossary's per-window mean of samples needs, the
 * windows tile the query range without overlap or gap, and a minute without scrapes has no point
 * ("not measured", never a stale number). The evaluation at t is the sample of the minute starting
 * at t - step (see mapDcgmSeries).
 */
export function dcgmQueries(stepSeconds: number, groupLabels: readonly string[], selector: string): DcgmQueries {
  const by = `by (${[...groupLabels, 'UUID', 'gpu'].join(', ')})`;
  // MIG instances stay apart (GPU_I_*), so they can be weighed by slices into their GPU.
  const byInstance = `by (${[...groupLabels, 'UUID', 'gpu', 'GPU_I_PROFILE', 'GPU_I_ID'].join(', ')})`;
  const sel = selector.trim() ? `{${selector.trim()}}` : '';
  const w = `[${stepSeconds}s]`;
  return {
    // GR_ENGINE_ACTIVE is a 0-1 ratio; x100 to a percentage. It is MIG-aware: one series per instance.
    prof: `avg ${byInstance} (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE${sel}${w})) * 100`,
    dev: `avg ${by} (avg_over_time(DCGM_FI_DEV_GPU_UTIL${sel}${w}))`,
    // A MIG instance reports its own framebuffer; instances are summed into the GPU.
    fbUsed: `max ${byInstance} (avg_over_time(DCGM_FI_DEV_FB_USED${sel}${w}))`,
    power: `max ${by} (avg_over_time(DCGM_FI_DEV_POWER_USAGE${sel}${w}))`,
    temp: `max ${by} (max_over_time(DCGM_FI_DEV_GPU_TEMP${sel}${w}))`,
    // The XID gauge holds the last XID; a change is a new error. Changes across step boundaries are
    // found from consecutive last values (a sparse scrape has one sample per step). Only steps with a
    // change are returned (no change reads as 0 either way): a fleet-wide minute answers with the few
    // GPUs that had one, not 100k zeros.
    xidChanges: `max ${by} (changes(DCGM_FI_DEV_XID_ERRORS${sel}${w})) > 0`,
    xidLast: `max ${by} (last_over_time(DCGM_FI_DEV_XID_ERRORS${sel}${w}))`,
  };
}

/**
 * Every GPU-minute of a window being summed from its series, one column per running sum (a minute
 * is a row number). A backfill makes millions of GPU-minutes, and they live until their samples are
 * taken: as objects each they outlive the young generation and pile up as old garbage.
 */
class MinuteColumns {
  rows = 0;
  /** Sum of PROF values x their MIG instance weights (GI slices; 1 without MIG), and of the weights. */
  profSum = new Float64Array(0);
  profWeight = new Float64Array(0);
  devSum = new Float64Array(0);
  devCount = new Float64Array(0);
  /**
   * Framebuffer used per MIG instance (GPU_I_ID; '' without MIG): a GPU's is the sum of its
   * instances'. The first instance is held in the columns (the common case, one per GPU-minute);
   * `fbMore` holds the others, by row, in the order they reported. `fbFirst` null until one reports.
   */
  fbFirst: Array<string | null> = [];
  fbFirstValue = new Float64Array(0);
  fbMore: Map<number, Map<string, number>> | null = null;
  /** Highest power and temperature in the step; NaN until one reports (only finite readings count). */
  power = new Float64Array(0);
  temp = new Float64Array(0);
  xid = new Float64Array(0);

  /** A new GPU-minute, all sums empty; its row. */
  add(): number {
    if (this.rows === this.profSum.length) this.grow(Math.max(64, this.rows * 2));
    const r = this.rows;
    this.rows += 1;
    // The columns may have held another window's minutes (MinuteColumnsPool): each row starts empty.
    this.profSum[r] = 0;
    this.profWeight[r] = 0;
    this.devSum[r] = 0;
    this.devCount[r] = 0;
    this.fbFirstValue[r] = 0;
    this.xid[r] = 0;
    this.power[r] = Number.NaN;
    this.temp[r] = Number.NaN;
    this.fbFirst[r] = null;
    return r;
  }

  /** No GPU-minutes; the columns keep their capacity. */
  clear(): void {
    this.rows = 0;
    this.fbMore = null;
  }

  private grow(capacity: number): void {
    const widen = (a: Float64Array): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.profSum = widen(this.profSum);
    this.profWeight = widen(this.profWeight);
    this.devSum = widen(this.devSum);
    this.devCount = widen(this.devCount);
    this.fbFirstValue = widen(this.fbFirstValue);
    this.power = widen(this.power);
    this.temp = widen(this.temp);
    this.xid = widen(this.xid);
  }

  /** Framebuffer of one MIG instance into the GPU-minute: the highest reading per instance. */
  addFramebuffer(r: number, instance: string, x: number): void {
    const first = this.fbFirst[r];
    if (first === null || first === undefined) {
      this.fbFirst[r] = instance;
      this.fbFirstValue[r] = Math.max(0, x);
    } else if (first === instance) {
      this.fbFirstValue[r] = Math.max(this.fbFirstValue[r] as number, x);
    } else {
      this.fbMore ??= new Map();
      let more = this.fbMore.get(r);
      if (!more) this.fbMore.set(r, (more = new Map()));
      more.set(instance, Math.max(more.get(instance) ?? 0, x));
    }
  }

  /** The GPU's framebuffer in the minute: its instances' readings summed in the order they reported. */
  framebuffer(r: number): number | null {
    if (this.fbFirst[r] === null) return null;
    let sum = this.fbFirstValue[r] as number;
    const more = this.fbMore?.get(r);
    if (more) for (const v of more.values()) sum += v;
    return Math.max(0, sum);
  }
}

/**
 * Minute columns handed from one window's fold to the next: a backfill folds hundreds of windows,
 * and columns made (and grown) for each were as many megabytes of ArrayBuffers waiting for a GC
 * (issue 16). One pool serves every window of the process (readDcgmWindow's), so the next window,
 * read ahead while the store writes this one, takes this window's columns instead of making its own.
 * Holds at most a few idle sets, and none once it has been quiet for `quietMs`: an idle console
 * keeps no window's columns.
 */
export class MinuteColumnsPool {
  readonly #idle: MinuteColumns[] = [];
  #made = 0;
  #quiet: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly quietMs = 10_000) {}

  /** Column sets made so far (each is reused many times over). */
  get made(): number {
    return this.#made;
  }

  /** Column sets waiting to be reused. */
  get idle(): number {
    return this.#idle.length;
  }

  /** @internal */
  take(): MinuteColumns {
    const reused = this.#idle.pop();
    if (reused) return reused;
    this.#made += 1;
    return new MinuteColumns();
  }

  /** @internal */
  give(columns: MinuteColumns): void {
    columns.clear();
    if (this.#idle.length < 4) this.#idle.push(columns);
    if (this.#quiet !== null) clearTimeout(this.#quiet);
    this.#quiet = setTimeout(() => {
      this.#quiet = null;
      this.#idle.length = 0;
    }, this.quietMs);
    this.#quiet.unref?.();
  }
}

/** One GPU's minutes (rows of the window's MinuteColumns by time), and its XID change counts by evaluation time. */
interface GpuMinutes extends GpuHome {
  /**
   * Row + 1 of the minute k steps after the window's start (0: none), for minutes on the window's
   * step grid (all of them when the source evaluates at the steps asked for). A typed array, not a
   * Map of times: a backfill's maps were megabytes of old garbage per window (issue 16).
   */
  onGrid: Int32Array;
  /** Rows of minutes off the grid, by time; null until one comes. */
  offGrid: Map<number, number> | null;
  /** The minute last touched (most series points of one GPU fall in the same minute as the last); row -1 before any. */
  lastTs: number;
  lastRow: number;
  xidChanges: Map<number, number> | null;
}

/** Steps a window's grid holds at most (a time further on, from a wrong clock, is kept off the grid). */
const MAX_GRID_STEPS = 1 << 16;

// localeCompare's own order (the default locale's collation), without its per-call cost.
const byResourceId = new Intl.Collator().compare;

/** Where a series' GPU is read from its labels; null when it is not one of ours. */
export type PlaceSeries = (metric: Readonly<Record<string, string>>) => GpuHome | null;

/**
 * A machine page's placement: series placed among the account's `machines` (and `resource`) by
 * `placeAmong`, as a metrics read places them, and kept only where they land on `resource`.
 */
export function placedOnMachine(machines: readonly GpuResource[], resource: GpuResource, placeAmong: (machines: readonly GpuResource[]) => PlaceSeries): PlaceSeries {
  const place = placeAmong(machines.some((m) => m.id === resource.id) ? machines : [...machines, resource]);
  return (metric) => {
    const home = place(metric);
    return home?.resourceId === resource.id ? home : null;
  };
}

/**
 * An answer read before its turn, as columns: each series' labels, and its points as numbers (all
 * series' points one after another).
 */
class HeldAnswer implements MatrixSink {
  readonly metrics: Array<Readonly<Record<string, string>>> = [];
  /** Series i's points are at [first[i], first[i + 1]). */
  readonly first: number[] = [0];
  times = new Float64Array(0);
  values = new Float64Array(0);

  series(metric: Readonly<Record<string, string>>, times: Float64Array, values: Float64Array, count: number): void {
    const at = this.first[this.first.length - 1] as number;
    if (at + count > this.times.length) {
      const capacity = Math.max(256, at + count, this.times.length * 2);
      const t = new Float64Array(capacity);
      const v = new Float64Array(capacity);
      t.set(this.times.subarray(0, at));
      v.set(this.values.subarray(0, at));
      this.times = t;
      this.values = v;
    }
    this.times.set(times.subarray(0, count), at);
    this.values.set(values.subarray(0, count), at);
    this.metrics.push(metric);
    this.first.push(at + count);
  }
}

/** One field's answer as it is read: series go to the fold (in its turn) or are held; end() once read whole. */
export interface DcgmAnswer extends MatrixSink {
  end(): void;
}

/**
 * The samples of one window's DCGM answers, folded into per-GPU-minute sums series by series as
 * each answer is read, so a window never holds its answers together. Answers may come in any order:
 * each is folded in DCGM_FIELDS order (UUID homes and the XID comparison depend on it); one read
 * before its turn waits as columns. The samples are exactly mapDcgmSeries's for the same answers.
 */
export class DcgmWindowFold {
  private readonly home = uuidHomes();
  // Per GPU, its minutes. A 100k-GPU minute is 700k series: the GPU is found by the home object
  // (a UUID's home is one object) before its text key is built, and each point costs one numeric lookup.
  // Weak: a series without UUID is placed to a fresh object that is never looked up again, and a
  // window must not keep an entry for each of its series (seven per GPU).
  private readonly byHome = new WeakMap<GpuHome, GpuMinutes>();
  private readonly byKey = new Map<string, GpuMinutes>();
  /** 1 + the highest grid step any GPU has a minute at. */
  private gridSteps = 0;
  /** Times of the minutes off the step grid (rare). */
  private offGridStamps: Set<number> | null = null;
  private sums: MinuteColumns;
  /** Answers read whole before their turn, waiting for it. */
  private readonly held = new Map<DcgmField, HeldAnswer>();
  /** Answers being read. */
  private readonly reading = new Set<DcgmField>();
  private readonly stepMs: number;
  /** Index into DCGM_FIELDS of the next answer to fold. */
  private turn = 0;
  /** Samples taken and the columns given back to the pool: nothing more can be added or taken. */
  private spent = false;

  /** With `pool`, the sums are columns of an earlier window, given back once this window's samples are taken. */
  constructor(
    private readonly place: PlaceSeries,
    stepSeconds: number,
    private readonly fromMs: number,
    private readonly pool: MinuteColumnsPool | null = null,
  ) {
    this.stepMs = stepSeconds * 1000;
    this.sums = pool ? pool.take() : new MinuteColumns();
  }

  /** Answers that were read before their turn and wait (as columns) for an earlier field's answer. */
  get waiting(): number {
    return this.held.size;
  }

  /** Folds `field`'s parsed answer (and any that waited for it); each field is added at most once. */
  add(field: DcgmField, series: readonly MatrixSeries[]): void {
    const answer = this.answer(field);
    sendSeries(series, answer);
    answer.end();
  }

  /**
   * Where `field`'s answer goes as it is read (each field at most once). Its series are folded as
   * they come when its turn has come by its first series (the turn cannot pass it before its end),
   * else held as columns until then. end() once the answer has been read and checked whole; an answer
   * that failed is never ended, and the fold is dropped with it.
   */
  answer(field: DcgmField): DcgmAnswer {
    if (this.spent || DCGM_FIELDS.indexOf(field) < this.turn || this.held.has(field) || this.reading.has(field)) throw new Error(`the ${field} answer of this window was already added`);
    this.reading.add(field);
    let held: HeldAnswer | null = null;
    let inTurn = false;
    return {
      series: (metric, times, values, count) => {
        if (!inTurn && held === null) {
          inTurn = field === DCGM_FIELDS[this.turn];
          if (!inTurn) held = new HeldAnswer();
        }
        if (held) held.series(metric, times, values, count);
        else this.foldSeries(field, metric, times, values, 0, count);
      },
      end: () => {
        if (!this.reading.delete(field)) throw new Error(`the ${field} answer of this window was already ended`);
        // Folded as it came, or no series: nothing waits; the turn moves past it when it comes.
        this.held.set(field, held ?? new HeldAnswer());
        this.foldInTurn(false);
      },
    };
  }

  /** Folds the answers whose turn has come, in field order; with `all`, a field never added counts as no series. */
  private foldInTurn(all: boolean): void {
    for (let f = DCGM_FIELDS[this.turn]; f !== undefined; f = DCGM_FIELDS[this.turn]) {
      const answer = this.held.get(f);
      if (answer) {
        this.held.delete(f);
        const { metrics, first, times, values } = answer;
        for (let i = 0; i < metrics.length; i++) this.foldSeries(f, metrics[i] as Readonly<Record<string, string>>, times, values, first[i] as number, first[i + 1] as number);
      } else if (!all) return;
      this.turn += 1;
    }
  }

  /**
   * The samples before `untilMs`, in batches (columns) of up to `batchSize`, ordered by (ts, resource
   * id by localeCompare, GPU index). A field never added counts as no series; nothing can be added
   * after. With a pool, they can be taken once: the columns go back to it when the last is taken.
   */
  *samples(batchSize: number, untilMs = Number.POSITIVE_INFINITY): Generator<GpuSampleColumns> {
    if (this.reading.size > 0) throw new Error(`the ${[...this.reading].join(', ')} answer of this window is still being read`);
    if (this.spent) throw new Error('the samples of this window were taken, and its columns given back');
    this.foldInTurn(true);
    try {
      yield* this.minutes(batchSize, untilMs);
    } finally {
      if (this.pool) {
        this.spent = true;
        this.pool.give(this.sums);
      }
    }
  }

  private *minutes(batchSize: number, untilMs: number): Generator<GpuSampleColumns> {
    // GPUs are ranked once and each minute walks them in rank order, so the millions of samples of a
    // backfill are never comparison-sorted.
    const gpus = [...this.byKey.values()].sort((x, y) => byResourceId(x.resourceId, y.resourceId) || x.gpuIndex - y.gpuIndex);
    const c = this.sums;
    // A batch is made at its full size: grown, it would leave its smaller columns as garbage.
    const capacity = Math.min(batchSize, 65_536);
    let out = new GpuSampleColumns(capacity);
    const stamps = Array.from({ length: this.gridSteps }, (_, k) => this.fromMs + k * this.stepMs);
    if (this.offGridStamps) stamps.push(...this.offGridStamps);
    stamps.sort((x, y) => x - y);
    for (const ts of stamps) {
      if (ts >= untilMs) break;
      const k = this.gridIndex(ts);
      for (const g of gpus) {
        const r = k >= 0 ? (g.onGrid[k] ?? 0) - 1 : (g.offGrid?.get(ts) ?? -1);
        if (r < 0) continue;
        const profWeight = c.profWeight[r] as number;
        const devCount = c.devCount[r] as number;
        const prof = profWeight > 0 ? (c.profSum[r] as number) / profWeight : null;
        const u = chooseUtilisation({ prof, dev: devCount > 0 ? (c.devSum[r] as number) / devCount : null });
        const power = c.power[r] as number;
        const temp = c.temp[r] as number;
        out.push(
          g.resourceId,
          g.gpuIndex,
          ts,
          u.utilisation,
          u.utilSource,
          c.framebuffer(r),
          Number.isNaN(power) ? null : Math.max(0, power),
          Number.isNaN(temp) ? null : temp,
          Math.max(0, Math.round(c.xid[r] as number)),
        );
        if (out.length >= batchSize) {
          yield out;
          out = new GpuSampleColumns(capacity);
        }
      }
    }
    if (out.length > 0) yield out;
  }

  private gpuOf(h: GpuHome): GpuMinutes {
    let g = this.byHome.get(h);
    if (g) return g;
    const k = `${h.resourceId}\u0000${h.gpuIndex}`;
    g = this.byKey.get(k);
    if (!g) {
      // Sized for the minutes the window's GPUs have so far: only the first GPU's grows.
      g = { resourceId: h.resourceId, gpuIndex: h.gpuIndex, onGrid: new Int32Array(Math.max(16, this.gridSteps)), offGrid: null, lastTs: Number.NaN, lastRow: -1, xidChanges: null };
      this.byKey.set(k, g);
    }
    this.byHome.set(h, g);
    return g;
  }

  /** The row of `g`'s minute evaluated at `evalSec`, made on first use; -1 before the window. */
  private slot(g: GpuMinutes, evalSec: number): number {
    const ts = evalSec * 1000 - this.stepMs;
    if (ts < this.fromMs) return -1;
    // The minute last touched first: a steady sync's GPUs have one minute, read by every field.
    if (g.lastTs === ts) return g.lastRow;
    const k = (ts - this.fromMs) / this.stepMs;
    let r: number;
    if (Number.isInteger(k) && k < MAX_GRID_STEPS) {
      if (k >= g.onGrid.length) {
        const wider = new Int32Array(Math.max(k + 1, g.onGrid.length * 2));
        wider.set(g.onGrid);
        g.onGrid = wider;
      }
      r = (g.onGrid[k] as number) - 1;
      if (r < 0) {
        r = this.sums.add();
        g.onGrid[k] = r + 1;
        if (k >= this.gridSteps) this.gridSteps = k + 1;
      }
    } else {
      g.offGrid ??= new Map();
      let off = g.offGrid.get(ts);
      if (off === undefined) {
        off = this.sums.add();
        g.offGrid.set(ts, off);
        (this.offGridStamps ??= new Set()).add(ts);
      }
      r = off;
    }
    g.lastTs = ts;
    g.lastRow = r;
    return r;
  }

  /** The step of the grid `ts` is at, or -1 when it is off the grid. */
  private gridIndex(ts: number): number {
    const k = (ts - this.fromMs) / this.stepMs;
    return Number.isInteger(k) && k >= 0 && k < this.gridSteps ? k : -1;
  }

  /**
   * Folds one series (its points `from` to `to` of `times` and `values`). Series are placed in the
   * order they come, and answers are folded in field order, so a UUID's home is where it was first
   * placed (it never moves).
   */
  private foldSeries(field: DcgmField, m: Readonly<Record<string, string>>, times: Float64Array, values: Float64Array, from: number, to: number): void {
    const h = this.home(m.UUID, () => this.place(m));
    if (!h) return;
    const g = this.gpuOf(h);
    const sums = this.sums;
    if (field === 'xidChanges') {
      const byTime = (g.xidChanges ??= new Map<number, number>());
      for (let j = from; j < to; j++) byTime.set(times[j] as number, (values[j] as number) || 0);
    } else if (field === 'xidLast') {
      const byTime = g.xidChanges;
      let prev: number | null = null;
      for (let j = from; j < to; j++) {
        const t = times[j] as number;
        const last = values[j] as number;
        const within = byTime?.get(t) ?? 0;
        // A change between the previous step's last value and this step's first one.
        const across = within === 0 && prev !== null && last !== prev && last !== 0 ? 1 : 0;
        prev = last;
        const r = this.slot(g, t);
        if (r >= 0) sums.xid[r] = (sums.xid[r] as number) + (within + across);
      }
    } else {
      const put = PUT[field];
      for (let j = from; j < to; j++) {
        const x = values[j] as number;
        if (!Number.isFinite(x)) continue;
        const r = this.slot(g, times[j] as number);
        if (r >= 0) put(sums, r, x, m);
      }
    }
  }
}

/** How one point of each summed field goes into its GPU-minute (row `r`). */
const PUT: Record<Exclude<DcgmField, 'xidChanges' | 'xidLast'>, (c: MinuteColumns, r: number, x: number, metric: Readonly<Record<string, string>>) => void> = {
  // A MIG instance's GR_ENGINE_ACTIVE covers its own slices: weigh it by them into the parent GPU.
  prof: (c, r, x, m) => {
    const k = migInstanceWeight(m);
    c.profSum[r] = (c.profSum[r] as number) + x * k;
    c.profWeight[r] = (c.profWeight[r] as number) + k;
  },
  dev: (c, r, x) => {
    c.devSum[r] = (c.devSum[r] as number) + x;
    c.devCount[r] = (c.devCount[r] as number) + 1;
  },
  fbUsed: (c, r, x, m) => c.addFramebuffer(r, m.GPU_I_ID ?? '', x),
  power: (c, r, x) => {
    const p = c.power[r] as number;
    c.power[r] = Number.isNaN(p) ? x : Math.max(p, x);
  },
  temp: (c, r, x) => {
    const t = c.temp[r] as number;
    c.temp[r] = Number.isNaN(t) ? x : Math.max(t, x);
  },
};

/**
 * Turns one range query's per-GPU series (queries of `dcgmQueries` at `stepSeconds`) into samples.
 * `place` is the provider's reading of a series' host and index labels; series of the same UUID merge
 * into the GPU where the UUID was first placed. Each evaluation at t covers (t - step, t] and becomes
 * the sample of the minute starting at t - step; points before `fromMs` only seed the XID comparison.
 */
export function mapDcgmSeries(set: DcgmSeriesSet, place: PlaceSeries, stepSeconds: number, fromMs: number): GpuSample[] {
  const fold = new DcgmWindowFold(place, stepSeconds, fromMs);
  for (const f of DCGM_FIELDS) fold.add(f, set[f] ?? []);
  const [all] = fold.samples(Number.POSITIVE_INFINITY);
  return all ? [...all] : [];
}

/** A PromQL label value as a double-quoted string. */
export const quotedLabelValue = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** Text matched literally inside a PromQL (RE2) regular expression. */
export const escapeRegex = (v: string): string => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `selector` narrowed to one machine, so a drill-down reads that machine's series only: by its GPU
 * UUIDs where the inventory knows them (dcgm-exporter always sets `UUID`), else by `hostLabel="host"`.
 */
export function machineSelector(selector: string, gpuUuids: readonly (string | null)[], hostLabel: string, host: string): string {
  // Only when every GPU's UUID is known: one unknown would leave that GPU out of the drill-down.
  const uuids = gpuUuids.filter((u): u is string => u !== null && u !== '');
  const byUuid = uuids.length > 0 && uuids.length === gpuUuids.length;
  const own = byUuid ? `UUID=~${quotedLabelValue(uuids.map(escapeRegex).join('|'))}` : `${hostLabel}=${quotedLabelValue(host)}`;
  return selector.trim() === '' ? own : `${selector.trim()}, ${own}`;
}

/** How a drill-down names a Prometheus-compatible source: its kind and host, never a path, query or credential. */
export function sourceName(kind: string, url: string): string {
  try {
    return `${kind} at ${new URL(url).host}`;
  } catch {
    return kind;
  }
}
