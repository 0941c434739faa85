import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { addDecimals, BillingCostDays, billingCostRows, detectCloud, divideDecimal, COST_BATCH_ROWS, EstimateCostDays, estimateCostRows, mapDcgmSeries, pointRanges, multiplyDecimal, nodeGpuFacts, nodeHealth, nodeToResource, settleMigFromDcgm, type SeriesSet } from './map';
import { chunkWindow, stepFor } from '../common/dcgm-window-read';
import { dcgmQueries } from './promql';
import type { MatrixSeries } from './client';
import type { GpuResource } from '../../../../shared/domain';

const fixtures = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const read = <T>(name: string) => JSON.parse(readFileSync(fixtures + name, 'utf8')) as T;

describe('node labels', () => {
  it('reads GFD labels from real label maps', () => {
    const lke = read<Record<string, string>>('node_labels_lke_rtx4000ada_gpu_operator.json');
    expect(nodeGpuFacts(lke, { 'nvidia.com/gpu': '1' })).toEqual({ count: 1, model: 'RTX 4000 Ada 20GB', memoryGiB: 20, classLabel: null, mig: null, placementGap: null });
    const lambda = read<Array<{ metadata: { labels: Record<string, string> } }>>('node_labels_lambda_cloud_k3s_h100x8_v100x8_gpu_operator.json');
    expect(nodeGpuFacts(lambda[1]?.metadata.labels ?? {}, undefined)).toMatchObject({ count: 8, model: 'V100 16GB', memoryGiB: 16 });
    const vgpu = read<Array<Record<string, string>>>('node_labels_vks_vgpu_grid_a100_gpu_operator.json');
    expect(nodeGpuFacts(vgpu[0] ?? {}, { 'nvidia.com/gpu': '1' })?.model).toBe('A100 40GB');
  });

  it('counts physical GPUs under time-slicing and MIG, and legacy CoreWeave labels', () => {
    expect(nodeGpuFacts({ 'nvidia.com/gpu.product': 'NVIDIA-A40-SHARED', 'nvidia.com/gpu.replicas': '4' }, { 'nvidia.com/gpu': '16' })).toMatchObject({ count: 4, model: 'A40 48GB' });
    expect(nodeGpuFacts({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.count': '8' }, { 'nvidia.com/mig-1g.10gb': '56' })?.count).toBe(8);
    expect(nodeGpuFacts({ 'gpu.nvidia.com/class': 'A100_NVLINK_80GB', 'gpu.nvidia.com/count': '8', 'gpu.nvidia.com/vram': '80' }, {})).toEqual({ count: 8, model: 'A100 80GB', memoryGiB: 80, classLabel: 'A100_NVLINK_80GB', mig: null, placementGap: null });
    expect(nodeGpuFacts({ 'kubernetes.io/os': 'linux' }, { cpu: '8' })).toBeNull();
  });

  it('detects the cloud from providerID and labels', () => {
    expect(detectCloud('azure:///subscriptions/x/vm', {})).toBe('azure');
    expect(detectCloud('gce://p/z/n', {})).toBe('gcp');
    expect(detectCloud('ocid1.instance.oc1.iad.x', {})).toBe('oci');
    expect(detectCloud('aws:///us-east-1a/i-1', {})).toBe('aws');
    expect(detectCloud(undefined, { 'gpu.nvidia.com/class': 'A40' })).toBe('coreweave');
    expect(detectCloud(undefined, { 'cloud.google.com/gke-nodepool': 'a3' })).toBe('gcp');
    expect(detectCloud('linode://1', {})).toBe('other');
  });

  it('maps conditions: NotReady and Unknown are unavailable, pressure degrades', () => {
    const node = (conditions: Array<{ type: string; status: string; reason?: string }>): V1Node => ({ status: { conditions } });
    expect(nodeHealth(node([{ type: 'Ready', status: 'False', reason: 'KubeletNotReady' }])).health).toBe('unavailable');
    expect(nodeHealth(node([{ type: 'Ready', status: 'Unknown' }])).health).toBe('unavailable');
    expect(nodeHealth(node([{ type: 'Ready', status: 'True' }, { type: 'DiskPressure', status: 'True' }]))).toEqual({ health: 'degraded', reason: 'DiskPressure' });
    expect(nodeHealth(node([{ type: 'Ready', status: 'True' }])).health).toBe('ok');
  });

  it('prices a CoreWeave node per GPU-hour from the catalog', () => {
    const r = nodeToResource(
      { metadata: { name: 'cw1', labels: { 'gpu.nvidia.com/class': 'H100_NVLINK_80GB', 'gpu.nvidia.com/count': '8', 'topology.kubernetes.io/region': 'LGA1' } }, status: { capacity: { 'nvidia.com/gpu': '8' }, conditions: [{ type: 'Ready', status: 'True' }] } },
      undefined,
      { account: 'a', defaultRegion: 'unknown' },
    );
    expect(r).toMatchObject({ cloud: 'coreweave', region: 'LGA1', gpuCount: 8, instanceType: 'H100_NVLINK_80GB' });
    // The class label names one GPU: $4.78 per GPU-hour x 8 GPUs, not one GPU's price for the node.
    expect(r?.hourlyPrice).toBe('38.24');
  });
});

describe('MIG-partitioned GPUs count as physical GPUs', () => {
  const lambda = read<Array<{ metadata: { labels: Record<string, string> } }>>('node_labels_lambda_cloud_k3s_h100x8_v100x8_gpu_operator.json');
  // The real H100 node's GFD labels, re-labelled as GFD does under MIG strategy single (GFD README example shape).
  const h100 = lambda[0]?.metadata.labels ?? {};
  const single = (extra: Record<string, string>): Record<string, string> => ({
    ...h100,
    'nvidia.com/mig.capable': 'true',
    'nvidia.com/mig.strategy': 'single',
    'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3-MIG-1g.10gb',
    'nvidia.com/gpu.count': '56',
    'nvidia.com/gpu.memory': '9856',
    'nvidia.com/gpu.slices.gi': '1',
    'nvidia.com/gpu.slices.ci': '1',
    ...extra,
  });
  const node = (name: string, labels: Record<string, string>, capacity: Record<string, string>): V1Node => ({
    metadata: { name, labels: { 'topology.kubernetes.io/region': 'LGA1', ...labels } },
    status: { capacity, conditions: [{ type: 'Ready', status: 'True' }] },
  });

  it('divides single-strategy MIG devices by the profile\'s instances per GPU: 56 x 1g.10gb are 8 H100s', () => {
    const f = nodeGpuFacts(single({ 'nvidia.com/mig.config': 'all-1g.10gb' }), { 'nvidia.com/gpu': '56' });
    expect(f).toMatchObject({ count: 8, model: 'H100 80GB', memoryGiB: 80, placementGap: null });
    expect(f?.mig).toMatchObject({ strategy: 'single', devices: { '1g.10gb': 56 } });
    // The same profile name holds 4 per A100 40GB, 7 per A100 80GB.
    const a100 = { 'nvidia.com/mig.strategy': 'single', 'nvidia.com/mig.config': 'all-1g.10gb', 'nvidia.com/gpu.count': '16' };
    expect(nodeGpuFacts({ ...a100, 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB-MIG-1g.10gb' }, undefined)).toMatchObject({ count: 4, model: 'A100 40GB', placementGap: null });
    expect(nodeGpuFacts({ ...a100, 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB-MIG-3g.40gb', 'nvidia.com/mig.config': 'all-3g.40gb' }, undefined)).toMatchObject({ count: 8, model: 'A100 80GB', memoryGiB: 80 });
    // MIG devices shared by time-slicing: GFD appends -SHARED to the product, the count is still devices.
    expect(nodeGpuFacts({ ...a100, 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-40GB-MIG-1g.10gb-SHARED', 'nvidia.com/gpu.replicas': '4' }, undefined)).toMatchObject({ count: 4, placementGap: null });
  });

  it('reads the physical count from nvidia.com/gpu.count under the mixed strategy', () => {
    const f = nodeGpuFacts(
      { 'nvidia.com/mig.strategy': 'mixed', 'nvidia.com/mig.config': 'all-balanced', 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3', 'nvidia.com/gpu.count': '8', 'nvidia.com/gpu.memory': '81559', 'nvidia.com/mig-1g.10gb.count': '16', 'nvidia.com/mig-2g.20gb.count': '8', 'nvidia.com/mig-3g.40gb.count': '8' },
      { 'nvidia.com/mig-1g.10gb': '16', 'nvidia.com/mig-2g.20gb': '8', 'nvidia.com/mig-3g.40gb': '8' },
    );
    expect(f).toMatchObject({ count: 8, model: 'H100 80GB', placementGap: null, mig: { strategy: 'mixed', devices: { '1g.10gb': 16, '2g.20gb': 8, '3g.40gb': 8 } } });
    // Without the count label: the fewest GPUs whose 7 slices hold the devices, said to be a lower bound.
    const bare = nodeGpuFacts({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' }, { 'nvidia.com/mig-1g.10gb': '16', 'nvidia.com/mig-3g.40gb': '8' });
    expect(bare).toMatchObject({ count: 6 });
    expect(bare?.placementGap).toContain('at least 6 GPUs');
  });

  it('says when labels cannot tell, and counts the fewest GPUs the devices fit on, never the devices', () => {
    const custom = nodeGpuFacts(single({ 'nvidia.com/gpu.count': '12', 'nvidia.com/mig.config': 'custom-research' }), { 'nvidia.com/gpu': '12' });
    expect(custom?.count).toBe(2);
    expect(custom?.placementGap).toMatch(/12 MIG devices of profile 1g\.10gb.*custom-research.*at least 2 GPUs/);
    // No mig.config (no MIG manager): the full layout is likely, but it is an assumption.
    const noConfig = Object.fromEntries(Object.entries(single({})).filter(([k]) => k !== 'nvidia.com/mig.config'));
    expect(nodeGpuFacts(noConfig, undefined)?.placementGap).toContain('no nvidia.com/mig.config');
    // A profile we do not know: its GI slices bound the instances per GPU.
    const unknown = nodeGpuFacts(single({ 'nvidia.com/gpu.product': 'NVIDIA-X200-MIG-2g.50gb', 'nvidia.com/gpu.count': '9', 'nvidia.com/gpu.slices.gi': '2', 'nvidia.com/mig.config': 'all-2g.50gb' }), undefined);
    expect(unknown).toMatchObject({ count: 3 });
    expect(unknown?.placementGap).toContain('not one we know');
    const invalid = nodeGpuFacts(single({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3-MIG-INVALID', 'nvidia.com/gpu.count': '0' }), { 'nvidia.com/gpu': '0' });
    expect(invalid).toMatchObject({ count: 1, model: 'H100 80GB' });
    expect(invalid?.placementGap).toContain('cannot label');
  });

  it('puts the placement gap on the resource, settles it from the instance type or DCGM parents, prices per physical GPU', () => {
    const cw = nodeToResource(node('cw-mig', { ...single({ 'nvidia.com/mig.config': 'all-1g.10gb' }), 'gpu.nvidia.com/class': 'H100_NVLINK_80GB' }, { 'nvidia.com/gpu': '56' }), undefined, { account: 'a', defaultRegion: 'x' });
    const plain = nodeToResource(node('cw-8', { 'gpu.nvidia.com/class': 'H100_NVLINK_80GB', 'gpu.nvidia.com/count': '8' }, { 'nvidia.com/gpu': '8' }), undefined, { account: 'a', defaultRegion: 'x' });
    expect(cw).toMatchObject({ cloud: 'coreweave', gpuCount: 8, gpuModel: 'H100 80GB', hourlyPrice: plain?.hourlyPrice, tags: { 'nvidia.mig.gpus-counted-by': 'labels', 'nvidia.mig.devices': '56x1g.10gb' } });
    expect(cw?.gpuUuids).toHaveLength(8);
    expect(cw?.coverageGaps).toBeUndefined();

    // The cloud's instance type says 8 GPUs where the MIG labels cannot.
    const az = nodeToResource(
      node('aks-mig', { ...single({ 'nvidia.com/mig.config': 'custom' }), 'node.kubernetes.io/instance-type': 'Standard_ND96isr_H100_v5' }, { 'nvidia.com/gpu': '56' }),
      undefined,
      { account: 'a', cloud: 'azure', defaultRegion: 'eastus' },
    );
    expect(az).toMatchObject({ gpuCount: 8, tags: { 'nvidia.mig.gpus-counted-by': 'instance-type' } });
    expect(az?.coverageGaps).toBeUndefined();

    const unsure = nodeToResource(node('cw-unsure', { ...single({ 'nvidia.com/gpu.count': '12', 'nvidia.com/mig.config': 'custom' }), 'gpu.nvidia.com/class': 'H100_NVLINK_80GB' }, { 'nvidia.com/gpu': '12' }), undefined, { account: 'a', defaultRegion: 'x' });
    expect(unsure).toMatchObject({ gpuCount: 2, tags: { 'nvidia.mig.gpus-counted-by': 'estimate' } });
    expect(unsure?.coverageGaps).toEqual([{ kind: 'placement', reason: expect.stringContaining('at least 2 GPUs') }]);
    if (!unsure || !plain?.hourlyPrice) throw new Error('fixture nodes did not map');
    // Four parent GPUs in DCGM (MIG series carry their parent's UUID and index): 4 GPUs, priced per GPU.
    const parents = [0, 1, 2, 3].flatMap((g) => ['7', '8', '9'].map((gi) => ({ metric: { Hostname: 'cw-unsure', UUID: `GPU-${g}`, gpu: String(g), GPU_I_ID: gi }, values: [] as Array<[number, string]> })));
    const [settled] = settleMigFromDcgm([unsure], parents, ['Hostname']);
    expect(settled).toMatchObject({ gpuCount: 4, tags: { 'nvidia.mig.gpus-counted-by': 'dcgm' } });
    expect(settled?.coverageGaps).toBeUndefined();
    expect(Number(settled?.hourlyPrice)).toBeCloseTo(Number(plain.hourlyPrice) / 2, 6);
    // No series for the node: the lower bound and its gap stay.
    expect(settleMigFromDcgm([unsure], [], ['Hostname'])[0]).toBe(unsure);
  });

  it('names an on-premises node after the config\'s site, and only a node outside every known cloud', () => {
    const node = (providerID: string): V1Node => ({
      metadata: { name: 'n1', labels: { 'nvidia.com/gpu.product': 'NVIDIA-L40S', 'nvidia.com/gpu.count': '4' } },
      spec: { providerID },
      status: { capacity: { 'nvidia.com/gpu': '4' }, conditions: [{ type: 'Ready', status: 'True' }] },
    });
    const opts = { account: 'lab', defaultRegion: 'dc1', site: 'Frankfurt lab' };
    expect(nodeToResource(node('metal://n1'), undefined, opts)).toMatchObject({ cloud: 'other', site: 'Frankfurt lab' });
    expect(nodeToResource(node('gce://p/us-central1-a/n1'), undefined, opts)?.site).toBeUndefined();
  });
});

describe('money helpers', () => {
  it('multiplies, divides and adds exactly', () => {
    expect(multiplyDecimal('4.78', 8)).toBe('38.24');
    expect(multiplyDecimal('0.10', 3)).toBe('0.30');
    expect(divideDecimal('38.24', 8)).toBe('4.780000');
    expect(divideDecimal('1', 3)).toBe('0.333333');
    expect(addDecimals(['0.1', '0.2', '1.005'])).toBe('1.305');
  });
});

describe('PromQL and steps', () => {
  it('keeps windows under the point limit with whole-minute steps', () => {
    expect(stepFor(0, 24 * 3_600_000, 11_000)).toBe(60);
    const month = 30 * 24 * 3_600_000;
    const step = stepFor(0, month, 11_000);
    expect(step % 60).toBe(0);
    expect(month / 1000 / step + 1).toBeLessThanOrEqual(11_000);
    expect(chunkWindow(0, 3_600_000, 60, 25).map((c) => c.to - c.from)).toEqual([1_500_000, 1_500_000, 600_000]);
  });

  it('aggregates on the server by node, UUID and index', () => {
    const q = dcgmQueries(60, ['Hostname', 'hostname'], 'cluster="a"');
    expect(q.prof).toBe('avg by (Hostname, hostname, UUID, gpu, GPU_I_PROFILE, GPU_I_ID) (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE{cluster="a"}[60s])) * 100');
    expect(q.dev).toContain('DCGM_FI_DEV_GPU_UTIL');
  });
});

describe('series to samples', () => {
  const res = (name: string): GpuResource => ({
    id: `k8s-node:${name}`, account: 'a', cloud: 'other', region: 'r', zone: null, name, kind: 'node', instanceType: 'x', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    powerState: 'running', health: 'ok', healthReason: null, hourlyPrice: null, currency: 'USD', tags: {}, gpuUuids: [], demo: false,
  });
  const empty: SeriesSet = { prof: [], dev: [], fbUsed: [], power: [], temp: [], xidChanges: [], xidLast: [] };

  it('merges series of one UUID even when the node label changes, and prefers PROF', () => {
    const set: SeriesSet = {
      ...empty,
      prof: [
        { metric: { Hostname: 'n1', UUID: 'GPU-1', gpu: '3' }, values: [[120, '40']] },
        // A newer exporter spells the label "hostname" and the node short name differs in case.
        { metric: { hostname: 'N1', UUID: 'GPU-1', gpu: '3' }, values: [[120, '60'], [180, '10']] },
      ],
      dev: [{ metric: { Hostname: 'n1', UUID: 'GPU-1', gpu: '3' }, values: [[120, '99']] }],
    };
    const out = mapDcgmSeries(set, [res('n1')], ['Hostname', 'hostname'], 60, 60_000);
    expect(out.map((s) => [s.ts, s.gpuIndex, s.utilisation, s.utilSource])).toEqual([
      [60_000, 3, 50, 'prof'],
      [120_000, 3, 10, 'prof'],
    ]);
  });

  it('weighs MIG instances into their parent GPU by GI slices and sums their framebuffer', () => {
    const mig = (gi: string, profile: string) => ({ Hostname: 'n1', UUID: 'GPU-P', gpu: '5', GPU_I_ID: gi, GPU_I_PROFILE: profile });
    const set: SeriesSet = {
      ...empty,
      prof: [
        { metric: mig('1', '3g.40gb'), values: [[120, '80']] },
        { metric: mig('5', '2g.20gb'), values: [[120, '10']] },
        { metric: mig('13', '1g.10gb'), values: [[120, '0']] },
      ],
      fbUsed: [
        { metric: mig('1', '3g.40gb'), values: [[120, '30000']] },
        { metric: mig('5', '2g.20gb'), values: [[120, '1000']] },
      ],
    };
    const out = mapDcgmSeries(set, [res('n1')], ['Hostname'], 60, 60_000);
    // (3 x 80 + 2 x 10 + 1 x 0) / 6 slices: one GPU, index 5, one sample.
    expect(out.map((s) => [s.gpuIndex, s.utilisation, s.utilSource, s.memoryUsedMiB])).toEqual([[5, 260 / 6, 'prof', 31000]]);
  });

  it('counts XID changes within and across steps, and drops unknown nodes', () => {
    const set: SeriesSet = {
      ...empty,
      dev: [{ metric: { Hostname: 'n1', UUID: 'G', gpu: '0' }, values: [[120, '1'], [180, '1'], [240, '1']] }, { metric: { Hostname: 'ghost', UUID: 'H', gpu: '0' }, values: [[120, '5']] }],
      xidChanges: [{ metric: { Hostname: 'n1', UUID: 'G', gpu: '0' }, values: [[60, '0'], [120, '0'], [180, '2'], [240, '0']] }],
      xidLast: [{ metric: { Hostname: 'n1', UUID: 'G', gpu: '0' }, values: [[60, '0'], [120, '79'], [180, '79'], [240, '79']] }],
    };
    const out = mapDcgmSeries(set, [res('n1')], ['Hostname'], 60, 60_000);
    expect(out.map((s) => [s.ts, s.xidErrors])).toEqual([
      [60_000, 1],
      [120_000, 2],
      [180_000, 0],
    ]);
  });
});

describe('spend estimates', () => {
  const DAY = 86_400_000;
  const node = (name: string): GpuResource => ({
    id: `k8s-node:${name}`, account: 'a', cloud: 'other', region: 'r', zone: null, name, kind: 'node', instanceType: 'x', gpuModel: 'H100 80GB', gpuCount: 8, gpuMemoryGiB: 80,
    powerState: 'running', health: 'ok', healthReason: null, hourlyPrice: '98.32', currency: 'USD', tags: {}, gpuUuids: [], demo: false,
  });

  it('from a billing metric: each day the sum of its hours, each rounded to the micro-unit as text, unreadable hours left out, in batches', () => {
    const hour = (day: number, h: number): number => (day * DAY + (h + 1) * 3_600_000) / 1000;
    // n-0: 23 readable hours of 1.2345675 (1.234568 each, rounded half away from zero) and one NaN; a day
    // whose only hour is +Inf (no row for it); an hour past the window.
    const first: MatrixSeries = {
      metric: { node: 'n-0' },
      values: [...Array.from({ length: 23 }, (_, h): [number, string] => [hour(0, h), '1.2345675']), [hour(0, 23), 'NaN'], [hour(1, 5), '+Inf'], [hour(2, 0), '5']],
    };
    // A series without the node label is no node's.
    const unplaced: MatrixSeries = { metric: { pod: 'p' }, values: [[hour(0, 0), '9']] };
    const others: MatrixSeries[] = Array.from({ length: COST_BATCH_ROWS + 100 }, (_, i) => ({ metric: { node: `n-${i + 1}` }, values: [[hour(0, 0), '2']] }));
    const batches = [...billingCostRows([first, unplaced, ...others], [node('n-0')], 'node', 'EUR', 'a', 'other', 0, 2 * DAY)];
    expect(batches.map((b) => b.length)).toEqual([COST_BATCH_ROWS, 101]);
    const [n0, n1] = batches[0]!;
    expect([n0?.ResourceName, n0?.PricingQuantity, n0?.BilledCost, n0?.BillingCurrency, n0?.ChargePeriodStart]).toEqual(['n-0', '23', '28.395064', 'EUR', new Date(0).toISOString()]);
    expect([n1?.ResourceName, n1?.PricingQuantity, n1?.BilledCost]).toEqual(['n-1', '1', '2.000000']);
  });

  it('from a billing metric read in ranges, equal to one answer read whole, a day split between two ranges summed once', () => {
    const hour = (h: number): number => (h + 1) * 3600;
    // Two days of hourly costs, the text's digits beyond the micro-unit rounded hour by hour.
    const series: MatrixSeries[] = [
      { metric: { node: 'n-0' }, values: Array.from({ length: 48 }, (_, h): [number, string] => [hour(h), h % 2 === 0 ? '0.0000015' : '3.25']) },
      // Halves below zero and digits beyond a float's: the text is rounded, never a float.
      { metric: { node: 'n-1' }, values: [[hour(3), '1e-7'], [hour(30), '-0.0000025'], [hour(31), '90071992547.4099915']] },
    ];
    const whole = [...billingCostRows(series, [node('n-0')], 'node', 'USD', 'a', 'other', 0, 2 * DAY)].flat();
    // 12 hours of 0.000002 (0.0000015 rounded half away from zero) and 12 of 3.25 a day; n-1: 1e-7 rounds
    // to 0, then -0.000003 + 90071992547.409992.
    expect(whole.map((r) => [r.ResourceName, r.ChargePeriodStart, r.PricingQuantity, r.BilledCost])).toEqual([
      ['n-0', new Date(0).toISOString(), '24', '39.000024'],
      ['n-0', new Date(DAY).toISOString(), '24', '39.000024'],
      ['n-1', new Date(0).toISOString(), '1', '0.000000'],
      ['n-1', new Date(DAY).toISOString(), '2', '90071992547.409989'],
    ]);
    // Ranges of 7 hours: day one's last hours and day two's first come in the same answer.
    const billing = new BillingCostDays([node('n-0')], 'node', 'USD', 'a', 'other', 0, 2 * DAY);
    for (const [from, to] of pointRanges(hour(0), hour(47), 3600, 7)) {
      billing.add(series.map((s) => ({ metric: s.metric, values: s.values.filter(([t]) => t >= from && t <= to) })));
    }
    expect(billing.series).toBe(2 * 7);
    const ranged = [...billing.rows()].flat();
    expect(ranged.map((r) => [r.ResourceName, r.ChargePeriodStart, r.BilledCost]).sort()).toEqual(whole.map((r) => [r.ResourceName, r.ChargePeriodStart, r.BilledCost]).sort());
  });

  it('come in batches of at most COST_BATCH_ROWS, one row per node and day in the order first met, summed over every series of the node', () => {
    const nodes = Math.ceil((2 * COST_BATCH_ROWS + 500) / 2);
    const names = Array.from({ length: nodes }, (_, i) => `n-${i}`);
    // Two days of hourly counts (a point at t counts the hour before it): 8 GPUs all day, 4 the next.
    const hours = (day: number, gpus: string): Array<[number, string]> => Array.from({ length: 24 }, (_, h) => [(day * DAY + (h + 1) * 3_600_000) / 1000, gpus]);
    const counts: MatrixSeries[] = names.map((name) => ({ metric: { node: name }, values: [...hours(0, '8'), ...hours(1, '4')] }));
    // A second series of the first node (another label set) adds its GPU-hours to the same rows.
    counts.push({ metric: { node: 'n-0', pod: 'other' }, values: hours(1, '2') });
    // A node outside the inventory whose GPU the catalog does not price: no row, never a zero.
    counts.push({ metric: { node: 'x-1', modelName: 'NVIDIA Mystery GPU' }, values: hours(0, '8') });
    const batches = [...estimateCostRows(counts, names.map(node), ['node'], 'a', 'other', 0, 2 * DAY)];
    expect(batches.map((b) => b.length)).toEqual([COST_BATCH_ROWS, COST_BATCH_ROWS, 2 * nodes - 2 * COST_BATCH_ROWS]);
    const rows = batches.flat();
    expect(rows.slice(0, 4).map((r) => [r.ResourceName, r.ChargePeriodStart])).toEqual([
      ['n-0', new Date(0).toISOString()],
      ['n-0', new Date(DAY).toISOString()],
      ['n-1', new Date(0).toISOString()],
      ['n-1', new Date(DAY).toISOString()],
    ]);
    // 192 GPU-hours x 98.32 for the 8 GPUs the node's price covers: 2,359.68; the second day 96 + 48 of them.
    expect(rows.slice(0, 3).map((r) => [r.PricingQuantity, r.BilledCost])).toEqual([
      ['192', '2359.680000'],
      ['144', '1769.760000'],
      ['192', '2359.680000'],
    ]);
  });

  it('summed from answers read in ranges, as each arrives, equal the sums of one answer; a count that is no number opens no day', () => {
    const hour = 3600;
    // Three days of one node's counts, 8 GPUs an hour; on the third day its one point is NaN, then +Inf.
    const times = Array.from({ length: 48 }, (_, h) => (h + 1) * hour);
    const counts: MatrixSeries[] = [
      { metric: { node: 'n-0' }, values: [...times.map((t): [number, string] => [t, '8']), [49 * hour, 'NaN']] },
      { metric: { node: 'n-0', pod: 'p' }, values: [[50 * hour, '+Inf']] },
    ];
    const whole = [...estimateCostRows(counts, [node('n-0')], ['node'], 'a', 'other', 0, 3 * DAY)].flat();
    expect(whole.map((r) => [r.ChargePeriodStart, r.PricingQuantity, r.BilledCost])).toEqual([
      [new Date(0).toISOString(), '192', '2359.680000'],
      [new Date(DAY).toISOString(), '192', '2359.680000'],
    ]);
    // The same points as a source answers them in ranges of 7 (the counts query's plan), fed series by series.
    const estimate = new EstimateCostDays([node('n-0')], ['node'], 'a', 'other', 0, 3 * DAY);
    const ranges = pointRanges(hour, 50 * hour, hour, 7);
    expect(ranges).toHaveLength(8);
    for (const [from, to] of ranges) {
      for (const s of counts) {
        const inRange = s.values.filter(([t]) => t >= from && t <= to);
        estimate.series(s.metric, Float64Array.from(inRange, ([t]) => t), Float64Array.from(inRange, ([, v]) => Number(v)), inRange.length);
      }
    }
    expect([...estimate.rows()].flat()).toEqual(whole);
  });
});

describe('the evaluation ranges of a long range query', () => {
  it('cover every step from start to end exactly once, each range at most the points asked', () => {
    const covered = (ranges: Array<[number, number]>, step: number): number[] => ranges.flatMap(([a, b]) => Array.from({ length: (b - a) / step + 1 }, (_, k) => a + k * step));
    expect(pointRanges(3600, 50 * 3600, 3600, 20)).toEqual([[3600, 20 * 3600], [21 * 3600, 40 * 3600], [41 * 3600, 50 * 3600]]);
    expect(covered(pointRanges(3600, 50 * 3600, 3600, 20), 3600)).toEqual(Array.from({ length: 50 }, (_, k) => (k + 1) * 3600));
    // A window of fewer points than asked is one range; a window of one point, one range of it.
    expect(pointRanges(60, 600, 60, 1000)).toEqual([[60, 600]]);
    expect(pointRanges(600, 600, 60, 10)).toEqual([[600, 600]]);
    // A range of one point each when the series alone fill an answer.
    expect(pointRanges(60, 180, 60, 0)).toEqual([[60, 60], [120, 120], [180, 180]]);
  });
});
