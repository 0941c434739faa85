import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FocusCostRow, GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { AuthError, ConfigError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import { createOciConnector } from './index';
import { DAY, MINUTE, times } from './testing/fleet';
import { startOciHarness, type OciHarness } from './testing/harness';

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

const ctx = (now: Date) => ({ signal: new AbortController().signal, now });

/** Exact sum of decimal texts in micro-units (the fleet's amounts have at most 6 decimals). */
function micros(v: string): bigint {
  const neg = v.startsWith('-');
  const [i = '0', f = ''] = (neg ? v.slice(1) : v).split('.');
  const n = BigInt(i + f.padEnd(6, '0').slice(0, 6));
  return neg ? -n : n;
}

describe('oci connector against the loopback emulator (3 regions, 6 compartments, signed requests)', () => {
  let h: OciHarness;
  let inventory: GpuResource[];

  beforeAll(async () => {
    h = await startOciHarness();
    inventory = await collect(createOciConnector(h.config()).inventory(ctx(h.fleet.now)));
  });
  afterAll(async () => h?.close());

  it('verifies every request signature and pages with opc-next-page', () => {
    expect(h.emulator.requests.length).toBeGreaterThan(10);
    expect(h.emulator.requests.filter((r) => r.status === 401)).toEqual([]);
    const list = h.emulator.requests.filter((r) => r.operation === 'ListInstances');
    expect(list.some((r) => r.query.get('page') !== null)).toBe(true);
    expect(h.emulator.requests.some((r) => r.operation === 'ListCompartments' && r.query.get('page') === null)).toBe(true);
    // The IN_PROGRESS region is not read.
    expect(h.emulator.requests.some((r) => r.region === 'sa-saopaulo-1')).toBe(false);
  });

  it('lists every GPU instance of the readable compartments, in every region and AD, and nothing else', () => {
    const visible = h.fleet.instances.filter((i) => i.gpu && i.lifecycle !== 'TERMINATED' && !h.fleet.compartments.find((c) => c.id === i.compartmentId)?.denied);
    expect(inventory.map((r) => r.id).sort()).toEqual(visible.map((i) => i.id).sort());
    expect(new Set(inventory.map((r) => r.region))).toEqual(new Set(['us-ashburn-1', 'eu-frankfurt-1', 'ap-tokyo-1']));
    expect(new Set(inventory.map((r) => r.zone)).size).toBe(7);
    const power = (s: string) => ({ RUNNING: 'running', STOPPED: 'stopped', STARTING: 'starting', PROVISIONING: 'starting', STOPPING: 'stopping', MOVING: 'unknown' })[s];
    for (const inst of visible) {
      const r = inventory.find((x) => x.id === inst.id) as GpuResource;
      expect(r.powerState, inst.name).toBe(power(inst.lifecycle));
      expect(r.health, inst.name).toBe(inst.lifecycle === 'MOVING' ? 'degraded' : 'ok');
      expect(r.gpuCount).toBe(inst.gpu?.gpus);
      expect(r.gpuModel).toBe(inst.gpu?.model);
      expect(r.region).toBe(inst.region);
      expect(r.zone).toBe(inst.ad);
      expect(r.tags['Operations.CostCenter']).toBe(inst.definedTags.Operations?.CostCenter);
      expect(r.tags.team).toBe(inst.freeformTags.team);
      expect(r.tags['oci:gpuMonitoring']).toBe(inst.plugin === 'absent' ? 'unknown' : inst.plugin.toLowerCase());
    }
    const h100 = inventory.find((r) => r.instanceType === 'BM.GPU.H100.8');
    expect(h100).toMatchObject({ kind: 'bare-metal', hourlyPrice: '80.00', gpuMemoryGiB: 80 });
  });

  it('records the compartment it may not read with the policy statement, without failing the run', () => {
    const c = createOciConnector(h.config());
    return collect(c.inventory(ctx(h.fleet.now))).then(() => {
      const denied = c.compartmentAccess().filter((a) => a.status === 'denied');
      expect(denied.map((a) => `${a.compartment}@${a.region}`).sort()).toEqual(['finance@ap-tokyo-1', 'finance@eu-frankfurt-1', 'finance@us-ashburn-1']);
      expect(denied[0]?.policy).toBe('Allow group <your-group> to read instance-family in compartment finance');
      expect(c.compartmentAccess().filter((a) => a.status === 'ok').length).toBe(3 * 6);
    });
  });

  it('keeps a compartment that fails later as stale, and fails the run when nothing is known yet', async () => {
    const c = createOciConnector(h.config());
    await collect(c.inventory(ctx(h.fleet.now)));
    const train = h.fleet.compartments.find((x) => x.path === 'ml/train')?.id as string;
    h.emulator.faults.push({ operation: 'ListInstances', region: 'eu-frankfurt-1', compartmentId: train, status: 404, code: 'NotAuthorizedOrNotFound', times: 1 });
    const again = await collect(c.inventory(ctx(new Date(h.fleet.now.getTime() + MINUTE))));
    expect(again.map((r) => r.id).sort()).toEqual(inventory.map((r) => r.id).sort());
    const stale = again.filter((r) => r.tags['oci:stale'] === 'true');
    expect(stale.length).toBe(inventory.filter((r) => r.region === 'eu-frankfurt-1' && r.tags['oci:compartmentId'] === train).length);
    expect(stale.length).toBeGreaterThan(0);
    expect(c.compartmentAccess().find((a) => a.status === 'stale')).toMatchObject({ compartment: 'ml/train', region: 'eu-frankfurt-1' });

    h.emulator.faults.push({ operation: 'ListInstances', region: 'ap-tokyo-1', compartmentId: train, status: 500, code: 'InternalServerError', times: 5 });
    const fresh = createOciConnector(h.config());
    const err = await collect(fresh.inventory(ctx(h.fleet.now))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/inventory not replaced: compartment ml\/train in ap-tokyo-1/);
    h.emulator.faults.length = 0;
  });

  it('reads GPU metrics from gpu_infrastructure_health with MQL aggregated per GPU, per compartment; plugin-less GPUs get no sample', async () => {
    const to = Math.floor(h.fleet.now.getTime() / MINUTE) * MINUTE;
    const from = to - 10 * MINUTE;
    const before = h.emulator.requests.length;
    const c = createOciConnector(h.config());
    const samples: GpuSample[] = await collect(c.metrics({ ...ctx(h.fleet.now), from, to, resources: inventory }));
    const calls = h.emulator.requests.slice(before).filter((r) => r.operation === 'SummarizeMetricsData');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      const body = call.body as { namespace: string; query: string; resolution: string };
      expect(body.namespace).toBe('gpu_infrastructure_health');
      expect(body.query).toMatch(/^(Gpu(Memory)?Utilization\[1m\]\.groupBy\(resourceId, gpuId\)\.mean\(\)|Fault\[1m\]\.groupBy\(resourceId, gpuId\)\.max\(\))$/);
      expect(body.resolution).toBe('1m');
      expect(call.query.get('compartmentIdInSubtree')).toBe('false');
    }
    // One call per metric (utilisation, memory, Fault) per (region, compartment) holding running GPUs.
    const places = new Set(inventory.filter((r) => r.powerState === 'running').map((r) => `${r.region}|${r.tags['oci:compartmentId']}`));
    expect(calls.length).toBe(places.size * 3);
    for (const inst of h.fleet.instances.filter((i) => i.gpu)) {
      const mine = samples.filter((s) => s.resourceId === inst.id);
      if (inst.lifecycle !== 'RUNNING' || inst.plugin !== 'ENABLED' || inst.compartmentId.endsWith('finance')) {
        expect(mine, inst.name).toHaveLength(0);
        continue;
      }
      expect(mine, inst.name).toHaveLength(10 * (inst.gpu?.gpus ?? 0));
      for (const s of mine) {
        // Fault per GPU: true only inside that GPU's fault window, absent where the agent reports none.
        const faulted = (inst.faultWindows ?? []).some((w) => w.gpu === s.gpuIndex && s.ts >= w.from && s.ts < w.to);
        expect(s.fault, `${inst.name} gpu ${s.gpuIndex}`).toBe(inst.faultReported ? faulted : undefined);
        expect(s.utilisation).toBe(inst.utilisation[s.gpuIndex]);
        expect(s.utilSource).toBe('provider');
        expect(s.memoryUsedMiB).toBeCloseTo(((inst.memoryPercent[s.gpuIndex] as number) / 100) * (inventory.find((r) => r.id === inst.id)?.gpuMemoryGiB ?? 0) * 1024, 6);
      }
    }
    // The emulator serves all three kinds: faulted, clean, and not reported.
    expect(samples.filter((s) => s.fault === true).map((s) => `${s.resourceId}#${s.gpuIndex}`)).toEqual(
      Array.from({ length: 10 }, () => `${h.fleet.instances.find((i) => i.faultWindows?.some((w) => w.to > to))?.id}#1`),
    );
    expect(samples.some((s) => s.fault === false)).toBe(true);
    expect(samples.some((s) => s.fault === undefined)).toBe(true);
    const unmeasured = c.unmeasured();
    const lacking = h.fleet.instances.filter((i) => i.gpu && i.lifecycle === 'RUNNING' && i.plugin !== 'ENABLED' && !i.compartmentId.endsWith('finance'));
    expect(unmeasured.map((u) => u.resourceId).sort()).toEqual(lacking.map((i) => i.id).sort());
    expect(unmeasured.find((u) => h.fleet.instances.find((i) => i.id === u.resourceId)?.plugin === 'DISABLED')?.reason).toMatch(/is disabled/);
  });

  it('splits metric calls to stay within the point and stream limits', async () => {
    const to = Math.floor(h.fleet.now.getTime() / MINUTE) * MINUTE;
    const from = to - 60 * MINUTE;
    const before = h.emulator.requests.length;
    const c = createOciConnector(h.config({ monitoring: { metrics: ['GpuUtilization'], maxPointsPerCall: 600, maxStreamsPerCall: 16 } }));
    const samples = await collect(c.metrics({ ...ctx(h.fleet.now), from, to, resources: inventory }));
    const calls = h.emulator.requests.slice(before).filter((r) => r.operation === 'SummarizeMetricsData');
    expect(calls.every((r) => r.status === 200)).toBe(true);
    expect(calls.some((r) => /resourceId =~/.test((r.body as { query: string }).query))).toBe(true);
    const measuredGpus = h.fleet.instances
      .filter((i) => i.gpu && i.lifecycle === 'RUNNING' && i.plugin === 'ENABLED' && !i.compartmentId.endsWith('finance'))
      .reduce((n, i) => n + (i.gpu?.gpus ?? 0), 0);
    expect(samples).toHaveLength(measuredGpus * 60);
  });

  it('reads daily usage by resource and SKU to the exact decimal, credits included', async () => {
    const from = Date.UTC(2026, 10, 1);
    const to = h.fleet.now.getTime();
    const rows: FocusCostRow[] = await collect(createOciConnector(h.config()).costs({ ...ctx(h.fleet.now), from, to }));
    const usageCall = h.emulator.requests.filter((r) => r.operation === 'RequestSummarizedUsages').at(-1);
    expect((usageCall?.body as { groupBy: string[] }).groupBy).toEqual(expect.arrayContaining(['resourceId', 'skuPartNumber']));
    const expected = h.fleet.usage.filter((u) => u.day >= from && u.day < to);
    expect(rows).toHaveLength(expected.length);
    const sum = (xs: string[]) => xs.reduce((s, x) => s + micros(x), 0n);
    expect(sum(rows.map((r) => r.BilledCost))).toBe(sum(expected.map((u) => u.amount)));
    const l40s = rows.find((r) => r.SkuId === 'B90007' && r.ChargePeriodStart === '2026-11-19T00:00:00.000Z');
    expect(l40s?.BilledCost).toBe(times('14.0001', 24));
    expect(rows.find((r) => r.BilledCost === '-12.3456')).toMatchObject({ ChargeCategory: 'Credit', ResourceId: null });
    expect(rows.every((r) => r.BillingCurrency === 'USD' && r.ProviderName === 'Oracle Cloud Infrastructure')).toBe(true);
    expect(rows.find((r) => r.ResourceId?.startsWith('ocid1.instance.'))?.SubAccountName).toBeTruthy();
  });

  it('turns announcements in fleet regions, maintenance events and MOVING instances into incidents linked to GPUs', async () => {
    const list: Incident[] = await collect(createOciConnector(h.config()).incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const ids = list.map((i) => i.id);
    expect(ids).toContain('oci-announcement:ocid1.announcement.oc1..aaaaaaaaoutageiad');
    expect(ids).not.toContain('oci-announcement:ocid1.announcement.oc1..aaaaaaaaoutagegru');
    expect(ids).not.toContain('oci-announcement:ocid1.announcement.oc1..aaaaaaaainfo');
    const iad = list.find((i) => i.id.endsWith('outageiad')) as Incident;
    expect(iad).toMatchObject({ severity: 'major', endedAt: null, regions: ['us-ashburn-1'], source: 'service-health' });
    expect(iad.resourceIds.sort()).toEqual((h.fleet.announcements[0]?.affectedResourceIds ?? []).filter((id) => inventory.some((r) => r.id === id)).sort());
    expect(iad.resourceIds.length).toBeGreaterThan(0);
    expect(iad.summary).not.toMatch(/<p>/);
    // Announced maintenance three days ahead: its window, not the date it was posted.
    const planned = h.fleet.announcements.find((x) => x.id.endsWith('maintiadplanned'));
    expect(list.find((i) => i.id.endsWith('maintiadplanned'))).toMatchObject({
      source: 'maintenance', status: 'planned', startedAt: new Date(planned?.timeOne ?? 0).toISOString(), endedAt: new Date(planned?.timeTwo ?? 0).toISOString(),
    });
    const fra = list.find((i) => i.id.endsWith('maintfra'));
    expect(fra?.endedAt).toBe(new Date(h.fleet.now.getTime() - 2 * DAY).toISOString());
    const maint = list.filter((i) => i.id.startsWith('oci-maintenance:'));
    expect(maint.map((i) => i.status).sort()).toEqual(['scheduled', 'succeeded']);
    expect(maint.every((i) => i.resourceIds.length === 1)).toBe(true);
    const moving = list.filter((i) => i.id.startsWith('oci-lifecycle:'));
    expect(moving.map((i) => i.resourceIds[0]).sort()).toEqual(h.fleet.instances.filter((i) => i.lifecycle === 'MOVING').map((i) => i.id).sort());
  });

  it('tells a rejected signature, a missing policy, throttling, outages and bad shapes apart', async () => {
    const now = h.fleet.now;
    const inv = (extra: Record<string, unknown> = {}) => collect(createOciConnector(h.config(extra)).inventory(ctx(now))).catch((e: unknown) => e);

    // A key the emulator does not know: 401 NotAuthenticated -> AuthError naming the key.
    const wrongPrint = await inv({ credential: { type: 'configFile', path: h.configFile, profile: 'FLEET', passphrase: { env: 'FLEETPANE_TEST_OCI_NO_SUCH_VAR' } } });
    expect(wrongPrint).toBeInstanceOf(ConfigError);

    h.emulator.faults.push({ operation: 'ListRegionSubscriptions', status: 401, code: 'NotAuthenticated', times: 1 });
    const unsigned = await inv();
    expect(unsigned).toBeInstanceOf(AuthError);
    expect((unsigned as Error).message).toMatch(/signature.*fingerprint/);

    h.emulator.faults.push({ operation: 'ListCompartments', status: 404, code: 'NotAuthorizedOrNotFound', times: 1 });
    const noPolicy = await inv();
    expect(noPolicy).toBeInstanceOf(AuthError);
    expect((noPolicy as Error).message).toContain('Allow group <your-group> to inspect compartments in tenancy');

    // 429 with Retry-After is backed off and retried; it succeeds on the third attempt.
    h.emulator.faults.push({ operation: 'ListRegionSubscriptions', status: 429, code: 'TooManyRequests', retryAfter: '0', times: 2 });
    expect(Array.isArray(await inv())).toBe(true);
    h.emulator.faults.push({ operation: 'ListRegionSubscriptions', status: 429, code: 'TooManyRequests', retryAfter: '7', times: 3 });
    const throttled = await collect(createOciConnector(h.config({ backoff: { attempts: 1, initialDelayMs: 5 } })).inventory(ctx(now))).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(7000);
    h.emulator.faults.length = 0;

    h.emulator.faults.push({ operation: 'ListRegionSubscriptions', status: 503, code: 'ServiceUnavailable', times: 1 });
    expect(await inv()).toBeInstanceOf(UnavailableError);

    h.emulator.faults.push({ operation: 'ListRegionSubscriptions', status: 200, rawBody: '[{"regionName": 42}]', times: 1 });
    expect(await inv()).toBeInstanceOf(MalformedResponseError);

    h.emulator.faults.push({ operation: 'RequestSummarizedUsages', status: 404, code: 'NotAuthorizedOrNotFound', times: 1 });
    const usage = await collect(createOciConnector(h.config()).costs({ ...ctx(now), from: Date.UTC(2026, 10, 1), to: now.getTime() })).catch((e: unknown) => e);
    expect((usage as Error).message).toContain('Allow group <your-group> to read usage-reports in tenancy');
    h.emulator.faults.length = 0;
  });
});
