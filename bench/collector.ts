/**
 * Team collector under load (issue 16): `fleetpane serve --config` on the bench fleet with
 * BENCH_COLLECTOR_SESSIONS (default 50) concurrent sessions on loopback, each holding an SSE
 * connection to the event stream and asking the pane's queries in a loop with a short pause between
 * rounds (a bounded load, not a flood). During the load a sync is started (`sync:now`), and every
 * session's events are counted against an unloaded reference session's: an event the reference got
 * and a session did not is lost. Measured: API p95 over every request, events lost, serve's peak RSS.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServeProcess, stopProcess } from '../electron/backend/cli/testing/fleetpane-process';
import type { RecordMeasure } from './prometheus';

const SESSIONS = Number(process.env.BENCH_COLLECTOR_SESSIONS ?? 50);
const SECONDS = Number(process.env.BENCH_COLLECTOR_SECONDS ?? 30);
/** A session's pause between rounds of the pane's queries (a pane refreshes, it does not spin). */
const THINK_MS = 250;

interface EventCounter {
  events: number;
  finished: Set<string>;
  close(): void;
}

/** Opens the SSE stream and counts `fleetpane:event` messages until closed. */
async function openEvents(base: URL, token: string): Promise<EventCounter> {
  const abort = new AbortController();
  const counter: EventCounter = { events: 0, finished: new Set(), close: () => abort.abort() };
  const res = await fetch(new URL('/api/events', base), { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
  if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
        let end: number;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const message = text.slice(0, end);
          text = text.slice(end + 2);
          if (!message.startsWith('event: ')) continue;
          counter.events += 1;
          const data = /\ndata: (.*)/.exec(message)?.[1];
          if (data?.includes('"sync-progress"')) {
            const e = JSON.parse(data) as { stream?: string; phase?: string };
            if (e.phase === 'finished' || e.phase === 'failed') counter.finished.add(e.stream ?? '');
          }
        }
      }
    } catch {
      // closed by the bench
    }
  })();
  return counter;
}

function rssMiBOf(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Promise.resolve(0);
  return readFile(`/proc/${pid}/status`, 'utf8')
    .then((s) => Number(/VmRSS:\s+(\d+) kB/.exec(s)?.[1] ?? 0) / 1024)
    .catch(() => 0);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Runs the collector load; `accounts` is the config the collector syncs (the bench fleet's account). */
export async function benchCollector(record: RecordMeasure, options: { dataDir: string; accounts: ReadonlyArray<Record<string, unknown>> }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-bench-collector-'));
  const configFile = join(dir, 'fleetpane.json');
  await writeFile(configFile, JSON.stringify({ accounts: options.accounts }));
  const { child, url } = await startServeProcess(['--config', configFile, '--data-dir', options.dataDir, '--port', '0']);
  const token = url.searchParams.get('token') ?? '';
  const counters: EventCounter[] = [];
  let peakRss = 0;
  const rssTimer = setInterval(() => void rssMiBOf(child.pid).then((r) => (peakRss = Math.max(peakRss, r))), 250);
  try {
    console.log(`Team collector: ${SESSIONS} sessions for ${SECONDS} s on loopback`);
    const call = async (channel: string, body: unknown): Promise<number> => {
      const t0 = performance.now();
      const res = await fetch(new URL(`/api/${channel}`, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${channel} answered ${res.status}`);
      return performance.now() - t0;
    };
    // Let the start-up sync settle, so every session counts the same sync from its start.
    const reference = await openEvents(url, token);
    for (let quiet = 0, last = -1; quiet < 3; ) {
      await new Promise((r) => setTimeout(r, 1000));
      quiet = reference.events === last ? quiet + 1 : 0;
      last = reference.events;
    }
    for (let i = 0; i < SESSIONS; i++) counters.push(await openEvents(url, token));
    await new Promise((r) => setTimeout(r, 500));
    for (const c of [reference, ...counters]) {
      c.events = 0;
      c.finished.clear();
    }
    // Serve's own start-up sync is not the load: its peak is printed apart.
    const startupPeak = peakRss;
    peakRss = await rssMiBOf(child.pid);
    console.log(`  serve peak RSS before the load (start-up sync included): ${startupPeak.toFixed(0)} MiB; at the load's start: ${peakRss.toFixed(0)} MiB`);

    const latencies: number[] = [];
    const errors: string[] = [];
    const deadline = performance.now() + SECONDS * 1000;
    const session = async () => {
      while (performance.now() < deadline) {
        try {
          latencies.push(await call('fleet:overview', {}));
          latencies.push(await call('fleet:utilisation-series', { range: '24h', groupBy: 'cloud' }));
          latencies.push(await call('fleet:filter-options', {}));
        } catch (err) {
          errors.push(err instanceof Error ? err.message : String(err));
        }
        await new Promise((r) => setTimeout(r, THINK_MS));
      }
    };
    const load = Promise.all(Array.from({ length: SESSIONS }, session));
    // A sync a few seconds into the load: its events must reach every session.
    await new Promise((r) => setTimeout(r, Math.min(3000, SECONDS * 200)));
    await call('sync:now', {});
    await load;
    const syncDeadline = performance.now() + 120_000;
    while (reference.finished.size < 4 && performance.now() < syncDeadline) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 1000));
    const published = reference.events;
    const lost = counters.reduce((n, c) => n + Math.max(0, published - c.events), 0);
    console.log(`  ${latencies.length} requests (${errors.length} failed${errors[0] ? `, first: ${errors[0]}` : ''}); sync streams finished: ${[...reference.finished].join(', ') || 'none'}; ${published} events per session`);
    const p95 = percentile(latencies, 95);
    record({
      name: `collector API p95, ${SESSIONS} sessions (overview, 24 h series, filters; SSE open)`,
      value: p95,
      unit: 'ms',
      target: '<= 100',
      met: p95 <= 100 && errors.length === 0,
      reference: { name: 'p50 ms', value: percentile(latencies, 50), ratio: p95 / percentile(latencies, 50) },
    });
    record({
      name: `collector events lost during a sync (${published} published x ${SESSIONS} sessions)`,
      value: lost,
      unit: 'events',
      target: '0',
      met: lost === 0 && published > 0,
    });
    await new Promise((r) => setTimeout(r, 300));
    record({ name: 'collector serve peak RSS under load (a sync included)', value: peakRss, unit: 'MiB', target: '<= 500', met: peakRss <= 500 });
  } finally {
    clearInterval(rssTimer);
    for (const c of counters) c.close();
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}
