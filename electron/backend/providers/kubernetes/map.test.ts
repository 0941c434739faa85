import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { addDecimals, detectCloud, divideDecimal, mapDcgmSeries, multiplyDecimal, nodeGpuFacts, nodeHealth, nodeToResource, type SeriesSet } from './map';
import { chunkWindow, dcgmQueries, stepFor } from './promql';
import type { GpuResource } from '../../../../shared/domain';

const fixtures = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const read = <T>(name: string) => JSON.parse(readFileSync(fixtures + name, 'utf8')) as T;

describe('node labels', () => {
  it('reads GFD labels from real label maps', () => {
    const lke = read<Record<string, string>>('node_labels_lke_rtx4000ada_gpu_operator.json');
    expect(nodeGpuFacts(lke, { 'nvidia.com/gpu': '1' })).toEqual({ count: 1, model: 'RTX 4000 Ada 20GB', memoryGiB: 20, classLabel: null });
    const lambda = read<Array<{ metadata: { labels: Record<string, string> } }>>('node_labels_lambda_cloud_k3s_h100x8_v100x8_gpu_operator.json');
    expect(nodeGpuFacts(lambda[1]?.metadata.labels ?? {}, undefined)).toMatchObject({ count: 8, model: 'V100 16GB', memoryGiB: 16 });
    const vgpu = read<Array<Record<string, string>>>('node_labels_vks_vgpu_grid_a100_gpu_operator.json');
    expect(nodeGpuFacts(vgpu[0] ?? {}, { 'nvidia.com/gpu': '1' })?.model).toBe('A100 40GB');
  });

  it('counts physical GPUs under time-slicing and MIG, and legacy CoreWeave labels', () => {
    expect(nodeGpuFacts({ 'nvidia.com/gpu.product': 'NVIDIA-A40-SHARED', 'nvidia.com/gpu.replicas': '4' }, { 'nvidia.com/gpu': '16' })).toMatchObject({ count: 4, model: 'A40 48GB' });
    expect(nodeGpuFacts({ 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB', 'nvidia.com/gpu.count': '8' }, { 'nvidia.com/mig-1g.10gb': '56' })?.count).toBe(8);
    expect(nodeGpuFacts({ 'gpu.nvidia.com/class': 'A100_NVLINK_80GB', 'gpu.nvidia.com/count': '8', 'gpu.nvidia.com/vram': '80' }, {})).toEqual({ count: 8, model: 'A100 80GB', memoryGiB: 80, classLabel: 'A100_NVLINK_80GB' });
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
    expect(r?.hourlyPrice).toMatch(/^\d+(\.\d+)?$/);
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
    expect(q.prof).toBe('avg by (Hostname, hostname, UUID, gpu) (avg_over_time(DCGM_FI_PROF_GR_ENGINE_ACTIVE{cluster="a"}[60s])) * 100');
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
