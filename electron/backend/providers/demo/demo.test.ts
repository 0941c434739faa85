import { describe, expect, it } from 'vitest';
import { FocusCostRow, GpuResource, GpuSample, Incident, IDLE_THRESHOLD_PERCENT, STATE_WINDOW_MS } from '../../../../shared/domain';
import type { Connector } from '../types';
import { BILLING_LAG_MS } from './costs';
import { createDemoConnector, demoProvider } from './index';
import { sumDecimals } from './money';

const NOW = new Date('2026-11-25T15:37:00.000Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function connector(seed = 7, scale = 1, name = 'demo-fleet'): Connector {
  return createDemoConnector(demoProvider.parseConfig({
    name, provider: 'demo', seed, scale, enabled: true,
    syncIntervals: { inventory: 300, metrics: 60, costs: 21600, incidents: 120 }, metricsBackfillHours: 24, costsLookbackDays: 35,
  }));
}

const ctx = (now = NOW) => ({ signal: new AbortController().signal, now });

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

const inventory = (c: Connector, now = NOW) => collect(c.inventory(ctx(now)));

async function samples(c: Connector, from: number, to: number, now = NOW, resources?: GpuResource[]): Promise<GpuSample[]> {
  return collect(c.metrics({ ...ctx(now), from, to, resources: resources ?? (await inventory(c, now)) }));
}

const minuteOf = (d: Date) => Math.floor(d.getTime() / MINUTE) * MINUTE;

function meanBy(list: GpuSample[], key: (s: GpuSample) => string): Map<string, number> {
  const acc = new Map<string, [number, number]>();
  for (const s of list) {
    const k = key(s);
    const a = acc.get(k) ?? [0, 0];
    a[0] += s.utilisation ?? 0;
    a[1] += 1;
    acc.set(k, a);
  }
  return new Map([...acc].map(([k, [sum, n]]) => [k, sum / n]));
}

describe('demo fleet inventory', () => {
  it('has about 2,000 GPUs over the four clouds with real instance types, all valid and marked demo', async () => {
    const fleet = await inventory(connector());
    const gpus = fleet.reduce((n, r) => n + r.gpuCount, 0);
    expect(gpus).toBeGreaterThanOrEqual(1900);
    expect(gpus).toBeLessThanOrEqual(2100);
    expect(new Set(fleet.map((r) => r.cloud))).toEqual(new Set(['azure', 'gcp', 'oci', 'coreweave']));
    const types = new Set(fleet.map((r) => r.instanceType));
    for (const t of [
      'Standard_ND96isr_H100_v5', 'Standard_NC24ads_A100_v4', 'a3-highgpu-8g', 'a2-ultragpu-8g', 'v5litepod-8',
      'BM.GPU.H100.8', 'VM.GPU.A10.1', 'gd-8xh100ib-i128', 'gd-8xh200ib-i128', 'gd-8xl40s-i128',
    ]) expect(types.has(t), t).toBe(true);
    for (const r of fleet) {
      expect(() => GpuResource.parse(r)).not.toThrow();
      expect(r.demo).toBe(true);
      expect(r.account).toBe('demo-fleet');
      expect(r.tags.team).toBeTruthy();
      expect(r.hourlyPrice).not.toBeNull();
    }
    expect(new Set(fleet.map((r) => r.id)).size).toBe(fleet.length);
    for (const cloud of ['azure', 'gcp', 'oci', 'coreweave']) {
      expect(new Set(fleet.filter((r) => r.cloud === cloud).map((r) => r.region)).size, cloud).toBeGreaterThanOrEqual(3);
    }
  });

  it('uses provider-shaped resource ids', async () => {
    const fleet = await inventory(connector());
    const byCloud = (c: string) => fleet.find((r) => r.cloud === c)?.id ?? '';
    expect(byCloud('azure')).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+$/);
    expect(byCloud('gcp')).toMatch(/^https:\/\/www\.googleapis\.com\/compute\/v1\/projects\/[^/]+\/zones\/[a-z0-9-]+\/instances\/[^/]+$/);
    expect(byCloud('oci')).toMatch(/^ocid1\.instance\.oc1\.[a-z]{3}\.[a-z2-7]+$/);
    expect(fleet.find((r) => r.kind === 'tpu-vm')?.id).toMatch(/^projects\/[^/]+\/locations\/[a-z0-9-]+\/nodes\//);
  });

  it('has stopped VMs and a degraded resource', async () => {
    const fleet = await inventory(connector());
    expect(fleet.filter((r) => r.powerState === 'stopped').length).toBeGreaterThanOrEqual(3);
    expect(fleet.filter((r) => r.health === 'degraded')).toHaveLength(1);
  });

  it('is identical for the same seed and now, and differs for another seed', async () => {
    expect(await inventory(connector(7))).toEqual(await inventory(connector(7)));
    const a = (await inventory(connector(7))).map((r) => r.id);
    const b = (await inventory(connector(8))).map((r) => r.id);
    expect(a).not.toEqual(b);
  });

  it('scales: scale 5 gives about 10,000 GPUs', async () => {
    const fleet = await inventory(connector(7, 5));
    const gpus = fleet.reduce((n, r) => n + r.gpuCount, 0);
    expect(gpus).toBeGreaterThanOrEqual(9500);
    expect(gpus).toBeLessThanOrEqual(10500);
  });
});

describe('demo metrics', () => {
  it('gives identical samples for a window, for overlapping re-fetches, and different ones for another seed', async () => {
    const c = connector();
    const fleet = await inventory(c);
    const some = fleet.slice(0, 40);
    const end = minuteOf(NOW);
    const a = await samples(c, end - 60 * MINUTE, end, NOW, some);
    const again = await samples(connector(), end - 60 * MINUTE, end, NOW, some);
    expect(again).toEqual(a);
    // A later sync re-reading an overlapping window sees the same values for the shared minutes.
    const later = await samples(c, end - 30 * MINUTE, end + 10 * MINUTE, new Date(NOW.getTime() + 10 * MINUTE), some);
    const key = (s: GpuSample) => `${s.resourceId}#${s.gpuIndex}@${s.ts}`;
    const first = new Map(a.map((s) => [key(s), s]));
    let shared = 0;
    for (const s of later) {
      const f = first.get(key(s));
      if (f) { expect(s).toEqual(f); shared++; }
    }
    expect(shared).toBeGreaterThan(1000);
    const other = connector(8);
    const otherSamples = await samples(other, end - 10 * MINUTE, end, NOW, (await inventory(other)).slice(0, 40));
    expect(otherSamples.map((s) => s.utilisation)).not.toEqual(a.filter((s) => s.ts >= end - 10 * MINUTE).map((s) => s.utilisation));
  });

  it('yields one valid sample per running GPU per minute, none in the future', async () => {
    const c = connector();
    const fleet = await inventory(c);
    const end = minuteOf(NOW);
    const list = await samples(c, end - 5 * MINUTE, end + 5 * MINUTE, NOW, fleet);
    for (const s of list.slice(0, 2000)) expect(() => GpuSample.parse(s)).not.toThrow();
    expect(Math.max(...list.map((s) => s.ts))).toBe(end - MINUTE);
    const reporting = fleet.filter((r) => r.powerState === 'running' && r.instanceType !== 'VM.GPU.A10.2');
    expect(list.length).toBe(reporting.reduce((n, r) => n + r.gpuCount, 0) * 5);
    const bySource = new Map(list.map((s) => [fleet.find((r) => r.id === s.resourceId)?.gpuModel, s.utilSource]));
    expect(bySource.get('H100 80GB')).toBe('prof');
    expect(bySource.get('A10 24GB')).toBe('dev');
    expect(bySource.get('L40S 48GB')).toBe('dev');
    expect(bySource.get('TPU v5e')).toBe('provider');
  });

  it('has an XID node in the last 30 minutes, and XIDs nowhere else', async () => {
    const c = connector();
    const end = minuteOf(NOW);
    const list = await samples(c, end - STATE_WINDOW_MS, end);
    const withXid = new Set(list.filter((s) => s.xidErrors > 0).map((s) => s.resourceId));
    expect(withXid.size).toBe(1);
    const fleet = await inventory(c);
    expect(fleet.find((r) => withXid.has(r.id))?.cloud).toBe('coreweave');
  });

  it('keeps idle pools far below and busy pools far above the idle threshold', async () => {
    const c = connector();
    const fleet = await inventory(c);
    const end = minuteOf(NOW);
    const list = await samples(c, end - STATE_WINDOW_MS, end, NOW, fleet);
    const pool = new Map(fleet.map((r) => [r.id, r.tags.pool ?? '']));
    const perGpu = meanBy(list, (s) => `${pool.get(s.resourceId)}|${s.resourceId}#${s.gpuIndex}`);
    const idle = [...perGpu].filter(([k]) => k.startsWith('nca100x4-wus3|') || k.startsWith('a100-ams|'));
    expect(idle.length).toBeGreaterThan(0);
    for (const [, mean] of idle) expect(mean).toBeLessThan(2);
    const busy = [...perGpu].filter(([k]) => k.startsWith('ndh100-scus|') || k.startsWith('a3-usc1|') || k.startsWith('h100-iad|'));
    for (const [, mean] of busy) expect(mean).toBeGreaterThan(70);
    for (const [, mean] of perGpu) expect(Math.abs(mean - IDLE_THRESHOLD_PERCENT)).toBeGreaterThan(3);
  });

  it('follows the local day in inference pools', async () => {
    const c = connector();
    const fleet = (await inventory(c)).filter((r) => r.tags.pool === 'nca100-weu');
    const at = async (isoHourUtc: string) => {
      const t = Date.parse(isoHourUtc);
      const list = await samples(c, t, t + 30 * MINUTE, new Date(t + DAY), fleet);
      return list.reduce((n, s) => n + (s.utilisation ?? 0), 0) / list.length;
    };
    // West Europe is UTC+1: 03:00 UTC is 04:00 local (quiet), 15:00 UTC is 16:00 local (peak).
    expect(await at('2026-11-24T15:00:00Z')).toBeGreaterThan((await at('2026-11-24T03:00:00Z')) + 40);
  });

  it('has a pool that stopped reporting hours ago and no samples from stopped VMs since they stopped', async () => {
    const c = connector();
    const fleet = await inventory(c);
    const end = minuteOf(NOW);
    const silent = fleet.filter((r) => r.tags.pool === 'a10x2-lhr');
    expect(await samples(c, end - 3 * HOUR, end, NOW, silent)).toHaveLength(0);
    expect((await samples(c, end - 8 * HOUR, end, NOW, silent)).length).toBeGreaterThan(0);
    const stopped = fleet.filter((r) => r.powerState === 'stopped');
    expect(await samples(c, end - 24 * HOUR, end, NOW, stopped)).toHaveLength(0);
    expect((await samples(c, end - 30 * HOUR, end, NOW, stopped)).length).toBeGreaterThan(0);
  });
});

describe('demo costs', () => {
  const from = Date.UTC(2026, 10, 1);

  it('lag now by hours, with daily rows for past days and hourly rows for today', async () => {
    const rows = await collect(connector().costs({ ...ctx(), from, to: NOW.getTime() }));
    for (const r of rows.slice(0, 500)) expect(() => FocusCostRow.parse(r)).not.toThrow();
    const lastEnd = Math.max(...rows.map((r) => Date.parse(r.ChargePeriodEnd)));
    const hourOfNow = Math.floor(NOW.getTime() / HOUR) * HOUR;
    expect(lastEnd).toBe(hourOfNow - BILLING_LAG_MS);
    expect(NOW.getTime() - lastEnd).toBeGreaterThanOrEqual(4 * HOUR);
    const today = Date.UTC(2026, 10, 25);
    const todayRows = rows.filter((r) => Date.parse(r.ChargePeriodStart) >= today);
    expect(todayRows.length).toBeGreaterThan(0);
    for (const r of todayRows) expect(Date.parse(r.ChargePeriodEnd) - Date.parse(r.ChargePeriodStart)).toBe(HOUR);
    const yesterday = rows.filter((r) => r.ChargePeriodStart === '2026-11-24T00:00:00.000Z' && r.ChargeCategory === 'Usage');
    expect(yesterday.every((r) => r.ChargePeriodEnd === '2026-11-25T00:00:00.000Z')).toBe(true);
    expect(new Set(rows.map((r) => r.ProviderName))).toEqual(new Set(['Microsoft', 'Google Cloud', 'Oracle', 'CoreWeave']));
    expect(new Set(rows.map((r) => r.BillingCurrency))).toEqual(new Set(['USD']));
  });

  it('prices machines from the catalog with exact decimals, and adds storage, egress and a monthly credit', async () => {
    const rows = await collect(connector().costs({ ...ctx(), from, to: NOW.getTime() }));
    const nd = rows.find((r) => r.SkuId === 'Standard_ND96isr_H100_v5' && r.RegionId === 'eastus' && r.PricingQuantity === '24');
    expect(nd?.BilledCost).toBe('2359.68'); // 98.32 x 24
    expect(nd?.Tags.team).toBe('llm-training');
    expect(nd?.SubAccountId).toMatch(/^[0-9a-f-]{36}$/);
    const a3 = rows.find((r) => r.SkuId === 'a3-highgpu-8g' && r.PricingQuantity === '1');
    expect(a3?.BilledCost).toBe('88.490000');
    const credits = rows.filter((r) => r.ChargeCategory === 'Credit');
    expect(credits).toHaveLength(4);
    for (const c of credits) expect(c.BilledCost).toBe('-2500.00');
    expect(rows.some((r) => r.ServiceCategory === 'Storage')).toBe(true);
    expect(rows.some((r) => r.ServiceCategory === 'Networking')).toBe(true);
    // Exact sums: splitting and re-adding never loses a cent.
    const total = sumDecimals(rows.map((r) => r.BilledCost));
    const half = Math.floor(rows.length / 2);
    expect(sumDecimals([sumDecimals(rows.slice(0, half).map((r) => r.BilledCost)), sumDecimals(rows.slice(half).map((r) => r.BilledCost))])).toBe(total);
    expect(total).toMatch(/^\d+\.\d{6}$/);
  });

  it('are identical for the same seed and now, differ for another seed, and respect [from, to)', async () => {
    const a = await collect(connector(7).costs({ ...ctx(), from, to: NOW.getTime() }));
    const b = await collect(connector(7).costs({ ...ctx(), from, to: NOW.getTime() }));
    expect(b).toEqual(a);
    const other = await collect(connector(8).costs({ ...ctx(), from, to: NOW.getTime() }));
    expect(other.map((r) => r.BilledCost)).not.toEqual(a.map((r) => r.BilledCost));
    const window = await collect(connector(7).costs({ ...ctx(), from: Date.UTC(2026, 10, 10), to: Date.UTC(2026, 10, 12) }));
    expect(new Set(window.map((r) => r.ChargePeriodStart))).toEqual(new Set(['2026-11-10T00:00:00.000Z', '2026-11-11T00:00:00.000Z']));
  });

  it('stops charging a stopped VM once it stopped', async () => {
    const c = connector();
    const fleet = await inventory(c);
    const stopped = new Set(fleet.filter((r) => r.powerState === 'stopped').map((r) => r.id));
    const rows = await collect(c.costs({ ...ctx(), from: Date.UTC(2026, 10, 25), to: NOW.getTime() }));
    expect(rows.filter((r) => r.ResourceId !== null && stopped.has(r.ResourceId))).toHaveLength(0);
  });
});

describe('demo incidents', () => {
  it('has one active in a fleet region, one elsewhere, one ended, one planned, and a resource health event', async () => {
    const c = connector();
    const fleet = await inventory(c);
    const list = await collect(c.incidents({ ...ctx(), resources: fleet }));
    for (const i of list) expect(() => Incident.parse(i)).not.toThrow();
    const regions = new Set(fleet.map((r) => r.region));
    const now = ctx().now.getTime();
    const planned = list.filter((i) => Date.parse(i.startedAt) > now);
    const active = list.filter((i) => i.endedAt === null);
    const inFleet = active.filter((i) => i.source !== 'resource-health' && i.regions.some((r) => regions.has(r)));
    expect(inFleet).toHaveLength(1);
    expect(inFleet[0]?.regions).toEqual(['eastus']);
    expect(inFleet[0]?.updates.length).toBeGreaterThanOrEqual(2);
    expect(inFleet[0]?.url).toMatch(/^https:\/\/azure\.status\.microsoft\//);
    expect(active.filter((i) => !i.regions.some((r) => regions.has(r)))).toHaveLength(1);
    expect(list.filter((i) => i.endedAt !== null && Date.parse(i.endedAt) <= now)).toHaveLength(1);
    // Announced maintenance days ahead in a fleet region: planned, its window still to come.
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ source: 'maintenance', regions: ['us-central1'] });
    expect(regions.has('us-central1')).toBe(true);
    expect(Date.parse(planned[0]!.startedAt) - now).toBeGreaterThan(2 * 86_400_000);
    const health = list.filter((i) => i.source === 'resource-health');
    expect(health).toHaveLength(1);
    expect(fleet.find((r) => r.id === health[0]?.resourceIds[0])?.health).toBe('degraded');
  });

  it('keeps ids and times stable between syncs a minute apart', async () => {
    const fleet = await inventory(connector());
    const a = await collect(connector().incidents({ ...ctx(new Date('2026-11-25T15:31:00Z')), resources: fleet }));
    const b = await collect(connector().incidents({ ...ctx(new Date('2026-11-25T15:32:00Z')), resources: fleet }));
    expect(b).toEqual(a);
  });
});

describe('demo config', () => {
  it('rejects a bad scale with a config error', () => {
    expect(() => demoProvider.parseConfig({
      name: 'd', provider: 'demo', scale: -1, enabled: true,
      syncIntervals: { inventory: 300, metrics: 60, costs: 21600, incidents: 120 }, metricsBackfillHours: 24, costsLookbackDays: 35,
    } as never)).toThrow(/scale/);
  });
});

describe('demo pages and the event loop', () => {
  /** Counts event-loop turns until stopped: a request or an SSE write can only run on one of these. */
  function turnCounter() {
    const counter = { turns: 0, running: true };
    const tick = (): void => {
      counter.turns += 1;
      if (counter.running) setImmediate(tick);
    };
    setImmediate(tick);
    return counter;
  }

  async function turnsAtEachPage(pages: AsyncIterable<{ length: number }>): Promise<number[]> {
    const counter = turnCounter();
    const seen: number[] = [];
    try {
      for await (const page of pages) {
        expect(page.length).toBeGreaterThan(0);
        seen.push(counter.turns);
      }
    } finally {
      counter.running = false;
    }
    return seen;
  }

  // Computed in memory, the pages would otherwise come one after another with no turn between them,
  // holding serve's requests and events for the whole sync (seconds for a 10,000-GPU fleet's costs).
  it('waits a turn between cost pages, as a real source waits on the network', async () => {
    const seen = await turnsAtEachPage(connector(7, 2).costs({ ...ctx(), from: Date.UTC(2026, 9, 1), to: NOW.getTime() }));
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] ?? Infinity);
  });

  it('waits a turn between metrics pages', async () => {
    const c = connector(7, 2);
    const resources = await inventory(c);
    const to = minuteOf(NOW);
    const seen = await turnsAtEachPage(c.metrics({ ...ctx(), from: to - 6 * HOUR, to, resources }));
    expect(seen.length).toBeGreaterThan(1);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] ?? Infinity);
  });

  it('stops at the next page once the sync is aborted', async () => {
    const abort = new AbortController();
    const pages = connector(7, 2).costs({ signal: abort.signal, now: NOW, from: Date.UTC(2026, 9, 1), to: NOW.getTime() });
    const read = async () => {
      for await (const _page of pages) abort.abort(new Error('sync stopped'));
    };
    await expect(read()).rejects.toThrow('sync stopped');
  });
});
