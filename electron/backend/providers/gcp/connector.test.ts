import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FocusCostRow, GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { AuthError, ConfigError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import { createGcpConnector } from './index';
import { micros, fromMicros } from './testing/emulator';
import { regionOfZone } from './testing/fleet';
import { startGcpHarness, TOKEN_ENV, type GcpHarness } from './testing/harness';

const MINUTE = 60_000;

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}

const ctx = (now: Date) => ({ signal: new AbortController().signal, now });

describe('gcp connector against the loopback emulator (500 GPU/TPU instances, 20 zones)', () => {
  let h: GcpHarness;
  let inventory: GpuResource[];

  beforeAll(async () => {
    h = await startGcpHarness();
    inventory = await collect(createGcpConnector(h.config()).inventory(ctx(h.fleet.now)));
  });
  afterAll(async () => h?.close());

  it('lists every GPU and TPU machine across pages and zones, and nothing else', () => {
    const expected = h.fleet.instances.length + h.fleet.tpuNodes.length;
    expect(inventory).toHaveLength(expected);
    expect(new Set(inventory.map((r) => r.id)).size).toBe(expected);
    expect(inventory.some((r) => r.name.startsWith('web-'))).toBe(false);
    expect(new Set(inventory.map((r) => r.zone)).size).toBe(20);
    // aggregatedList pages of 100 instances: 270 + 40 plain per project -> several pages each.
    const computeCalls = h.emulator.requests.filter((r) => r.api === 'compute');
    expect(computeCalls.length).toBeGreaterThanOrEqual(6);
    expect(computeCalls.some((r) => r.query.get('pageToken') !== null)).toBe(true);
    expect(computeCalls.every((r) => r.headers['x-goog-user-project'] === 'fleet-ops-quota')).toBe(true);
  });

  it('counts GPUs by model and by state exactly as the fleet holds them', () => {
    const byModel = (rs: Array<{ model: string; gpus: number }>) =>
      rs.reduce<Record<string, number>>((m, r) => ({ ...m, [r.model]: (m[r.model] ?? 0) + r.gpus }), {});
    const truth = byModel([
      ...h.fleet.instances.map((i) => ({ model: i.shape.model, gpus: i.shape.gpus })),
      ...h.fleet.tpuNodes.map((n) => ({ model: n.model, gpus: n.chips })),
    ]);
    expect(byModel(inventory.map((r) => ({ model: r.gpuModel, gpus: r.gpuCount })))).toEqual(truth);

    const state = (status: string) =>
      status === 'RUNNING' || status === 'REPAIRING' ? 'running' : status === 'STAGING' ? 'starting' : status === 'STOPPING' ? 'stopping' : 'stopped';
    for (const inst of h.fleet.instances) {
      const r = inventory.find((x) => x.id === `//compute.googleapis.com/projects/${inst.project}/zones/${inst.zone}/instances/${inst.id}`);
      expect(r, inst.name).toBeDefined();
      expect(r?.powerState, inst.name).toBe(state(inst.status));
      expect(r?.health, inst.name).toBe(inst.status === 'REPAIRING' ? 'unavailable' : 'ok');
      expect(r?.region).toBe(regionOfZone(inst.zone));
      expect(r?.kind).toBe(inst.shape.model.startsWith('TPU') ? 'tpu-vm' : 'vm');
    }
    const stoppedTpu = inventory.find((r) => r.name === 'tpu-v4-eval');
    expect(stoppedTpu).toMatchObject({ kind: 'tpu-vm', gpuCount: 4, powerState: 'stopped', instanceType: 'v4-8' });
  });

  it('prices machines from the catalog: whole built-in GPU machines, attached GPUs per GPU', () => {
    const a3 = inventory.find((r) => r.instanceType === 'a3-highgpu-8g' && r.region === 'us-central1');
    expect(a3?.hourlyPrice).toBe('88.490000');
    const t4 = inventory.find((r) => r.instanceType === 'n1-standard-8');
    expect(t4?.hourlyPrice).toBe('0.70');
  });

  it('pulls aligned, reduced series and maps them to per-GPU samples; a missing series is no sample, not zero', async () => {
    const to = Math.floor(h.fleet.now.getTime() / MINUTE) * MINUTE;
    const from = to - 10 * MINUTE;
    const before = h.emulator.requests.length;
    const samples: GpuSample[] = await collect(
      createGcpConnector(h.config()).metrics({ ...ctx(h.fleet.now), from, to, resources: inventory }),
    );
    const calls = h.emulator.requests.slice(before).filter((r) => r.api === 'monitoring');
    // Per project: DCGM, NVML, memory, GKE TPU duty cycle, and Cloud TPU duty cycle where the project has TPU nodes.
    expect(calls.length).toBeGreaterThanOrEqual(9);
    for (const c of calls) {
      expect(c.query.get('aggregation.alignmentPeriod')).toBe('60s');
      expect(['ALIGN_MEAN', '12']).toContain(c.query.get('aggregation.perSeriesAligner'));
      expect(['REDUCE_MEAN', '1']).toContain(c.query.get('aggregation.crossSeriesReducer'));
      expect(c.query.getAll('aggregation.groupByFields').length).toBeGreaterThanOrEqual(3);
    }
    const byGpu = new Map<string, GpuSample[]>();
    for (const s of samples) {
      expect(s.ts).toBeGreaterThanOrEqual(from);
      expect(s.ts).toBeLessThan(to);
      const key = `${s.resourceId}#${s.gpuIndex}`;
      byGpu.set(key, [...(byGpu.get(key) ?? []), s]);
    }
    for (const inst of h.fleet.instances) {
      const id = `//compute.googleapis.com/projects/${inst.project}/zones/${inst.zone}/instances/${inst.id}`;
      for (let g = 0; g < inst.shape.gpus; g++) {
        const got = byGpu.get(`${id}#${g}`) ?? [];
        const measured = inst.status === 'RUNNING' && (inst.agent !== 'none' || inst.shape.model.startsWith('TPU'));
        if (!measured) {
          expect(got, `${inst.name} gpu ${g}`).toHaveLength(0);
          continue;
        }
        expect(got, `${inst.name} gpu ${g}`).toHaveLength(10);
        const util = inst.utilisation[g] as number;
        for (const s of got) {
          expect(s.utilisation).toBeCloseTo(util, 9);
          expect(s.utilSource).toBe(inst.agent === 'dcgm' ? 'prof' : inst.agent === 'nvml' ? 'dev' : 'provider');
          if (inst.agent !== 'none') expect(s.memoryUsedMiB).toBe((inst.memoryUsedBytes[g] as number) / 1048576);
        }
      }
    }
    const tpu = samples.filter((s) => s.resourceId.endsWith('/nodes/tpu-v5e-train'));
    expect(tpu).toHaveLength(80);
    expect(tpu.find((s) => s.gpuIndex === 3)?.utilisation).toBe(95);
  });

  it('reads the billing export net of credits, per resource and SKU per day, to the exact decimal', async () => {
    const from = Date.UTC(2026, 10, 18);
    const to = h.fleet.now.getTime();
    const rows: FocusCostRow[] = await collect(createGcpConnector(h.config()).costs({ ...ctx(h.fleet.now), from, to }));
    const truth = h.fleet.billing
      .filter((r) => Date.parse(r.usageStart) >= from && Date.parse(r.usageStart) < to)
      .reduce((sum, r) => sum + micros(r.cost) + r.credits.reduce((c, x) => c + micros(x), 0n), 0n);
    const got = rows.reduce((sum, r) => sum + micros(r.BilledCost), 0n);
    expect(fromMicros(got)).toBe(fromMicros(truth));
    // One row per resource + SKU + day: 60 instances x 2 SKUs x 3 days, plus 3 daily tax rows.
    expect(rows).toHaveLength(60 * 2 * 3 + 3);
    const keys = new Set(rows.map((r) => `${r.ResourceId}|${r.SkuId}|${r.ChargePeriodStart}`));
    expect(keys.size).toBe(rows.length);
    expect(rows.filter((r) => r.ChargeCategory === 'Tax')).toHaveLength(3);
    const ids = new Set(inventory.map((r) => r.id));
    expect(rows.filter((r) => r.ResourceId !== null).every((r) => ids.has(r.ResourceId as string))).toBe(true);
    const bq = h.emulator.requests.filter((r) => r.api === 'bigquery');
    expect(bq.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(3); // getQueryResults paging
  });

  it('passes on status incidents for the products and regions the fleet uses, plus repairing machines', async () => {
    const incidents: Incident[] = await collect(createGcpConnector(h.config()).incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const status = incidents.filter((i) => i.source === 'status-page');
    expect(status.map((i) => i.id).sort()).toEqual(['gcp-status:inc-gce-euw4-ended', 'gcp-status:inc-gce-uscentral1']);
    const ongoing = status.find((i) => i.id === 'gcp-status:inc-gce-uscentral1');
    expect(ongoing).toMatchObject({ endedAt: null, regions: ['us-central1'], severity: 'major', services: ['Google Compute Engine'] });
    expect(status.find((i) => i.id.endsWith('euw4-ended'))?.endedAt).not.toBeNull();
    const repairing = h.fleet.instances.filter((i) => i.status === 'REPAIRING');
    const health = incidents.filter((i) => i.source === 'resource-health');
    expect(health).toHaveLength(repairing.length);
    expect(health.every((i) => i.resourceIds.length === 1 && i.endedAt === null)).toBe(true);
  });
});

describe('gcp connector under faults', () => {
  let h: GcpHarness;
  beforeAll(async () => {
    h = await startGcpHarness({ gpuInstances: 40, plainInstances: 4 });
  });
  afterAll(async () => h?.close());

  const inventory = (extra: Record<string, unknown> = {}) => collect(createGcpConnector(h.config(extra)).inventory(ctx(h.fleet.now)));

  it('backs off on 429 and RESOURCE_EXHAUSTED and then succeeds', async () => {
    h.emulator.inject({ api: 'compute', kind: 'resource-exhausted', times: 2 });
    const got = await inventory();
    expect(got).toHaveLength(40 + 3);
    h.emulator.inject({ api: 'compute', kind: 'http-429', times: 1 });
    expect(await inventory()).toHaveLength(43);
  });

  it('gives up with ThrottledError (retry-after set, project named) when quota stays exhausted', async () => {
    h.emulator.inject({ api: 'compute', kind: 'resource-exhausted', times: 3 });
    const err = await inventory().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
    expect((err as ThrottledError).retryAfterMs).toBeGreaterThan(0);
    expect((err as Error).message).toContain(h.fleet.projects[0]);
  });

  it('names the project and the missing role on 403', async () => {
    h.emulator.inject({ api: 'compute', kind: 'forbidden', times: 1, pathContains: h.fleet.projects[1] });
    const err = await inventory().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain(`project ${h.fleet.projects[1]}`);
    expect((err as Error).message).toContain('Compute Viewer');

    const resources = await inventory();
    const to = Math.floor(h.fleet.now.getTime() / MINUTE) * MINUTE;
    h.emulator.inject({ api: 'monitoring', kind: 'forbidden', times: 1 });
    const mErr = await collect(createGcpConnector(h.config()).metrics({ ...ctx(h.fleet.now), from: to - 5 * MINUTE, to, resources })).catch((e: unknown) => e);
    expect(mErr).toBeInstanceOf(AuthError);
    expect((mErr as Error).message).toContain('Monitoring Viewer');

    h.emulator.inject({ api: 'bigquery', kind: 'forbidden', times: 1 });
    const bErr = await collect(createGcpConnector(h.config()).costs({ ...ctx(h.fleet.now), from: Date.UTC(2026, 10, 19), to })).catch((e: unknown) => e);
    expect(bErr).toBeInstanceOf(AuthError);
    expect((bErr as Error).message).toContain('BigQuery Data Viewer');
    expect((bErr as Error).message).toContain('project billing-admin');
  });

  it('treats BigQuery rateLimitExceeded (a 403) as throttling, not as a permission problem', async () => {
    h.emulator.inject({ api: 'bigquery', kind: 'bigquery-rate-limit', times: 5 });
    const to = h.fleet.now.getTime();
    const err = await collect(createGcpConnector(h.config()).costs({ ...ctx(h.fleet.now), from: Date.UTC(2026, 10, 19), to })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ThrottledError);
  });

  it('turns 5xx into UnavailableError and truncated JSON into MalformedResponseError', async () => {
    h.emulator.inject({ api: 'compute', kind: 'server-error', times: 1 });
    expect(await inventory().catch((e: unknown) => e)).toBeInstanceOf(UnavailableError);
    h.emulator.inject({ api: 'compute', kind: 'truncated-json', times: 1 });
    expect(await inventory().catch((e: unknown) => e)).toBeInstanceOf(MalformedResponseError);
    h.emulator.inject({ api: 'status', kind: 'truncated-json', times: 1 });
    const err = await collect(createGcpConnector(h.config()).incidents({ ...ctx(h.fleet.now), resources: [] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedResponseError);
  });

  it('discovers projects when none are configured, and fails clearly without a token', async () => {
    const before = h.emulator.requests.length;
    const got = await inventory({ projectIds: undefined });
    expect(got).toHaveLength(43);
    expect(h.emulator.requests.slice(before).some((r) => r.api === 'resourcemanager')).toBe(true);

    const saved = process.env[TOKEN_ENV];
    delete process.env[TOKEN_ENV];
    try {
      expect(await inventory().catch((e: unknown) => e)).toBeInstanceOf(ConfigError);
    } finally {
      process.env[TOKEN_ENV] = saved;
    }
  });
});
