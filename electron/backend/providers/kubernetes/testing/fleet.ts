/**
 * A generated GPU fleet for tests: Kubernetes nodes (labels shaped like the GPU feature discovery
 * fixtures), GPU pods, dcgm-exporter series as OpenMetrics text for promtool, and the truth the
 * pane should show, computed straight from the generated samples.
 */
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { CloudId } from '../../../../../shared/domain';

/** One MIG instance of a GPU as dcgm-exporter labels it (GPU_I_PROFILE, GPU_I_ID). */
export interface FleetMigInstance {
  profile: string;
  id: number;
  /** How far this instance's utilisation sits from the GPU's; GI-slice-weighted offsets sum to 0. */
  offset: number;
}

export interface FleetGpu {
  node: string;
  index: number;
  uuid: string;
  /** 'prof': PROF + DEV (PROF wins); 'dev': DEV only; 'mig': PROF per MIG instance, no DEV. */
  kind: 'prof' | 'dev' | 'mig';
  /** MIG instances that report (kind 'mig'); the GPU's utilisation is their GI-slice-weighted mean. */
  instances: FleetMigInstance[];
  /** Utilisation (0-100) the GPU reports at a timestamp (ms). */
  util: (ts: number) => number;
}

export interface FleetNode {
  name: string;
  cloud: CloudId;
  region: string;
  product: string;
  memoryMiB: number;
  gpus: FleetGpu[];
  ready: boolean;
  /** Stops reporting metrics this many ms before `now` (null: reports to the end). */
  silentForMs: number | null;
  labels: Record<string, string>;
  providerID: string | undefined;
  /** status.capacity GPU resources (default: nvidia.com/gpu = the GPU count). */
  capacity?: Record<string, string>;
  /**
   * GPUs the pane must show for this node: the physical GPUs, except where MIG labels cannot tell
   * and no DCGM series names them (then the connector's documented lower bound).
   */
  paneGpus: number;
  /** Why the pane cannot place this node (a placement gap is expected), or null. */
  placementGap: string | null;
}

export interface Fleet {
  now: number;
  start: number;
  nodes: FleetNode[];
  /** GPUs with an XID error (by UUID) at these timestamps. */
  xid: Map<string, number[]>;
}

const HOUR = 3_600_000;
const MIN = 60_000;

/** Scrape timestamps: every 5 minutes for most of the day, every minute in the last hour (+30 s). */
export function scrapeTimes(fleet: Fleet): number[] {
  const out: number[] = [];
  for (let t = fleet.start; t < fleet.now - HOUR; t += 5 * MIN) out.push(t + 30_000);
  for (let t = fleet.now - HOUR; t < fleet.now; t += MIN) out.push(t + 30_000);
  return out;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const CLOUDS: Array<{ cloud: CloudId; region: string; labels: (i: number) => Record<string, string>; providerID: (n: string) => string | undefined }> = [
  { cloud: 'azure', region: 'eastus', labels: () => ({ 'kubernetes.azure.com/agentpool': 'gpu', 'node.kubernetes.io/instance-type': 'Standard_ND96isr_H100_v5' }), providerID: (n) => `azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-gpu/virtualMachines/${n}` },
  { cloud: 'gcp', region: 'us-central1', labels: () => ({ 'cloud.google.com/gke-nodepool': 'a3', 'node.kubernetes.io/instance-type': 'a3-highgpu-8g' }), providerID: (n) => `gce://proj/us-central1-a/${n}` },
  { cloud: 'oci', region: 'us-ashburn-1', labels: () => ({ 'node.kubernetes.io/instance-type': 'BM.GPU.H100.8' }), providerID: () => 'ocid1.instance.oc1.iad.abc' },
  { cloud: 'coreweave', region: 'US-EAST-04', labels: () => ({ 'gpu.nvidia.com/class': 'H100_NVLINK_80GB', 'node.coreweave.cloud/cpu': 'intel-xeon-scalable' }), providerID: () => undefined },
  { cloud: 'other', region: 'us-ord', labels: () => ({ 'lke.linode.com/pool-id': '766837', 'node.kubernetes.io/instance-type': 'g2-gpu-rtx4000a1-m' }), providerID: (n) => `linode://${n}` },
];

/**
 * Builds the fleet: `nodeCount` nodes round-robin over five clouds; one 8-GPU node in ten, the rest
 * single-GPU; MIG (A100 80GB as 7 x 1g.10gb, GFD single strategy), DEV-only and PROF GPUs mixed; one
 * NotReady node, one node that stops reporting 45 minutes before `now`, and an XID burst on GPU 2 of
 * node 30 about 10 minutes before `now`. Then the four MIG nodes of `migShowcase`.
 */
export function buildFleet(now: number, nodeCount = 200, gfdLabels: Record<string, string> = {}): Fleet {
  const rand = rng(42);
  const start = now - 24 * HOUR;
  const nodes: FleetNode[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const c = CLOUDS[i % CLOUDS.length];
    if (!c) throw new Error('unreachable');
    const name = `gpu-${c.cloud}-${String(i).padStart(3, '0')}`;
    const count = i % 10 === 0 ? 8 : 1;
    // MIG on the A100 nodes only: the RTX 4000 Ada of the 'other' nodes has no MIG.
    const kind: FleetGpu['kind'] = i % 7 === 3 && c.cloud !== 'other' ? 'mig' : i % 5 === 4 ? 'dev' : 'prof';
    const product = c.cloud === 'other' ? 'NVIDIA-RTX-4000-Ada-Generation' : kind === 'mig' ? 'NVIDIA-A100-SXM4-80GB' : 'NVIDIA-H100-80GB-HBM3';
    const memoryMiB = c.cloud === 'other' ? 20475 : 81559;
    // Roughly a third of GPUs idle (< 5%), the rest busy at varied levels, with a daily wave.
    // Two of the seven 1g.10gb instances of each MIG GPU report; their offsets cancel out.
    const instances: FleetMigInstance[] = kind === 'mig' ? [{ profile: '1g.10gb', id: 7, offset: -1 }, { profile: '1g.10gb', id: 8, offset: 1 }] : [];
    const gpus: FleetGpu[] = Array.from({ length: count }, (_, index) => {
      const base = rand() < 0.33 ? rand() * 3 : 10 + rand() * 85;
      const amp = base < 5 ? 0.5 : 8 * rand();
      const phase = rand() * Math.PI * 2;
      const uuid = `GPU-${(i * 16 + index).toString(16).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
      return {
        node: name,
        index,
        uuid,
        kind,
        instances,
        util: (ts: number) => Math.max(0, Math.min(100, Math.round((base + amp * Math.sin(ts / (4 * HOUR) + phase)) * 1000) / 1000)),
      };
    });
    nodes.push({
      name,
      cloud: c.cloud,
      region: c.region,
      product,
      memoryMiB,
      gpus,
      ready: i !== 17,
      silentForMs: i === 23 ? 45 * MIN : null,
      labels: {
        ...gfdLabels,
        ...c.labels(i),
        'kubernetes.io/hostname': name,
        'topology.kubernetes.io/region': c.region,
        'topology.kubernetes.io/zone': `${c.region}-a`,
        'nvidia.com/gpu.product': product,
        'nvidia.com/gpu.count': String(count),
        'nvidia.com/gpu.memory': String(memoryMiB),
        'nvidia.com/gpu.replicas': '1',
        // GFD's single strategy overrides product, count and memory with the MIG device's.
        ...(kind === 'mig' ? { ...singleStrategyLabels(product, '1g.10gb', count * 7, 9856, 1), 'nvidia.com/mig.config': 'all-1g.10gb' } : {}),
      },
      providerID: c.providerID(name),
      ...(kind === 'mig' ? { capacity: { 'nvidia.com/gpu': String(count * 7) } } : {}),
      paneGpus: count,
      placementGap: null,
    });
  }
  nodes.push(...migShowcase(rand, gfdLabels));
  const burst = nodes[30]?.gpus[2];
  const xid = new Map<string, number[]>();
  if (burst) xid.set(burst.uuid, [now - 12 * MIN + 30_000, now - 11 * MIN + 30_000, now - 10 * MIN + 30_000]);
  return { now, start, nodes, xid };
}

/** GFD's MIG `single` strategy labels (GFD README, "MIG 'single' strategy"): MIG devices, not GPUs. */
function singleStrategyLabels(product: string, profile: string, devices: number, memoryMiB: number, giSlices: number): Record<string, string> {
  return {
    'nvidia.com/mig.capable': 'true',
    'nvidia.com/mig.strategy': 'single',
    'nvidia.com/gpu.product': `${product}-MIG-${profile}`,
    'nvidia.com/gpu.count': String(devices),
    'nvidia.com/gpu.memory': String(memoryMiB),
    'nvidia.com/gpu.replicas': '1',
    'nvidia.com/gpu.slices.gi': String(giSlices),
    'nvidia.com/gpu.slices.ci': String(giSlices),
  };
}

/**
 * MIG nodes every test fleet carries, after the generated ones: 8 x H100 as 7 x 1g.10gb under the
 * single strategy (56 MIG devices), 8 x H100 in the mixed strategy's balanced layout, 8 x A100 80GB
 * as 2 x 3g.40gb with no MIG manager label (counted from DCGM parents), and 4 x H100 in a custom
 * layout with no DCGM series yet, which the connector can only bound (at least 2 GPUs).
 */
function migShowcase(rand: () => number, gfdLabels: Record<string, string>): FleetNode[] {
  const gpusOf = (name: string, serial: number, count: number, instances: FleetMigInstance[]): FleetGpu[] =>
    Array.from({ length: count }, (_, index) => {
      const base = index % 3 === 0 ? rand() * 3 : 10 + rand() * 85;
      const phase = rand() * Math.PI * 2;
      return {
        node: name,
        index,
        uuid: `GPU-${(serial * 16 + index).toString(16).padStart(8, '0')}-0000-4000-8000-${String(serial).padStart(12, '0')}`,
        kind: 'mig',
        instances,
        util: (ts: number) => Math.max(0, Math.min(100, Math.round((base + (base < 5 ? 0.5 : 4) * Math.sin(ts / (4 * HOUR) + phase)) * 1000) / 1000)),
      };
    });
  const node = (n: Omit<FleetNode, 'ready' | 'silentForMs' | 'providerID' | 'labels'> & { labels: Record<string, string>; providerID?: string; silentForMs?: number }): FleetNode => ({
    ready: true,
    silentForMs: null,
    providerID: undefined,
    ...n,
    labels: { ...gfdLabels, 'kubernetes.io/hostname': n.name, 'topology.kubernetes.io/region': n.region, 'topology.kubernetes.io/zone': `${n.region}-a`, ...n.labels },
  });
  const h100 = 'NVIDIA-H100-80GB-HBM3';
  const sevenOnes: FleetMigInstance[] = [7, 8, 9, 10, 11, 12, 13].map((id, k) => ({ profile: '1g.10gb', id, offset: k - 3 }));
  // all-balanced on an 80 GB GPU: 2 x 1g.10gb, 1 x 2g.20gb, 1 x 3g.40gb; 1 + 1 - 2 x 1 + 0 = 0.
  const balanced: FleetMigInstance[] = [
    { profile: '3g.40gb', id: 2, offset: 0 },
    { profile: '2g.20gb', id: 3, offset: -1 },
    { profile: '1g.10gb', id: 9, offset: 1 },
    { profile: '1g.10gb', id: 10, offset: 1 },
  ];
  return [
    node({
      name: 'gpu-azure-mig-single',
      cloud: 'azure',
      region: 'eastus',
      product: h100,
      memoryMiB: 81559,
      gpus: gpusOf('gpu-azure-mig-single', 901, 8, sevenOnes),
      labels: { 'kubernetes.azure.com/agentpool': 'mig', 'node.kubernetes.io/instance-type': 'Standard_ND96isr_H100_v5', ...singleStrategyLabels(h100, '1g.10gb', 56, 9856, 1), 'nvidia.com/mig.config': 'all-1g.10gb' },
      providerID: 'azure:///subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/aks-mig/virtualMachines/0',
      capacity: { 'nvidia.com/gpu': '56' },
      paneGpus: 8,
      placementGap: null,
    }),
    node({
      name: 'gpu-gcp-mig-mixed',
      cloud: 'gcp',
      region: 'us-central1',
      product: h100,
      memoryMiB: 81559,
      gpus: gpusOf('gpu-gcp-mig-mixed', 902, 8, balanced),
      labels: {
        'cloud.google.com/gke-nodepool': 'a3-mig',
        'node.kubernetes.io/instance-type': 'a3-highgpu-8g',
        'nvidia.com/mig.capable': 'true',
        'nvidia.com/mig.strategy': 'mixed',
        'nvidia.com/mig.config': 'all-balanced',
        'nvidia.com/gpu.product': h100,
        'nvidia.com/gpu.count': '8',
        'nvidia.com/gpu.memory': '81559',
        'nvidia.com/mig-1g.10gb.count': '16',
        'nvidia.com/mig-1g.10gb.memory': '9856',
        'nvidia.com/mig-1g.10gb.slices.gi': '1',
        'nvidia.com/mig-2g.20gb.count': '8',
        'nvidia.com/mig-2g.20gb.memory': '19968',
        'nvidia.com/mig-2g.20gb.slices.gi': '2',
        'nvidia.com/mig-3g.40gb.count': '8',
        'nvidia.com/mig-3g.40gb.memory': '40192',
        'nvidia.com/mig-3g.40gb.slices.gi': '3',
      },
      providerID: 'gce://proj/us-central1-a/gpu-gcp-mig-mixed',
      capacity: { 'nvidia.com/gpu': '0', 'nvidia.com/mig-1g.10gb': '16', 'nvidia.com/mig-2g.20gb': '8', 'nvidia.com/mig-3g.40gb': '8' },
      paneGpus: 8,
      placementGap: null,
    }),
    node({
      name: 'gpu-coreweave-mig-a100',
      cloud: 'coreweave',
      region: 'US-EAST-04',
      product: 'NVIDIA-A100-SXM4-80GB',
      memoryMiB: 81920,
      gpus: gpusOf('gpu-coreweave-mig-a100', 903, 8, [
        { profile: '3g.40gb', id: 1, offset: -1 },
        { profile: '3g.40gb', id: 2, offset: 1 },
      ]),
      // GFD without a MIG manager: no nvidia.com/mig.config, so only DCGM's parent GPUs settle the count.
      labels: { 'gpu.nvidia.com/class': 'A100_NVLINK_80GB', ...singleStrategyLabels('NVIDIA-A100-SXM4-80GB', '3g.40gb', 16, 40192, 3) },
      capacity: { 'nvidia.com/gpu': '16' },
      paneGpus: 8,
      placementGap: null,
    }),
    node({
      name: 'gpu-other-mig-unsure',
      cloud: 'other',
      region: 'us-ord',
      product: h100,
      memoryMiB: 81559,
      gpus: gpusOf('gpu-other-mig-unsure', 904, 4, [7, 8, 9].map((id, k) => ({ profile: '1g.10gb', id, offset: k - 1 }))),
      labels: { ...singleStrategyLabels(h100, '1g.10gb', 12, 9856, 1), 'nvidia.com/mig.config': 'custom-research' },
      providerID: 'linode://gpu-other-mig-unsure',
      capacity: { 'nvidia.com/gpu': '12' },
      // Its exporter has not reported yet: 12 devices of at most 7 per GPU are at least 2 GPUs.
      silentForMs: 48 * HOUR,
      paneGpus: 2,
      placementGap: '12 MIG devices of profile 1g.10gb',
    }),
  ];
}

/** The nodes as a Kubernetes API NodeList would carry them. */
export function fleetNodes(fleet: Fleet): V1Node[] {
  return fleet.nodes.map((n, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, uid: `uid-${n.name}`, labels: n.labels },
    spec: { providerID: n.providerID, unschedulable: i === 41 ? true : undefined },
    status: {
      capacity: { cpu: '96', ...(n.capacity ?? { 'nvidia.com/gpu': String(n.gpus.length) }) },
      allocatable: { cpu: '95', ...(n.capacity ?? { 'nvidia.com/gpu': String(n.gpus.length) }) },
      conditions: [
        { type: 'MemoryPressure', status: 'False' },
        n.ready ? { type: 'Ready', status: 'True', reason: 'KubeletReady' } : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' },
      ],
    },
  }));
}

/** One GPU pod per GPU node (teams and namespaces rotate), plus CPU-only pods that must be ignored. */
export function fleetPods(fleet: Fleet): V1Pod[] {
  const teams = ['search', 'ads', 'research'];
  const pods: V1Pod[] = [];
  fleet.nodes.forEach((n, i) => {
    pods.push({
      metadata: { name: `train-${i}`, namespace: `ml-${teams[i % 3] ?? 'x'}`, labels: { team: teams[i % 3] ?? 'x', app: 'trainer' } },
      spec: { nodeName: n.name, containers: [{ name: 'main', resources: { limits: { 'nvidia.com/gpu': String(n.gpus.length) } } }] },
      status: { phase: 'Running' },
    });
    pods.push({
      metadata: { name: `sidecar-${i}`, namespace: 'kube-system', labels: { team: 'platform' } },
      spec: { nodeName: n.name, containers: [{ name: 'agent', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running' },
    });
  });
  return pods;
}

function labelText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}

/** dcgm-exporter series for the whole fleet in OpenMetrics text (what promtool backfills). */
export function fleetOpenMetrics(fleet: Fleet): string {
  const times = scrapeTimes(fleet);
  const families: Record<string, string[]> = {
    DCGM_FI_PROF_GR_ENGINE_ACTIVE: [],
    DCGM_FI_DEV_GPU_UTIL: [],
    DCGM_FI_DEV_GPU_TEMP: [],
    DCGM_FI_DEV_FB_USED: [],
    DCGM_FI_DEV_POWER_USAGE: [],
    DCGM_FI_DEV_XID_ERRORS: [],
  };
  const push = (family: string, labels: Record<string, string>, ts: number, value: number) =>
    families[family]?.push(`${family}{${labelText(labels)}} ${value} ${(ts / 1000).toFixed(3)}`);
  for (const n of fleet.nodes) {
    const until = n.silentForMs === null ? fleet.now : fleet.now - n.silentForMs;
    const modelName = n.product.replace(/-/g, ' ');
    for (const g of n.gpus) {
      const id = { gpu: String(g.index), UUID: g.uuid, modelName, Hostname: n.name };
      // The workload pod moves half-way through the day: pod labels change, the GPU does not.
      const podOf = (ts: number) => ({ namespace: 'ml', pod: ts < fleet.now - 12 * HOUR ? `job-a-${n.name}` : `job-b-${n.name}` });
      const xids = fleet.xid.get(g.uuid) ?? [];
      for (const ts of times) {
        if (ts >= until) continue;
        const u = g.util(ts);
        const labels = { ...id, ...podOf(ts) };
        if (g.kind === 'mig') {
          // One series per MIG instance, labelled with its parent GPU (gpu, UUID); offsets weighted
          // by GI slices cancel out, so the slice-weighted mean is the GPU's utilisation.
          const d = Math.min(u, 100 - u, 1) / 3;
          for (const inst of g.instances) {
            const mig = { ...labels, GPU_I_PROFILE: inst.profile, GPU_I_ID: String(inst.id) };
            push('DCGM_FI_PROF_GR_ENGINE_ACTIVE', mig, ts, (u + inst.offset * d) / 100);
          }
        } else if (g.kind === 'prof') {
          push('DCGM_FI_PROF_GR_ENGINE_ACTIVE', labels, ts, u / 100);
          // DEV_GPU_UTIL is coarse and reads higher; the connector must prefer PROF.
          push('DCGM_FI_DEV_GPU_UTIL', labels, ts, Math.min(100, Math.round(u) + 20));
        } else {
          push('DCGM_FI_DEV_GPU_UTIL', labels, ts, u);
        }
        push('DCGM_FI_DEV_GPU_TEMP', labels, ts, 40 + Math.round(u / 3));
        if (Math.floor(ts / 60_000) % 30 === 0 || ts > fleet.now - HOUR) {
          push('DCGM_FI_DEV_FB_USED', labels, ts, Math.round(n.memoryMiB * (u / 100)));
          push('DCGM_FI_DEV_POWER_USAGE', labels, ts, 70 + u * 6);
        }
        if (xids.length || g === fleet.nodes[30]?.gpus[1]) {
          const last = xids.filter((x) => x <= ts).length;
          push('DCGM_FI_DEV_XID_ERRORS', { ...labels, err_code: '0' }, ts, last === 0 ? 0 : last % 2 === 1 ? 79 : 48);
        }
      }
    }
  }
  const out: string[] = [];
  for (const [family, lines] of Object.entries(families)) {
    out.push(`# TYPE ${family} gauge`);
    // promtool wants each series' samples in time order; group lines by series.
    const bySeries = new Map<string, string[]>();
    for (const line of lines) {
      const key = line.slice(0, line.lastIndexOf(' ', line.lastIndexOf(' ') - 1));
      const list = bySeries.get(key) ?? [];
      list.push(line);
      bySeries.set(key, list);
    }
    for (const list of bySeries.values()) out.push(...list);
  }
  out.push('# EOF', '');
  return out.join('\n');
}

/** A GPU's per-minute utilisation truth (MIG instances averaged, PROF preferred) at scrape `ts`. */
export function truthUtil(g: FleetGpu, ts: number): number {
  return g.util(ts);
}

/** Whether a GPU has a sample at scrape time `ts`. */
export function reports(n: FleetNode, fleet: Fleet, ts: number): boolean {
  return ts < (n.silentForMs === null ? fleet.now : fleet.now - n.silentForMs);
}
