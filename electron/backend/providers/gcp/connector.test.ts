import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FocusCostRow, GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { AuthError, ConfigError, MalformedResponseError, ThrottledError, UnavailableError } from '../types';
import { lookupInstance } from '../../catalog';
import { createGcpConnector } from './index';
import { micros, fromMicros } from './testing/emulator';
import { regionOfZone, type FleetInstance } from './testing/fleet';
import { startGcpHarness, TOKEN_ENV, type GcpHarness } from './testing/harness';

const MINUTE = 60_000;

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
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
    // Built-in GPUs are listed in guestAccelerators too; still priced as the machine type.
    for (const type of ['a2-highgpu-1g', 'a2-ultragpu-8g', 'g2-standard-24', 'g2-standard-8']) {
      const r = inventory.find((x) => x.instanceType === type);
      expect(r?.hourlyPrice, type).toBe(lookupInstance('gcp', type, r?.region ?? '')?.hourlyPrice);
      expect(r?.coverageGaps, type).toBeUndefined();
    }
    // 2 x T4 (0.35) + n1-standard-8 (0.379998); 1 x T4 + n1-standard-4 (0.189999).
    expect(inventory.find((r) => r.instanceType === 'n1-standard-8')?.hourlyPrice).toBe('1.079998');
    expect(inventory.find((r) => r.instanceType === 'n1-standard-4')?.hourlyPrice).toBe('0.539999');
    const a4 = inventory.filter((r) => r.instanceType === 'a4-highgpu-8g');
    expect(a4.length).toBeGreaterThan(0);
    for (const r of a4) {
      expect(r).toMatchObject({ gpuModel: 'B200 180GB', gpuCount: 8, hourlyPrice: null });
      expect(r.coverageGaps).toEqual([{ kind: 'price', reason: `the GPU catalog has no price for machine type a4-highgpu-8g in ${r.region}` }]);
    }
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
    const health = incidents.filter((i) => i.source === 'resource-health' && i.id.startsWith('gcp-resource:'));
    expect(health).toHaveLength(repairing.length);
    expect(health.every((i) => i.resourceIds.length === 1 && i.endedAt === null)).toBe(true);
    const first = repairing[0];
    expect(health.find((i) => i.resourceIds[0]?.endsWith(`/instances/${first?.id}`))?.url).toBe(
      `https://console.cloud.google.com/compute/instancesDetail/zones/${first?.zone}/instances/${first?.name}?project=${first?.project}`,
    );
    // Personalized Service Health is off unless configured: not one call.
    expect(h.emulator.requests.some((r) => r.api === 'servicehealth')).toBe(false);
  });

  it('raises host maintenance of GPU VMs with its window, and preempted Spot VMs, naming the machines', async () => {
    const incidents: Incident[] = await collect(createGcpConnector(h.config()).incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const idOf = (i: FleetInstance) => `//compute.googleapis.com/projects/${i.project}/zones/${i.zone}/instances/${i.id}`;
    const withMaintenance = h.fleet.instances.filter((i) => i.upcomingMaintenance);
    const maintenance = incidents.filter((i) => i.source === 'maintenance');
    expect(maintenance.map((i) => i.resourceIds[0]).sort()).toEqual(withMaintenance.map(idOf).sort());
    for (const inst of withMaintenance) {
      const m = maintenance.find((i) => i.resourceIds[0] === idOf(inst));
      const window = inst.upcomingMaintenance;
      expect(m).toMatchObject({
        id: `gcp-maintenance:${idOf(inst)}`,
        severity: 'maintenance',
        regions: [regionOfZone(inst.zone)],
        // The announced window, however far ahead: a future start stays future.
        startedAt: window?.windowStartTime,
        endedAt: window?.windowEndTime,
        status: window?.maintenanceStatus.toLowerCase(),
        url: `https://console.cloud.google.com/compute/instancesDetail/zones/${inst.zone}/instances/${inst.name}?project=${inst.project}`,
      });
      expect(m?.summary).toContain(`to ${window?.windowEndTime}`);
      expect(m?.summary).toContain('onHostMaintenance TERMINATE');
    }
    const spotStopped = h.fleet.instances.filter((i) => i.spot && i.status === 'TERMINATED');
    expect(spotStopped).toHaveLength(1);
    const preempted = incidents.filter((i) => i.id.startsWith('gcp-preempted:'));
    // The running Spot VM raises nothing; only the TERMINATED one does.
    expect(preempted.map((i) => [i.source, i.resourceIds, i.startedAt, i.endedAt])).toEqual([
      ['resource-health', [idOf(spotStopped[0] as FleetInstance)], spotStopped[0]?.lastStopTimestamp, null],
    ]);
  });

  it('ends the maintenance and preemption incidents on the first sync that no longer sees them', async () => {
    const connector = createGcpConnector(h.config());
    const first: Incident[] = await collect(connector.incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const ongoing = h.fleet.instances.find((i) => i.upcomingMaintenance?.maintenanceStatus === 'ONGOING') as FleetInstance;
    const spot = h.fleet.instances.find((i) => i.spot && i.status === 'TERMINATED') as FleetInstance;
    const saved = { window: ongoing.upcomingMaintenance, status: spot.status };
    const open = (i: Incident, at: Date) => i.endedAt === null || Date.parse(i.endedAt) > at.getTime();
    expect(first.filter((i) => open(i, h.fleet.now) && (i.source === 'maintenance' || i.id.startsWith('gcp-preempted:')))).toHaveLength(4);
    try {
      delete ongoing.upcomingMaintenance;
      spot.status = 'RUNNING';
      const later = new Date(h.fleet.now.getTime() + 10 * MINUTE);
      const inv2 = await collect(connector.inventory(ctx(later)));
      const second: Incident[] = await collect(connector.incidents({ ...ctx(later), resources: inv2 }));
      const done = second.filter((i) => i.endedAt !== null && i.status === 'recovered');
      expect(done.map((i) => i.id).sort()).toEqual([
        `gcp-maintenance:${inv2.find((r) => r.name === ongoing.name)?.id}`,
        `gcp-preempted:${inv2.find((r) => r.name === spot.name)?.id}`,
      ].sort());
      expect(done.every((i) => i.endedAt === later.toISOString())).toBe(true);
      // The planned windows two and six days ahead are still announced, their start still ahead.
      const planned = second.filter((i) => i.source === 'maintenance' && open(i, later));
      expect(planned).toHaveLength(2);
      for (const p of planned) expect(Date.parse(p.startedAt)).toBeGreaterThan(later.getTime() + 86_400_000);
    } finally {
      ongoing.upcomingMaintenance = saved.window;
      spot.status = saved.status;
    }
  });

  it('reads Personalized Service Health when enabled: fleet products and regions only, one incident per event', async () => {
    const before = h.emulator.requests.length;
    const connector = createGcpConnector(h.config({ incidents: { serviceHealth: true } }));
    const incidents: Incident[] = await collect(connector.incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const psh = incidents.filter((i) => i.source === 'service-health');
    // The same events are listed for both projects; each is passed on once.
    expect(psh.map((i) => i.id).sort()).toEqual(['gcp-psh:psh-gce-euw4', 'gcp-psh:psh-gce-uscentral1']);
    const active = psh.find((i) => i.id === 'gcp-psh:psh-gce-uscentral1');
    expect(active).toMatchObject({ regions: ['us-central1'], endedAt: null, status: 'confirmed', resourceIds: [] });
    // Named as the status feed titles the product, so the triage merge can join the two reports.
    expect(active?.services).toContain('Google Compute Engine');
    expect(active?.updates[0]?.body).toContain('Workaround: Retry in another zone.');
    expect(psh.find((i) => i.id === 'gcp-psh:psh-gce-euw4')?.endedAt).not.toBeNull();
    const calls = h.emulator.requests.slice(before).filter((r) => r.api === 'servicehealth');
    // Two projects, three matching events at two per page: two pages each.
    expect(calls).toHaveLength(4);
    expect(calls.every((r) => r.query.get('view') === 'EVENT_VIEW_FULL' && r.query.get('filter')?.includes('state=ACTIVE'))).toBe(true);
    expect(connector.diagnostics?.().access).toEqual([]);
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

  it('keeps the public feed when Personalized Service Health is denied, and records which project and role', async () => {
    const resources = await inventory();
    const statusOnly = (list: Incident[]) => list.filter((i) => i.source === 'status-page').map((i) => i.id).sort();
    const withoutPsh: Incident[] = await collect(createGcpConnector(h.config()).incidents({ ...ctx(h.fleet.now), resources }));
    expect(statusOnly(withoutPsh).length).toBeGreaterThan(0);
    const connector = createGcpConnector(h.config({ incidents: { serviceHealth: true } }));
    h.emulator.inject({ api: 'servicehealth', kind: 'forbidden', times: 1, pathContains: h.fleet.projects[0] });
    const incidents: Incident[] = await collect(connector.incidents({ ...ctx(h.fleet.now), resources }));
    expect(statusOnly(incidents)).toEqual(statusOnly(withoutPsh));
    const access = connector.diagnostics?.().access ?? [];
    expect(access.map((a) => [a.scope, a.status])).toEqual([[`project ${h.fleet.projects[0]}`, 'denied']]);
    expect(access[0]?.fix).toContain('roles/servicehealth.viewer');
    // The other project was read; once the role is granted the note goes away.
    await collect(connector.incidents({ ...ctx(h.fleet.now), resources }));
    expect(connector.diagnostics?.().access).toEqual([]);
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
