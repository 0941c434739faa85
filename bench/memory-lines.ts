/**
 * The backend's memory lines (FLEETPANE_MEMORY_TRACE_MS: `fleetpane memory: rss=… heap=… duckdb=… TAG=…`
 * on stderr), folded into peaks, for the benches that run a backend in a process of its own.
 */

/** Calls `onLine` with each whole line `stream` writes (a chunk may end mid-line). */
export function eachLine(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
}

/** Peaks of a backend's memory lines (MiB) over some span. */
export interface MemoryPeaks {
  rss: number;
  heap: number;
  /** The JS heap's pages V8 holds (used or not): what of the heap counts in RSS. */
  heapTotal: number;
  /** Memory outside the JS heap that V8 knows of (Buffers, strings handed to native code). */
  external: number;
  duckdb: number;
  /** The backend's longest event-loop stall (ms). */
  loopMs: number;
  /** Lines folded, and of them the lines whose span saw an event-loop stall over LONG_STALL_MS. */
  lines: number;
  longStallLines: number;
  /** Each DuckDB tag's own peak. */
  tags: Map<string, number>;
  /**
   * The line with the highest RSS: the peaks above may come from different lines, and only one line's
   * parts add up to its RSS (what none of them holds is the binaries and the allocators' free pages).
   */
  atRssPeak: { rss: number; heapTotal: number; external: number; duckdb: number } | null;
}

/** A stall the lines count: every request waiting then waited at least this long (ms). */
export const LONG_STALL_MS = 100;

/** Peaks before any line. */
export function emptyPeaks(): MemoryPeaks {
  return { rss: 0, heap: 0, heapTotal: 0, external: 0, duckdb: 0, loopMs: 0, lines: 0, longStallLines: 0, tags: new Map(), atRssPeak: null };
}

/** Folds one `fleetpane memory: rss=… heap=… duckdb=… TAG=…` line into `peaks`. */
export function foldMemoryLine(line: string, peaks: MemoryPeaks): void {
  const values = new Map([...line.matchAll(/(\w+)=([\d.]+)/g)].map(([, key, value]) => [key ?? '', Number(value)] as const));
  const rss = values.get('rss');
  peaks.lines++;
  if ((values.get('loop_max_ms') ?? 0) > LONG_STALL_MS) peaks.longStallLines++;
  if (rss !== undefined && rss > (peaks.atRssPeak?.rss ?? -1)) {
    peaks.atRssPeak = { rss, heapTotal: values.get('heap_total') ?? 0, external: values.get('external') ?? 0, duckdb: values.get('duckdb') ?? 0 };
  }
  for (const [key, mib] of values) {
    if (key === 'rss') peaks.rss = Math.max(peaks.rss, mib);
    else if (key === 'external') peaks.external = Math.max(peaks.external, mib);
    else if (key === 'loop_max_ms') peaks.loopMs = Math.max(peaks.loopMs, mib);
    else if (key === 'heap') peaks.heap = Math.max(peaks.heap, mib);
    else if (key === 'heap_total') peaks.heapTotal = Math.max(peaks.heapTotal, mib);
    else if (key === 'duckdb') peaks.duckdb = Math.max(peaks.duckdb, mib);
    else if (key === key.toUpperCase()) peaks.tags.set(key, Math.max(peaks.tags.get(key) ?? 0, mib));
  }
}

/** One line: RSS, JS heap (used, and held by V8), external, DuckDB by tag, longest stall and how many spans had a long one. */
export function describePeaks(peaks: MemoryPeaks): string {
  const tags = [...peaks.tags].sort((a, b) => b[1] - a[1]).map(([tag, mib]) => `${tag} ${mib.toFixed(0)}`);
  const at = peaks.atRssPeak;
  // Of one line (the RSS peak's), a count says nothing.
  const spans = peaks.lines > 1 ? `, one over ${LONG_STALL_MS} ms in ${peaks.longStallLines} of ${peaks.lines} lines` : '';
  const split =
    at === null
      ? ''
      : `; at the RSS peak V8 holds ${at.heapTotal.toFixed(0)}, external ${at.external.toFixed(0)}, DuckDB ${at.duckdb.toFixed(0)}, the rest ${(at.rss - at.heapTotal - at.external - at.duckdb).toFixed(0)} (binaries, allocators' free pages)`;
  return `RSS ${peaks.rss.toFixed(0)} MiB, JS heap ${peaks.heap.toFixed(0)} (V8 holds ${peaks.heapTotal.toFixed(0)}), external ${peaks.external.toFixed(0)}, DuckDB ${peaks.duckdb.toFixed(0)} (${tags.join(', ') || 'none'})${split}; longest event-loop stall ${peaks.loopMs.toFixed(0)} ms${spans}`;
}
