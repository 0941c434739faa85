/**
 * The demo fleet: about 2,000 GPUs (times `scale`) over Azure, Google Cloud, OCI and CoreWeave,
 * with real instance types priced from the catalog. Pure function of (account, seed, scale, now):
 * `now` only moves the anchors of the story (since when some VMs are stopped, since when a pool
 * went silent), rounded down to the hour so the fleet does not change from one minute to the next.
 */
import type { CloudId, GpuResource, UtilSource } from '../../../../shared/domain';
import { lookupInstance } from '../../catalog';
import { base32From, hashString, hexFrom, uuidFrom } from './hash';

export type LoadPattern = 'training' | 'inference' | 'batch' | 'idle';

/** A group of identical machines that one team runs for one purpose. */
export interface PoolSpec {
  name: string;
  cloud: Exclude<CloudId, 'aws' | 'other'>;
  region: string;
  zones: readonly (string | null)[];
  instanceType: string;
  /** Machines at scale 1. */
  machines: number;
  team: string;
  project: string;
  pattern: LoadPattern;
  /** Offset of the region's local time from UTC (standard time), for the day/night cycle. */
  tzOffsetHours: number;
  kind: GpuResource['kind'];
  /** The last `stopped` machines of the pool are stopped / deallocated. */
  stopped?: number;
  /** The whole pool stopped reporting metrics hours ago (its GPUs become unknown). */
  silent?: boolean;
  /** One machine the provider reports degraded. */
  degraded?: { index: number; reason: string };
  /** One machine with a GPU that keeps raising XID errors. */
  xid?: { index: number; gpu: number };
}

export const DEMO_POOLS: readonly PoolSpec[] = [
  // Microsoft Azure
  {
    name: 'ndh100-eus', cloud: 'azure', region: 'eastus', zones: ['1', '2', '3'], instanceType: 'Standard_ND96isr_H100_v5',
    machines: 24, team: 'llm-training', project: 'foundation-pretrain', pattern: 'training', tzOffsetHours: -5, kind: 'vm',
    degraded: { index: 2, reason: 'Degraded: the host InfiniBand link is flapping; Azure is investigating (Resource Health).' },
  },
  {
    name: 'ndh100-scus', cloud: 'azure', region: 'southcentralus', zones: ['1', '2'], instanceType: 'Standard_ND96isr_H100_v5',
    machines: 16, team: 'llm-training', project: 'foundation-pretrain', pattern: 'training', tzOffsetHours: -6, kind: 'vm',
  },
  {
    name: 'nda100-wus2', cloud: 'azure', region: 'westus2', zones: ['1'], instanceType: 'Standard_ND96amsr_A100_v4',
    machines: 8, team: 'research', project: 'rl-experiments', pattern: 'batch', tzOffsetHours: -8, kind: 'vm',
  },
  {
    name: 'nca100-weu', cloud: 'azure', region: 'westeurope', zones: ['1', '2', '3'], instanceType: 'Standard_NC24ads_A100_v4',
    machines: 40, team: 'inference', project: 'chat-serving', pattern: 'inference', tzOffsetHours: 1, kind: 'vm',
  },
  {
    name: 'nca100x2-eus', cloud: 'azure', region: 'eastus', zones: ['2'], instanceType: 'Standard_NC48ads_A100_v4',
    machines: 10, team: 'inference', project: 'chat-serving', pattern: 'inference', tzOffsetHours: -5, kind: 'vm',
  },
  {
    name: 'nca100x4-wus3', cloud: 'azure', region: 'westus3', zones: ['1'], instanceType: 'Standard_NC96ads_A100_v4',
    machines: 10, team: 'research', project: 'eval-sandbox', pattern: 'idle', tzOffsetHours: -7, kind: 'vm',
  },
  {
    name: 'nch100-eus2', cloud: 'azure', region: 'eastus2', zones: ['3'], instanceType: 'Standard_NC40ads_H100_v5',
    machines: 8, team: 'inference', project: 'embeddings', pattern: 'inference', tzOffsetHours: -5, kind: 'vm',
  },
  {
    name: 'nva10-eus', cloud: 'azure', region: 'eastus', zones: [null], instanceType: 'Standard_NV36ads_A10_v5',
    machines: 12, team: 'vision', project: 'render-farm', pattern: 'inference', tzOffsetHours: -5, kind: 'vm', stopped: 4,
  },
  // Google Cloud
  {
    name: 'a3-usc1', cloud: 'gcp', region: 'us-central1', zones: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
    instanceType: 'a3-highgpu-8g', machines: 30, team: 'llm-training', project: 'foundation-pretrain', pattern: 'training',
    tzOffsetHours: -6, kind: 'vm',
  },
  {
    name: 'a3mega-use4', cloud: 'gcp', region: 'us-east4', zones: ['us-east4-a'], instanceType: 'a3-megagpu-8g', machines: 6,
    team: 'llm-training', project: 'long-context', pattern: 'training', tzOffsetHours: -5, kind: 'vm',
  },
  {
    name: 'a2u-euw4', cloud: 'gcp', region: 'europe-west4', zones: ['europe-west4-a', 'europe-west4-b'], instanceType: 'a2-ultragpu-8g',
    machines: 16, team: 'research', project: 'rl-experiments', pattern: 'batch', tzOffsetHours: 1, kind: 'vm',
  },
  {
    name: 'a2h-usc1', cloud: 'gcp', region: 'us-central1', zones: ['us-central1-b', 'us-central1-f'], instanceType: 'a2-highgpu-1g',
    machines: 24, team: 'inference', project: 'chat-serving', pattern: 'inference', tzOffsetHours: -6, kind: 'vm',
  },
  {
    name: 'v5e-usw4', cloud: 'gcp', region: 'us-west4', zones: ['us-west4-a'], instanceType: 'v5litepod-8', machines: 16,
    team: 'inference', project: 'ranking', pattern: 'inference', tzOffsetHours: -8, kind: 'tpu-vm',
  },
  {
    name: 'g2-use4', cloud: 'gcp', region: 'us-east4', zones: ['us-east4-c'], instanceType: 'g2-standard-8', machines: 16,
    team: 'vision', project: 'video-transcode', pattern: 'idle', tzOffsetHours: -5, kind: 'vm', stopped: 2,
  },
  // Oracle Cloud
  {
    name: 'h100-iad', cloud: 'oci', region: 'us-ashburn-1', zones: ['Uocm:US-ASHBURN-AD-1', 'Uocm:US-ASHBURN-AD-2'],
    instanceType: 'BM.GPU.H100.8', machines: 28, team: 'llm-training', project: 'foundation-finetune', pattern: 'training',
    tzOffsetHours: -5, kind: 'bare-metal',
  },
  {
    name: 'a100-phx', cloud: 'oci', region: 'us-phoenix-1', zones: ['Uocm:PHX-AD-1'], instanceType: 'BM.GPU.A100-v2.8',
    machines: 10, team: 'research', project: 'protein-folding', pattern: 'batch', tzOffsetHours: -7, kind: 'bare-metal',
  },
  {
    name: 'a10-fra', cloud: 'oci', region: 'eu-frankfurt-1', zones: ['Uocm:EU-FRANKFURT-1-AD-1'], instanceType: 'VM.GPU.A10.1',
    machines: 30, team: 'inference', project: 'doc-ocr', pattern: 'inference', tzOffsetHours: 1, kind: 'vm',
  },
  {
    name: 'a10x2-lhr', cloud: 'oci', region: 'uk-london-1', zones: ['Uocm:UK-LONDON-1-AD-1'], instanceType: 'VM.GPU.A10.2',
    machines: 6, team: 'inference', project: 'doc-ocr', pattern: 'inference', tzOffsetHours: 0, kind: 'vm', silent: true,
  },
  {
    name: 'a100-ams', cloud: 'oci', region: 'eu-amsterdam-1', zones: ['Uocm:EU-AMSTERDAM-1-AD-1'], instanceType: 'BM.GPU4.8',
    machines: 8, team: 'research', project: 'eval-sandbox', pattern: 'idle', tzOffsetHours: 1, kind: 'bare-metal',
  },
  // CoreWeave
  {
    name: 'h100', cloud: 'coreweave', region: 'US-EAST-04', zones: ['US-EAST-04A'], instanceType: 'gd-8xh100ib-i128', machines: 40,
    team: 'llm-training', project: 'foundation-pretrain', pattern: 'training', tzOffsetHours: -5, kind: 'node', xid: { index: 7, gpu: 5 },
  },
  {
    name: 'h200', cloud: 'coreweave', region: 'US-WEST-01', zones: ['US-WEST-01A'], instanceType: 'gd-8xh200ib-i128', machines: 12,
    team: 'llm-training', project: 'long-context', pattern: 'training', tzOffsetHours: -8, kind: 'node',
  },
  {
    name: 'l40s', cloud: 'coreweave', region: 'US-CENTRAL-06', zones: ['US-CENTRAL-06A'], instanceType: 'gd-8xl40s-i128', machines: 12,
    team: 'inference', project: 'image-gen', pattern: 'inference', tzOffsetHours: -6, kind: 'node',
  },
  {
    name: 'gh200', cloud: 'coreweave', region: 'US-EAST-04', zones: ['US-EAST-04B'], instanceType: 'gd-1xgh200', machines: 16,
    team: 'research', project: 'protein-folding', pattern: 'batch', tzOffsetHours: -5, kind: 'node',
  },
];

/** One simulated machine: the resource the connector reports plus what drives its samples and costs. */
export interface DemoMachine {
  resource: GpuResource;
  pool: PoolSpec;
  /** Hash of the resource id and the seed; every per-sample value starts from it. */
  key: number;
  subAccountId: string;
  subAccountName: string;
  /** Epoch ms since which the machine is stopped (no samples, no usage), or null. */
  stoppedSince: number | null;
  /** Epoch ms since which the machine sends no metrics (still running and billed), or null. */
  silentSince: number | null;
  /** GPU index that raises XID errors, or null. */
  xidGpu: number | null;
  utilSource: UtilSource;
  memoryMiB: number;
  /** Board power at full load and at rest, in watts; null where the provider does not report power. */
  maxPowerW: number | null;
  idlePowerW: number | null;
}

const HOUR_MS = 3_600_000;

const OCI_REGION_KEY: Readonly<Record<string, string>> = {
  'us-ashburn-1': 'iad', 'us-phoenix-1': 'phx', 'eu-frankfurt-1': 'fra', 'uk-london-1': 'lhr', 'eu-amsterdam-1': 'ams',
};

/** The cloud's name for the account boundary below billing (subscription, project, compartment, org). */
function subAccount(cloud: PoolSpec['cloud'], project: string, seed: number): { id: string; name: string } {
  switch (cloud) {
    case 'azure':
      return { id: uuidFrom(`azure-sub:${project}`, seed), name: `${project}-prod` };
    case 'gcp':
      return { id: `${project}-${hexFrom(`gcp-project:${project}`, seed, 4)}`, name: project };
    case 'oci':
      return { id: `ocid1.compartment.oc1..aaaaaaaa${base32From(`oci-comp:${project}`, seed, 52)}`, name: project };
    case 'coreweave':
      return { id: `cw-${hexFrom('coreweave-org', seed, 6)}`, name: 'coreweave-prod' };
  }
}

function machineName(pool: PoolSpec, i: number): string {
  return `${pool.name}-${String(i + 1).padStart(3, '0')}`;
}

function resourceId(pool: PoolSpec, name: string, zone: string | null, sub: { id: string }, seed: number): string {
  switch (pool.cloud) {
    case 'azure':
      return `/subscriptions/${sub.id}/resourceGroups/rg-${pool.project}-${pool.region}/providers/Microsoft.Compute/virtualMachines/${name}`;
    case 'gcp':
      return pool.kind === 'tpu-vm'
        ? `projects/${sub.id}/locations/${zone ?? pool.region}/nodes/${name}`
        : `https://www.googleapis.com/compute/v1/projects/${sub.id}/zones/${zone ?? pool.region}/instances/${name}`;
    case 'oci':
      return `ocid1.instance.oc1.${OCI_REGION_KEY[pool.region] ?? pool.region}.an${base32From(`oci:${name}`, seed, 58)}`;
    case 'coreweave':
      return `cks-${pool.region.toLowerCase()}/${name}`;
  }
}

function utilSourceOf(model: string): UtilSource {
  if (model.startsWith('TPU')) return 'provider';
  if (/^(A10|L40S|L40|L4) /.test(model)) return 'dev';
  return 'prof';
}

function maxPowerOf(model: string, instanceType: string): number | null {
  if (model.startsWith('TPU')) return null;
  if (model.startsWith('GH200')) return 900;
  if (model.startsWith('H100') || model.startsWith('H200')) return model.includes('NVL') ? 400 : 700;
  if (model.startsWith('A100')) return /NC\d+ads/.test(instanceType) ? 300 : 400;
  if (model.startsWith('L40S')) return 350;
  if (model.startsWith('A10')) return 150;
  if (model.startsWith('L4')) return 72;
  return 250;
}

/** Machines in a pool at a given scale (at least one). */
export function poolSize(pool: PoolSpec, scale: number): number {
  return Math.max(1, Math.round(pool.machines * scale));
}

/** Builds the fleet of one demo account. */
export function buildFleet(account: string, seed: number, scale: number, now: Date): DemoMachine[] {
  const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const stoppedSince = hour - 26 * HOUR_MS;
  const silentSince = hour - 4 * HOUR_MS;
  const machines: DemoMachine[] = [];
  for (const pool of DEMO_POOLS) {
    const shape = lookupInstance(pool.cloud, pool.instanceType, pool.region);
    if (!shape) throw new Error(`demo pool ${pool.name}: ${pool.cloud} ${pool.instanceType} is not in the GPU catalog`);
    const sub = subAccount(pool.cloud, pool.project, seed);
    const count = poolSize(pool, scale);
    const stopped = Math.min(count - 1, Math.round((pool.stopped ?? 0) * Math.max(1, scale)));
    for (let i = 0; i < count; i++) {
      const name = machineName(pool, i);
      const zone = pool.zones[i % pool.zones.length] ?? null;
      const id = resourceId(pool, name, zone, sub, seed);
      const isStopped = i >= count - stopped;
      const degraded = pool.degraded && pool.degraded.index === i ? pool.degraded : null;
      const key = hashString(id, seed);
      const maxPowerW = maxPowerOf(shape.gpuModel, pool.instanceType);
      const resource: GpuResource = {
        id,
        account,
        cloud: pool.cloud,
        region: pool.region,
        zone,
        name,
        kind: pool.kind,
        instanceType: pool.instanceType,
        gpuModel: shape.gpuModel,
        gpuCount: shape.gpuCount,
        gpuMemoryGiB: shape.gpuMemoryGiB,
        powerState: isStopped ? 'stopped' : 'running',
        health: degraded ? 'degraded' : 'ok',
        healthReason: degraded ? degraded.reason : isStopped ? stoppedReason(pool.cloud) : null,
        hourlyPrice: shape.hourlyPrice,
        currency: shape.currency,
        tags: { team: pool.team, project: pool.project, env: 'prod', pool: pool.name },
        gpuUuids: Array.from({ length: shape.gpuCount }, (_, g) =>
          shape.gpuModel.startsWith('TPU') ? null : `GPU-${uuidFrom(`${id}#${g}`, seed)}`,
        ),
        demo: true,
      };
      machines.push({
        resource,
        pool,
        key,
        subAccountId: sub.id,
        subAccountName: sub.name,
        stoppedSince: isStopped ? stoppedSince : null,
        silentSince: pool.silent ? silentSince : null,
        xidGpu: pool.xid && pool.xid.index === i ? Math.min(pool.xid.gpu, shape.gpuCount - 1) : null,
        utilSource: utilSourceOf(shape.gpuModel),
        memoryMiB: shape.gpuMemoryGiB * 1024,
        maxPowerW,
        idlePowerW: maxPowerW === null ? null : Math.round(maxPowerW * 0.09 + 25),
      });
    }
  }
  return machines;
}

function stoppedReason(cloud: PoolSpec['cloud']): string {
  if (cloud === 'azure') return 'VM deallocated';
  if (cloud === 'gcp') return 'Instance TERMINATED (stopped by user)';
  return 'Stopped';
}
