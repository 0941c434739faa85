import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type AppEvent } from '../../../shared/contract';
import type { FocusCostRow, GpuResource, GpuSample, Incident, ProviderId, StreamId } from '../../../shared/domain';
import { AuthError, ThrottledError, UnavailableError } from '../providers/types';
import { TurnBudget } from '../store/event-loop-turns';
import { SyncEngine, type SyncAccount, type SyncEngineOptions } from './engine';
import { jsonLineLogger } from './logger';
import { SyncSummary } from './summary';
import { FakeConnector, accountConfig, batchesOf, costRow, incident, resource, sample, untilAborted, type FakeStreams } from './testing/fake-connector';
import { FakeStore } from './testing/fake-store';
import type { RunStart, Window } from '../store/types';
import type { MetricsStorage } from '../../../shared/config';
import { GpuSampleColumns } from '../domain/sample-columns';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 12:00:30 UTC, so "now floored to the minute" differs from now. */
const NOW = Date.UTC(2026, 0, 15, 12, 0, 30);
const NOW_MINUTE = Date.UTC(2026, 0, 15, 12, 0, 0);

function account(name: string, provider: ProviderId = 'demo', streams: FakeStreams = {}, config = {}): SyncAccount & { connector: FakeConnector } {
  return { config: accountConfig(name, provider, config), connector: new FakeConnector(name, provider, streams) };
}

function build(accounts: SyncAccount[], options: Partial<SyncEngineOptions> = {}) {
  const store = new FakeStore();
  const events: AppEvent[] = [];
  const engine = new SyncEngine({ store, accounts, emit: (e) => events.push(e), random: () => 0.5, ...options });
  return { engine, store, events };
}

/** Runs a syncOnce to completion, letting backoff sleeps elapse on the fake clock. */
async function syncToEnd(engine: SyncEngine, accounts?: string[]): Promise<SyncSummary> {
  const pending = engine.syncOnce(accounts ? { accounts } : {});
  await vi.runAllTimersAsync();
  return pending;
}

/** A stream that fails with the given errors in turn, then yields `then`. */
function failingThen<T>(errors: Error[], then: T[][] = []): () => AsyncIterable<T[]> {
  let call = 0;
  return () => {
    const error = errors[call++];
    return (async function* () {
      if (error) throw error;
      yield* batchesOf(...then);
    })();
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  // The batch check gives the real event loop a turn once its real-time budget is used (a loaded
  // machine uses it on small batches); here time is the fake clock's, and such a turn raced it
  // (read-ahead tests hung at the timeout under load). Turns are tested in engine-turns.test.ts.
  vi.spyOn(TurnBudget.prototype, 'due').mockReturnValue(false);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe('syncOnce', () => {
  it('syncs every stream of every enabled account and reports a valid summary', async () => {
    const a = account('lab-a', 'demo', {
      metrics: (req) => batchesOf([sample('gpu-vm-1', req.from), sample('gpu-vm-1', req.to - MINUTE)]),
      costs: (req) => batchesOf([costRow(req.from, '3.10')]),
      incidents: () => batchesOf([incident('lab-a', 'status:1')]),
    });
    const off = account('lab-off', 'demo', {}, { enabled: false });
    const { engine, store } = build([a, off]);

    const summary = SyncSummary.parse(await syncToEnd(engine));

    expect(summary.ok).toBe(true);
    expect(summary.accounts.map((s) => s.account)).toEqual(['lab-a']);
    const streams = summary.accounts[0]!.streams;
    expect(streams.inventory).toEqual({ status: 'ok', rows: 1, attempts: 1, error: null, window: null });
    // Default 24 h backfill = 4 chunks of 2 samples.
    expect(streams.metrics).toMatchObject({ status: 'ok', rows: 8, attempts: 1 });
    expect(streams.metrics.window).toEqual({ from: new Date(NOW_MINUTE - 24 * HOUR).toISOString(), to: new Date(NOW_MINUTE).toISOString() });
    expect(streams.costs).toMatchObject({ status: 'ok', rows: 1, window: { from: '2025-12-11T00:00:00.000Z', to: new Date(NOW).toISOString() } });
    expect(streams.incidents).toMatchObject({ status: 'ok', rows: 1, window: null });
    expect(off.connector.calls.inventory).toHaveLength(0);
    expect(store.accounts.get('lab-off')?.enabled).toBe(false);
    expect(store.inventory.get('lab-a')?.map((r) => r.id)).toEqual(['gpu-vm-1']);
  });

  it('reads the inventory before metrics and incidents, and hands them the new resources', async () => {
    const a = account('lab-a', 'demo', {
      inventory: () =>
        (async function* () {
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          yield [resource('lab-a', 'vm-1'), resource('lab-a', 'vm-2')];
        })(),
    });
    const { engine } = build([a]);
    const pending = engine.syncOnce();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(a.connector.started).toEqual(['inventory']);
    await vi.runAllTimersAsync();
    await pending;
    expect(a.connector.started[0]).toBe('inventory');
    expect(new Set(a.connector.started.slice(1))).toEqual(new Set(['metrics', 'costs', 'incidents']));
    expect(a.connector.calls.metrics[0]!.resources.map((r) => r.id)).toEqual(['vm-1', 'vm-2']);
    expect(a.connector.calls.incidents[0]!.resources.map((r) => r.id)).toEqual(['vm-1', 'vm-2']);
  });

  // One read per sync is the store's: it keeps an account's read until an inventory write changes it
  // (store/signal-inventory.test.ts).
  it('hands metrics and incidents the stored inventory after the inventory of this sync committed', async () => {
    let version = 1;
    const a = account('lab-a', 'demo', { inventory: () => batchesOf([resource('lab-a', `vm-${version}`)]) });
    const { engine } = build([a]);
    await syncToEnd(engine);
    expect(a.connector.calls.metrics[0]!.resources.map((r) => r.id)).toEqual(['vm-1']);
    expect(a.connector.calls.incidents[0]!.resources.map((r) => r.id)).toEqual(['vm-1']);
    version = 2;
    const metricsCalls = a.connector.calls.metrics.length;
    vi.setSystemTime(NOW + 2 * MINUTE);
    await syncToEnd(engine);
    expect(a.connector.calls.metrics.length).toBeGreaterThan(metricsCalls);
    expect(a.connector.calls.metrics.at(-1)!.resources.map((r) => r.id)).toEqual(['vm-2']);
    expect(a.connector.calls.incidents.at(-1)!.resources.map((r) => r.id)).toEqual(['vm-2']);
  });

  it('emits progress, batch counts and data-changed after each commit', async () => {
    const a = account('lab-a', 'demo', {
      inventory: () => batchesOf([resource('lab-a', 'vm-1')], [resource('lab-a', 'vm-2'), resource('lab-a', 'vm-3')]),
    });
    const { engine, events } = build([a]);
    await syncToEnd(engine);
    const inventory = events.filter((e) => (e.type === 'sync-progress' && e.stream === 'inventory') || (e.type === 'data-changed' && e.streams.includes('inventory')));
    expect(inventory).toEqual([
      { type: 'sync-progress', account: 'lab-a', stream: 'inventory', phase: 'started', rows: 0, error: null },
      { type: 'sync-progress', account: 'lab-a', stream: 'inventory', phase: 'batch', rows: 1, error: null },
      { type: 'sync-progress', account: 'lab-a', stream: 'inventory', phase: 'batch', rows: 3, error: null },
      { type: 'data-changed', account: 'lab-a', streams: ['inventory'] },
      { type: 'sync-progress', account: 'lab-a', stream: 'inventory', phase: 'finished', rows: 3, error: null },
    ]);
    // One data-changed per committed metrics chunk.
    expect(events.filter((e) => e.type === 'data-changed' && e.streams[0] === 'metrics')).toHaveLength(4);
  });

  it('logs account names, never the rest of the config', async () => {
    const lines: string[] = [];
    const a = account('lab-a', 'demo', { incidents: failingThen<Incident>([new AuthError('denied')]) }, { token: 'secret-token-value', endpoint: 'https://private.example' });
    const { engine } = build([a], { log: jsonLineLogger((line) => lines.push(line)) });
    await syncToEnd(engine);
    expect(lines.some((line) => line.includes('"account":"lab-a"'))).toBe(true);
    expect(lines.some((line) => line.includes('"kind":"auth"'))).toBe(true);
    expect(lines.join('')).not.toMatch(/secret-token-value|private\.example/);
  });

  it('refuses an account that is not configured', async () => {
    const { engine } = build([account('lab-a')]);
    await expect(engine.syncOnce({ accounts: ['nope'] })).rejects.toThrow(/no account named "nope"/);
  });
});

describe('retries', () => {
  it('backs off with growing, jittered delays between attempts', async () => {
    const callTimes: number[] = [];
    const stream = failingThen<Incident>([new UnavailableError('503'), new UnavailableError('503'), new UnavailableError('503')]);
    const a = account('lab-a', 'demo', {
      incidents: () => {
        callTimes.push(Date.now());
        return stream();
      },
    });
    const randoms = [0.5, 0.25, 0.75];
    const { engine, store } = build([a], { random: () => randoms.shift() ?? 0 });
    const summary = await syncToEnd(engine);

    const gaps = callTimes.slice(1).map((t, i) => t - callTimes[i]!);
    // Full jitter: uniform below 1 s, 2 s, 4 s; the injected draws pick 0.5, 0.25 and 0.75 of each.
    expect(gaps).toEqual([500, 500, 3000]);
    expect(summary.accounts[0]!.streams.incidents).toMatchObject({ status: 'ok', attempts: 4, error: null });
    expect(store.runsOf('lab-a', 'incidents').map((r) => [r.status, r.attempt])).toEqual([['ok', 4]]);
  });

  it('honours Retry-After exactly as a floor', async () => {
    const calls: number[] = [];
    const stream = failingThen<GpuResource>([new ThrottledError('slow down', 30_000)], [[resource('lab-a', 'vm-1')]]);
    const a = account('lab-a', 'demo', {
      inventory: () => {
        calls.push(Date.now());
        return stream();
      },
    });
    // A jitter draw near the top of the first step (1 s) is far below Retry-After.
    const { engine } = build([a], { random: () => 0.999 });
    const pending = engine.syncOnce();
    await vi.advanceTimersByTimeAsync(29_999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBe(30_000);
    await vi.runAllTimersAsync();
    expect((await pending).accounts[0]!.streams.inventory).toMatchObject({ status: 'ok', attempts: 2 });
  });

  it('does not retry auth errors and records them', async () => {
    const a = account('lab-a', 'demo', { costs: failingThen<FocusCostRow>([new AuthError('token expired'), new AuthError('token expired')]) });
    const { engine, store, events } = build([a]);
    const summary = await syncToEnd(engine);

    expect(a.connector.calls.costs).toHaveLength(1);
    const error = { kind: 'auth', message: 'token expired', retryAfterMs: null };
    expect(summary.ok).toBe(false);
    expect(summary.accounts[0]!.streams.costs).toMatchObject({ status: 'error', attempts: 1, rows: 0, error });
    expect(store.runsOf('lab-a', 'costs')).toMatchObject([{ status: 'error', attempt: 1, error }]);
    expect(events).toContainEqual({ type: 'sync-progress', account: 'lab-a', stream: 'costs', phase: 'failed', rows: 0, error });
    // Other streams are unaffected.
    expect(summary.accounts[0]!.streams.inventory.status).toBe('ok');
  });

  it('retries an unknown error once, as internal', async () => {
    const a = account('lab-a', 'demo', { incidents: failingThen<Incident>([new TypeError('x is undefined'), new TypeError('x is undefined')]) });
    const { engine, store } = build([a]);
    const summary = await syncToEnd(engine);
    expect(a.connector.calls.incidents).toHaveLength(2);
    expect(summary.accounts[0]!.streams.incidents.error).toEqual({ kind: 'internal', message: 'x is undefined', retryAfterMs: null });
    expect(store.runsOf('lab-a', 'incidents')).toMatchObject([{ status: 'error', attempt: 2 }]);
  });

  it("retries a store write that lost a write-write conflict to another account's commit", async () => {
    const conflict = new Error('TransactionContext Error: Conflict on tuple deletion!');
    const a = account('lab-a', 'demo', { incidents: failingThen<Incident>([conflict, conflict], [[incident('lab-a', 'status:1')]]) });
    const { engine } = build([a]);
    const summary = await syncToEnd(engine);
    expect(a.connector.calls.incidents).toHaveLength(3);
    expect(summary.accounts[0]!.streams.incidents).toMatchObject({ status: 'ok', attempts: 3, rows: 1 });
  });

  it('records the failure after maxAttempts and keeps the previous data', async () => {
    let failing = false;
    const a = account('lab-a', 'demo', {
      inventory: () =>
        (async function* () {
          if (failing) throw new UnavailableError('upstream 503');
          yield [resource('lab-a', 'vm-1'), resource('lab-a', 'vm-2')];
        })(),
    });
    const { engine, store } = build([a], { maxAttempts: 3 });
    await syncToEnd(engine);
    failing = true;
    a.connector.calls.inventory.length = 0;
    const summary = await syncToEnd(engine);

    expect(a.connector.calls.inventory).toHaveLength(3);
    expect(summary.accounts[0]!.streams.inventory).toMatchObject({ status: 'error', attempts: 3, error: { kind: 'unavailable' } });
    expect(store.runsOf('lab-a', 'inventory').map((r) => `${r.status}#${r.attempt}`)).toEqual(['ok#1', 'error#3']);
    expect(store.inventory.get('lab-a')?.map((r) => r.id)).toEqual(['vm-1', 'vm-2']);
    // Metrics still ran against the inventory that was kept.
    expect(a.connector.calls.metrics.at(-1)!.resources.map((r) => r.id)).toEqual(['vm-1', 'vm-2']);
  });
});

describe('concurrency', () => {
  it('never runs more streams of one provider at once than allowed, across its accounts', async () => {
    const gauges = new Map<ProviderId, { now: number; max: number }>();
    const slow = (provider: ProviderId) =>
      async function* <T>(): AsyncGenerator<T[]> {
        const gauge = gauges.get(provider) ?? { now: 0, max: 0 };
        gauges.set(provider, gauge);
        gauge.now += 1;
        gauge.max = Math.max(gauge.max, gauge.now);
        try {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          yield [];
        } finally {
          gauge.now -= 1;
        }
      };
    const streams = (provider: ProviderId): FakeStreams => ({
      inventory: slow(provider)<GpuResource>,
      metrics: slow(provider)<GpuSample>,
      costs: slow(provider),
      incidents: slow(provider),
    });
    const accounts = [
      ...Array.from({ length: 6 }, (_, i) => account(`azure-${i}`, 'azure', streams('azure'))),
      ...Array.from({ length: 3 }, (_, i) => account(`gcp-${i}`, 'gcp', streams('gcp'))),
    ];
    const { engine } = build(accounts, { concurrencyPerProvider: 2 });
    const summary = await syncToEnd(engine);

    expect(summary.ok).toBe(true);
    expect(gauges.get('azure')).toEqual({ now: 0, max: 2 });
    expect(gauges.get('gcp')).toEqual({ now: 0, max: 2 });
    // 6 accounts x (1 inventory + 4 metrics chunks + costs + incidents) = 42 one-second runs, two at a time.
    expect(Date.now() - NOW).toBe(21_000);
  });
});

describe('metrics windows', () => {
  it('backfills in chunks committed one by one, then continues from the cursor', async () => {
    const a = account('lab-a', 'demo', { metrics: (req) => batchesOf([sample('gpu-vm-1', req.from)]) });
    const { engine, store } = build([a]);
    await syncToEnd(engine);

    expect(a.connector.calls.metrics.map((r) => [r.from, r.to])).toEqual([
      [NOW_MINUTE - 24 * HOUR, NOW_MINUTE - 18 * HOUR],
      [NOW_MINUTE - 18 * HOUR, NOW_MINUTE - 12 * HOUR],
      [NOW_MINUTE - 12 * HOUR, NOW_MINUTE - 6 * HOUR],
      [NOW_MINUTE - 6 * HOUR, NOW_MINUTE],
    ]);
    expect(store.runsOf('lab-a', 'metrics')).toHaveLength(4);
    expect(await store.cursor('lab-a', 'metrics')).toBe(NOW_MINUTE);

    // Same minute: nothing new to ask for.
    const again = await syncToEnd(engine);
    expect(a.connector.calls.metrics).toHaveLength(4);
    expect(again.accounts[0]!.streams.metrics).toEqual({ status: 'ok', rows: 0, attempts: 0, error: null, window: null });

    vi.setSystemTime(NOW + 5 * MINUTE);
    await syncToEnd(engine);
    expect(a.connector.calls.metrics.at(-1)).toMatchObject({ from: NOW_MINUTE, to: NOW_MINUTE + 5 * MINUTE });
    expect(await store.cursor('lab-a', 'metrics')).toBe(NOW_MINUTE + 5 * MINUTE);
  });

  it('re-reads the 5-minute bucket its cursor falls in for a rollups-only account, and tells the store the mode', async () => {
    const a = account('lab-a', 'demo', { metrics: (req) => batchesOf([sample('gpu-vm-1', req.from)]) }, { metricsBackfillHours: 1 });
    a.connector.metricsStorage = 'rollups';
    const { engine, store } = build([a]);
    await syncToEnd(engine);
    vi.setSystemTime(NOW + 7 * MINUTE);
    await syncToEnd(engine);
    // 12:00 -> 12:07: the bucket 12:05 is read from its start at the next sync, so the store rebuilds it whole.
    vi.setSystemTime(NOW + 9 * MINUTE);
    await syncToEnd(engine);
    expect(a.connector.calls.metrics.map((r) => [r.from, r.to])).toEqual([
      [NOW_MINUTE - HOUR, NOW_MINUTE],
      [NOW_MINUTE, NOW_MINUTE + 7 * MINUTE],
      [NOW_MINUTE + 5 * MINUTE, NOW_MINUTE + 9 * MINUTE],
    ]);
    expect(store.metricsStorage).toEqual(['rollups', 'rollups', 'rollups']);
  });

  it('gives a rollups-only account of a large fleet windows short enough to stage at most 2M samples each', async () => {
    // 12,500 machines of 8 GPUs: 100,000 GPUs, so 20-minute windows (a 6-hour one would stage 36M samples).
    const machines = Array.from({ length: 12_500 }, (_, i) => resource('lab-a', `gpu-vm-${i}`, { gpuCount: 8 }));
    const a = account('lab-a', 'demo', { inventory: () => batchesOf(machines), metrics: () => batchesOf<GpuSample>() }, { metricsBackfillHours: 1 });
    a.connector.metricsStorage = 'rollups';
    const { engine } = build([a]);
    await syncToEnd(engine);
    expect(a.connector.calls.metrics.map((r) => [r.from, r.to])).toEqual([
      [NOW_MINUTE - HOUR, NOW_MINUTE - 40 * MINUTE],
      [NOW_MINUTE - 40 * MINUTE, NOW_MINUTE - 20 * MINUTE],
      [NOW_MINUTE - 20 * MINUTE, NOW_MINUTE],
    ]);
  });

  it('gives a raw account of a large fleet windows short enough to hold at most 4M samples each', async () => {
    // 100,000 GPUs: 40-minute windows (6-hour ones, 36M samples each, ran DuckDB out of memory).
    const machines = Array.from({ length: 12_500 }, (_, i) => resource('lab-a', `gpu-vm-${i}`, { gpuCount: 8 }));
    const a = account('lab-a', 'demo', { inventory: () => batchesOf(machines), metrics: () => batchesOf<GpuSample>() }, { metricsBackfillHours: 2 });
    const { engine } = build([a]);
    await syncToEnd(engine);
    expect(a.connector.calls.metrics.map((r) => [r.from, r.to])).toEqual([
      [NOW_MINUTE - 2 * HOUR, NOW_MINUTE - 80 * MINUTE],
      [NOW_MINUTE - 80 * MINUTE, NOW_MINUTE - 40 * MINUTE],
      [NOW_MINUTE - 40 * MINUTE, NOW_MINUTE],
    ]);
  });

  it('keeps the chunks already committed when a later one fails, and resumes there', async () => {
    let calls = 0;
    const a = account(
      'lab-a',
      'demo',
      {
        metrics: (req) => {
          calls += 1;
          return (async function* () {
            if (calls === 2) throw new AuthError('role removed');
            yield [sample('gpu-vm-1', req.from)];
          })();
        },
      },
      { metricsBackfillHours: 18 },
    );
    const { engine, store } = build([a]);
    const first = await syncToEnd(engine);
    expect(first.accounts[0]!.streams.metrics).toMatchObject({ status: 'error', rows: 1, error: { kind: 'auth' } });
    expect(a.connector.calls.metrics).toHaveLength(2);
    expect(await store.cursor('lab-a', 'metrics')).toBe(NOW_MINUTE - 12 * HOUR);
    expect(store.samples.get('lab-a')).toHaveLength(1);

    await syncToEnd(engine);
    expect(a.connector.calls.metrics.slice(2).map((r) => r.from)).toEqual([NOW_MINUTE - 12 * HOUR, NOW_MINUTE - 6 * HOUR]);
    expect(await store.cursor('lab-a', 'metrics')).toBe(NOW_MINUTE);
    expect(store.samples.get('lab-a')).toHaveLength(3);
  });
});

describe('validation', () => {
  it('rejects a malformed sample batch naming account, stream, index and field', async () => {
    const a = account('lab-a', 'demo', {
      metrics: (req) => batchesOf([sample('gpu-vm-1', req.from), sample('gpu-vm-1', req.from + MINUTE)], [sample('gpu-vm-1', req.from), sample('gpu-vm-1', req.from, { utilisation: 140 })]),
    });
    const { engine, store } = build([a]);
    const summary = await syncToEnd(engine);
    const error = summary.accounts[0]!.streams.metrics.error;
    expect(error?.kind).toBe('malformed');
    expect(error?.message).toBe('account "lab-a" stream metrics: item 3 field "utilisation": expected a number 0-100 or null, got 140');
    // Not retried, nothing committed, cursor unmoved.
    expect(a.connector.calls.metrics).toHaveLength(1);
    expect(store.samples.get('lab-a')).toBeUndefined();
    expect(await store.cursor('lab-a', 'metrics')).toBeNull();
    expect(store.runsOf('lab-a', 'metrics')).toMatchObject([{ status: 'error', error: { kind: 'malformed' } }]);
  });

  it.each([
    ['a sample outside the window', { ts: NOW_MINUTE }, 'ts'],
    ['a fractional GPU index', { gpuIndex: 0.5 }, 'gpuIndex'],
    ['a NaN power reading', { powerWatts: Number.NaN }, 'powerWatts'],
    ['an unknown utilisation source', { utilSource: 'guess' as never }, 'utilSource'],
    ['a fault signal that is not true or false', { fault: 1 as never }, 'fault'],
  ])('rejects %s', async (_label, overrides: Partial<GpuSample>, field) => {
    const a = account('lab-a', 'demo', { metrics: (req) => batchesOf([sample('gpu-vm-1', req.from, overrides)]) }, { metricsBackfillHours: 1 });
    const { engine } = build([a]);
    const summary = await syncToEnd(engine);
    expect(summary.accounts[0]!.streams.metrics.error?.message).toContain(`item 0 field "${field}"`);
  });

  /** The samples as one columns batch. */
  const columns = (samples: readonly GpuSample[]): GpuSampleColumns => {
    const c = new GpuSampleColumns(1);
    for (const s of samples) c.push(s.resourceId, s.gpuIndex, s.ts, s.utilisation, s.utilSource, s.memoryUsedMiB, s.powerWatts, s.temperatureC, s.xidErrors);
    return c;
  };

  it('checks sample columns by the same rules, naming the same item and field, and passes them on as they are', async () => {
    const bad = account('lab-a', 'demo', {
      metrics: (req) =>
        (async function* () {
          yield [sample('gpu-vm-1', req.from)];
          yield columns([sample('gpu-vm-1', req.from + MINUTE), sample('gpu-vm-1', req.from, { utilisation: 140 })]);
        })(),
    });
    const summary = await syncToEnd(build([bad]).engine);
    expect(summary.accounts[0]!.streams.metrics.error?.message).toBe('account "lab-a" stream metrics: item 2 field "utilisation": expected a number 0-100 or null, got 140');
    // A batch larger than one checking stride names the row by its place in the stream too.
    const late = account('lab-a', 'demo', {
      metrics: (req) =>
        (async function* () {
          yield [sample('gpu-vm-1', req.from)];
          yield columns(Array.from({ length: 600 }, (_, i) => sample('gpu-vm-1', req.from, i === 500 ? { utilisation: 140 } : {})));
        })(),
    }, { metricsBackfillHours: 1 });
    expect((await syncToEnd(build([late]).engine)).accounts[0]!.streams.metrics.error?.message).toContain('item 501 field "utilisation"');
    for (const [overrides, field] of [[{ ts: NOW_MINUTE }, 'ts'], [{ gpuIndex: 0.5 }, 'gpuIndex'], [{ resourceId: '' }, 'resourceId'], [{ xidErrors: -1 }, 'xidErrors']] as const) {
      const a = account('lab-a', 'demo', { metrics: (req) => (async function* () { yield columns([sample('gpu-vm-1', req.from, overrides)]); })() }, { metricsBackfillHours: 1 });
      expect((await syncToEnd(build([a]).engine)).accounts[0]!.streams.metrics.error?.message, field).toContain(`item 0 field "${field}"`);
    }
    const rows = (from: number) => [sample('gpu-vm-1', from), sample('gpu-vm-1', from + MINUTE, { utilisation: null, utilSource: null, memoryUsedMiB: null, powerWatts: null, temperatureC: null, xidErrors: 3 })];
    const good = account('lab-a', 'demo', { metrics: (req) => (async function* () { yield columns(rows(req.from)); })() }, { metricsBackfillHours: 1 });
    const { engine, store } = build([good]);
    expect((await syncToEnd(engine)).accounts[0]!.streams.metrics.error).toBeNull();
    expect(store.samples.get('lab-a')).toEqual(rows(good.connector.calls.metrics[0]!.from));
  });

  it('accepts a per-GPU fault signal, reported (true/false) or absent', async () => {
    const a = account('lab-a', 'demo', {
      metrics: (req) => batchesOf([sample('gpu-vm-1', req.from, { fault: true }), sample('gpu-vm-1', req.from + MINUTE, { fault: false }), sample('gpu-vm-1', req.from + 2 * MINUTE)]),
    }, { metricsBackfillHours: 1 });
    const { engine, store } = build([a]);
    const summary = await syncToEnd(engine);
    expect(summary.accounts[0]!.streams.metrics.error).toBeNull();
    expect(store.samples.get('lab-a')?.map((s) => s.fault)).toEqual(expect.arrayContaining([true, false, undefined]));
  });

  it('rejects resources of another account and bad fields via the schema, keeping the old snapshot', async () => {
    let bad: GpuResource | null = null;
    const a = account('lab-a', 'demo', {
      inventory: () => batchesOf([resource('lab-a', 'vm-1'), ...(bad ? [bad] : [])]),
    });
    const { engine, store } = build([a]);
    await syncToEnd(engine);

    bad = resource('lab-b', 'vm-2');
    let summary = await syncToEnd(engine);
    expect(summary.accounts[0]!.streams.inventory.error?.message).toBe(
      'account "lab-a" stream inventory: item 1 field "account": resource belongs to account "lab-b", not "lab-a"',
    );

    bad = resource('lab-a', 'vm-2', { gpuCount: -8 });
    summary = await syncToEnd(engine);
    expect(summary.accounts[0]!.streams.inventory.error?.message).toMatch(/^account "lab-a" stream inventory: item 1 field "gpuCount": /);

    bad = resource('lab-a', 'vm-1');
    summary = await syncToEnd(engine);
    expect(summary.accounts[0]!.streams.inventory.error?.message).toContain('item 1 field "id": duplicate resource id "vm-1"');
    expect(store.inventory.get('lab-a')?.map((r) => r.id)).toEqual(['vm-1']);
  });

  it('rejects incidents of another account and cost rows outside the period', async () => {
    const a = account('lab-a', 'demo', {
      incidents: () => batchesOf([incident('lab-a', 'ok'), incident('lab-z', 'stray')]),
      costs: (req) => batchesOf([costRow(req.from - HOUR)]),
    });
    const { engine } = build([a]);
    const { streams } = (await syncToEnd(engine)).accounts[0]!;
    expect(streams.incidents.error?.message).toContain('stream incidents: item 1 field "account"');
    expect(streams.costs.error?.message).toContain('stream costs: item 0 field "ChargePeriodStart"');
  });
});

describe('schedules', () => {
  it('runs inventory first, then each stream at its own interval', async () => {
    const a = account('lab-a');
    const { engine } = build([a]);
    const count = (): Record<StreamId, number> => ({
      inventory: a.connector.calls.inventory.length,
      metrics: a.connector.calls.metrics.length,
      costs: a.connector.calls.costs.length,
      incidents: a.connector.calls.incidents.length,
    });
    engine.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.connector.started[0]).toBe('inventory');
    expect(count()).toEqual({ inventory: 1, metrics: 4, costs: 1, incidents: 1 });

    await vi.advanceTimersByTimeAsync(59_999);
    expect(count()).toEqual({ inventory: 1, metrics: 4, costs: 1, incidents: 1 });
    await vi.advanceTimersByTimeAsync(1);
    expect(count()).toEqual({ inventory: 1, metrics: 5, costs: 1, incidents: 1 });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(count()).toEqual({ inventory: 1, metrics: 6, costs: 1, incidents: 2 });
    await vi.advanceTimersByTimeAsync(180_000);
    expect(count()).toEqual({ inventory: 2, metrics: 9, costs: 1, incidents: 3 });
    await vi.advanceTimersByTimeAsync(21_600_000 - 300_000);
    expect(count().costs).toBe(2);
    // Each minute's metrics run asked for exactly the minute since the last one.
    const last = a.connector.calls.metrics.at(-1)!;
    expect(last.to - last.from).toBe(MINUTE);
    await engine.stop();
  });

  it('uses the intervals from the account config', async () => {
    const a = account('lab-a', 'demo', {}, { syncIntervals: { inventory: 30, metrics: 10, incidents: 20, costs: 600 } });
    const { engine } = build([a]);
    engine.start();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(a.connector.calls.inventory).toHaveLength(21);
    expect(a.connector.calls.incidents).toHaveLength(31);
    expect(a.connector.calls.costs).toHaveLength(2);
    await engine.stop();
  });

  it('waits at least Retry-After before the next scheduled run of a throttled stream', async () => {
    const calls: number[] = [];
    const a = account('lab-a', 'demo', {
      incidents: () => {
        calls.push(Date.now());
        return failingThen<Incident>([new ThrottledError('quota', 10 * 60_000)])();
      },
    });
    const { engine, store } = build([a]);
    engine.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    // Retry-After beyond the in-run cap: recorded at once, next try on the schedule, not every 2 minutes.
    expect(store.runsOf('lab-a', 'incidents')).toMatchObject([{ status: 'error', error: { kind: 'throttled', retryAfterMs: 600_000 } }]);
    await vi.advanceTimersByTimeAsync(600_000 - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]! - calls[0]!).toBe(600_000);
    await engine.stop();
  });

  it('never runs the same stream twice at once, even when asked to sync now', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const a = account('lab-a', 'demo', {
      incidents: (req) =>
        (async function* () {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          try {
            // Longer than its 2-minute interval.
            await Promise.race([new Promise((resolve) => setTimeout(resolve, 150_000)), untilAborted(req.signal)]);
            yield [];
          } finally {
            inFlight -= 1;
          }
        })(),
    });
    const { engine } = build([a]);
    engine.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(engine.syncNow('lab-a')).toEqual(['lab-a']);
    expect(engine.syncNow()).toEqual(['lab-a']);
    await vi.advanceTimersByTimeAsync(1_000_000);
    expect(maxInFlight).toBe(1);
    expect(a.connector.calls.incidents.length).toBeGreaterThanOrEqual(4);
    await engine.stop();
  });

  it('syncNow refuses an unknown account', () => {
    const { engine } = build([account('lab-a')]);
    expect(() => engine.syncNow('lab-x')).toThrow(ApiError);
  });

  it('stop() aborts runs in flight, waits for them and schedules nothing more', async () => {
    const a = account('lab-a', 'demo', {
      metrics: (req) =>
        (async function* () {
          await untilAborted(req.signal);
          yield [];
        })(),
    });
    const { engine, store, events } = build([a]);
    engine.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.connector.inFlight).toBe(1);
    const signal = a.connector.calls.metrics[0]!.signal;
    expect(signal.aborted).toBe(false);

    await engine.stop();
    expect(signal.aborted).toBe(true);
    expect(a.connector.inFlight).toBe(0);
    expect(engine.isRunning).toBe(false);
    // A stopped run is neither a commit nor a failure of the provider.
    expect(store.runsOf('lab-a', 'metrics')).toEqual([]);
    expect(events).toContainEqual(expect.objectContaining({ type: 'sync-progress', stream: 'metrics', phase: 'failed' }));

    const before = a.connector.calls.inventory.length + a.connector.calls.metrics.length;
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(a.connector.calls.inventory.length + a.connector.calls.metrics.length).toBe(before);
  });

  it('stop() gives up waiting for a connector that ignores its signal after the grace period', async () => {
    const a = account('lab-a', 'demo', {
      incidents: () =>
        (async function* () {
          await new Promise((resolve) => setTimeout(resolve, 3_600_000));
          yield [];
        })(),
    });
    const { engine } = build([a]);
    engine.start();
    await vi.advanceTimersByTimeAsync(0);
    let done = false;
    const stopped = engine.stop(5_000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(4_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopped;
    expect(done).toBe(true);
  });

  it('stop() never lets a half-read inventory replace the snapshot', async () => {
    let second = false;
    const a = account('lab-a', 'demo', {
      inventory: () =>
        (async function* () {
          yield [resource('lab-a', 'vm-1')];
          if (!second) return;
          // Ignores the signal and ends early after a slow page: must not look complete.
          await new Promise((resolve) => setTimeout(resolve, 10_000));
        })(),
    });
    const { engine, store } = build([a]);
    await syncToEnd(engine);
    second = true;
    store.inventory.set('lab-a', [resource('lab-a', 'vm-1'), resource('lab-a', 'vm-2')]);
    engine.syncNow('lab-a');
    await vi.advanceTimersByTimeAsync(1_000);
    const stopped = engine.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    await stopped;
    expect(store.inventory.get('lab-a')?.map((r) => r.id)).toEqual(['vm-1', 'vm-2']);
  });

  it('rejects a connector built for another account', () => {
    expect(() => build([{ config: accountConfig('lab-a'), connector: new FakeConnector('lab-b', 'demo') }])).toThrow(/connector of "lab-b"/);
  });
});

describe('metrics read-ahead', () => {
  /** A store that takes a second to store what it read, as the real one sorts, rolls up and commits. */
  class SlowStore extends FakeStore {
    readonly writesEndedAt: number[] = [];
    override async writeMetrics(run: RunStart, window: Window, batches: AsyncIterable<GpuSample[]>, storage?: MetricsStorage): Promise<number> {
      const read: GpuSample[][] = [];
      for await (const batch of batches) read.push(batch);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const rows = await super.writeMetrics(run, window, batchesOf(...read), storage);
      this.writesEndedAt.push(Date.now());
      return rows;
    }
  }

  /** Four 6-hour chunks whose source takes a second to answer; two GPUs a minute for the first minutes. */
  const slowSource = () =>
    account('lab-a', 'demo', {
      metrics: (req) =>
        (async function* () {
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          for (let t = req.from; t < req.from + 30 * MINUTE; t += 10 * MINUTE) {
            yield [sample('gpu-vm-1', t), sample('gpu-vm-1', t, { gpuIndex: 1 })];
          }
        })(),
    });

  const syncWith = async (readAheadSamples: number) => {
    const a = slowSource();
    const store = new SlowStore();
    const engine = new SyncEngine({ store, accounts: [a], random: () => 0.5, metricsReadAheadSamples: readAheadSamples });
    const summary = await syncToEnd(engine);
    return { a, store, summary, ms: Date.now() - NOW };
  };

  it("asks for the next chunk while the previous one is written, and stores exactly what a chunk-by-chunk sync stores", async () => {
    const sequential = await syncWith(0);
    vi.setSystemTime(NOW);
    const pipelined = await syncWith(250_000);

    expect(pipelined.summary.ok).toBe(true);
    expect(pipelined.store.samples).toEqual(sequential.store.samples);
    expect(pipelined.store.metricsWindows).toEqual(sequential.store.metricsWindows);
    expect(pipelined.store.runsOf('lab-a', 'metrics').map((r) => r.rows)).toEqual(sequential.store.runsOf('lab-a', 'metrics').map((r) => r.rows));
    expect(await pipelined.store.cursor('lab-a', 'metrics')).toBe(await sequential.store.cursor('lab-a', 'metrics'));
    expect(pipelined.a.connector.calls.metrics.map((r) => [r.from, r.to])).toEqual(sequential.a.connector.calls.metrics.map((r) => [r.from, r.to]));
    // Chunk by chunk: (1 s source + 1 s write) x 4. Pipelined: each next source answers while the
    // previous chunk is written, so only the first second is not overlapped.
    expect(sequential.ms).toBe(8_000);
    expect(pipelined.ms).toBe(5_000);
    // Each chunk after the first was asked for before the previous chunk's write ended.
    const asked = pipelined.a.connector.calls.metrics.map((r) => r.now.getTime());
    for (let i = 1; i < asked.length; i++) expect(asked[i]!).toBeLessThan(pipelined.store.writesEndedAt[i - 1]!);
  });

  it('asks the source again when the answer read ahead failed', async () => {
    let calls = 0;
    const a = account('lab-a', 'demo', {
      metrics: (req) =>
        (async function* () {
          calls += 1;
          // The second chunk's first answer (the one read ahead) fails.
          if (calls === 2) throw new UnavailableError('prometheus restarting');
          yield [sample('gpu-vm-1', req.from)];
        })(),
    });
    const store = new FakeStore();
    const summary = await syncToEnd(new SyncEngine({ store, accounts: [a], random: () => 0.5 }));

    expect(summary.accounts[0]!.streams.metrics).toMatchObject({ status: 'ok', rows: 4, attempts: 2 });
    const chunk = (i: number): number => NOW_MINUTE - 24 * HOUR + i * 6 * HOUR;
    expect(a.connector.calls.metrics.map((r) => r.from)).toEqual([chunk(0), chunk(1), chunk(1), chunk(2), chunk(3)]);
    expect(store.samples.get('lab-a')?.map((x) => x.ts)).toEqual([chunk(0), chunk(1), chunk(2), chunk(3)]);
  });

  it('reads no chunk ahead of one given up, and stops the one read ahead when the write fails', async () => {
    const given = account('lab-a', 'demo', {
      metrics: (req) =>
        (async function* () {
          if (req.from === NOW_MINUTE - 18 * HOUR) throw new AuthError('token expired');
          yield [sample('gpu-vm-1', req.from)];
        })(),
    });
    const first = await syncToEnd(new SyncEngine({ store: new FakeStore(), accounts: [given], random: () => 0.5 }));
    expect(first.accounts[0]!.streams.metrics).toMatchObject({ status: 'error', rows: 1 });
    expect(given.connector.calls.metrics.map((r) => r.from)).toEqual([NOW_MINUTE - 24 * HOUR, NOW_MINUTE - 18 * HOUR]);

    // The store refuses the first chunk after reading it: the second, read ahead, is stopped.
    let stopped = 0;
    const ahead = account('lab-b', 'demo', {
      metrics: (req) =>
        (async function* () {
          try {
            if (req.from > NOW_MINUTE - 24 * HOUR) await untilAborted(req.signal);
            yield [sample('gpu-vm-1', req.from)];
          } finally {
            if (req.signal.aborted) stopped += 1;
          }
        })(),
    });
    class RefusingStore extends FakeStore {
      override async writeMetrics(run: RunStart, _window: Window, batches: AsyncIterable<GpuSample[]>): Promise<number> {
        for await (const _ of batches) void run;
        throw new Error('disk full');
      }
    }
    const refused = await syncToEnd(new SyncEngine({ store: new RefusingStore(), accounts: [ahead], random: () => 0.5 }));
    expect(refused.accounts[0]!.streams.metrics).toMatchObject({ status: 'error', rows: 0 });
    expect(ahead.connector.calls.metrics.map((r) => r.from)).toEqual([NOW_MINUTE - 24 * HOUR, NOW_MINUTE - 18 * HOUR, NOW_MINUTE - 24 * HOUR]);
    expect(stopped).toBe(1);
  });
});
