import type { V1Node } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FleetFilter } from '../../../../shared/contract';
import type { GpuResource } from '../../../../shared/domain';
import { mapInstance } from '../../providers/aws/map';
import { nodeToResource } from '../../providers/kubernetes/map';
import { openStore } from '../index';
import type { FleetStore } from '../types';
import { account, batchesOf, minutes, run, tempDataDir } from '../test-support';

const ALL: FleetFilter = { clouds: [], regions: [], gpuModels: [] };
const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;

/** An EKS GPU node as the API server lists it: GFD labels, 8 GPUs, the EC2 instance in its providerID. */
function eksNode(name: string, instanceId: string): V1Node {
  return {
    metadata: {
      name,
      labels: {
        'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
        'nvidia.com/gpu.count': '8',
        'nvidia.com/gpu.memory': '81559',
        'node.kubernetes.io/instance-type': 'p5.48xlarge',
        'topology.kubernetes.io/region': 'us-east-1',
        'topology.kubernetes.io/zone': 'us-east-1a',
        'eks.amazonaws.com/nodegroup': 'gpu',
      },
    },
    spec: { providerID: `aws:///us-east-1a/${instanceId}` },
    status: { capacity: { 'nvidia.com/gpu': '8' }, allocatable: { 'nvidia.com/gpu': '8' }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** The same machine as the AWS connector maps its DescribeInstances entry. */
function ec2Instance(instanceId: string, name: string): GpuResource {
  const r = mapInstance(
    { InstanceId: instanceId, InstanceType: 'p5.48xlarge', State: { Name: 'running' }, PrivateDnsName: name, Placement: { AvailabilityZone: 'us-east-1a' }, Tags: [{ Key: 'Name', Value: name }] },
    {
      account: 'aws-prod',
      accountId: '111111111111',
      accountName: 'ml-platform',
      region: 'us-east-1',
      catalog: null,
      typeInfo: new Map([['p5.48xlarge', { InstanceType: 'p5.48xlarge', GpuInfo: { Gpus: [{ Name: 'H100', Manufacturer: 'NVIDIA', Count: 8, MemoryInfo: { SizeInMiB: 81920 } }] } }]]),
      typesUnavailable: null,
      statuses: new Map(),
    },
  );
  if (!r) throw new Error('the instance did not map');
  return r;
}

describe('a machine two accounts see (an EKS node and its EC2 instance)', () => {
  let cleanup: () => Promise<void>;
  let store: FleetStore;

  beforeEach(async () => {
    let dir: string;
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir, { now: () => new Date(ASOF) });
    await store.upsertAccounts([account('eks-prod', { provider: 'kubernetes' }), account('aws-prod', { provider: 'aws' })]);
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('counts its GPUs once in the overview; machines of their own still count', async () => {
    const shared = nodeToResource(eksNode('ip-10-0-1-11.ec2.internal', 'i-0aaaaaaaaaaaaaaa1'), undefined, { account: 'eks-prod', defaultRegion: 'us-east-1' });
    const onlyNode = nodeToResource(eksNode('ip-10-0-1-12.ec2.internal', 'i-0aaaaaaaaaaaaaaa2'), undefined, { account: 'eks-prod', defaultRegion: 'us-east-1' });
    expect(shared?.cloud).toBe('aws');
    await store.writeInventory(run('eks-prod', 'inventory'), batchesOf([shared as GpuResource, onlyNode as GpuResource]));
    await store.writeInventory(run('aws-prod', 'inventory'), batchesOf([ec2Instance('i-0aaaaaaaaaaaaaaa1', 'ip-10-0-1-11.ec2.internal'), ec2Instance('i-0bbbbbbbbbbbbbbb3', 'ip-10-0-1-13.ec2.internal')]));
    // The node's DCGM series and the instance's CloudWatch agent series both report the shared machine.
    await store.writeMetrics(run('eks-prod', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(minutes(shared!.id, 0, ASOF - 29 * MIN, ASOF + MIN, 80)));
    // nvidia-smi reads a little differently from DCGM: the machine's number is the node's alone.
    await store.writeMetrics(run('aws-prod', 'metrics'), { from: ASOF - 30 * MIN, to: ASOF + MIN }, batchesOf(minutes('i-0aaaaaaaaaaaaaaa1', 0, ASOF - 29 * MIN, ASOF + MIN, 60)));
    const o = await store.overview(new Date(ASOF), ALL);
    const aws = o.clouds.find((c) => c.provider === 'aws');
    expect(aws?.accounts).toEqual(['aws-prod', 'eks-prod']);
    // Three machines of 8 GPUs, not four: the shared one once, under the node.
    expect(aws?.gpus.total).toBe(24);
    expect(aws?.gpus.busy).toBe(1);
    expect(o.totals.gpus.total).toBe(24);
    expect(aws?.byModel.reduce((n, m) => n + m.total, 0)).toBe(24);
    expect(aws?.utilisation.avg1h).toBeCloseTo(80, 9);
  });
});
