/** Starts the Debian `prometheus` on loopback over a TSDB backfilled by `promtool`, for tests. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why Prometheus cannot run here, or null when both binaries are on PATH. */
export function prometheusSkipReason(): string | null {
  for (const bin of ['prometheus', 'promtool']) {
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    if (r.error || r.status !== 0) return `${bin} is not installed (Debian package "prometheus"); the CI script installs it`;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  /** The server's process id (the bench reads its CPU time). */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** Backfills `openMetrics` with promtool, starts prometheus on a free port and waits for /-/ready. */
export async function startPrometheus(openMetrics: string): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetpane-prom-'));
  const input = join(dir, 'dcgm.om');
  writeFileSync(input, openMetrics);
  try {
    backfillOpenMetrics(input, join(dir, 'data'));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  rmSync(input);
  return startPrometheusIn(dir);
}

/** Turns an OpenMetrics file into TSDB blocks under `dataDir` with `promtool tsdb create-blocks-from openmetrics`. */
export function backfillOpenMetrics(inputFile: string, dataDir: string): void {
  const backfill = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', inputFile, dataDir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${(backfill.stderr ?? String(backfill.error)).slice(-2000)}`);
}

/**
 * Starts prometheus over the TSDB in `dir`/data (written by backfillOpenMetrics) on a free port and
 * waits for /-/ready; stopping it removes `dir`.
 */
export async function startPrometheusIn(dir: string): Promise<RunningPrometheus> {
  const data = join(dir, 'data');
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      '--storage.tsdb.retention.time=3650d',
      `--web.listen-address=127.0.0.1:${port}`,
      '--query.max-samples=200000000',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, pid: child.pid, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`prometheus did not become ready: ${stderr}`);
}
