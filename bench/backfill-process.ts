/**
 * The first 24 h metrics backfill in a process of its own, running built code as the desktop app's
 * backend host and the built `fleetpane` command do: the bench process also holds the Kubernetes API
 * emulator, the generated fleet and tsx's loader (about 80 MiB of transformed modules), none of which a
 * backend has, so its RSS overstated the backend's by 100 MiB and more.
 *
 * The parent builds `backfill-child.ts` (bench-child.ts) and runs it with the same fixed clock the
 * bench uses; the child prints one JSON line with what it measured.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { buildBenchChild } from './bench-child';
import type { BackfillStorage } from './backfill-account';
import { eachLine, emptyPeaks, foldMemoryLine, type MemoryPeaks } from './memory-lines';

/** What the child measured. */
export interface BackfillProcessResult {
  ok: boolean;
  rows: number;
  ms: number;
  /** The child's peak RSS in bytes: the kernel's high-water mark (VmHWM) where it has one, else sampled every 50 ms. */
  peakRssBytes: number;
  /** RSS sampled every 50 ms during the sync (comparable with the numbers of earlier rounds). */
  sampledPeakRssBytes: number;
  /** RSS once the store was open and the connector built, before the sync. */
  startRssBytes: number;
  cpuSeconds: number;
  streams: unknown;
  /** The child's memory lines (every 250 ms): each part's own peak, and every part at the line of highest RSS. */
  memory: { peaks: MemoryPeaks; atRssPeak: MemoryPeaks };
}

/** How often the child writes its memory line (RSS, JS heap, external, DuckDB by tag). */
export const TRACE_MS = 250;

/**
 * Builds the child into out/bench-backfill (inside the project, so its packages resolve from
 * node_modules as the app's build does); returns the file to run.
 */
export function buildBackfillChild(): Promise<string> {
  return buildBenchChild('backfill-child.ts', 'bench-backfill');
}

/** Runs the built child's first sync against the emulated cluster and Prometheus; rejects when it fails or prints no result. */
export function runBackfillProcess(
  file: string,
  args: { kubeconfig: string; prometheusUrl: string; storeDir: string; clockMs: number; storage?: BackfillStorage },
): Promise<BackfillProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        BACKFILL_KUBECONFIG: args.kubeconfig,
        BACKFILL_PROMETHEUS_URL: args.prometheusUrl,
        BACKFILL_STORE_DIR: args.storeDir,
        BACKFILL_CLOCK_MS: String(args.clockMs),
        BACKFILL_STORAGE: args.storage ?? 'raw',
        FLEETPANE_MEMORY_TRACE_MS: String(TRACE_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const peaks = emptyPeaks();
    let atRssPeak = emptyPeaks();
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    // Memory lines are folded as they come (a long backfill writes thousands); anything else is kept for an error.
    eachLine(child.stderr, (line) => {
      if (!line.startsWith('fleetpane memory: ')) {
        stderr = `${stderr}${line}\n`.slice(-4000);
        return;
      }
      const rssBefore = peaks.rss;
      foldMemoryLine(line, peaks);
      if (peaks.rss > rssBefore) foldMemoryLine(line, (atRssPeak = emptyPeaks()));
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new Error(`the backfill process exited with ${code}: ${stderr || stdout}`));
        return;
      }
      resolve({ ...(JSON.parse(line) as Omit<BackfillProcessResult, 'memory'>), memory: { peaks, atRssPeak } });
    });
  });
}
