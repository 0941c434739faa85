import type { InstanceStatus, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { GpuResource } from '../../../../shared/domain';
import { lookupInstance, modelMemoryGiB, normaliseGpuModel } from '../../catalog';
import { acceleratorsOf, gpuSeries, healthIncidents, healthOf, mapInstance, planQueries, SampleMerger, scheduledEventIncidents } from './map';

const catalog = { lookupInstance, normaliseGpuModel };
const b200: InstanceTypeInfo = { InstanceType: 'p6-b200.48xlarge', GpuInfo: { Gpus: [{ Name: 'B200', Manufacturer: 'NVIDIA', Count: 8, MemoryInfo: { SizeInMiB: 183_359 } }], TotalGpuMemoryInMiB: 1_466_872 } };

describe('aws mapping', () => {
  it('takes GPU facts from the catalog first, then GpuInfo (model normalised by the catalog), then NeuronInfo', () => {
    const p5 = acceleratorsOf('p5.48xlarge', { InstanceType: 'p5.48xlarge', GpuInfo: { Gpus: [{ Name: 'H100', Count: 8, MemoryInfo: { SizeInMiB: 81_559 } }] } }, 'us-east-1', catalog);
    expect(p5).toEqual({ model: 'H100 80GB', count: 8, memoryGiB: lookupInstance('aws', 'p5.48xlarge', 'us-east-1')?.gpuMemoryGiB, kind: 'gpu' });
    const b = acceleratorsOf('p6-b200.48xlarge', b200, 'us-east-1', catalog);
    expect(b?.model).toBe('B200 180GB');
    // The model name is the catalog's, so B200 machines of every cloud group together.
    expect(modelMemoryGiB(b?.model ?? '')).not.toBeNull();
    expect(acceleratorsOf('inf2.48xlarge', { NeuronInfo: { NeuronDevices: [{ Name: 'Inferentia2', Count: 12, MemoryInfo: { SizeInMiB: 32_768 } }] } }, 'us-east-1', catalog)).toEqual({ model: 'Inferentia2 32GB', count: 12, memoryGiB: 32, kind: 'neuron' });
    expect(acceleratorsOf('m7i.large', { InstanceType: 'm7i.large' }, 'us-east-1', catalog)).toBeNull();
    expect(acceleratorsOf('g5.xlarge', undefined, 'us-east-1', null)).toBeNull();
  });

  it('reads a fractional GPU (GpuPartitionSize) as one device of a named slice, whatever Count says', () => {
    const slice = (count: number | undefined, logical: number | undefined, partition: number, mib: number) =>
      acceleratorsOf('g6f.x', { GpuInfo: { Gpus: [{ Name: 'L4', Manufacturer: 'NVIDIA', Count: count, LogicalGpuCount: logical, GpuPartitionSize: partition, MemoryInfo: { SizeInMiB: mib } }] } }, 'us-east-1', catalog);
    expect(slice(0, 1, 0.125, 2861)).toEqual({ model: 'L4 24GB 1/8', count: 1, memoryGiB: 2.8, kind: 'gpu', partition: 0.125 });
    expect(slice(1, undefined, 0.5, 11_444)?.model).toBe('L4 24GB 1/2');
    expect(slice(undefined, undefined, 0.25, 5722)).toMatchObject({ model: 'L4 24GB 1/4', count: 1 });
  });

  it('maps impaired status checks to an unavailable machine with the failed check, and no status to unknown while running', () => {
    const impaired: InstanceStatus = { InstanceId: 'i-1', SystemStatus: { Status: 'impaired', Details: [{ Name: 'reachability', Status: 'failed' }] }, InstanceStatus: { Status: 'ok' } };
    expect(healthOf(impaired, 'running')).toEqual({ health: 'unavailable', reason: 'system status check impaired (reachability failed): AWS hardware or network problem' });
    expect(healthOf(undefined, 'running').health).toBe('unknown');
    expect(healthOf(undefined, 'stopped').health).toBe('ok');
  });

  it('maps an instance with no tags and no placement, and drops terminated ones', () => {
    const ctx = { account: 'a', accountId: '111111111111', accountName: 'ml', region: 'us-west-2', catalog, typeInfo: new Map([['p6-b200.48xlarge', b200]]), typesUnavailable: null, statuses: new Map() };
    const r = mapInstance({ InstanceId: 'i-9', InstanceType: 'p6-b200.48xlarge', State: { Name: 'stopped' } }, ctx);
    expect(r).toMatchObject({ id: 'i-9', name: 'i-9', zone: null, powerState: 'stopped', gpuCount: 8, tags: { 'aws:accountId': '111111111111' } });
    expect(mapInstance({ InstanceId: 'i-8', InstanceType: 'p6-b200.48xlarge', State: { Name: 'terminated' } }, ctx)).toBeNull();
  });

  it('keeps scheduled events with their window and leaves completed ones out', () => {
    const r = { id: 'i-1', name: 'gpu-1' } as GpuResource;
    const at = new Date('2026-11-20T10:00:00Z');
    const out = scheduledEventIncidents(
      [{ InstanceId: 'i-1', Events: [{ InstanceEventId: 'e1', Code: 'system-reboot', Description: '[Completed] reboot', NotBefore: at, NotAfter: new Date(at.getTime() + 3600_000) }, { InstanceEventId: 'e2', Code: 'instance-retirement', NotBefore: at }] }],
      { account: 'a', region: 'us-east-1', resources: new Map([['i-1', r]]) },
    );
    expect(out.map((i) => [i.title, i.status, i.startedAt, i.endedAt])).toEqual([
      ['Instance retirement of gpu-1', 'scheduled', '2026-11-20T10:00:00.000Z', null],
    ]);
  });

  it('keeps Health events of the fleet regions and global ones, links entities of the fleet only', () => {
    const r = { id: 'i-1' } as GpuResource;
    const now = new Date('2026-11-20T12:00:00Z');
    const ev = (arn: string, region: string, extra = {}) => ({ arn, region, service: 'EC2', eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE', eventTypeCategory: 'issue' as const, statusCode: 'open' as const, startTime: new Date('2026-11-20T11:00:00Z'), ...extra });
    const out = healthIncidents([ev('a1', 'us-east-1'), ev('a2', 'global'), ev('a3', 'sa-east-1')], [{ eventArn: 'a1', entityValue: 'i-1' }, { eventArn: 'a1', entityValue: 'i-elsewhere' }], { account: 'a', regions: new Set(['us-east-1']), resources: new Map([['i-1', r]]), now, endedWithinDays: 7 });
    expect(out.map((i) => [i.id, i.resourceIds, i.source])).toEqual([
      ['aws-health:a1', ['i-1'], 'resource-health'],
      ['aws-health:a2', [], 'service-health'],
    ]);
  });

  it('plans at most 500 queries a call and merges per GPU minute inside the window, clamping utilisation', () => {
    const resources = new Map([['i-1', { id: 'i-1', gpuCount: 2 } as GpuResource]]);
    const listed = [0, 1, 2].map((g) => ({ Namespace: 'CWAgent', MetricName: 'nvidia_smi_utilization_gpu', Dimensions: [{ Name: 'InstanceId', Value: 'i-1' }, { Name: 'index', Value: String(g) }] }));
    const series = gpuSeries(listed, 'nvidia_smi_utilization_gpu', resources);
    expect(series.map((s) => s.gpuIndex)).toEqual([0, 1]); // index 2 is beyond the machine's GPUs
    const many = Array.from({ length: 1001 }, () => series[0] as (typeof series)[number]);
    expect(planQueries(many).map((c) => c.queries.length)).toEqual([500, 500, 1]);
    const m = new SampleMerger(60_000, 180_000);
    m.add(series[0] as (typeof series)[number], { timestamps: [0, 60_000, 120_500, 180_000], values: [5, 101, 7, 9] });
    expect(m.result().map((s) => [s.ts, s.utilisation])).toEqual([[60_000, 100], [120_000, 7]]);
    expect([...m.measured]).toEqual(['i-1']);
  });
});
