import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GpuResource } from '../../../../shared/domain';
import { lookupInstance, modelMemoryGiB, normaliseGpuModel } from '../../catalog';
import { defaultGcpCatalog, isGkeGpuNode, metricQueries } from './index';
import { GcpAccountConfig } from './config';
import {
  addDecimals,
  gpuShapeOf,
  mapBillingRow,
  mapInstance,
  mapStatusIncidents,
  mapTpuNode,
  multiplyDecimal,
  pointValue,
  resourceIncidents,
  SampleMerger,
  seriesResolver,
  tpuShapeOf,
} from './map';
import { BillingQueryRow, RawInstance, RawStatusIncident, RawTimeSeries, RawTpuNode } from './raw';
import { instanceJson } from './testing/emulator';
import { generateFleet } from './testing/fleet';

const fixtures = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const read = <T>(name: string) => JSON.parse(readFileSync(fixtures + name, 'utf8')) as T;
const ctx = { account: 'gcp-prod', project: 'gcpdiag-gke1-aaaa', catalog: defaultGcpCatalog };

describe('Compute Engine instances -> GPU resources', () => {
  it('maps the captured GKE GPU node (n1 + 1 x nvidia-tesla-v100) and drops the plain node', () => {
    const list = read<{ items: unknown[] }>('compute.instances.list.gpuNode.json');
    const mapped = list.items.map((i) => mapInstance(RawInstance.parse(i), ctx));
    expect(mapped[0]).toBeNull();
    const gpu = mapped[1];
    expect(GpuResource.parse(gpu)).toMatchObject({
      id: '//compute.googleapis.com/projects/gcpdiag-gke1-aaaa/zones/europe-west4-a/instances/8425029699468829252',
      cloud: 'gcp',
      region: 'europe-west4',
      zone: 'europe-west4-a',
      name: 'gke-gke6-default-pool-d8412db4-pb55',
      kind: 'vm',
      instanceType: 'n1-standard-2',
      gpuModel: 'V100 16GB',
      gpuCount: 1,
      gpuMemoryGiB: 16,
      powerState: 'running',
      health: 'ok',
      // One V100 per GPU (2.48, "*") plus the N1 machine it is attached to (n1-standard-2: 0.0949995).
      hourlyPrice: '2.5749995',
      gpuUuids: [null],
    });
    expect(gpu?.tags['gcp:project']).toBe('gcpdiag-gke1-aaaa');
  });

  it('finds no GPU in the captured aggregated list (four e2 VMs, empty zones with warnings)', () => {
    const agg = read<{ items: Record<string, { instances?: unknown[] }> }>('compute.instances.aggregatedList.json');
    const all = Object.values(agg.items).flatMap((s) => s.instances ?? []);
    expect(all.length).toBe(4);
    expect(all.map((i) => mapInstance(RawInstance.parse(i), ctx)).every((r) => r === null)).toBe(true);
  });

  it.each([
    ['a3-highgpu-8g', 'H100 80GB', 8],
    ['a3-megagpu-8g', 'H100 80GB', 8],
    ['a2-highgpu-4g', 'A100 40GB', 4],
    ['a2-megagpu-16g', 'A100 40GB', 16],
    ['a2-ultragpu-2g', 'A100 80GB', 2],
    ['g2-standard-8', 'L4 24GB', 1],
    ['g2-standard-48', 'L4 24GB', 4],
    ['g2-standard-96', 'L4 24GB', 8],
    ['a4-highgpu-8g', 'B200 180GB', 8],
    ['ct5lp-hightpu-8t', 'TPU v5e', 8],
    ['ct5p-hightpu-4t', 'TPU v5p', 4],
  ])('knows the GPUs built into %s', (machineType, model, count) => {
    expect(gpuShapeOf(machineType, [])).toMatchObject({ model, count });
  });

  it('takes every GPU model fact from the catalog: model names and per-GPU memory agree with it', () => {
    const types = ['nvidia-tesla-k80', 'nvidia-tesla-p4', 'nvidia-tesla-p100', 'nvidia-tesla-v100', 'nvidia-tesla-t4', 'nvidia-tesla-a100', 'nvidia-a100-80gb', 'nvidia-l4', 'nvidia-h100-80gb', 'nvidia-h100-mega-80gb', 'nvidia-h200-141gb', 'nvidia-b200', 'nvidia-gb200', 'nvidia-rtx-pro-6000'];
    for (const type of types) {
      const shape = gpuShapeOf('n1-standard-8', [{ acceleratorType: `x/${type}`, acceleratorCount: 1 }]);
      expect(shape?.model).toBe(normaliseGpuModel(type));
      expect(shape?.memoryGiB, type).toBe(modelMemoryGiB(shape?.model ?? ''));
      expect(shape?.memoryGiB, type).toBeGreaterThan(0);
    }
    // B200: Compute Engine's A4 (8 x B200, 1,440 GB), the catalog's a4-highgpu-8g entry and this map agree.
    const a4 = lookupInstance('gcp', 'a4-highgpu-8g', 'us-east4');
    expect(gpuShapeOf('a4-highgpu-8g', [])).toMatchObject({ model: a4?.gpuModel, memoryGiB: a4?.gpuMemoryGiB, count: a4?.gpuCount });
    expect(a4).toMatchObject({ gpuModel: 'B200 180GB', gpuMemoryGiB: 180 });
    for (const [machine, chips] of [['ct5lp-hightpu-8t', 8], ['ct6e-standard-4t', 4], ['ct3p-hightpu-4t', 4]] as const) {
      const tpu = gpuShapeOf(machine, []);
      expect(tpu?.count).toBe(chips);
      expect(tpu?.memoryGiB).toBe(modelMemoryGiB(tpu?.model ?? ''));
    }
    expect(tpuShapeOf('v2-8', null)?.memoryGiB).toBe(modelMemoryGiB('TPU v2'));
  });

  it('takes attached accelerators on N1 only (per GPU) and ignores machine types without GPUs', () => {
    expect(gpuShapeOf('n1-standard-8', [{ acceleratorType: 'projects/p/zones/z/acceleratorTypes/nvidia-tesla-t4', acceleratorCount: 4 }])).toMatchObject({ model: 'T4 16GB', count: 4, pricing: 'per-gpu' });
    expect(gpuShapeOf('a2-highgpu-2g', [{ acceleratorType: 'x/nvidia-tesla-a100', acceleratorCount: 2 }])).toMatchObject({ model: 'A100 40GB', count: 2, pricing: 'machine' });
    expect(gpuShapeOf('e2-micro', [])).toBeNull();
    expect(gpuShapeOf('n1-standard-8', [{ acceleratorType: 'x/nvidia-tesla-t4', acceleratorCount: 0 }])).toBeNull();
  });

  /** The captured GKE GPU node with only its machine type and accelerator list changed (the field layout is the same). */
  function capturedWith(machineType: string, accelerators: Array<{ type: string; count: number }>, zone = 'us-central1-a'): RawInstance {
    const list = read<{ items: Array<Record<string, unknown>> }>('compute.instances.list.gpuNode.json');
    const base = `https://www.googleapis.com/compute/v1/projects/gcpdiag-gke1-aaaa/zones/${zone}`;
    return RawInstance.parse({
      ...list.items[1],
      zone: base,
      machineType: `${base}/machineTypes/${machineType}`,
      guestAccelerators: accelerators.map((a) => ({ acceleratorType: `${base}/acceleratorTypes/${a.type}`, acceleratorCount: a.count })),
    });
  }

  it.each([
    // Accelerator-optimized machines list their built-in GPUs in guestAccelerators too: priced as the machine type.
    ['a3-highgpu-8g', 'nvidia-h100-80gb', 8, 'H100 80GB', '88.490000'],
    ['a2-highgpu-1g', 'nvidia-tesla-a100', 1, 'A100 40GB', '3.673385'],
    ['a2-ultragpu-8g', 'nvidia-a100-80gb', 8, 'A100 80GB', '40.550383'],
    ['g2-standard-24', 'nvidia-l4', 2, 'L4 24GB', '2.00073'],
    ['g2-standard-8', 'nvidia-l4', 1, 'L4 24GB', '0.85355'],
  ])('prices %s (GPUs built in, also listed as %s x %i) as the machine type', (machineType, accelerator, count, model, price) => {
    const r = mapInstance(capturedWith(machineType, [{ type: accelerator, count }]), ctx);
    expect(r).toMatchObject({ instanceType: machineType, gpuModel: model, gpuCount: count, hourlyPrice: price });
    expect(r?.coverageGaps).toBeUndefined();
  });

  it('prices GPUs attached to an N1 machine per GPU plus the machine', () => {
    // 2 x T4 at 0.35 + n1-standard-8 (8 x 0.031611 + 30 GB x 0.004237 = 0.379998).
    expect(mapInstance(capturedWith('n1-standard-8', [{ type: 'nvidia-tesla-t4', count: 2 }]), ctx)).toMatchObject({ gpuModel: 'T4 16GB', gpuCount: 2, hourlyPrice: '1.079998' });
    expect(mapInstance(capturedWith('n1-highmem-8', [{ type: 'nvidia-tesla-p100', count: 1 }]), ctx)).toMatchObject({ gpuModel: 'P100 16GB', hourlyPrice: '1.933212' });
  });

  it('says why a machine has no price, naming the machine type or accelerator and the region', () => {
    const a4 = mapInstance(capturedWith('a4-highgpu-8g', [{ type: 'nvidia-b200', count: 8 }], 'us-east4-b'), ctx);
    // B200 memory agrees between this connector and the catalog (180 GB per GPU, as Compute Engine states).
    expect(a4).toMatchObject({ gpuModel: 'B200 180GB', gpuMemoryGiB: 180, gpuCount: 8, hourlyPrice: null });
    expect(a4?.coverageGaps).toEqual([{ kind: 'price', reason: 'the GPU catalog has no price for machine type a4-highgpu-8g in us-east4' }]);
    const unknown = mapInstance(capturedWith('a9-futuregpu-4g', [{ type: 'nvidia-h100-80gb', count: 4 }]), ctx);
    expect(unknown).toMatchObject({ gpuCount: 4, hourlyPrice: null });
    expect(unknown?.coverageGaps?.[0]?.reason).toMatch(/a9-futuregpu-4g.*us-central1/);
    const k80 = mapInstance(capturedWith('n1-standard-4', [{ type: 'nvidia-tesla-k80', count: 1 }]), ctx);
    expect(k80?.coverageGaps?.[0]).toEqual({ kind: 'price', reason: 'no per-GPU price for accelerator nvidia-tesla-k80 in us-central1 (attached to n1-standard-4)' });
    const custom = mapInstance(capturedWith('custom-6-23040', [{ type: 'nvidia-tesla-t4', count: 1 }]), ctx);
    expect(custom).toMatchObject({ hourlyPrice: '0.35' });
    expect(custom?.coverageGaps?.[0]?.reason).toMatch(/counts the 1 x nvidia-tesla-t4 only: no price for machine type custom-6-23040 in us-central1/);
  });

  it('maps running, stopped (TERMINATED) and repairing states to power state and health', () => {
    const [inst] = generateFleet({ gpuInstances: 1, plainInstances: 0 }).instances;
    const as = (status: string) => mapInstance(RawInstance.parse({ ...instanceJson(inst as never), status }), ctx);
    expect(as('RUNNING')).toMatchObject({ powerState: 'running', health: 'ok' });
    expect(as('TERMINATED')).toMatchObject({ powerState: 'stopped', health: 'ok' });
    expect(as('SUSPENDED')).toMatchObject({ powerState: 'stopped' });
    expect(as('STAGING')).toMatchObject({ powerState: 'starting' });
    expect(as('REPAIRING')).toMatchObject({ powerState: 'running', health: 'unavailable' });
    expect(as('REPAIRING')?.healthReason).toMatch(/REPAIRING/);
  });
});

describe('Cloud TPU nodes (one chip = one GPU)', () => {
  it('counts chips from the topology, else from the type name', () => {
    expect(tpuShapeOf('v5litepod-8', '2x4')?.count).toBe(8);
    expect(tpuShapeOf('v4-8', null)?.count).toBe(4); // v4 names count TensorCores: 2 per chip
    expect(tpuShapeOf('v5p-16', '2x2x2')?.count).toBe(8);
    expect(tpuShapeOf('v6e-4', null)?.count).toBe(4);
    expect(tpuShapeOf('nonsense-8', null)).toBeNull();
  });

  it('maps a node, its state and health', () => {
    const node = RawTpuNode.parse({
      name: 'projects/p1/locations/us-central1-a/nodes/train',
      acceleratorType: 'v5litepod-8',
      state: 'READY',
      health: 'UNHEALTHY_MAINTENANCE',
      acceleratorConfig: { type: 'V5LITE_POD', topology: '2x4' },
    });
    expect(mapTpuNode(node, { ...ctx, project: 'p1' })).toMatchObject({
      id: '//tpu.googleapis.com/projects/p1/locations/us-central1-a/nodes/train',
      kind: 'tpu-vm',
      gpuModel: 'TPU v5e',
      gpuCount: 8,
      powerState: 'running',
      health: 'degraded',
      hourlyPrice: '9.60',
    });
    expect(mapTpuNode({ ...node, state: 'STOPPED', health: null }, ctx)).toMatchObject({ powerState: 'stopped', health: 'ok' });
  });
});

describe('Cloud Monitoring time series -> GPU samples', () => {
  const gpuUtil = RawTimeSeries.array().parse(read<{ timeSeries: unknown[] }>('monitoring.timeSeries.list.gpuUtilization.json').timeSeries);
  const duty = RawTimeSeries.array().parse(read<{ timeSeries: unknown[] }>('monitoring.timeSeries.list.gkeAcceleratorDutyCycle.json').timeSeries);

  it('reads double values and int64 values sent as strings', () => {
    expect(pointValue(gpuUtil[0]?.points?.[0] as never)).toBe(0.1);
    expect(duty[0]?.points?.[0]?.value.int64Value).toBe('1');
    expect(pointValue(duty[0]?.points?.[0] as never)).toBe(1);
  });

  it('resolves the Ops Agent series of the fixture to its instance and GPU number', () => {
    const vm: GpuResource = GpuResource.parse({
      id: '//compute.googleapis.com/projects/fake-project/zones/us-central1-a/instances/0000000000000000001',
      account: 'a', cloud: 'gcp', region: 'us-central1', zone: 'us-central1-a', name: 'vm', kind: 'vm', instanceType: 'g2-standard-8',
      gpuModel: 'L4 24GB', gpuCount: 1, gpuMemoryGiB: 24, powerState: 'running', health: 'ok', healthReason: null, hourlyPrice: null,
      currency: 'USD', tags: { 'gcp:project': 'fake-project' }, gpuUuids: [null], demo: false,
    });
    const resolver = seriesResolver('fake-project', [vm]);
    expect(resolver.resolve(gpuUtil[0] as never)).toEqual({ resourceId: vm.id, gpuIndex: 0 });
    expect(seriesResolver('other-project', [vm]).resolve(gpuUtil[0] as never)).toBeNull();
  });

  const series = (values: Array<[number, number | string]>): RawTimeSeries =>
    RawTimeSeries.parse({
      metric: { type: 'x', labels: {} },
      resource: { type: 'gce_instance', labels: {} },
      points: values.map(([endMs, v]) => ({
        interval: { endTime: new Date(endMs).toISOString() },
        value: typeof v === 'string' ? { int64Value: v } : { doubleValue: v },
      })),
    });

  it('maps the GKE node duty cycle of GPUs (named by UUID) to the node VM and a GPU index; a missing series is not measured', () => {
    const node = GpuResource.parse({
      id: '//compute.googleapis.com/projects/fake-project/zones/us-central1-a/instances/42',
      account: 'a', cloud: 'gcp', region: 'us-central1', zone: 'us-central1-a', name: 'gke-fake-cluster-gpu-pool-1a2b', kind: 'vm', instanceType: 'n1-standard-8',
      gpuModel: 'T4 16GB', gpuCount: 2, gpuMemoryGiB: 16, powerState: 'running', health: 'ok', healthReason: null, hourlyPrice: null,
      currency: 'USD', tags: { 'gcp:project': 'fake-project', 'goog-k8s-cluster-name': 'fake-cluster' }, gpuUuids: [null, null], demo: false,
    });
    // The fixture's container-level series, lifted to the node resource the node metric is written on.
    const fromFixture = (uuid: string, value: string, minute: number) =>
      RawTimeSeries.parse({
        ...duty[0],
        metric: { type: 'kubernetes.io/node/accelerator/duty_cycle', labels: { ...duty[0]?.metric.labels, accelerator_id: uuid } },
        resource: { type: 'k8s_node', labels: { project_id: 'fake-project', location: 'us-central1-a', cluster_name: 'fake-cluster', node_name: node.name } },
        points: [{ interval: { endTime: new Date(Date.UTC(2026, 10, 20, 11, minute)).toISOString() }, value: { int64Value: value } }],
      });
    const b = fromFixture('GPU-bf97ab0c-2b63-df2f-97f7-43349526fefa', '73', 2);
    const a = fromFixture('GPU-0a000000-0000-0000-0000-000000000000', '5', 2);
    const resolver = seriesResolver('fake-project', [node]);
    resolver.learn([b, a]);
    // Sorted UUIDs give the index, whatever order the API answered in.
    expect(resolver.resolve(a)).toEqual({ resourceId: node.id, gpuIndex: 0 });
    expect(resolver.resolve(b)).toEqual({ resourceId: node.id, gpuIndex: 1 });
    // A UUID never learnt (or a third GPU on a 2-GPU node) is not guessed.
    expect(resolver.resolve(fromFixture('GPU-ffffffff-0000-0000-0000-000000000000', '9', 2))).toBeNull();

    const t0 = Date.UTC(2026, 10, 20, 11, 0);
    const m = new SampleMerger(t0, t0 + 3 * 60_000, 60_000);
    m.add('util-provider', { resourceId: node.id, gpuIndex: 1 }, b);
    // GPU 1 has an Ops Agent point in the same minute: it wins over the provider metric.
    m.add('util-dev', { resourceId: node.id, gpuIndex: 1 }, series([[Date.UTC(2026, 10, 20, 11, 2), 40]]));
    m.add('util-provider', { resourceId: node.id, gpuIndex: 0 }, a);
    const out = m.samples();
    expect(out.map((x) => [x.gpuIndex, x.ts, x.utilisation, x.utilSource])).toEqual([
      [0, t0 + 60_000, 5, 'provider'],
      [1, t0 + 60_000, 40, 'dev'],
    ]);
    // Minutes 0 and 2 had no series at all: no sample, not a zero.
    expect(out.some((x) => x.ts === t0 || x.ts === t0 + 120_000)).toBe(false);
  });

  it('asks for the GKE node duty cycle only where a GKE GPU node or (with TPUs on) a GKE TPU is in the inventory', () => {
    const base = { account: 'a', cloud: 'gcp', region: 'us-central1', zone: 'us-central1-a', instanceType: 'x', gpuModel: 'T4 16GB', gpuCount: 1, gpuMemoryGiB: null, powerState: 'running', health: 'ok', healthReason: null, hourlyPrice: null, currency: 'USD', gpuUuids: [null], demo: false };
    const gke = GpuResource.parse({ ...base, id: '//compute.googleapis.com/projects/p/zones/z/instances/1', name: 'n1', kind: 'vm', tags: { 'goog-k8s-cluster-name': 'c' } });
    const plain = GpuResource.parse({ ...base, id: '//compute.googleapis.com/projects/p/zones/z/instances/2', name: 'n2', kind: 'vm', tags: {} });
    expect(isGkeGpuNode(gke)).toBe(true);
    expect(isGkeGpuNode(plain)).toBe(false);
    const config = GcpAccountConfig.parse({ name: 'g', provider: 'gcp', projectIds: ['proj-1'], costSource: 'focus-export', monitoring: { tpu: false } });
    const duty = metricQueries(config).filter((q) => q.metricType === 'kubernetes.io/node/accelerator/duty_cycle');
    expect(duty).toHaveLength(1);
    expect(duty[0]?.appliesTo(gke)).toBe(true);
    expect(duty[0]?.appliesTo(plain)).toBe(false);
  });

  it('merges metric types per GPU and minute, preferring DCGM over NVML over the provider metric', () => {
    const t0 = Date.UTC(2026, 10, 20, 11, 0);
    const m = new SampleMerger(t0, t0 + 3 * 60_000, 60_000);
    const target = { resourceId: 'r', gpuIndex: 0 };
    m.add('util-dev', target, series([[t0 + 60_000, 40], [t0 + 120_000, 41]]));
    m.add('util-prof', target, series([[t0 + 60_000, 0.5]]));
    m.add('memory-bytes', target, series([[t0 + 180_000, '2147483648']]));
    const samples = m.samples();
    expect(samples.map((s) => [s.ts - t0, s.utilisation, s.utilSource, s.memoryUsedMiB])).toEqual([
      [0, 50, 'prof', null],
      [60_000, 41, 'dev', null],
      // Memory reported, utilisation not: the sample says "not measured", not 0.
      [120_000, null, null, 2048],
    ]);
  });

  it('drops points outside the window and yields nothing for a GPU without series', () => {
    const t0 = Date.UTC(2026, 10, 20, 11, 0);
    const m = new SampleMerger(t0, t0 + 60_000, 60_000);
    expect(m.add('util-dev', { resourceId: 'r', gpuIndex: 0 }, series([[t0, 10], [t0 + 120_000, 10]]))).toBe(0);
    expect(m.samples()).toEqual([]);
  });
});

describe('billing export rows -> FOCUS', () => {
  const row = (over: Partial<BillingQueryRow> = {}): BillingQueryRow =>
    BillingQueryRow.parse({
      billing_account_id: '012345-6789AB-CDEF01', project_id: 'p1', project_name: 'P One', service_id: '6F81-5844-456A',
      service_name: 'Compute Engine', sku_id: '2E27-4F75-95CD', sku_description: 'N1 Predefined Instance Core running in Americas',
      region: 'us-central1', zone: 'us-central1-a', resource_name: 'vm-1',
      resource_global_name: '//compute.googleapis.com/projects/p1/zones/us-central1-a/instances/123', cost_type: 'regular',
      currency: 'USD', invoice_month: '202611', charge_day: '2026-11-19', cost: '10.5', credits: '-2.123456789',
      pricing_quantity: '24', pricing_unit: 'hour', usage_quantity: '86400', usage_unit: 'seconds',
      labels_json: '[{"key":"team","value":"research"}]', ...over,
    });

  it('nets credits exactly and fills the FOCUS columns', () => {
    expect(mapBillingRow(row())).toMatchObject({
      BillingAccountId: '012345-6789AB-CDEF01',
      SubAccountId: 'p1',
      BilledCost: '8.376543211',
      EffectiveCost: '8.376543211',
      BillingCurrency: 'USD',
      BillingPeriodStart: '2026-11-01T00:00:00.000Z',
      BillingPeriodEnd: '2026-12-01T00:00:00.000Z',
      ChargePeriodStart: '2026-11-19T00:00:00.000Z',
      ChargePeriodEnd: '2026-11-20T00:00:00.000Z',
      ChargeCategory: 'Usage',
      ServiceCategory: 'Compute',
      ResourceType: 'Compute Engine instance',
      SkuId: '2E27-4F75-95CD',
      Tags: { team: 'research' },
    });
  });

  it('maps tax and late-invoiced rows (invoice month differs from usage month)', () => {
    const late = mapBillingRow(row({ cost_type: 'tax', charge_day: '2026-10-31', invoice_month: '202611', credits: null, resource_global_name: null }));
    expect(late).toMatchObject({ ChargeCategory: 'Tax', BilledCost: '10.5', BillingPeriodStart: '2026-11-01T00:00:00.000Z', ResourceId: null, ResourceType: null });
  });

  it('adds and multiplies decimals without float error', () => {
    expect(addDecimals('0.1', '0.2')).toBe('0.3');
    expect(addDecimals('-0.30', '0.1')).toBe('-0.20');
    expect(addDecimals('5', '-5.000')).toBe('0.000');
    expect(addDecimals('123456789012345678.000000001', '0.000000009')).toBe('123456789012345678.000000010');
    expect(multiplyDecimal('0.35', 4)).toBe('1.40');
  });
});

describe('status incidents', () => {
  const fleet = generateFleet({ gpuInstances: 10 });
  const feed = fleet.incidents.map((i) => RawStatusIncident.parse(i));
  const filter = {
    account: 'gcp-prod',
    regions: new Set(['us-central1', 'europe-west4']),
    products: ['Google Compute Engine'],
    now: fleet.now,
    endedWithinDays: 7,
  };

  it('keeps incidents of products and regions the fleet uses; ongoing while end is absent', () => {
    const got = mapStatusIncidents(feed, filter);
    expect(got.map((i) => [i.id, i.endedAt === null])).toEqual([
      ['gcp-status:inc-gce-uscentral1', true],
      ['gcp-status:inc-gce-euw4-ended', false],
    ]);
    expect(got[0]).toMatchObject({ cloud: 'gcp', source: 'status-page', severity: 'major', url: 'https://status.cloud.google.com/incidents/inc-gce-uscentral1' });
    expect(got[1]?.severity).toBe('critical');
  });

  it('matches products by id too, and lets a region filter drop everything', () => {
    expect(mapStatusIncidents(feed, { ...filter, products: ['bq123'] }).map((i) => i.id)).toEqual(['gcp-status:inc-bq-uscentral1']);
    expect(mapStatusIncidents(feed, { ...filter, regions: new Set(['asia-east1']) })).toEqual([]);
  });
});

describe('resource incidents', () => {
  it('raises one per repairing machine, started at the minute it was seen', () => {
    const fleet = generateFleet({ gpuInstances: 30 });
    const resources = fleet.instances
      .map((i) => mapInstance(RawInstance.parse(instanceJson(i)), { ...ctx, project: i.project }))
      .filter((r): r is GpuResource => r !== null);
    const now = new Date('2026-11-20T12:00:48.500Z');
    const got = resourceIncidents(resources, 'gcp-prod', now);
    expect(got).toHaveLength(fleet.instances.filter((i) => i.status === 'REPAIRING').length);
    expect(got.length).toBeGreaterThan(0);
    for (const i of got) {
      expect(i).toMatchObject({ source: 'resource-health', startedAt: '2026-11-20T12:00:00.000Z', endedAt: null, severity: 'major' });
      expect(i.resourceIds).toHaveLength(1);
    }
  });
});
