/**
 * Hands DuckDB's cached table blocks back once the store has been quiet for a while. DuckDB keeps
 * every block a query read until its memory_limit presses: after the pane's queries on a 100,000-GPU
 * fleet the backend held 482-488 MiB, 160 MiB of it cached blocks, for as long as nothing else ran.
 * Lowering the limit evicts them, and lets the allocator return much more than their size (the same
 * process then held 229-238 MiB); the limit goes straight back. The next query reads its blocks from
 * the OS's file cache again (at 100,000 GPUs, a cold overview took about 100 ms longer).
 *
 * DuckDB's limit is one setting for the whole database, and a query running while it is low could
 * fail for want of memory. So every read and write of the store goes through a gate: the release
 * starts only when nothing runs, and what starts during it waits for it (tens of milliseconds).
 *
 * Sooner, once a burst of reads and writes has ended, the memory the queries freed goes back to the OS
 * while the cached blocks stay: setting DuckDB's limit, even to the value it has, makes DuckDB flush
 * its allocator. On Linux that is the jemalloc built into DuckDB's library, which hands pages freed in its
 * arenas back only as later allocations come (about a second later), so a quiet store kept them until
 * it is flushed. At 100,000 GPUs that took the backend from
 * 489 to about 420 MiB right after the pane's queries, in about 9 ms, and the next query still finds
 * its blocks cached.
 */
import type { DuckDBInstance } from '@duckdb/node-api';

/** Quiet time after the last read or write before the release: longer than a burst of the pane's queries, shorter than a sync's minute. */
export const IDLE_RELEASE_MS = 30_000;
/** Quiet time after the last read or write before the freed memory is handed back: longer than the gaps inside a burst. */
export const QUIET_TRIM_MS = 250;
/** Cached table blocks kept by the release (DuckDB refuses a limit with nothing to spare). */
export const KEPT_CACHE_BYTES = 32 * 2 ** 20;
/**
 * DuckDB's limit while a bulk write stores its slices (a metrics window of more than one staged slice:
 * a backfill's) and no read runs. Its appends fill DuckDB's memory with blocks it does not read again
 * and with the rows its transaction appends, up to the limit. At 10,000 GPUs a first 24 h backfill's
 * process peaked at 720-750 MiB with 256 MB, 610-640 MiB with 128 MB, and 500-520 MiB with this and
 * the write's hand-backs (BulkWrite), at the same speed. Reads get the store's own limit and the
 * window's SQL merges MERGE_MEMORY_LIMIT: at this one the pane's queries of a 100,000-GPU fleet, and
 * that fleet's window merges, failed for want of memory.
 */
export const BULK_WRITE_MEMORY_LIMIT = '64MB';

/**
 * DuckDB's limit while a bulk write's SQL merges run (after its last slice, until it ends) and no read
 * does; the store's own when that is lower. At the bulk-write limit, and with 6-hour windows at the
 * store's own, a 100,000-GPU backfill's merges failed for want of memory. With 40-minute windows they
 * ran at this one, and the 10,000-GPU backfill peaked at 522-534 MiB with it, 591 with the store's 256 MB.
 */
export const MERGE_MEMORY_LIMIT = '128MB';

/**
 * How long reads keep the store's own limit after the last of them has left, while a bulk write
 * runs: a pane's reads come in bursts, and each lowering evicts the cached blocks the next one reads.
 */
export const READ_HOLD_MS = 1_000;

/** What a bulk write holds from the gate (QuietGate.bulkWrite). */
export interface BulkWrite {
  /**
   * Hands the memory freed so far back to the OS (setting DuckDB's limit flushes its allocator),
   * keeping the limit: a slice's appends leave tens of MiB freed but kept by the allocator's arenas.
   * Skipped while reads run or are held (READ_HOLD_MS).
   */
  handBack(): Promise<void>;
  /**
   * The write's slices are stored and its SQL merges come next: until it ends they run with
   * MERGE_MEMORY_LIMIT, whatever other bulk writes are doing. What the slices freed is handed back on
   * the way; no hand-back follows.
   */
  merging(): Promise<void>;
  /**
   * This bulk write has ended (after its transaction): once the last one running ends, the store's
   * own limit is back, and what the commit freed is handed back. Ending twice counts once.
   */
  end(): Promise<void>;
}

export interface IdleReleaseOptions {
  /** The memory_limit the store runs with, set again after the release. */
  memoryLimit: string;
  /** Default IDLE_RELEASE_MS (tests shrink it). */
  idleMs?: number;
  /** Default KEPT_CACHE_BYTES (tests shrink it). */
  keptCacheBytes?: number;
  /** Default QUIET_TRIM_MS (tests shrink it). */
  trimMs?: number;
  /** Tests only: what a release does in place of evicting (to hold one open). */
  release?: () => Promise<void>;
  /** Tests only: what a trim does in place of flushing DuckDB's allocator. */
  trim?: () => Promise<void>;
  /** Default READ_HOLD_MS (tests shrink it). */
  readHoldMs?: number;
  /** Tests only: what a bulk write's change of DuckDB's limit does in place of setting it (it must set it). */
  setBulkLimit?: (value: string) => Promise<void>;
}

/** The gate of one store's reads and writes; quietGateOf() gives the one for an instance. */
export class QuietGate {
  #busy = 0;
  #releasing: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #trimTimer: ReturnType<typeof setTimeout> | null = null;
  #trimming: Promise<void> | null = null;
  /** Whether the store's own limit is above BULK_WRITE_MEMORY_LIMIT, and above MERGE_MEMORY_LIMIT (read once, when armed). */
  #armed: { instance: DuckDBInstance; options: IdleReleaseOptions; lowersForBulk: boolean; lowersForMerge: boolean } | null = null;
  #releases = 0;
  #trims = 0;
  /** Bulk writes storing their slices, and bulk writes merging (until they end). */
  #bulkWrites = 0;
  #merges = 0;
  /** Reads running (ConnectionPool's), which get the store's own limit even while a bulk write runs. */
  #reads = 0;
  /** Since the last read left, until READ_HOLD_MS later; null while reads run or the hold is over. */
  #readHold: ReturnType<typeof setTimeout> | null = null;
  /** Settings of the limit for bulk writes and the reads beside them, in order; only memory is at stake. */
  #bulkLimit: Promise<void> = Promise.resolve();

  /** Releases run so far (for tests and diagnostics). */
  get releases(): number {
    return this.#releases;
  }

  /** Trims run so far (for tests and diagnostics). */
  get trims(): number {
    return this.#trims;
  }

  /**
   * A read or write begins, and holds off the next release: at once (null), or once the release
   * running now is done (the promise). At once means in the caller's turn, so a read asked before
   * the store closes still runs.
   */
  enter(): Promise<void> | null {
    if (this.#releasing !== null) return this.#releasing.then(() => this.enter() ?? undefined);
    this.#busy += 1;
    this.#stopTimer();
    return null;
  }

  /** The read or write has finished, however it finished. */
  leave(): void {
    this.#busy -= 1;
    if (this.#busy === 0) this.#startTimer();
  }

  /** Runs `body` between enter() and leave(). */
  async around<T>(body: () => Promise<T>): Promise<T> {
    await this.enter();
    try {
      return await body();
    } finally {
      this.leave();
    }
  }

  /**
   * A read begins, as enter() does. While a bulk write holds DuckDB's limit low, the first read
   * waits for the store's own limit to be back (reads of a 100,000-GPU fleet fail for want of memory
   * at the bulk limit); the limit goes down again READ_HOLD_MS after the last read has left.
   */
  enterRead(): Promise<void> | null {
    const counted = (): Promise<void> | null => {
      const idle = this.#readsIdle();
      if (this.#readHold !== null) clearTimeout(this.#readHold);
      this.#readHold = null;
      this.#reads += 1;
      return idle && this.#lowered() ? this.#queueLimit() : null;
    };
    const entered = this.enter();
    return entered === null ? counted() : entered.then(() => counted() ?? undefined);
  }

  /** The read has finished, however it finished. */
  leaveRead(): void {
    this.#reads -= 1;
    // Held only while a bulk write holds the limit low: most reads end with none running.
    if (this.#reads === 0 && this.#lowered()) {
      this.#readHold = setTimeout(() => {
        this.#readHold = null;
        if (this.#lowered()) void this.#queueLimit();
      }, this.#armed?.options.readHoldMs ?? READ_HOLD_MS);
      this.#readHold.unref?.();
    }
    this.leave();
  }

  /**
   * A bulk write begins (inside enter/leave): DuckDB's limit goes down to BULK_WRITE_MEMORY_LIMIT, when
   * the store's own is higher, while a bulk write runs and reads are idle. Its end may come after its
   * leave(), once its transaction has committed: the memory the commit frees is handed back then.
   * While reads run or are held, the limit is the store's own already, and nothing is set: a flush
   * takes the allocator's locks, which the reads' own allocations would wait for.
   */
  async bulkWrite(): Promise<BulkWrite> {
    this.#bulkWrites += 1;
    if (this.#readsIdle()) await this.#queueLimit();
    let phase: 'storing' | 'merging' | 'ended' = 'storing';
    return {
      handBack: async () => {
        if (phase === 'storing' && this.#readsIdle()) await this.#queueLimit();
      },
      merging: async () => {
        if (phase !== 'storing') return;
        phase = 'merging';
        this.#bulkWrites -= 1;
        this.#merges += 1;
        if (this.#readsIdle()) await this.#queueLimit();
      },
      end: async () => {
        if (phase === 'ended') return;
        if (phase === 'storing') this.#bulkWrites -= 1;
        else this.#merges -= 1;
        phase = 'ended';
        if (this.#readsIdle()) await this.#queueLimit();
      },
    };
  }

  /** No read runs, and none has for READ_HOLD_MS. */
  #readsIdle(): boolean {
    return this.#reads === 0 && this.#readHold === null;
  }

  /** Whether bulk writes hold DuckDB's limit below the store's own (while reads are idle). */
  #lowered(): boolean {
    return this.#heldLimit() !== null;
  }

  /** The limit bulk writes hold while reads are idle, or null for the store's own: a merge's needs come first. */
  #heldLimit(): string | null {
    const armed = this.#armed;
    if (armed === null) return null;
    if (this.#merges > 0) return armed.lowersForMerge ? MERGE_MEMORY_LIMIT : null;
    return this.#bulkWrites > 0 && armed.lowersForBulk ? BULK_WRITE_MEMORY_LIMIT : null;
  }

  /**
   * Sets DuckDB's limit, in its turn, to what it should be then: the one bulk writes hold while reads
   * are idle (#heldLimit), else the store's own. Setting it flushes DuckDB's allocator even when the
   * value is unchanged: what a bulk write's hand-back is.
   */
  #queueLimit(): Promise<void> {
    this.#bulkLimit = this.#bulkLimit
      .then(() => {
        const armed = this.#armed;
        if (armed === null) return;
        const { instance, options } = armed;
        const value = (this.#readsIdle() ? this.#heldLimit() : null) ?? options.memoryLimit;
        return (options.setBulkLimit ?? ((v: string) => setLimit(instance, v)))(value);
      })
      .catch(() => undefined);
    return this.#bulkLimit;
  }

  /** From now on, releases the cached blocks of `instance` whenever the store has been quiet for the idle time. */
  arm(instance: DuckDBInstance, options: IdleReleaseOptions): void {
    const own = limitBytes(options.memoryLimit);
    const above = (limit: string): boolean => {
      const bytes = limitBytes(limit);
      return own !== null && bytes !== null && own > bytes;
    };
    this.#armed = { instance, options, lowersForBulk: above(BULK_WRITE_MEMORY_LIMIT), lowersForMerge: above(MERGE_MEMORY_LIMIT) };
    if (this.#busy === 0) this.#startTimer();
  }

  /** No more releases or trims; waits for one running now (the store closes the instance next). */
  async disarm(): Promise<void> {
    this.#armed = null;
    this.#stopTimer();
    if (this.#readHold !== null) clearTimeout(this.#readHold);
    this.#readHold = null;
    await this.#releasing;
    await this.#trimming;
  }

  #stopTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (this.#trimTimer !== null) clearTimeout(this.#trimTimer);
    this.#timer = null;
    this.#trimTimer = null;
  }

  #startTimer(): void {
    const armed = this.#armed;
    if (armed === null || this.#releasing !== null) return;
    this.#stopTimer();
    // The trim changes no setting, so reads and writes need not wait for it: it runs beside them.
    this.#trimTimer = setTimeout(() => {
      this.#trimTimer = null;
      if (this.#busy > 0 || this.#armed === null || this.#trimming !== null || this.#releasing !== null) return;
      const { memoryLimit, trim = () => flushAllocator(armed.instance, memoryLimit) } = armed.options;
      this.#trimming = trim().catch(() => undefined).finally(() => {
        this.#trimming = null;
        this.#trims += 1;
      });
    }, armed.options.trimMs ?? QUIET_TRIM_MS);
    this.#trimTimer.unref?.();
    this.#timer = setTimeout(() => {
      this.#timer = null;
      // Checked and closed in the same turn: nothing can enter between the two.
      if (this.#busy > 0 || this.#armed === null) return;
      const { memoryLimit, keptCacheBytes = KEPT_CACHE_BYTES, release = () => evictCache(armed.instance, memoryLimit, keptCacheBytes) } = armed.options;
      // After a trim still running (both set the limit).
      this.#releasing = (this.#trimming ?? Promise.resolve()).then(release).catch(() => undefined).finally(() => {
        this.#releasing = null;
        this.#releases += 1;
      });
    }, armed.options.idleMs ?? IDLE_RELEASE_MS);
    // An idle store must not keep a command-line process alive.
    this.#timer.unref?.();
  }
}

/** Evicts the cached table blocks down to `keptBytes`, then sets `memoryLimit` again. */
async function evictCache(instance: DuckDBInstance, memoryLimit: string, keptBytes: number): Promise<void> {
  // A store closing under the timer: nothing to release.
  const conn = await instance.connect().catch(() => null);
  if (conn === null) return;
  try {
    // Everything but the cached table blocks stays: rows not yet checkpointed could only be evicted
    // by writing them to a temporary file. (The connection's own calls, not db.ts's helpers: db.ts
    // imports this module.)
    const reader = await conn.runAndReadAll(
      `SELECT coalesce(sum(memory_usage_bytes) FILTER (WHERE tag = 'BASE_TABLE'), 0)::DOUBLE AS cached,
              coalesce(sum(memory_usage_bytes) FILTER (WHERE tag <> 'BASE_TABLE'), 0)::DOUBLE AS other
       FROM duckdb_memory()`,
    );
    const held = reader.getRowObjectsJS()[0] as { cached: number; other: number } | undefined;
    if (held === undefined || held.cached <= keptBytes) return;
    const floor = Math.ceil(held.other + keptBytes);
    try {
      await conn.run(setLimitSql(`${floor}B`));
    } catch {
      // DuckDB could not evict enough (the limit is unchanged): only memory is at stake.
    }
    await conn.run(setLimitSql(memoryLimit));
  } catch {
    // Only the duckdb_memory() read can fail here (setting the limit back raises it, which evicts
    // nothing), and then the limit was never lowered.
  } finally {
    conn.closeSync();
  }
}

/** SQL setting DuckDB's memory limit to `value` (a setting such as '256MB'). */
function setLimitSql(value: string): string {
  return `SET memory_limit = '${value.replaceAll("'", "''")}'`;
}

/** Sets DuckDB's limit; where DuckDB cannot evict enough for a lower one, it stays as it was (only memory is at stake). */
async function setLimit(instance: DuckDBInstance, value: string): Promise<void> {
  const conn = await instance.connect().catch(() => null);
  if (conn === null) return;
  try {
    await conn.run(setLimitSql(value));
  } catch {
    // Left as it was.
  } finally {
    conn.closeSync();
  }
}

/** Bytes of a DuckDB memory setting such as '256MB' or '1GiB'; null for one this cannot read. */
export function limitBytes(value: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*$/i.exec(value);
  if (m === null) return null;
  const unit = (m[2] ?? 'B').toUpperCase();
  const base = unit.includes('I') ? 1024 : 1000;
  const power = unit === 'B' ? 0 : 'KMGT'.indexOf(unit[0]!) + 1;
  return Number(m[1]) * base ** power;
}

/** Sets DuckDB's limit to the value it has, which flushes DuckDB's allocator and evicts nothing. */
function flushAllocator(instance: DuckDBInstance, memoryLimit: string): Promise<void> {
  return setLimit(instance, memoryLimit);
}

const gates = new WeakMap<object, QuietGate>();

/** The gate of the store over `instance` (one per instance, shared by its read pool and its writes). */
export function quietGateOf(instance: object): QuietGate {
  let gate = gates.get(instance);
  if (gate === undefined) gates.set(instance, (gate = new QuietGate()));
  return gate;
}
