import type { InstanceStatus, InstanceTypeInfo } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import type { GpuResource } from '../../../../shared/domain';
import { lookupInstance, modelMemoryGiB, normaliseGpuModel } from '../../catalog';
import { acceleratorsOf, gpuSeries, healthIncidents, healthOf, hostMatcher, mapInstance, matchAgentSeries, planQueries, SampleMerger, scheduledEventIncidents } from './map';

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

  it('finds the instance a host names: private DNS name, its first label, the Name tag, in any case; a shared host names none', () => {
    const vm = (id: string, dns: string, name: string, ip: string) => ({ id, gpuCount: 4, tags: { 'aws:privateDnsName': dns, 'aws:privateIp': ip, Name: name, team: 'x' } }) as unknown as GpuResource;
    const a = vm('i-a', 'ip-10-1-2-3.us-west-2.compute.internal', 'trainer-a', '10.1.2.3');
    const b = vm('i-b', 'ip-10-1-2-4.us-west-2.compute.internal', 'trainer-b', '10.1.2.4');
    const c = vm('i-c', 'ip-10-9-9-9.us-west-2.compute.internal', 'twin', '10.9.9.9');
    const d = vm('i-d', 'ip-10-9-9-9.us-west-2.compute.internal', 'other', '10.9.9.9');
    const match = hostMatcher([a, b, c, d]);
    const id = (h: string) => {
      const m = match(h);
      return m.kind === 'one' ? m.resource.id : m.kind;
    };
    expect(id('ip-10-1-2-3.us-west-2.compute.internal')).toBe('i-a');
    expect(id('IP-10-1-2-3')).toBe('i-a');
    expect(id('ip-10-1-2-4.corp.example')).toBe('i-b'); // a DHCP options domain of its own
    expect(id('TRAINER-B')).toBe('i-b');
    expect(id('10.1.2.3:9400')).toBe('i-a'); // a Prometheus instance label
    expect(id('ip-10-9-9-9')).toBe('ambiguous');
    expect(match('ip-10-9-9-9')).toEqual({ kind: 'ambiguous', candidates: ['i-c', 'i-d'] });
    expect(id('laptop-7')).toBe('none');
    expect(hostMatcher([a], 'team')('X')).toMatchObject({ kind: 'one' });
  });

  it('keeps agent series named by host only, sets aside phantom indexes, strangers and shared hosts, and averages two dimension sets of one GPU', () => {
    const r = { id: 'i-a', gpuCount: 2, tags: { 'aws:privateDnsName': 'ip-10-0-0-1.ec2.internal' } } as unknown as GpuResource;
    const twin = { id: 'i-b', gpuCount: 2, tags: { 'aws:privateDnsName': 'ip-10-0-0-2.ec2.internal', Name: 'box' } } as unknown as GpuResource;
    const twin2 = { id: 'i-c', gpuCount: 2, tags: { 'aws:privateDnsName': 'ip-10-0-0-3.ec2.internal', Name: 'BOX' } } as unknown as GpuResource;
    const metric = (dims: Record<string, string>) => ({ Namespace: 'CWAgent', MetricName: 'nvidia_smi_utilization_gpu', Dimensions: Object.entries(dims).map(([Name, Value]) => ({ Name, Value })) });
    const listed = [
      metric({ host: 'ip-10-0-0-1', index: '0', name: 'NVIDIA H100' }),
      metric({ host: 'ip-10-0-0-1', InstanceId: 'i-a', index: '0', name: 'NVIDIA H100' }),
      metric({ host: 'ip-10-0-0-1', index: '2', name: 'NVIDIA H100' }),
      metric({ host: 'ip-10-0-0-1', index: '', name: 'NVIDIA H100' }),
      metric({ host: 'ip-172-31-0-9.ec2.internal', index: '0', name: 'NVIDIA A10G' }),
      metric({ host: 'ip-10-0-0-1', InstanceId: 'i-elsewhere', index: '0', name: 'NVIDIA A10G' }),
      metric({ host: 'box', index: '1', name: 'NVIDIA H100' }),
    ];
    const { series, ignored } = matchAgentSeries(listed, 'nvidia_smi_utilization_gpu', new Map([r, twin, twin2].map((x) => [x.id, x])));
    expect(series.map((s) => [s.resourceId, s.gpuIndex])).toEqual([['i-a', 0], ['i-a', 0]]);
    expect(ignored).toEqual({ ambiguousHosts: new Map([['box', ['i-b', 'i-c']]]), badIndex: 2, foreign: 2 });
    const m = new SampleMerger(0, 120_000);
    m.add(series[0] as (typeof series)[number], { timestamps: [0, 60_000], values: [40, 50] });
    m.add(series[1] as (typeof series)[number], { timestamps: [0, 60_000], values: [42, 50] });
    expect(m.result().map((s) => [s.resourceId, s.gpuIndex, s.ts, s.utilisation])).toEqual([['i-a', 0, 0, 41], ['i-a', 0, 60_000, 50]]);
    expect([...m.measuredGpus]).toEqual(['i-a\u00000']);
  });
});
