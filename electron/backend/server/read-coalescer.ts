/**
 * Identical reads asked at the same time are answered once. A team's panes refresh together (on the
 * same data-changed event, on the same minute), and computing one overview or series 50 times queues
 * all of them on the store's few connections and cores.
 *
 * A request joins a computation only while it runs and only when nothing may have changed since it
 * started: every event the backend emits and every write request start a new generation. A pane asks
 * again when it hears of a change, and that request never joins a computation from before it.
 */

export interface ReadCoalescer {
  /** Runs `compute`, or hands back the running computation of the same `key` and generation. */
  run<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** The store may have changed: requests from now on start computations of their own. */
  invalidate(): void;
  /** Computations running now (for tests and diagnostics). */
  readonly inFlight: number;
}

/** Creates an empty coalescer. */
export function createReadCoalescer(): ReadCoalescer {
  let generation = 0;
  const flights = new Map<string, { generation: number; result: Promise<unknown> }>();
  return {
    run<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const running = flights.get(key);
      if (running !== undefined && running.generation === generation) return running.result as Promise<T>;
      const result = Promise.resolve().then(compute);
      const flight = { generation, result };
      flights.set(key, flight);
      // Only while it runs: a finished answer is never handed out again.
      const land = (): void => {
        if (flights.get(key) === flight) flights.delete(key);
      };
      result.then(land, land);
      return result;
    },
    invalidate() {
      generation += 1;
    },
    get inFlight() {
      return flights.size;
    },
  };
}
