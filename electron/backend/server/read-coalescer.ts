/**
 * Identical reads of one data state are answered once. A team's panes refresh together (on the same
 * data-changed event, on the same minute), and computing one overview or series 50 times queues all
 * of them on the store's few connections and on serve's one event loop, which a running sync shares.
 *
 * An answer is handed to every request of the same key and generation, while it is computed and for
 * a short while after (issue 16: during a sync each computation waits on the sync's turns of the
 * event loop, so a finished answer not kept meant every round of requests waited for a new one).
 * Every event that may follow a change to the store and every write request start a new generation,
 * and a request never gets an answer whose computation started before the change it was told of.
 */

/** How long a finished answer is kept: bounds how old an answer can be after a change no event announced. */
export const KEEP_ANSWER_MS = 15_000;
/** Answers kept at most (keys carry the minute, so old minutes' answers are dropped first). */
const MAX_KEPT = 64;

export interface ReadCoalescerOptions {
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
  keepMs?: number;
}

export interface ReadCoalescer {
  /**
   * Runs `compute`, or hands back the answer (running or kept) of the same `key` and generation.
   * `keep` says whether a finished answer may be kept for later requests (an error reply is not).
   */
  run<T>(key: string, compute: () => Promise<T>, keep?: (answer: T) => boolean): Promise<T>;
  /** The store may have changed: requests from now on start computations of their own. */
  invalidate(): void;
  /** Computations running now (for tests and diagnostics). */
  readonly inFlight: number;
}

interface Flight {
  generation: number;
  result: Promise<unknown>;
  /** When the computation ended and its answer may be kept; null while it runs. */
  keptSince: number | null;
}

/** Creates an empty coalescer. */
export function createReadCoalescer(options: ReadCoalescerOptions = {}): ReadCoalescer {
  const now = options.now ?? Date.now;
  const keepMs = options.keepMs ?? KEEP_ANSWER_MS;
  let generation = 0;
  let running = 0;
  const flights = new Map<string, Flight>();
  const usable = (flight: Flight): boolean => flight.generation === generation && (flight.keptSince === null || now() - flight.keptSince < keepMs);
  return {
    run<T>(key: string, compute: () => Promise<T>, keep: (answer: T) => boolean = () => true): Promise<T> {
      const found = flights.get(key);
      if (found !== undefined && usable(found)) return found.result as Promise<T>;
      const result = Promise.resolve().then(compute);
      const flight: Flight = { generation, result, keptSince: null };
      flights.set(key, flight);
      running += 1;
      result.then(
        (answer) => {
          running -= 1;
          if (flights.get(key) !== flight) return;
          if (flight.generation !== generation || !keep(answer)) {
            flights.delete(key);
            return;
          }
          flight.keptSince = now();
          // Oldest first (Map order): the earliest kept answers are of past minutes.
          for (const [old, f] of flights) {
            if (flights.size <= MAX_KEPT) break;
            if (f.keptSince !== null) flights.delete(old);
          }
        },
        () => {
          running -= 1;
          // A failure is shared with those who joined, never kept.
          if (flights.get(key) === flight) flights.delete(key);
        },
      );
      return result;
    },
    invalidate() {
      generation += 1;
      // Running computations of the old generation still answer those who joined them.
      for (const [key, flight] of flights) if (flight.keptSince !== null) flights.delete(key);
    },
    get inFlight() {
      return running;
    },
  };
}
