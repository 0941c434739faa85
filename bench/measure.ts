/** Measuring helpers every bench module shares: percentiles, CPU time of a process, free disk, timed streams. */
import { readFile, statfs } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

/** Timed runs per repeated measure (BENCH_REPEATS). */
export const REPEATS = Number(process.env.BENCH_REPEATS ?? 30);

/** Runs `body` once to warm caches, as a pane that refreshes every minute has them, then `repeats` times timed: p50 and p95 in ms. */
export async function timeRepeated(body: () => Promise<unknown>, repeats = REPEATS): Promise<{ p50: number; p95: number }> {
  await body();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await body();
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

/**
 * Times `subject` and `reference` in alternation after one warm-up run of each, `repeats` times
 * each, so a load that comes and goes on a shared machine falls on both alike: p50 and p95 in ms.
 */
export async function timeAlternated(
  subject: () => Promise<unknown>,
  reference: () => Promise<unknown>,
  repeats = REPEATS,
): Promise<{ subject: { p50: number; p95: number }; reference: { p50: number; p95: number } }> {
  await subject();
  await reference();
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < repeats; i++) {
    for (const [side, body] of [subject, reference].entries()) {
      const t0 = performance.now();
      await body();
      times[side]!.push(performance.now() - t0);
    }
  }
  const summary = (xs: number[]): { p50: number; p95: number } => ({ p50: percentile(xs, 50), p95: percentile(xs, 95) });
  return { subject: summary(times[0]), reference: summary(times[1]) };
}

/** The p-th percentile (nearest rank) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 where it cannot be read. */
export async function cpuSecondsOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100;
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / ticksPerSecond;
}

/** Free bytes in the file system holding `path`, or Infinity where it cannot be read. */
export async function freeBytes(path: string): Promise<number> {
  try {
    const s = await statfs(path);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/** Passes `source` through, adding the milliseconds spent inside its `next()` (the producer's own work) to `clock.ms`. */
export async function* timed<T>(source: AsyncIterable<T> | Iterable<T>, clock: { ms: number }): AsyncGenerator<T> {
  const it = (Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<T>)[Symbol.iterator]()) as
    | AsyncIterator<T>
    | Iterator<T>;
  for (;;) {
    const t0 = performance.now();
    const next = await it.next();
    clock.ms += performance.now() - t0;
    if (next.done) return;
    yield next.value;
  }
}
