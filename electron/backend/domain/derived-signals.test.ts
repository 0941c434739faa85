import { describe, expect, it } from 'vitest';
import { resource } from './testing/factories';
import {
  COLLAPSE_MIN_GPUS,
  FAILING_SYNC_RUNS,
  detectDataProblems,
  detectNodeDown,
  detectSilent,
  detectUtilisationCollapse,
  detectXid,
  type RegionBucket,
  type SignalInput,
} from './derived-signals';

const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;

function input(over: Partial<SignalInput> = {}): SignalInput {
  return { account: 'acct', asOfMs: ASOF, resources: [], xid: [], lastSeen: [], metricsFresh: true, buckets: [], ...over };
}

/** 5-minute buckets of one region at `util` from `from` to `to` with `gpus` measured. */
function buckets(from: number, to: number, util: number, gpus = 8, region = 'eastus'): RegionBucket[] {
  const out: RegionBucket[] = [];
  for (let t = from; t < to; t += 5 * MIN) out.push({ cloud: 'azure', region, bucketMs: t, gpuMeanSum: util * gpus, gpus });
  return out;
}

describe('node-down', () => {
  it('fires for a running or unknown-power machine reported unavailable, not for degraded or stopped ones', () => {
    const signals = detectNodeDown(
      input({
        resources: [
          resource('down', { health: 'unavailable', gpuCount: 8 }),
          resource('unknown-power', { health: 'unavailable', powerState: 'unknown' }),
          resource('degraded', { health: 'degraded' }),
          resource('stopped', { health: 'unavailable', powerState: 'stopped' }),
        ],
      }),
    );
    expect(signals.map((s) => s.incident.resourceIds[0])).toEqual(['down', 'unknown-power']);
    expect(signals[0]!.key).toBe('derived:signal:node-down:acct:down');
    expect(signals[0]!.incident).toMatchObject({ source: 'derived', severity: 'major', regions: ['eastus'], endedAt: null });
  });
});

describe('xid', () => {
  const r = resource('n1', { gpuCount: 8 });
  it('fires on one XID error within the last 30 minutes and starts at the first one in the lookback', () => {
    const [s] = detectXid(
      input({
        resources: [r],
        xid: [
          { resourceId: 'n1', gpuIndex: 5, firstMs: ASOF - 90 * MIN, lastMs: ASOF - 10 * MIN, errors: 4 },
          { resourceId: 'n1', gpuIndex: 2, firstMs: ASOF - 80 * MIN, lastMs: ASOF - 70 * MIN, errors: 1 },
        ],
      }),
    );
    expect(s!.incident.title).toBe('XID errors on n1 (GPU 5)');
    expect(s!.incident.startedAt).toBe(new Date(ASOF - 90 * MIN).toISOString());
  });

  it('does not fire when the last XID is older than 30 minutes', () => {
    expect(detectXid(input({ resources: [r], xid: [{ resourceId: 'n1', gpuIndex: 5, firstMs: ASOF - 90 * MIN, lastMs: ASOF - 30 * MIN, errors: 3 }] }))).toEqual([]);
  });
});

describe('silent GPUs', () => {
  const machines = [resource('a', { gpuCount: 2 }), resource('b'), resource('never'), resource('off', { powerState: 'stopped' })];
  const lastSeen = [
    { resourceId: 'a', gpuIndex: 0, lastMs: ASOF - 45 * MIN },
    { resourceId: 'a', gpuIndex: 1, lastMs: ASOF - MIN },
    { resourceId: 'b', gpuIndex: 0, lastMs: ASOF - 31 * MIN },
    { resourceId: 'off', gpuIndex: 0, lastMs: ASOF - 120 * MIN },
  ];

  it('fires per region for running GPUs silent over 30 minutes that reported before', () => {
    const [s, ...rest] = detectSilent(input({ resources: machines, lastSeen }));
    expect(rest).toEqual([]);
    expect(s!.incident.title).toBe('2 GPUs in eastus stopped reporting');
    expect(s!.incident.resourceIds).toEqual(['a', 'b']);
    expect(s!.incident.startedAt).toBe(new Date(ASOF - 44 * MIN).toISOString());
  });

  it('does not fire at exactly 30 minutes, nor while the metrics sync is not fresh (a data problem)', () => {
    expect(detectSilent(input({ resources: machines, lastSeen: [{ resourceId: 'b', gpuIndex: 0, lastMs: ASOF - 29 * MIN }] }))).toEqual([]);
    expect(detectSilent(input({ resources: machines, lastSeen, metricsFresh: false }))).toEqual([]);
  });
});

describe('utilisation collapse', () => {
  const machines = [resource('a', { gpuCount: 8 })];
  const baseline = buckets(ASOF - 24 * 60 * MIN, ASOF - 30 * MIN, 80);

  it('fires when the last 30 minutes are at most half the baseline and 15 points lower', () => {
    const [s] = detectUtilisationCollapse(input({ resources: machines, buckets: [...baseline, ...buckets(ASOF - 30 * MIN, ASOF, 30)] }));
    expect(s!.incident.title).toBe('Utilisation collapse in eastus: 30% against a baseline of 80%');
    expect(s!.incident.resourceIds).toEqual(['a']);
  });

  it('does not fire above half the baseline, on a low baseline, or with too few GPUs measured', () => {
    expect(detectUtilisationCollapse(input({ buckets: [...baseline, ...buckets(ASOF - 30 * MIN, ASOF, 41)] }))).toEqual([]);
    const low = buckets(ASOF - 24 * 60 * MIN, ASOF - 30 * MIN, 18);
    expect(detectUtilisationCollapse(input({ buckets: [...low, ...buckets(ASOF - 30 * MIN, ASOF, 1)] }))).toEqual([]);
    expect(detectUtilisationCollapse(input({ buckets: [...baseline, ...buckets(ASOF - 30 * MIN, ASOF, 5, COLLAPSE_MIN_GPUS - 1)] }))).toEqual([]);
  });
});

describe('failing sync', () => {
  const runAt = (n: number, status: 'ok' | 'error') => ({
    account: 'acct',
    provider: 'azure' as const,
    stream: 'metrics' as const,
    finishedMs: ASOF - n * MIN,
    status,
    error: status === 'error' ? { kind: 'auth' as const, message: 'denied', retryAfterMs: null } : null,
  });

  it(`is a data problem after ${FAILING_SYNC_RUNS} failures in a row`, () => {
    const problems = detectDataProblems([runAt(1, 'error'), runAt(2, 'error'), runAt(3, 'error'), runAt(4, 'ok')]);
    expect(problems).toEqual([
      {
        account: 'acct',
        provider: 'azure',
        stream: 'metrics',
        consecutiveFailures: 3,
        failingSince: new Date(ASOF - 3 * MIN).toISOString(),
        lastSuccessAt: new Date(ASOF - 4 * MIN).toISOString(),
        lastError: { kind: 'auth', message: 'denied', retryAfterMs: null },
      },
    ]);
  });

  it('is not one after fewer failures, or once a run succeeded again', () => {
    expect(detectDataProblems([runAt(1, 'error'), runAt(2, 'error'), runAt(3, 'ok')])).toEqual([]);
    expect(detectDataProblems([runAt(1, 'ok'), runAt(2, 'error'), runAt(3, 'error'), runAt(4, 'error')])).toEqual([]);
  });
});
