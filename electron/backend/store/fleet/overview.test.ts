import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { GpuSample } from '../../../../shared/domain';
import { openStore } from '../index';
import type { FleetStore } from '../types';
import { account, batchesOf, costRow, incident, minutes, resource, run, sample, tempDataDir } from '../test-support';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;
const DAY_START = Date.parse('2026-11-25T00:00:00Z');

describe('overview glossary', () => {
  let cleanup: () => Promise<void>;
  let store: FleetStore;
  let clock = ASOF;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDataDir());
    clock = ASOF;
    store = await openStore(dir, { now: () => new Date(clock) });
    await store.upsertAccounts([account('acct'), account('eu', { provider: 'gcp' })]);
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  const metrics = (from: number, to: number, samples: GpuSample[]): Promise<number> =>
    store.writeMetrics(run('acct', 'metrics'), { from, to }, batchesOf(samples));

  it('gives every GPU exactly one state, first match winning', async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([
        resource('busy'),
        resource('idle'),
        resource('xid'),
        resource('stopped', { powerState: 'stopped', health: 'degraded' }),
        resource('degraded', { health: 'degraded' }),
        resource('silent'),
        resource('nulls'),
        resource('eight', { gpuCount: 8, gpuModel: 'A100 80GB' }),
      ]),
    );
    const from = ASOF - 60 * MIN;
    const to = ASOF + MIN;
    await metrics(from, to, [
      ...minutes('busy', 0, ASOF - 29 * MIN, to, 5),
      ...minutes('idle', 0, ASOF - 29 * MIN, to, 4.9),
      ...minutes('xid', 0, ASOF - 29 * MIN, to, 90),
      sample('xid', 0, ASOF - 10 * MIN, 90, 1),
      sample('stopped', 0, ASOF - 10 * MIN, 90, 3),
      ...minutes('degraded', 0, ASOF - 29 * MIN, to, 50),
      // Only at or before the window's open end: not in (asOf - 30 min, asOf].
      ...minutes('silent', 0, from, ASOF - 29 * MIN, 50),
      ...minutes('nulls', 0, ASOF - 20 * MIN, to, null),
      ...minutes('eight', 0, ASOF - 20 * MIN, to, 80),
      ...minutes('eight', 1, ASOF - 20 * MIN, to, 1),
    ]);
    const o = await store.overview(new Date(ASOF + 30_000), ALL);
    expect(o.asOf).toBe('2026-11-25T12:00:00.000Z');
    const azure = o.clouds.find((c) => c.provider === 'azure')!;
    // eight: GPU 0 busy, GPU 1 idle, GPUs 2-7 never reported (unknown).
    expect(azure.gpus).toEqual({ total: 15, busy: 2, idle: 2, unhealthy: 2, unknown: 8, stopped: 1 });
    expect(o.totals.gpus).toEqual(azure.gpus);
    expect(azure.byModel).toEqual([
      { model: 'A100 80GB', total: 8, busy: 1, idle: 1 },
      { model: 'H100 80GB', total: 7, busy: 1, idle: 1 },
    ]);
    const rows = await store.resourceRows(new Date(ASOF), ALL);
    const eight = rows.resources.find((r) => r.id === 'eight')!;
    expect(eight.states).toEqual({ busy: 1, idle: 1, unhealthy: 0, unknown: 6, stopped: 0 });
    expect(eight.utilisation30m).toBeCloseTo(40.5, 10);
    const detail = await store.resourceDetail(new Date(ASOF), 'acct', 'xid', '1h');
    expect(detail!.gpus[0]).toMatchObject({ state: 'unhealthy', xidErrors30m: 1, uuid: 'GPU-xid-0' });
  });

  it('counts a machine’s GPUs as its inventory says after it grows and shrinks, measured or not', async () => {
    const resize = (gpuCount: number): Promise<number> =>
      store.writeInventory(run('acct', 'inventory'), batchesOf([resource('resized', { gpuCount }), resource('busy')]));
    const counts = async (): Promise<{ total: number; busy: number; unknown: number }> => {
      const { gpus } = (await store.overview(new Date(ASOF), ALL)).totals;
      return { total: gpus.total, busy: gpus.busy, unknown: gpus.unknown };
    };
    await resize(2);
    await metrics(ASOF - 20 * MIN, ASOF + MIN, [...minutes('resized', 1, ASOF - 20 * MIN, ASOF + MIN, 80), ...minutes('busy', 0, ASOF - 20 * MIN, ASOF + MIN, 80)]);
    expect(await counts()).toEqual({ total: 3, busy: 2, unknown: 1 });
    // Two more GPUs that never reported: unknown, not missing.
    await resize(4);
    expect(await counts()).toEqual({ total: 5, busy: 2, unknown: 3 });
    // Down to one GPU: GPU 1 (the one measured) is no longer the machine's, so it is not counted.
    await resize(1);
    expect(await counts()).toEqual({ total: 2, busy: 1, unknown: 1 });
    const rows = await store.resourceRows(new Date(ASOF), ALL);
    expect(rows.resources.find((r) => r.id === 'resized')?.states).toEqual({ busy: 0, idle: 0, unhealthy: 0, unknown: 1, stopped: 0 });
  });

  it('makes a GPU with a provider fault signal in the last 30 minutes unhealthy, that GPU only', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('oci4', { gpuCount: 4 })]));
    const from = ASOF - 60 * MIN;
    const to = ASOF + MIN;
    const withFault = (gpu: number, fault: (ts: number) => boolean | undefined): GpuSample[] =>
      minutes('oci4', gpu, ASOF - 45 * MIN, to, 60).map((s) => {
        const f = fault(s.ts);
        return f === undefined ? s : { ...s, fault: f };
      });
    await metrics(from, to, [
      // Faulted 10 minutes ago, still busy: unhealthy.
      ...withFault(0, (ts) => ts === ASOF - 10 * MIN),
      // Faulted 40 minutes ago only, outside the window: busy again.
      ...withFault(1, (ts) => ts === ASOF - 40 * MIN),
      // Reported and clean, and not reported at all: busy.
      ...withFault(2, () => false),
      ...withFault(3, () => undefined),
    ]);
    const o = await store.overview(new Date(ASOF), ALL);
    expect(o.clouds.find((c) => c.provider === 'azure')!.gpus).toEqual({ total: 4, busy: 3, idle: 0, unhealthy: 1, unknown: 0, stopped: 0 });
    const detail = await store.resourceDetail(new Date(ASOF), 'acct', 'oci4', '1h');
    expect(detail!.gpus.map((g) => g.state)).toEqual(['unhealthy', 'busy', 'busy', 'busy']);
  });

  it('averages over GPUs, not machines or series', async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('m8', { gpuCount: 8 }), resource('m1'), resource('twice', { cloud: 'gcp', region: 'us-central1' }), resource('other', { cloud: 'gcp', region: 'us-central1' })]),
    );
    const from = ASOF - 60 * MIN + MIN;
    const to = ASOF + MIN;
    const samples: GpuSample[] = [];
    for (let g = 0; g < 8; g++) samples.push(...minutes('m8', g, from, to, 10));
    samples.push(...minutes('m1', 0, from, to, 100));
    // One GPU seen by two series every minute (0 and 60): its mean is 30, and it counts once.
    samples.push(...minutes('twice', 0, from, to, 0), ...minutes('twice', 0, from, to, 60));
    samples.push(...minutes('other', 0, from, to, 90));
    await metrics(ASOF - 60 * MIN, to, samples);
    const o = await store.overview(new Date(ASOF), ALL);
    expect(o.clouds.find((c) => c.provider === 'azure')!.utilisation.avg1h).toBeCloseTo(20, 10);
    expect(o.clouds.find((c) => c.provider === 'gcp')!.utilisation.avg1h).toBeCloseTo(60, 10);
    const series = await store.utilisationSeries(new Date(ASOF), '1h', ALL, 'none');
    expect(series.stepMs).toBe(MIN);
    expect(series.series).toHaveLength(1);
    const last = series.series[0]!.points.at(-1)!;
    expect(last.t).toBe(ASOF);
    // Mean over the 11 GPUs: (8 x 10 + 100 + 30 + 90) / 11.
    expect(last.value).toBeCloseTo(300 / 11, 10);
    const byCloud = await store.utilisationSeries(new Date(ASOF), '1h', { ...ALL, clouds: ['gcp'] }, 'cloud');
    expect(byCloud.series.map((s) => s.key)).toEqual(['gcp']);
    expect(byCloud.series[0]!.points.at(-1)!.value).toBeCloseTo(60, 10);
  });

  it('computes avg24h and p95 over 24 hours exactly as from raw samples', async () => {
    const asOf = ASOF + 3 * MIN; // not on a 5-minute boundary, so both edges come from raw samples
    // Two GPU models: the fleet tables hold a row for each, which the series must weigh by GPUs.
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('a', { gpuCount: 2 }), resource('b', { gpuModel: 'A100 80GB' })]));
    const from = asOf - 25 * 60 * MIN;
    const samples: GpuSample[] = [];
    let seed = 11;
    const rnd = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 100;
    for (let t = from; t <= asOf + 10 * MIN; t += MIN) {
      samples.push(sample('a', 0, t, rnd()), sample('a', 1, t, rnd()));
      if (t % (7 * MIN) !== 0) samples.push(sample('b', 0, t, rnd()));
    }
    await metrics(from, asOf + 11 * MIN, samples);
    const inWindow = samples.filter((s) => s.ts > asOf - 24 * 60 * MIN && s.ts <= asOf);
    const perGpu = new Map<string, number[]>();
    for (const s of inWindow) perGpu.set(`${s.resourceId}/${s.gpuIndex}`, [...(perGpu.get(`${s.resourceId}/${s.gpuIndex}`) ?? []), s.utilisation!]);
    const means = [...perGpu.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length);
    const expected = means.reduce((a, b) => a + b, 0) / means.length;
    const o = await store.overview(new Date(asOf), ALL);
    const u = o.clouds[0]!.utilisation;
    expect(u.avg24h).toBeCloseTo(expected, 9);
    // p95 of the 5-minute fleet series over the whole buckets of the window.
    const buckets = new Map<number, Map<string, number[]>>();
    for (const s of inWindow) {
      const b = Math.floor(s.ts / (5 * MIN)) * 5 * MIN;
      if (b <= asOf - 24 * 60 * MIN || b + 5 * MIN > asOf) continue;
      const g = buckets.get(b) ?? new Map<string, number[]>();
      g.set(`${s.resourceId}/${s.gpuIndex}`, [...(g.get(`${s.resourceId}/${s.gpuIndex}`) ?? []), s.utilisation!]);
      buckets.set(b, g);
    }
    const values = [...buckets.values()]
      .map((g) => [...g.values()].map((v) => v.reduce((a, b) => a + b, 0) / v.length))
      .map((m) => m.reduce((a, b) => a + b, 0) / m.length)
      .sort((a, b) => a - b);
    const pos = 0.95 * (values.length - 1);
    const p95 = values[Math.floor(pos)]! + (values[Math.ceil(pos)]! - values[Math.floor(pos)]!) * (pos - Math.floor(pos));
    expect(u.p95_24h).toBeCloseTo(p95, 9);
    const s24 = await store.utilisationSeries(new Date(asOf), '24h', ALL, 'none');
    expect(s24.series[0]!.points).toHaveLength(288);
    const s30 = await store.utilisationSeries(new Date(asOf), '30d', ALL, 'cloud');
    expect(s30.series[0]!.points).toHaveLength(720);
    expect(s30.series[0]!.points.filter((p) => p.value !== null).length).toBeGreaterThanOrEqual(25);
    const s7 = await store.utilisationSeries(new Date(asOf), '7d', ALL, 'cloud');
    expect(s7.stepMs).toBe(5 * MIN);
    expect(s7.series[0]!.points).toHaveLength(7 * 288);
    // Each 7-day point is its 5-minute bucket's mean over GPUs of their means, as from raw samples.
    const at7d = new Map(s7.series[0]!.points.map((p) => [p.t, p.value]));
    expect(buckets.size).toBeGreaterThan(200);
    for (const [b, g] of buckets) {
      const gpuMeans = [...g.values()].map((v) => v.reduce((x, y) => x + y, 0) / v.length);
      expect(at7d.get(b), new Date(b).toISOString()).toBeCloseTo(gpuMeans.reduce((x, y) => x + y, 0) / gpuMeans.length, 9);
    }
  });

  it('reports null utilisation where nothing is measured', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('a')]));
    const o = await store.overview(new Date(ASOF), ALL);
    expect(o.clouds[0]!.utilisation).toEqual({ avg1h: null, avg24h: null, p95_24h: null });
    expect(o.clouds[0]!.gpus.unknown).toBe(1);
  });

  it('keeps spend exact per currency: billed, run-rate, forecast, idle waste', async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('idle', { hourlyPrice: '98.32' }), resource('eight', { gpuCount: 8, hourlyPrice: '100' })]),
    );
    const samples: GpuSample[] = [...minutes('idle', 0, DAY_START, ASOF + MIN, 4.9)];
    for (let g = 0; g < 8; g++) samples.push(...minutes('eight', g, ASOF - 60 * MIN, ASOF + MIN, g < 2 ? 1 : 50));
    await metrics(DAY_START, ASOF + MIN, samples);
    const month = { from: Date.parse('2026-10-01T00:00:00Z'), to: Date.parse('2026-11-26T00:00:00Z') };
    await store.writeCosts(
      run('acct', 'costs'),
      month,
      batchesOf([
        costRow({ BilledCost: '0.2', ChargePeriodStart: '2026-11-20T00:00:00Z', ChargePeriodEnd: '2026-11-20T01:00:00Z' }),
        costRow({ BilledCost: '0.1', ChargePeriodStart: '2026-11-24T00:00:00Z', ChargePeriodEnd: '2026-11-24T01:00:00Z' }),
        costRow({ BilledCost: '0', ChargePeriodStart: '2026-11-25T05:00:00Z', ChargePeriodEnd: '2026-11-25T06:00:00Z' }),
        costRow({ BilledCost: '5.00', ChargePeriodStart: '2026-10-31T23:00:00Z', ChargePeriodEnd: '2026-11-01T00:00:00Z' }),
        costRow({ BilledCost: '1.005', BillingCurrency: 'EUR', ChargePeriodStart: '2026-11-03T00:00:00Z', ChargePeriodEnd: '2026-11-03T01:00:00Z' }),
      ]),
    );
    const o = await store.overview(new Date(ASOF), ALL);
    const spend = o.clouds.find((c) => c.provider === 'azure')!.spend;
    expect(spend).toEqual([
      { currency: 'EUR', billedMonthToDate: '1.005', runRateToday: '0.00', forecastMonth: '1.005', idleWasteToday: '0.00' },
      {
        currency: 'USD',
        billedMonthToDate: '0.30',
        // 6 unbilled hours today (06:00-12:00) x (98.32 + 100).
        runRateToday: '1189.92',
        // 0.30 + 1189.92 + (0.3 / 7 per day) x 5 days left.
        forecastMonth: '1190.4342857143',
        // 144 idle buckets x 98.32 / 12, plus 2 GPUs x 12 buckets x 100 / (12 x 8).
        idleWasteToday: '1204.84',
      },
    ]);
    expect(o.totals.spend).toEqual(spend);
  });

  it('counts active incidents and lists the others apart', async () => {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([resource('east', { gpuCount: 8, hourlyPrice: '80' }), resource('west', { region: 'westus', hourlyPrice: '10.5' }), resource('east-stopped', { powerState: 'stopped' })]),
    );
    await store.writeIncidents(
      run('acct', 'incidents'),
      batchesOf([
        incident('here', { regions: ['East US'] }),
        incident('elsewhere', { regions: ['westeurope'] }),
        incident('ended', { endedAt: '2026-11-25T11:00:00Z' }),
        incident('future', { startedAt: '2026-11-25T13:00:00Z' }),
        incident('node', { source: 'resource-health', regions: ['northeurope'], resourceIds: ['west'] }),
      ]),
    );
    const o = await store.overview(new Date(ASOF), ALL);
    const azure = o.clouds.find((c) => c.provider === 'azure')!;
    expect(azure.incidents.active).toBe(2);
    expect(o.totals.incidents.active).toBe(2);
    const here = azure.incidents.list.find((i) => i.id === 'here')!;
    expect(here.affectedGpus).toBe(8);
    expect(here.atRiskPerHour).toEqual([{ currency: 'USD', amount: '80.00' }]);
    const node = azure.incidents.list.find((i) => i.id === 'node')!;
    expect(node).toMatchObject({ affectedGpus: 1, atRiskPerHour: [{ currency: 'USD', amount: '10.50' }] });
    expect(o.incidentsElsewhere.map((i) => i.id)).toEqual(['elsewhere']);
    const list = await store.incidents(new Date(ASOF), false);
    expect(list.incidents.map((i) => i.id).sort()).toEqual(['elsewhere', 'here', 'node']);
  });

  it('counts maintenance only inside its window: planned before, active inside, ended after', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('east', { gpuCount: 8, hourlyPrice: '80' })]));
    // Posted days ahead for 13:14-17:14 on November 27; another in a region the fleet does not use.
    const window = { startedAt: '2026-11-27T13:14:00.000Z', endedAt: '2026-11-27T17:14:00.000Z', updatedAt: '2026-11-24T09:00:00Z' };
    await store.writeIncidents(
      run('acct', 'incidents'),
      batchesOf([
        incident('maint-east', { source: 'maintenance', severity: 'maintenance', status: 'scheduled', regions: ['eastus'], ...window }),
        incident('maint-west', { source: 'maintenance', severity: 'maintenance', status: 'scheduled', regions: ['westeurope'], ...window, startedAt: '2026-11-26T01:00:00.000Z' }),
      ]),
    );
    const before = await store.overview(new Date(ASOF), ALL);
    const azure = before.clouds.find((c) => c.provider === 'azure')!;
    expect(azure.incidents.active).toBe(0);
    expect(azure.incidents.list).toEqual([]);
    expect(before.totals.incidents.active).toBe(0);
    expect(before.incidentsElsewhere).toEqual([]);
    expect(azure.incidents.planned.map((i) => i.id)).toEqual(['maint-east']);
    expect(azure.incidents.planned[0]).toMatchObject({ startedAt: window.startedAt, endedAt: window.endedAt, affectedGpus: 0 });
    // Every planned maintenance for the pane, soonest first.
    expect(before.maintenancePlanned.map((i) => i.id)).toEqual(['maint-west', 'maint-east']);
    const triage = await store.triageList(new Date(ASOF));
    expect(triage.active).toEqual([]);
    expect(triage.totals).toEqual({ active: 0, affectedGpus: 0, atRiskPerHour: [] });
    expect(triage.planned.map((i) => i.id)).toEqual(['maint-west', 'maint-east']);
    // Its scheduled end is not an end yet.
    expect((await store.incidentPage(new Date(ASOF), 'maint-east'))?.timeline.map((e) => e.kind)).not.toContain('ended');

    const inside = await store.overview(new Date('2026-11-27T13:14:00Z'), ALL);
    const azureInside = inside.clouds.find((c) => c.provider === 'azure')!;
    expect(azureInside.incidents.active).toBe(1);
    expect(azureInside.incidents.list.map((i) => i.id)).toEqual(['maint-east']);
    expect(azureInside.incidents.planned).toEqual([]);
    expect(inside.maintenancePlanned).toEqual([]);
    expect((await store.triageList(new Date('2026-11-27T13:14:00Z'))).active.map((i) => i.id)).toEqual(['maint-east']);

    const after = await store.overview(new Date('2026-11-27T17:14:00Z'), ALL);
    expect(after.totals.incidents.active).toBe(0);
    expect(after.clouds.find((c) => c.provider === 'azure')!.incidents.planned).toEqual([]);
    expect((await store.triageList(new Date('2026-11-27T17:14:00Z'))).recentlyEnded.map((i) => i.id).sort()).toEqual(['maint-east', 'maint-west']);
  });

  it('marks a stream stale after twice its interval, with the last error after success', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('a')]));
    clock = ASOF - 100_000;
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 10 * MIN, to: ASOF - 9 * MIN }, batchesOf([]));
    clock = ASOF - 50_000;
    await store.recordFailure(run('acct', 'metrics'), { kind: 'unavailable', message: 'down', retryAfterMs: null });
    const fresh = await store.accounts(new Date(ASOF));
    const m = fresh.accounts.find((a) => a.name === 'acct')!.freshness.streams.metrics;
    expect(m).toMatchObject({ lastSuccessAt: new Date(ASOF - 100_000).toISOString(), stale: false, intervalMs: 60_000 });
    expect(m.lastError).toMatchObject({ kind: 'unavailable' });
    const later = await store.accounts(new Date(ASOF + 21_000));
    expect(later.accounts.find((a) => a.name === 'acct')!.freshness.streams.metrics.stale).toBe(true);
    const o = await store.overview(new Date(ASOF), ALL);
    const f = o.clouds.find((c) => c.provider === 'azure')!.freshness;
    expect(f.metrics).toEqual({ lastSuccessAt: new Date(ASOF - 100_000).toISOString(), stale: false });
    expect(f.costs).toEqual({ lastSuccessAt: null, stale: true });
  });
});
