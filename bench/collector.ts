/**
 * Team collector under load (issue 16): `fleetpane serve --config` on the bench fleet with
 * BENCH_COLLECTOR_SESSIONS (default 50) concurrent sessions on loopback, each holding an SSE
 * connection to the event stream and asking the pane's queries in a loop with a short pause between
 * rounds (a bounded load, not a flood). During the load a sync is started (`sync:now`), and every
 * session's events are counted against an unloaded reference session's: an event the reference got
 * and a session did not is lost. Measured: API p95 over every request (and per route), events lost,
 * serve's peak RSS by phase with DuckDB's own memory by tag (serve's FLEETPANE_MEMORY_TRACE_MS lines),
 * and the CPU share of serve and of this load generator, which share the machine's cores.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServeProcess, stopProcess } from '../electron/backend/cli/testing/fleetpane-process';
import type { RecordMeasure } from './prometheus';
import { percentile, cpuSecondsOf } from './measure';
import { describePeaks, eachLine, emptyPeaks, foldMemoryLine, type MemoryPeaks } from './memory-lines';

const SESSIONS = Number(process.env.BENCH_COLLECTOR_SESSIONS ?? 50);
const SECONDS = Number(process.env.BENCH_COLLECTOR_SECONDS ?? 30);
/** A session's pause between rounds of the pane's queries (a pane refreshes, it does not spin). */
const THINK_MS = 250;
const NO_FILTER = { clouds: [], regions: [], gpuModels: [] };
/** How often serve writes its memory line (RSS, heap, DuckDB by tag). */
const TRACE_MS = 500;

interface EventCounter {
  events: number;
  finished: Set<string>;
  /** Sync streams started and not yet finished or failed, as this session was told. */
  running: Set<string>;
  close(): void;
}

/** Opens the SSE stream and counts `fleetpane:event` messages until closed. */
async function openEvents(base: URL, token: string): Promise<EventCounter> {
  const abort = new AbortController();
  const counter: EventCounter = { events: 0, finished: new Set(), running: new Set(), close: () => abort.abort() };
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
            if (e.phase === 'started') counter.running.add(e.stream ?? '');
            if (e.phase === 'finished' || e.phase === 'failed') {
              counter.finished.add(e.stream ?? '');
              counter.running.delete(e.stream ?? '');
            }
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

/** Runs the collector load; `accounts` is the config the collector syncs (the bench fleet's account). */
export async function benchCollector(record: RecordMeasure, options: { dataDir: string; accounts: ReadonlyArray<Record<string, unknown>> }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-bench-collector-'));
  const configFile = join(dir, 'fleetpane.json');
  await writeFile(configFile, JSON.stringify({ accounts: options.accounts }));
  const { child, url } = await startServeProcess(['--config', configFile, '--data-dir', options.dataDir, '--port', '0'], {
    ...process.env,
    FLEETPANE_MEMORY_TRACE_MS: String(TRACE_MS),
  });
  const token = url.searchParams.get('token') ?? '';
  const counters: EventCounter[] = [];
  let peakRss = 0;
  const rssTimer = setInterval(() => void rssMiBOf(child.pid).then((r) => (peakRss = Math.max(peakRss, r))), 250);
  // Serve's memory lines, folded into the phase they fall in.
  const phases = { startup: emptyPeaks(), load: emptyPeaks() };
  let phase: MemoryPeaks = phases.startup;
  // During the load, each line is also folded by the sync streams running then (as the unloaded
  // reference session hears of them): where in the sync the RSS peak falls.
  let streamsNow: (() => string) | null = null;
  const byStreams = new Map<string, MemoryPeaks>();
  if (child.stderr) eachLine(child.stderr, (line) => {
    if (!line.startsWith('fleetpane memory: ')) return;
    foldMemoryLine(line, phase);
    if (streamsNow === null) return;
    const key = streamsNow();
    const peaks = byStreams.get(key) ?? emptyPeaks();
    byStreams.set(key, peaks);
    foldMemoryLine(line, peaks);
  });
  try {
    console.log(`Team collector: ${SESSIONS} sessions for ${SECONDS} s on loopback (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    const byRoute = new Map<string, number[]>();
    // When the slowest requests started, relative to the load's start (is it one stall or steady queueing?).
    const slow: { startS: number; ms: number; channel: string }[] = [];
    let loadStart = performance.now();
    const latencies: number[] = [];
    const errors: string[] = [];
    /** One request; a failed one counts in the percentiles at the time it took to fail, not left out. */
    const call = async (channel: string, body: unknown, counted = true): Promise<void> => {
      const t0 = performance.now();
      let failure: string | null = null;
      try {
        const res = await fetch(new URL(`/api/${channel}`, url), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
        await res.arrayBuffer();
        if (!res.ok) failure = `${channel} answered ${res.status}`;
      } catch (err) {
        // fetch says only "fetch failed"; the cause (a connect timeout, a reset) is what tells.
        const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
        failure = `${channel}: ${err instanceof Error ? err.message : String(err)}${cause}`;
      }
      const ms = performance.now() - t0;
      if (ms > 1000) slow.push({ startS: (t0 - loadStart) / 1000, ms, channel });
      const times = byRoute.get(channel) ?? [];
      times.push(ms);
      byRoute.set(channel, times);
      if (counted) latencies.push(ms);
      if (failure !== null) {
        errors.push(failure);
        if (!counted) throw new Error(failure);
      }
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
    console.log(`  start-up peaks: ${describePeaks(phases.startup)}`);
    phase = phases.load;
    streamsNow = () => [...reference.running].sort().join(' + ') || 'no stream syncing';
    const cpuStart = { bench: process.cpuUsage(), serve: await cpuSecondsOf(child.pid), at: performance.now() };

    const deadline = performance.now() + SECONDS * 1000;
    loadStart = performance.now();
    let syncAtS = NaN;
    const session = async () => {
      while (performance.now() < deadline) {
        // The requests as the pane sends them (renderer/src/api/queries.ts: the filter is always given).
        await call('fleet:overview', { filter: NO_FILTER });
        await call('fleet:utilisation-series', { range: '24h', filter: NO_FILTER, groupBy: 'cloud' });
        await call('fleet:filter-options', {});
        await new Promise((r) => setTimeout(r, THINK_MS));
      }
    };
    const load = Promise.all(Array.from({ length: SESSIONS }, session));
    // A sync a few seconds into the load: its events must reach every session.
    await new Promise((r) => setTimeout(r, Math.min(3000, SECONDS * 200)));
    syncAtS = (performance.now() - loadStart) / 1000;
    await call('sync:now', {}, false);
    await load;
    // CPU over the load only: what serve used and what this generator (its 50 sessions' fetches and
    // SSE parsing) took from the same cores.
    const wallS = (performance.now() - cpuStart.at) / 1000;
    const benchCpu = process.cpuUsage(cpuStart.bench);
    const benchShare = (benchCpu.user + benchCpu.system) / 1e6 / (wallS * cpus().length);
    const serveCpuS = (await cpuSecondsOf(child.pid)) - cpuStart.serve;
    const serveShare = serveCpuS / (wallS * cpus().length);
    console.log(
      `  CPU during the load (share of ${cpus().length} cores): serve ${(serveShare * 100).toFixed(0)}%, load generator ${(benchShare * 100).toFixed(0)}%; serve CPU per request ${((serveCpuS * 1000) / Math.max(1, latencies.length)).toFixed(1)} ms (the sync included); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
    );
    if (slow.length > 0) {
      const starts = slow.map((r) => r.startS);
      console.log(
        `  ${slow.length} requests over 1 s, started ${Math.min(...starts).toFixed(1)}-${Math.max(...starts).toFixed(1)} s into the load (sync:now at ${syncAtS.toFixed(1)} s); slowest ${Math.max(...slow.map((r) => r.ms)).toFixed(0)} ms`,
      );
      // Per second of the load, the slowest request started in it: one stall shows as a short run of seconds.
      const worstBySecond = new Map<number, number>();
      for (const r of slow) worstBySecond.set(Math.floor(r.startS), Math.max(worstBySecond.get(Math.floor(r.startS)) ?? 0, r.ms));
      console.log(`  slowest by start second: ${[...worstBySecond].sort((a, b) => a[0] - b[0]).map(([sec, ms]) => `${sec}s ${(ms / 1000).toFixed(1)}`).join(', ')}`);
    }
    for (const [channel, times] of byRoute) {
      console.log(`  ${channel}: ${times.length} requests, p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`);
      record({ name: `collector ${channel} p95 (per route)`, value: percentile(times, 95), unit: 'ms', target: 'informational', met: true });
    }
    record({ name: 'collector load generator CPU share (shares the cores with serve)', value: benchShare * 100, unit: '%', target: 'informational', met: true });
    record({ name: 'collector serve CPU share during the load', value: serveShare * 100, unit: '%', target: 'informational', met: true });
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
    record({ name: 'collector serve peak RSS under load (a sync included)', value: peakRss, unit: 'MiB', target: '<= 500 MB (476.8 MiB)', met: peakRss * 2 ** 20 <= 500e6 });
    console.log(`  load peaks: ${describePeaks(phases.load)}`);
    for (const [streams, peaks] of [...byStreams].sort((a, b) => b[1].rss - a[1].rss)) {
      console.log(`    while ${streams}: ${describePeaks(peaks)}`);
      record({ name: `collector serve peak RSS under load while ${streams}`, value: peaks.rss, unit: 'MiB', target: 'informational', met: true });
    }
    record({ name: 'collector serve peak RSS during its start-up sync (before any session)', value: startupPeak, unit: 'MiB', target: 'informational', met: true });
    for (const [name, peaks] of Object.entries(phases)) {
      record({ name: `collector DuckDB memory peak, ${name} (duckdb_memory())`, value: peaks.duckdb, unit: 'MiB', target: 'informational', met: true });
      for (const [tag, mib] of peaks.tags) record({ name: `collector DuckDB ${tag} peak, ${name}`, value: mib, unit: 'MiB', target: 'informational', met: true });
    }
  } finally {
    clearInterval(rssTimer);
    for (const c of counters) c.close();
    await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  }
}
