import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GpuResource, Incident, FocusCostRow, GpuSample } from '../../../../shared/domain';
import { AuthError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import type { Clock } from './client';
import { dcgmMatchable, FLEET_SIZES, fleetTruth, migInstanceUtilisation, toMicros } from './testing/fleet';
import { COMPUTER_NAME_TAG, GPU_PARTITION_TAG } from './map';
import { fleetUtilisation, STATUS_FEED_PATH } from './testing/emulator';
import { collect, startHarness, type Harness } from './testing/harness';

const now = new Date('2026-11-20T12:00:00Z');
let h: Harness;
const ctx = () => ({ signal: new AbortController().signal, now });

beforeAll(async () => {
  h = await startHarness({ now, standaloneVms: 320 }, 50);
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.arm.clearFaults();
  h.prom.clearFaults();
  h.arm.setReadBudget(11999);
});

describe('inventory', () => {
  it('pages to the end and returns every GPU machine with power state, health and model', async () => {
    const before = h.arm.requests.length;
    const resources = await collect(h.connector().inventory(ctx()));
    for (const r of resources) GpuResource.parse(r);
    const gpuVms = h.fleet.vms.filter((v) => FLEET_SIZES[v.size].gpus > 0);
    expect(resources).toHaveLength(gpuVms.length);
    expect(new Set(resources.map((r) => r.id))).toEqual(new Set(gpuVms.map((v) => v.id)));
    const byId = new Map(resources.map((r) => [r.id, r]));
    for (const vm of gpuVms) {
      const r = byId.get(vm.id);
      expect(r?.powerState).toBe(vm.power === 'running' ? 'running' : 'stopped');
      expect(r?.gpuModel).toBe(FLEET_SIZES[vm.size].model);
      expect(r?.gpuCount).toBe(FLEET_SIZES[vm.size].gpus);
      expect(r?.health).toBe(vm.platform === 'down' || vm.health === 'Unavailable' ? 'unavailable' : vm.health === 'Degraded' ? 'degraded' : 'ok');
    }
    const calls = h.arm.requests.slice(before);
    const vmPages = calls.filter((c) => c.path.endsWith('/providers/Microsoft.Compute/virtualMachines') && c.query.get('statusOnly') !== 'true');
    const standalone = h.fleet.vms.filter((v) => v.scaleSet === null).length;
    expect(vmPages).toHaveLength(Math.ceil(standalone / 50));
    // Only GPU Uniform scale sets are expanded: no call for the CPU or the Flexible one.
    const ssCalls = calls.filter((c) => /virtualMachineScaleSets\/[^/]+\/virtualMachines$/.test(c.path)).map((c) => c.path.split('/')[8]);
    expect(new Set(ssCalls)).toEqual(new Set(['aks-h100pool-vmss', 'train-a100', 'infer-a10']));
    expect(calls.every((c) => c.authorization === 'Bearer test-token')).toBe(true);
  });

  it('reads a partial-GPU VM (a sixth of an A10) as one slice of its own model line, unpriced with a gap, and measures it', async () => {
    const vm = h.fleet.vms.find((v) => v.size === 'Standard_NV6ads_A10_v5');
    expect(vm).toBeDefined();
    const resources = await collect(h.connector().inventory(ctx()));
    const slice = resources.find((r) => r.id === vm!.id);
    // Resource SKUs answer `GPUs` 1 for it as for the whole NV36ads: only the size says it is a sixth.
    expect(slice).toMatchObject({ gpuModel: 'A10 24GB 1/6', gpuCount: 1, hourlyPrice: null });
    expect(slice?.tags[GPU_PARTITION_TAG]).toBe('1/6');
    expect(slice?.coverageGaps?.some((g) => g.kind === 'price')).toBe(true);
    // The whole A10s keep their own line and price.
    expect(resources.filter((r) => r.instanceType === 'Standard_NV36ads_A10_v5').every((r) => r.gpuModel === 'A10 24GB' && r.hourlyPrice !== null)).toBe(true);
    const to = now.getTime();
    const samples = await collect(h.connector().metrics({ ...ctx(), from: to - 5 * 60_000, to, resources }));
    expect(samples.filter((s) => s.resourceId === vm!.id && s.utilisation !== null)).toHaveLength(5);
  });

  it('reads VM platform metrics in batches per page and region: N VMs, ceil(N/batch) calls', async () => {
    const batchSize = 7;
    const before = h.arm.requests.length;
    await collect(h.connector({ platformMetrics: { batchSize } }).inventory(ctx()));
    const calls = h.arm.requests.slice(before).filter((c) => c.path.endsWith('/providers/Microsoft.Insights/metrics'));
    // The truth: standalone VMs come in ARM pages of 50; each page's running GPU VMs are asked per region.
    const standalone = h.fleet.vms.filter((v) => v.scaleSet === null);
    let expected = 0;
    const asked = new Set<string>();
    for (let i = 0; i < standalone.length; i += 50) {
      const running = standalone.slice(i, i + 50).filter((v) => v.power === 'running' && FLEET_SIZES[v.size].gpus > 0);
      for (const region of new Set(running.map((v) => v.location))) expected += Math.ceil(running.filter((v) => v.location === region).length / batchSize);
      for (const v of running) asked.add(v.id.toLowerCase());
    }
    expect(expected).toBeGreaterThan(10);
    expect(calls).toHaveLength(expected);
    const filtered: string[] = [];
    for (const c of calls) {
      expect(c.query.get('api-version')).toBe('2023-10-01');
      expect(c.query.get('metricnames')).toBe('VmAvailabilityMetric,Percentage CPU');
      const ids = [...(c.query.get('$filter') ?? '').matchAll(/eq '([^']+)'/g)].map((m) => (m[1] ?? '').toLowerCase());
      expect(ids.length).toBeLessThanOrEqual(batchSize);
      expect(c.query.get('top')).toBe(String(ids.length));
      const regions = new Set(ids.map((id) => h.fleet.vms.find((v) => v.id.toLowerCase() === id)?.location));
      expect(regions).toEqual(new Set([c.query.get('region')]));
      filtered.push(...ids);
    }
    expect(filtered.sort()).toEqual([...asked].sort());
    expect(calls.every((c) => c.authorization === 'Bearer test-token')).toBe(true);
  });

  it('shows a VM at VmAvailabilityMetric 0 as unavailable and leaves a VM without points as Resource Health says', async () => {
    const resources = await collect(h.connector().inventory(ctx()));
    const down = h.fleet.vms.find((v) => v.platform === 'down' && v.scaleSet === null);
    const missing = h.fleet.vms.find((v) => v.platform === 'missing' && v.power === 'running' && v.scaleSet === null && v.health === 'Available');
    expect(down?.health).toBe('Available');
    const downGpu = resources.find((r) => r.id === down?.id);
    expect(downGpu?.health).toBe('unavailable');
    expect(downGpu?.healthReason).toMatch(/^VmAvailabilityMetric 0 in every measured minute of the last 10 min \(9 points, CPU 0\.0 %\)$/);
    const missingGpu = resources.find((r) => r.id === missing?.id);
    expect(missingGpu).toBeDefined();
    expect(missingGpu?.health).toBe('ok');
    expect(missingGpu?.healthReason).toBeNull();
  });

  it('asks no platform metrics when they are switched off', async () => {
    const before = h.arm.requests.length;
    const resources = await collect(h.connector({ platformMetrics: { enabled: false } }).inventory(ctx()));
    expect(h.arm.requests.slice(before).some((c) => c.path.includes('Microsoft.Insights'))).toBe(false);
    const down = h.fleet.vms.find((v) => v.platform === 'down');
    expect(resources.find((r) => r.id === down?.id)?.health).toBe('ok');
  });

  it('completes the inventory when the platform metrics call fails, marking those VMs not measured and naming the call', async () => {
    h.arm.addFault({ match: /Microsoft\.Insights\/metrics/, kind: '500', times: 1000 });
    const c = h.connector();
    const resources = await collect(c.inventory(ctx()));
    expect(resources).toHaveLength(fleetTruth(h.fleet).gpuMachines);
    // The VM the platform reports down keeps Resource Health's word, and says its availability was not measured;
    // its GPUs are still measured by DCGM, so this is no GPU-metrics gap.
    const down = resources.find((r) => r.id === h.fleet.vms.find((v) => v.platform === 'down')?.id);
    expect(down?.health).toBe('ok');
    expect(down?.healthReason).toMatch(/VM availability not measured: Azure Monitor metrics failed/);
    expect(down?.coverageGaps?.some((g) => g.kind === 'metrics') ?? false).toBe(false);
    const access = c.diagnostics?.().access ?? [];
    expect(access.length).toBeGreaterThan(0);
    expect(access[0]).toMatchObject({ scope: `subscription ${h.fleet.subscriptionId}`, status: 'denied' });
    expect(access[0]?.operation).toMatch(/^Azure Monitor metrics \(subscription scope, /);
    expect(access[0]?.message).toMatch(/500/);
  });

  it('keeps the inventory when the metrics call answers 404 InvalidResourceType, 403 or a malformed body', async () => {
    for (const kind of ['404-invalid-resource-type', '403', 'malformed'] as const) {
      h.arm.clearFaults();
      h.arm.addFault({ match: /Microsoft\.Insights\/metrics/, kind, times: 1000 });
      const c = h.connector();
      const resources = await collect(c.inventory(ctx()));
      expect(resources).toHaveLength(fleetTruth(h.fleet).gpuMachines);
      const running = resources.filter((r) => r.powerState === 'running' && !r.id.includes('/virtualMachineScaleSets/'));
      // Each keeps Resource Health's own reason, or says its availability was not measured.
      expect(running.every((r) => r.healthReason !== null)).toBe(true);
      expect(running.some((r) => r.healthReason?.startsWith('VM availability not measured') === true)).toBe(true);
      const access = c.diagnostics?.().access ?? [];
      expect(access.every((a) => a.operation.startsWith('Azure Monitor metrics') && a.status === 'denied')).toBe(true);
      expect(access[0]?.message).toMatch(kind === 'malformed' ? /unexpected response/ : kind === '403' ? /AuthorizationFailed/ : /HTTP 404.*InvalidResourceType/);
      expect(access[0]?.fix ?? null).toBe(kind === '403' ? `the "Monitoring Reader" role on subscription ${h.fleet.subscriptionId}` : null);
    }
  });

  it('falls back to the GPU catalog when resource SKUs fail, keeping sizes it lacks with a gap', async () => {
    h.arm.addFault({ match: /Microsoft\.Compute\/skus/, kind: '500', times: 1000 });
    const c = h.connector();
    const resources = await collect(c.inventory(ctx()));
    expect(resources).toHaveLength(fleetTruth(h.fleet).gpuMachines);
    // Standard_NC6s_v3 is not in the catalog: counted as one GPU, flagged, unpriced.
    const v100 = resources.filter((r) => r.instanceType === 'Standard_NC6s_v3');
    expect(v100.length).toBeGreaterThan(0);
    for (const r of v100) {
      expect(r.gpuCount).toBe(1);
      expect(r.coverageGaps?.map((g) => g.kind).sort()).toEqual(['placement', 'price']);
      expect(r.coverageGaps?.find((g) => g.kind === 'price')?.reason).toMatch(/^no hourly price for Standard_NC6s_v3 in (eastus|westeurope|southcentralus)/);
    }
    expect(c.diagnostics?.().access).toEqual([expect.objectContaining({ operation: 'Compute resourceSkus.list', status: 'denied', message: expect.stringMatching(/500/) })]);
  });

  it('completes the inventory when Resource Health fails, leaving health unknown (never ok) and naming the call', async () => {
    h.arm.addFault({ match: /Microsoft\.ResourceHealth\/availabilityStatuses/, kind: '500', times: 1000 });
    h.arm.addFault({ match: /Microsoft\.Insights\/metrics/, kind: '404-invalid-resource-type', times: 1000 });
    const c = h.connector();
    const resources = await collect(c.inventory(ctx()));
    expect(resources).toHaveLength(fleetTruth(h.fleet).gpuMachines);
    expect(resources.every((r) => r.health === 'unknown')).toBe(true);
    expect(c.diagnostics?.().access.map((a) => a.operation)).toContain('Resource Health availability statuses');
  });

  it('keeps the rest of the inventory when one scale set cannot be listed, and counts its GPUs as a gap', async () => {
    const ss = h.fleet.scaleSets.find((s) => s.name === 'train-a100');
    if (!ss) throw new Error('no train-a100');
    h.arm.addFault({ match: /virtualMachineScaleSets\/train-a100\/virtualMachines/, kind: '500', times: 1000 });
    const fresh = h.connector();
    const resources = await collect(fresh.inventory(ctx()));
    const others = h.fleet.vms.filter((v) => FLEET_SIZES[v.size].gpus > 0 && v.scaleSet?.name !== 'train-a100');
    expect(resources.filter((r) => !r.id.includes('/train-a100/'))).toHaveLength(others.length);
    // Never listed before: one stand-in with capacity x GPUs per VM, power unknown, counted as a gap.
    const standIn = resources.filter((r) => r.id.includes('/train-a100/'));
    expect(standIn).toHaveLength(1);
    expect(standIn[0]).toMatchObject({ gpuCount: ss.capacity * FLEET_SIZES[ss.size].gpus, powerState: 'unknown', hourlyPrice: null });
    expect(standIn[0]?.coverageGaps?.map((g) => g.kind).sort()).toEqual(['metrics', 'placement', 'price']);
    expect(fresh.diagnostics?.().access).toEqual([expect.objectContaining({ operation: 'Compute virtualMachineScaleSetVMs.list (train-a100)', status: 'denied' })]);

    // Listed once, then failing: the instances as last listed, marked stale.
    h.arm.clearFaults();
    const warm = h.connector();
    await collect(warm.inventory(ctx()));
    h.arm.addFault({ match: /virtualMachineScaleSets\/train-a100\/virtualMachines/, kind: '500', times: 1000 });
    const again = await collect(warm.inventory(ctx()));
    const kept = again.filter((r) => r.id.includes('/train-a100/'));
    expect(kept).toHaveLength(ss.capacity);
    expect(kept.every((r) => r.coverageGaps?.some((g) => g.kind === 'placement' && /shown as listed at/.test(g.reason)))).toBe(true);
    expect(warm.diagnostics?.().access).toEqual([expect.objectContaining({ operation: 'Compute virtualMachineScaleSetVMs.list (train-a100)', status: 'stale' })]);
  });

  it('records each VM\'s OS computer name, from osProfile, the guest agent or the scale set prefix', async () => {
    const resources = await collect(h.connector().inventory(ctx()));
    const byId = new Map(resources.map((r) => [r.id, r]));
    let differing = 0;
    for (const vm of h.fleet.vms.filter((v) => FLEET_SIZES[v.size].gpus > 0)) {
      const tag = byId.get(vm.id)?.tags[COMPUTER_NAME_TAG];
      const prefix = h.fleet.scaleSets.find((s) => s.name === vm.scaleSet?.name)?.computerNamePrefix;
      const derived = prefix && vm.scaleSet ? `${prefix}${Number(vm.scaleSet.instanceId).toString(36).toUpperCase().padStart(6, '0')}` : null;
      const agent = vm.power === 'running' ? vm.agentComputerName : null;
      expect(tag ?? null).toBe(vm.computerName ?? agent ?? derived);
      if (tag && tag.toLowerCase() !== vm.name.toLowerCase()) differing += 1;
    }
    expect(differing).toBeGreaterThan(100);
  });

  it('throws when a page fails half-way, so nothing is replaced', async () => {
    h.arm.addFault({ match: /virtualMachines\?(?!.*statusOnly).*skipToken=150/, kind: '500', times: 10 });
    const seen: GpuResource[] = [];
    const run = async () => {
      for await (const batch of h.connector().inventory(ctx())) seen.push(...batch);
    };
    await expect(run()).rejects.toBeInstanceOf(UnavailableError);
    expect(seen.length).toBeGreaterThan(0); // the engine got batches, then the error: it must discard them
  });

  it('maps a truncated page to MalformedResponseError naming the API', async () => {
    h.arm.addFault({ match: /GET \/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/virtualMachines\?/, kind: 'truncated', times: 1 });
    const err = await collect(h.connector().inventory(ctx())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as Error).message).toMatch(/Compute virtualMachines\.listAll/);
  });

  it('maps 401 and 403 to AuthError naming the subscription and the role', async () => {
    h.arm.addFault({ match: /statusOnly=true/, kind: '401', times: 5 });
    const e401 = await collect(h.connector().inventory(ctx())).catch((e: unknown) => e);
    expect(e401).toBeInstanceOf(AuthError);
    expect((e401 as Error).message).toContain(h.fleet.subscriptionId);
    h.arm.clearFaults();
    h.arm.addFault({ match: /virtualMachines\?/, kind: '403', times: 5 });
    const e403 = await collect(h.connector().inventory(ctx())).catch((e: unknown) => e);
    expect(e403).toBeInstanceOf(AuthError);
    expect((e403 as Error).message).toMatch(/grant the "Reader" role/);
  });

  it('keeps the inventory when Resource Health answers 403, naming the role that would let it read health', async () => {
    h.arm.addFault({ match: /availabilityStatuses/, kind: '403', times: 5 });
    const c = h.connector();
    const resources = await collect(c.inventory(ctx()));
    expect(resources).toHaveLength(fleetTruth(h.fleet).gpuMachines);
    const problem = c.diagnostics?.().access.find((a) => a.operation === 'Resource Health availability statuses');
    expect(problem?.fix).toBe(`the "Reader" role on subscription ${h.fleet.subscriptionId}`);
  });

  it('retries a 429 with a short Retry-After (both body shapes) and succeeds', async () => {
    h.arm.addFault({ match: /skus/, kind: '429-bare', retryAfterSeconds: 1, times: 1 });
    h.arm.addFault({ match: /virtualMachineScaleSets\?/, kind: '429-wrapped', retryAfterSeconds: 1, times: 1 });
    const resources = await collect(h.connector().inventory(ctx()));
    expect(resources.length).toBe(fleetTruth(h.fleet).gpuMachines);
  });

  it('turns a long Retry-After into ThrottledError instead of sleeping through it', async () => {
    h.arm.addFault({ match: /statusOnly=true/, kind: '429-bare', retryAfterSeconds: 1200, times: 1 });
    const err = await collect(h.connector().inventory(ctx())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect((err as ThrottledError).retryAfterMs).toBe(1_200_000);
    h.arm.clearFaults();
    h.arm.addFault({ match: /statusOnly=true/, kind: '429-wrapped', retryAfterSeconds: 900, times: 1 });
    const wrapped = await collect(h.connector().inventory(ctx())).catch((e: unknown) => e);
    expect((wrapped as ThrottledError).retryAfterMs).toBe(900_000);
    expect((wrapped as Error).message).toMatch(/TooManyRequests/);
  });

  it('maps a timeout to UnavailableError', async () => {
    h.arm.addFault({ match: /statusOnly=true/, kind: 'timeout', times: 1 });
    const err = await collect(h.connector({ requestTimeoutMs: 300 }).inventory(ctx())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as Error).message).toMatch(/no answer/);
  });

  it('tracks the read budget and paces requests before it runs out', async () => {
    const sleeps: number[] = [];
    const clock: Clock = { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
    h.arm.setReadBudget(30);
    const before = h.arm.requests.length;
    const c = h.connector({ minRemainingReads: 50 }, clock);
    await collect(c.inventory(ctx()));
    const calls = h.arm.requests.length - before;
    const [budget] = c.budget();
    expect(budget?.subscriptionId).toBe(h.fleet.subscriptionId);
    expect(budget?.remainingReads).toBe(Math.max(0, 30 - calls));
    expect(budget?.pacedRequests).toBeGreaterThan(0);
    expect(sleeps.length).toBe(budget?.pacedRequests);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(10_000);
  });
});

describe('metrics, costs, incidents', () => {
  let resources: GpuResource[];
  beforeAll(async () => {
    // Runs before the outer beforeEach: start from a clean emulator.
    h.arm.clearFaults();
    h.arm.setReadBudget(11999);
    resources = await collect(h.connector().inventory(ctx()));
  });

  it('asks Prometheus for per-GPU aggregates and yields one sample per GPU per minute', async () => {
    const to = now.getTime();
    const from = to - 30 * 60_000;
    const before = h.prom.requests.length;
    const samples = await collect(h.connector().metrics({ ...ctx(), from, to, resources }));
    for (const s of samples.slice(0, 50)) GpuSample.parse(s);
    const reporting = h.fleet.vms.filter((v) => FLEET_SIZES[v.size].gpus > 0 && v.power === 'running' && v.load !== 'silent' && dcgmMatchable(v, h.fleet.scaleSets));
    const gpus = reporting.reduce((n, v) => n + FLEET_SIZES[v.size].gpus, 0);
    expect(samples).toHaveLength(gpus * 30);
    expect(samples.every((s) => s.ts >= from && s.ts < to)).toBe(true);
    const queries = h.prom.requests.slice(before).map((r) => r.query.get('query') ?? '');
    // The queries Kubernetes sends too (common/dcgm.ts): seven, XID read as changes within the minute
    // and the gauge's last value (for a change across minutes); each over the one-minute range.
    expect(queries).toHaveLength(7);
    expect(queries.every((q) => q.includes('by (Hostname, UUID, gpu') && q.includes('[60s]'))).toBe(true);
    // Compressed answers asked for (the pipeline's decompress policy), inflated as they stream: the
    // emulator gzips them, as the workspace's front end does.
    expect(h.prom.requests.slice(before).every((r) => /\bgzip\b/.test(r.acceptEncoding ?? ''))).toBe(true);
    const xid = samples.filter((s) => s.xidErrors > 0);
    expect(new Set(xid.map((s) => s.resourceId))).toEqual(new Set(h.fleet.vms.filter((v) => v.xid).map((v) => v.id)));
    const noProf = reporting.find((v) => !v.prof);
    if (noProf) expect(samples.find((s) => s.resourceId === noProf.id)?.utilSource).toBe('dev');
  });

  it('leaves power and temperature unmeasured, not zero, for a machine whose exporter reports neither', async () => {
    const vm = h.fleet.vms.find((v) => v.noPowerOrTemperature === true);
    expect(vm).toBeDefined();
    const to = now.getTime();
    const samples = await collect(h.connector().metrics({ ...ctx(), from: to - 10 * 60_000, to, resources }));
    const its = samples.filter((s) => s.resourceId === vm!.id);
    expect(its).toHaveLength(FLEET_SIZES[vm!.size].gpus * 10);
    // Utilisation and memory as for any machine; power and temperature null, never a made-up 0.
    expect(its.every((s) => s.utilisation !== null && s.memoryUsedMiB !== null)).toBe(true);
    expect(its.every((s) => s.powerWatts === null && s.temperatureC === null)).toBe(true);
    // Every other measured machine still has both.
    const others = samples.filter((s) => s.resourceId !== vm!.id);
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((s) => s.powerWatts !== null && s.temperatureC !== null)).toBe(true);
  });

  it("reads a MIG GPU as its instances weighed by their slices, its framebuffer as their sum", async () => {
    const vm = h.fleet.vms.find((v) => v.mig !== undefined);
    expect(vm).toBeDefined();
    const mig = vm!.mig!;
    const to = now.getTime();
    const from = to - 20 * 60_000;
    const before = h.prom.requests.length;
    const samples = (await collect(h.connector().metrics({ ...ctx(), from, to, resources }))).filter((s) => s.resourceId === vm!.id);
    expect(samples).toHaveLength(20);
    const slices = mig.reduce((n, i) => n + i.slices, 0);
    let plainMeanOff = 0;
    for (const s of samples) {
      const u = fleetUtilisation(vm!, 0, s.ts / 1000);
      const instances = mig.map((i) => migInstanceUtilisation(u, i));
      // What the workspace served, weighed here: 3g x 3 + 2g x 2 + 1g x 1 over the 6 slices in use.
      expect(s.utilisation as number).toBeCloseTo(instances.reduce((n, x, k) => n + x * mig[k]!.slices, 0) / slices, 9);
      expect(s.utilisation as number).toBeCloseTo(u, 9);
      expect(s.utilSource).toBe('prof');
      expect(s.memoryUsedMiB as number).toBeCloseTo(1024 + u * 100, 6);
      plainMeanOff = Math.max(plainMeanOff, Math.abs(instances.reduce((n, x) => n + x, 0) / instances.length - u));
    }
    // The test tells the rule apart: a plain mean of the instances is points away.
    expect(plainMeanOff).toBeGreaterThan(2);
    // The instances came as series of their own (no DCGM_FI_DEV_GPU_UTIL for a MIG GPU).
    const prof = h.prom.requests.slice(before).find((r) => /GR_ENGINE_ACTIVE/.test(r.query.get('query') ?? ''));
    expect(prof?.query.get('query')).toContain('GPU_I_PROFILE, GPU_I_ID');
  });

  it('reads a window that reaches past now as far as the workspace has minutes, and no further', async () => {
    const to = now.getTime();
    const samples = await collect(h.connector().metrics({ ...ctx(), from: to - 10 * 60_000, to: to + 10 * 60_000, resources }));
    const reporting = h.fleet.vms.filter((v) => FLEET_SIZES[v.size].gpus > 0 && v.power === 'running' && v.load !== 'silent' && dcgmMatchable(v, h.fleet.scaleSets));
    expect(samples).toHaveLength(reporting.reduce((n, v) => n + FLEET_SIZES[v.size].gpus, 0) * 10);
    expect(Math.max(...samples.map((s) => s.ts))).toBe(to - 60_000);
    // A window that starts after now (a clock ahead of the workspace's): no minute made up.
    expect(await collect(h.connector().metrics({ ...ctx(), from: to + 5 * 60_000, to: to + 15 * 60_000, resources }))).toEqual([]);
  });

  it('measures GPUs whose host name is not the VM name, and lists the machines nothing matched with the names looked for', async () => {
    const to = now.getTime();
    const from = to - 10 * 60_000;
    const c = h.connector();
    const samples = await collect(c.metrics({ ...ctx(), from, to, resources }));
    const measured = new Set(samples.map((s) => s.resourceId));
    const renamed = h.fleet.vms.filter((v) => v.power === 'running' && v.load !== 'silent' && FLEET_SIZES[v.size].gpus > 0 && v.hostName.toLowerCase() !== v.name.toLowerCase() && dcgmMatchable(v, h.fleet.scaleSets));
    expect(renamed.length).toBeGreaterThan(100);
    expect(renamed.filter((v) => !measured.has(v.id)).map((v) => v.name)).toEqual([]);
    // The renamed pair: A's OS host name is B's VM name; each keeps its own series.
    const pairA = h.fleet.vms.find((v) => v.computerName !== null && v.computerName !== v.name && h.fleet.vms.some((o) => o.name === v.computerName));
    const pairB = h.fleet.vms.find((o) => o.name === pairA?.computerName);
    if (!pairA || !pairB) throw new Error('no renamed pair in the fleet');
    const utilOf = (id: string) => samples.find((s) => s.resourceId === id && s.gpuIndex === 0 && s.ts === to - 60_000)?.utilisation;
    expect(utilOf(pairA.id)).toBeCloseTo(fleetUtilisation(pairA, 0, (to - 60_000) / 1000), 6);
    expect(utilOf(pairB.id)).toBeCloseTo(fleetUtilisation(pairB, 0, (to - 60_000) / 1000), 6);

    const unmeasured = c.diagnostics?.().unmeasured ?? [];
    expect(unmeasured.map((u) => u.resourceId).sort()).toEqual(fleetTruth(h.fleet).unmeasuredIds);
    const orphan = h.fleet.vms.find((v) => v.hostName.startsWith('orphan-') && v.power === 'running' && FLEET_SIZES[v.size].gpus > 0);
    if (!orphan) throw new Error('no orphan in the fleet');
    expect(unmeasured.find((u) => u.resourceId === orphan.id)).toEqual({
      resourceId: orphan.id,
      name: orphan.name,
      region: orphan.location,
      scope: orphan.resourceGroup,
      reason: `no DCGM series with Hostname = ${orphan.name}`,
    });
    const renamedSilent = h.fleet.vms.find((v) => v.load === 'silent' && v.power === 'running' && v.computerName && v.computerName !== v.name && FLEET_SIZES[v.size].gpus > 0);
    if (renamedSilent) expect(unmeasured.find((u) => u.resourceId === renamedSilent.id)?.reason).toBe(`no DCGM series with Hostname = ${renamedSilent.computerName?.toLowerCase()} or ${renamedSilent.name}`);
  });

  it("answers a machine page's minutes from the workspace, asking for that machine only and naming the workspace", async () => {
    const to = now.getTime();
    const from = to - 10 * 60_000;
    const c = h.connector({ prometheus: { queryEndpoint: h.prom.url, storage: 'rollups' } });
    expect(c.metricsStorage).toBe('rollups');
    const all = await collect(c.metrics({ ...ctx(), from, to, resources }));
    const machine = resources.find((r) => r.gpuCount > 1 && all.some((s) => s.resourceId === r.id));
    if (!machine) throw new Error('no measured multi-GPU machine in the fleet');
    const before = h.prom.requests.length;
    const answer = await c.machineSeries!({ signal: new AbortController().signal, resource: machine, machines: resources, from, to });
    expect(answer.source).toBe(`Azure Monitor workspace at ${new URL(h.prom.url).host}`);
    const key = (x: GpuSample) => `${x.gpuIndex}@${x.ts}`;
    expect(answer.samples.map(key).sort()).toEqual(all.filter((x) => x.resourceId === machine.id).map(key).sort());
    const queries = h.prom.requests.slice(before).map((r) => r.query.get('query') ?? '');
    expect(queries).toHaveLength(7);
    const uuids = machine.gpuUuids.every((u) => u !== null);
    for (const q of queries) expect(q).toContain(uuids ? 'UUID=~' : `Hostname="${machine.tags[COMPUTER_NAME_TAG] ?? machine.name}"`);
  });

  it("places a machine page's series as the metrics read does: a VM named as another VM's computer name gets none of its series", async () => {
    const to = now.getTime();
    const from = to - 10 * 60_000;
    // A's OS host name is B's VM name; B's own computer name unknown (no osProfile, no guest agent).
    const pairA = h.fleet.vms.find((v) => v.computerName !== null && v.computerName !== v.name && h.fleet.vms.some((o) => o.name === v.computerName && o.power === 'running'));
    const pairB = resources.find((r) => r.name === pairA?.computerName);
    if (!pairA || !pairB) throw new Error('no renamed pair in the fleet');
    const { [COMPUTER_NAME_TAG]: _known, ...tags } = pairB.tags;
    const unnamedB = { ...pairB, tags };
    const fleet = resources.map((r) => (r.id === pairB.id ? unnamedB : r));
    const c = h.connector({ prometheus: { queryEndpoint: h.prom.url, storage: 'rollups' } });
    const all = await collect(c.metrics({ ...ctx(), from, to, resources: fleet }));
    expect(all.filter((x) => x.resourceId === pairB.id)).toEqual([]);
    expect(all.some((x) => x.resourceId === pairA.id)).toBe(true);
    const before = h.prom.requests.length;
    const answer = await c.machineSeries!({ signal: new AbortController().signal, resource: unnamedB, machines: fleet, from, to });
    // Asked by B's VM name, the workspace answers with A's series: they stay A's.
    expect(h.prom.requests.slice(before).every((r) => (r.query.get('query') ?? '').includes(`Hostname="${pairB.name}"`))).toBe(true);
    expect(answer.samples).toEqual([]);
  });

  // A workspace of 100,000 GPUs cannot answer a window in one request, nor be held whole (issue 16):
  // the limits here split this fleet's hour as pointsPerRequest's default splits a large one.
  const smallRequests = { pointsPerRequest: 1000, stepsPerRequest: 10, concurrency: 3 };
  const sampleKey = (s: GpuSample): string => JSON.stringify([s.resourceId, s.gpuIndex, s.ts, s.utilisation, s.memoryUsedMiB, s.xidErrors]);

  it('reads a window as UUID shards and time chunks, each within the limits, and yields what one request gives', async () => {
    const to = now.getTime();
    const from = to - 60 * 60_000;
    const whole = await collect(h.connector().metrics({ ...ctx(), from, to, resources }));
    const before = h.prom.requests.length;
    const sharded = await collect(h.connector({ prometheus: { queryEndpoint: h.prom.url, ...smallRequests } }).metrics({ ...ctx(), from, to, resources }));
    expect(whole.length).toBeGreaterThan(1000 * 16);
    expect(sharded.map(sampleKey).sort()).toEqual(whole.map(sampleKey).sort());
    const asked = h.prom.requests.slice(before).map((r) => r.query);
    // 16 shards x 6 chunks of 10 minutes x the seven DCGM queries.
    expect(asked).toHaveLength(16 * 6 * 7);
    expect(new Set(asked.map((q) => /UUID=~"[^"]*"/.exec(q.get('query') ?? '')?.[0])).size).toBe(16);
    for (const q of asked) expect((Number(q.get('end')) - Number(q.get('start'))) / 60).toBeLessThanOrEqual(smallRequests.stepsPerRequest);
  });

  it('a window whose answer is cut off half-way yields every group before it whole, then the error', async () => {
    const to = now.getTime();
    const from = to - 60 * 60_000;
    const whole = await collect(h.connector().metrics({ ...ctx(), from, to, resources }));
    // The 228th request is the fourth query of group 33 (the third chunk's first shard).
    h.prom.addFault({ match: /query_range/, kind: 'truncated', after: 7 * 32 + 3 });
    const got: GpuSample[] = [];
    const c = h.connector({ prometheus: { queryEndpoint: h.prom.url, ...smallRequests } });
    const err = await (async () => {
      for await (const batch of c.metrics({ ...ctx(), from, to, resources })) got.push(...batch);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as Error).message).toMatch(/^Prometheus query_range: response body is not valid JSON/);
    // The first two chunks (16 shards each) whole, nothing of the third.
    const firstTwo = whole.filter((s) => s.ts < from + 20 * 60_000);
    expect(got.map(sampleKey).sort()).toEqual(firstTwo.map(sampleKey).sort());
  });

  it('fails the stream as a malformed answer when the connection drops half-way through one', async () => {
    const to = now.getTime();
    const from = to - 20 * 60_000;
    // The fourth query of the window's first group: three answers in, half of one read.
    h.prom.addFault({ match: /query_range/, kind: 'dropped', after: 3 });
    const before = h.prom.requests.length;
    const err = await collect(h.connector().metrics({ ...ctx(), from, to, resources })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
    expect((err as Error).message).toMatch(/^Prometheus query_range: response body is not valid JSON/);
    // A connection dropped mid-answer is not retried as a failed request would be: the sink had part of it.
    expect(h.prom.requests.slice(before).length).toBeLessThanOrEqual(7);
  });

  it('fails the metrics stream with the Prometheus error', async () => {
    h.prom.addFault({ match: /query_range/, kind: '403', times: 5 });
    const to = now.getTime();
    const err = await collect(h.connector().metrics({ ...ctx(), from: to - 600_000, to, resources })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/Monitoring Reader/);
  });

  it('reads spend to the cent across pages and months', async () => {
    const to = now.getTime();
    const from = Date.UTC(2026, 9, 20);
    const rows = await collect(h.connector().costs({ ...ctx(), from, to }));
    for (const r of rows.slice(0, 50)) FocusCostRow.parse(r);
    const expected = h.fleet.costRows.filter((r) => {
      const t = Date.UTC(Math.floor(r.usageDate / 1e4), Math.floor((r.usageDate % 1e4) / 100) - 1, r.usageDate % 100);
      return t >= from && t < to;
    });
    expect(rows).toHaveLength(expected.length);
    const sum = (xs: string[]) => xs.reduce((a, x) => a + toMicros(x), 0n);
    expect(sum(rows.map((r) => r.BilledCost))).toBe(sum(expected.map((r) => r.cost)));
  });

  it('backs off on Cost Management QPU throttling, which the SDK does not retry', async () => {
    h.arm.addFault({ match: /CostManagement\/query/, kind: '429-qpu', retryAfterSeconds: 1, times: 1 });
    const to = now.getTime();
    const rows = await collect(h.connector().costs({ ...ctx(), from: Date.UTC(2026, 10, 1), to }));
    expect(rows.length).toBeGreaterThan(0);
    h.arm.addFault({ match: /CostManagement\/query/, kind: '429-qpu', retryAfterSeconds: 3600, times: 1 });
    const err = await collect(h.connector().costs({ ...ctx(), from: Date.UTC(2026, 10, 1), to })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect((err as ThrottledError).retryAfterMs).toBe(3_600_000);
  });

  it('keeps Cost Management queries a few per hour per subscription', async () => {
    const c = h.connector({ costQueryMinIntervalMinutes: 20 });
    const to = now.getTime();
    await collect(c.costs({ ...ctx(), from: Date.UTC(2026, 10, 1), to }));
    const err = await collect(c.costs({ ...ctx(), from: Date.UTC(2026, 10, 1), to })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
  });

  it('yields resource and service incidents tied to the GPUs they affect', async () => {
    const incidents = await collect(h.connector().incidents({ ...ctx(), resources }));
    for (const i of incidents) Incident.parse(i);
    const truth = fleetTruth(h.fleet);
    const active = incidents.filter((i) => i.endedAt === null);
    const gpusOf = (i: Incident) => i.resourceIds.reduce((n, id) => n + (resources.find((r) => r.id === id)?.gpuCount ?? 0), 0);
    const got = Object.fromEntries(active.map((i) => [i.id.replace(/:\d{4}-.*$/, ''), gpusOf(i)]));
    expect(got).toEqual(truth.activeIncidents);
    expect(incidents.some((i) => i.title.includes('Brazil'))).toBe(false);
    expect(incidents.find((i) => i.id === 'service-health:PM4W-7E1')?.source).toBe('maintenance');
  });

  it('reports planned maintenance announced days ahead with its window, not its post date', async () => {
    const incidents = await collect(h.connector().incidents({ ...ctx(), resources }));
    const event = h.fleet.events.find((e) => e.trackingId === 'PM8K-3D2');
    const pm = incidents.find((i) => i.id === 'service-health:PM8K-3D2');
    expect(pm).toMatchObject({ source: 'maintenance', severity: 'maintenance', startedAt: event?.start, endedAt: event?.mitigation, updatedAt: event?.posted });
    expect(Date.parse(pm?.startedAt ?? '')).toBeGreaterThan(now.getTime());
    // It names the GPUs the window will touch.
    expect(pm?.resourceIds.length).toBeGreaterThan(0);
  });

  it('falls back to the status feed when Service Health is forbidden, and fails if the feed is not served', async () => {
    h.arm.setStatusFeed(null);
    h.arm.addFault({ match: /ResourceHealth\/events/, kind: '403', times: 5 });
    const err = await collect(h.connector({ statusFeedUrl: `${h.arm.url}${STATUS_FEED_PATH}` }).incidents({ ...ctx(), resources })).catch((e: unknown) => e);
    // The fallback's own failure surfaces, not a silent empty list.
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/status feed/);
  });

  it('reads the public status RSS (real captures) when Service Health answers 403, without sending the credential', async () => {
    const feed = (name: string) => readFileSync(fileURLToPath(new URL(`./testing/fixtures/${name}`, import.meta.url)), 'utf8');
    // A GPU VM in West US, so the incident of the capture touches the fleet.
    const first = resources[0];
    if (!first) throw new Error('no resources');
    const westus = { ...first, id: `${first.id}-westus`, region: 'westus' };
    const run = async (xml: string) => {
      h.arm.setStatusFeed(xml);
      h.arm.addFault({ match: /ResourceHealth\/events/, kind: '403', times: 1 });
      const before = h.arm.requests.length;
      const out = await collect(h.connector({ statusFeedUrl: `${h.arm.url}${STATUS_FEED_PATH}` }).incidents({ ...ctx(), resources: [...resources, westus] }));
      const feedCalls = h.arm.requests.slice(before).filter((c) => c.path === STATUS_FEED_PATH);
      expect(feedCalls).toHaveLength(1);
      expect(feedCalls[0]?.authorization).toBeNull();
      for (const i of out) Incident.parse(i);
      return out;
    };

    const early = await run(feed('azure_status_rss_westus_incident_2026-07-23T1649Z.xml'));
    const fromFeed = early.filter((i) => i.source === 'status-page');
    expect(fromFeed).toHaveLength(1);
    expect(fromFeed[0]).toMatchObject({
      id: 'status-page:azure:issues-connecting-to-resources-in-west-us',
      title: 'Issues connecting to resources in West US',
      regions: ['westus'],
      startedAt: '2026-07-23T16:29:09.000Z',
      endedAt: null,
      url: 'https://azurestatusprodeus.azurewebsites.net/en-us/status/',
    });
    expect(fromFeed[0]?.summary).toMatch(/^Starting at 14:44 UTC on 23 July, 2026, we began investigating a networking issue/);
    expect(fromFeed[0]?.summary).not.toMatch(/<p>/);
    // Resource Health still answered: its incidents are not lost to the fallback.
    expect(early.some((i) => i.source === 'resource-health')).toBe(true);
    expect(early.some((i) => i.source === 'service-health')).toBe(false);

    // The later capture, from another backend instance, is the same incident (same guid).
    const later = (await run(feed('azure_status_rss_westus_incident_2026-07-23T1812Z.xml'))).filter((i) => i.source === 'status-page');
    expect(later.map((i) => i.id)).toEqual([fromFeed[0]?.id]);
    expect(later[0]?.url).toBe('https://azurestatusprodwus.azurewebsites.net/en-us/status/');

    const clear = await run(feed('azure_status_rss_allclear_empty_2026-08-01.xml'));
    expect(clear.filter((i) => i.source === 'status-page')).toEqual([]);
    expect(clear.some((i) => i.source === 'resource-health')).toBe(true);
  });
});
