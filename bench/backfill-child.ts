/**
 * The backend side of the first-backfill measurement (bench/backfill-process.ts builds and runs it):
 * opens a store, builds the Kubernetes connector, runs one sync at the given clock, prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { kubernetesProvider } from '../electron/backend/providers/kubernetes/provider';
import { openStore } from '../electron/backend/store/index';
import { SyncEngine } from '../electron/backend/sync/engine';
import { systemClock } from '../electron/backend/sync/clock';
import { backfillAccount, type BackfillStorage } from './backfill-account';

/** The kernel's peak RSS of this process in bytes (VmHWM), or null where /proc has none. */
function highWaterMark(): number | null {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) * 1024;
  } catch {
    return null;
  }
}

const need = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const clockNow = new Date(Number(need('BACKFILL_CLOCK_MS')));
const storage: BackfillStorage = process.env.BACKFILL_STORAGE === 'rollups' ? 'rollups' : 'raw';
const config = backfillAccount(need('BACKFILL_KUBECONFIG'), need('BACKFILL_PROMETHEUS_URL'), storage);
const connector = await kubernetesProvider.create(config);
// The backend's own memory limit (not a bench-sized one).
const store = await openStore(need('BACKFILL_STORE_DIR'), { now: () => clockNow });
const engine = new SyncEngine({ store, accounts: [{ config, connector }], clock: { ...systemClock, now: () => clockNow }, random: () => 0.5 });
const startRssBytes = process.memoryUsage.rss();
let sampled = startRssBytes;
const timer = setInterval(() => {
  sampled = Math.max(sampled, process.memoryUsage.rss());
}, 50);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const result = await engine.syncOnce();
const ms = performance.now() - t0;
clearInterval(timer);
sampled = Math.max(sampled, process.memoryUsage.rss());
const cpu = process.cpuUsage(cpu0);
const peakRssBytes = highWaterMark() ?? sampled;
await store.close();
const account = result.accounts[0];
process.stdout.write(
  `${JSON.stringify({
    ok: result.ok,
    rows: account?.streams.metrics.rows ?? 0,
    ms,
    peakRssBytes,
    sampledPeakRssBytes: sampled,
    startRssBytes,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    streams: account?.streams ?? null,
  })}\n`,
);
// DuckDB's native handles may outlive the store; the result is printed.
process.exit(0);
