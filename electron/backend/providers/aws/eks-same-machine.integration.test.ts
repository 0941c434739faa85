/* eslint-disable no-restricted-imports -- integration test: an AWS account and a Kubernetes account synced through the real engine into one store; neither connector imports the other. */
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountConfigBase } from '../../../../shared/config';
import type { Overview } from '../../../../shared/overview';
import { syncIntoStore, type SyncedStore } from '../../sync/testing/sync-into-store';
import { kubernetesProvider } from '../kubernetes/provider';
import { startK8sEmulator, type K8sEmulator } from '../kubernetes/testing/k8s-emulator';
import { visibleInstances, type FleetInstance } from './testing/fleet';
import { startAwsHarness, type AwsHarness } from './testing/harness';

/** An EKS GPU node as the API server lists it: GFD labels, its EC2 instance in spec.providerID. */
function eksNode(name: string, instanceId: string, zone: string, type: string, gpus: number): V1Node {
  return {
    metadata: {
      name,
      labels: {
        'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3',
        'nvidia.com/gpu.count': String(gpus),
        'nvidia.com/gpu.memory': '81559',
        'node.kubernetes.io/instance-type': type,
        'topology.kubernetes.io/region': zone.slice(0, -1),
        'topology.kubernetes.io/zone': zone,
        'eks.amazonaws.com/nodegroup': 'gpu',
      },
    },
    spec: { providerID: `aws:///${zone}/${instanceId}` },
    status: { capacity: { 'nvidia.com/gpu': String(gpus) }, allocatable: { 'nvidia.com/gpu': String(gpus) }, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

describe('an EC2 instance that is also a node of a configured EKS cluster', () => {
  let h: AwsHarness;
  let emu: K8sEmulator;
  let synced: SyncedStore;
  let overview: Overview;
  let shared: FleetInstance;

  beforeAll(async () => {
    h = await startAwsHarness();
    shared = visibleInstances(h.fleet).find((x) => x.state === 'running' && x.type.gpu && !x.impaired) as FleetInstance;
    emu = await startK8sEmulator(
      [
        eksNode(shared.privateDnsName, shared.id, shared.zone, shared.type.type, shared.type.accelerators),
        // A node whose instance is in an account the AWS entry does not read: counted, once.
        eksNode('ip-10-200-0-1.ec2.internal', 'i-0fedcba9876543210', 'us-east-1a', 'p5.48xlarge', 8),
      ],
      [],
    );
    const eks = kubernetesProvider.parseConfig(AccountConfigBase.parse({ name: 'eks-prod', provider: 'kubernetes', kubeconfig: emu.kubeconfigPath }));
    const aws = h.config({ metricsBackfillHours: 1 });
    synced = await syncIntoStore(
      [
        // The shared ProviderId does not list 'aws' until the integrator registers the provider.
        { config: aws as unknown as AccountConfigBase, connector: h.connector({ metricsBackfillHours: 1 }) },
        { config: eks, connector: await kubernetesProvider.create(eks) },
      ],
      { now: h.fleet.now, dirPrefix: 'fleetpane-aws-eks-', triage: false },
    );
    expect(JSON.stringify(synced.summary)).not.toContain('"status":"error"');
    overview = synced.overview;
  }, 120_000);
  afterAll(async () => {
    await synced?.close();
    await emu?.close();
    await h?.close();
  });

  it('is one machine on the pane: its GPUs are counted once, the other node\'s counted', () => {
    const aws = overview.clouds.find((c) => c.provider === 'aws');
    expect(aws?.accounts).toEqual(['aws-prod', 'eks-prod']);
    const ec2Gpus = visibleInstances(h.fleet).reduce((n, x) => n + x.type.accelerators, 0);
    expect(aws?.gpus.total).toBe(ec2Gpus + 8);
    expect(overview.totals.gpus.total).toBe(ec2Gpus + 8);
  });
});
