/**
 * A generated Azure GPU fleet for the emulator, with its own truth (GPU states by model, spend,
 * incidents) computed from the generator's facts, never from the connector's output.
 */
import { microsText, toMicros } from '../../common/testing/micros';
import { seededRandom } from '../../common/testing/seeded-random';

/** VM sizes the fleet uses, with what the truth expects of them. */
export const FLEET_SIZES = {
  Standard_ND96isr_H100_v5: { gpus: 8, model: 'H100 80GB', family: 'StandardNDISRH100v5Family', hourlyMicros: 98_320_000n },
  Standard_NC24ads_A100_v4: { gpus: 1, model: 'A100 80GB', family: 'StandardNCADSA100v4Family', hourlyMicros: 3_673_000n },
  Standard_NC40ads_H100_v5: { gpus: 1, model: 'H100 NVL 94GB', family: 'StandardNCadsH100v5Family', hourlyMicros: 6_980_000n },
  Standard_NV36ads_A10_v5: { gpus: 1, model: 'A10 24GB', family: 'StandardNVADSA10v5Family', hourlyMicros: 3_200_000n },
  // A sixth of an A10: resource SKUs say `GPUs` 1, as for the whole NV36ads; the catalog has no price.
  Standard_NV6ads_A10_v5: { gpus: 1, model: 'A10 24GB 1/6', family: 'StandardNVADSA10v5Family', hourlyMicros: 454_000n },
  // Not in the GPU catalog: count from the SKU's GPUs capability, model from the SKU family.
  Standard_NC6s_v3: { gpus: 1, model: 'V100 16GB', family: 'standardNCSv3Family', hourlyMicros: 3_060_000n },
  Standard_D4s_v5: { gpus: 0, model: '', family: 'standardDSv5Family', hourlyMicros: 192_000n },
} as const;
export type FleetSize = keyof typeof FLEET_SIZES;

export const FLEET_REGIONS = ['eastus', 'westeurope', 'southcentralus'] as const;
const REGION_NAMES: Record<string, string> = { eastus: 'East US', westeurope: 'West Europe', southcentralus: 'South Central US', brazilsouth: 'Brazil South' };

export type FleetPower = 'running' | 'stopped' | 'deallocated';
export type FleetHealth = 'Available' | 'Degraded' | 'Unavailable';
/** What the metrics say about a running GPU machine. */
export type FleetLoad = 'busy' | 'idle' | 'silent';

export interface FleetVm {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  size: FleetSize;
  zone: string | null;
  tags: Record<string, string>;
  power: FleetPower;
  health: FleetHealth;
  /** Only `Unplanned` unavailability is an outage; a customer stop is not. */
  healthReasonType: 'Unplanned' | 'Customer Initiated';
  scaleSet: { name: string; instanceId: string } | null;
  /** `osProfile.computerName` as the model listing returns it; null: no osProfile (VM from a specialized disk). */
  computerName: string | null;
  /** `instanceView.computerName` the guest agent reports (statusOnly listing, scale-set instance view); null: none. */
  agentComputerName: string | null;
  /** The `Hostname` label dcgm-exporter reports for this machine: the OS host name, not the VM name. */
  hostName: string;
  load: FleetLoad;
  /** Reports DCGM_FI_PROF_GR_ENGINE_ACTIVE (else only DCGM_FI_DEV_GPU_UTIL). */
  prof: boolean;
  /** A new XID error in the last minutes on GPU 0. */
  xid: boolean;
  /** VmAvailabilityMetric of a running standalone VM: 1, 0 (down although Resource Health says Available), or no points. */
  platform: 'up' | 'down' | 'missing';
  /**
   * MIG instances of each GPU, as dcgm-exporter reports a MIG-enabled GPU: GR_ENGINE_ACTIVE and
   * framebuffer per instance (labels GPU_I_PROFILE, GPU_I_ID), no DCGM_FI_DEV_GPU_UTIL. Absent: no MIG.
   */
  mig?: readonly MigInstance[];
  /**
   * dcgm-exporter runs with a counters file that leaves out DCGM_FI_DEV_POWER_USAGE and
   * DCGM_FI_DEV_GPU_TEMP (as trimmed ones for vGPU guests do): the workspace has no such series for it.
   */
  noPowerOrTemperature?: boolean;
}

/**
 * One MIG instance: its profile and id, the slices it takes, and `lean`: its utilisation is the GPU's
 * plus lean x min(u, 100 - u). The leans weighed by slices sum to 0, so the GPU's utilisation (its
 * instances weighed by their slices) stays fleetUtilisationOf; a plain mean of them does not.
 */
export interface MigInstance {
  profile: string;
  id: string;
  slices: number;
  lean: number;
}

/** A100 80GB split 3g.40gb + 2g.20gb + 1g.10gb (one slice left unassigned, as operators leave one). */
export const A100_MIG_LAYOUT: readonly MigInstance[] = [
  { profile: '3g.40gb', id: '1', slices: 3, lean: 0.3 },
  { profile: '2g.20gb', id: '5', slices: 2, lean: -0.2 },
  { profile: '1g.10gb', id: '13', slices: 1, lean: -0.5 },
];

/** A MIG instance's utilisation when its GPU's is `u` (see MigInstance). */
export const migInstanceUtilisation = (u: number, instance: MigInstance): number => u + instance.lean * Math.min(u, 100 - u);

export interface FleetScaleSet {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  size: FleetSize;
  capacity: number;
  orchestrationMode: 'Uniform' | 'Flexible';
  /** `virtualMachineProfile.osProfile.computerNamePrefix`: instance host names are this + base-36 instance id. */
  computerNamePrefix: string;
  /** Whether the instance list carries each VM's osProfile (else the connector must derive the name). */
  instanceOsProfile: boolean;
}

export interface FleetEvent {
  trackingId: string;
  eventType: 'ServiceIssue' | 'PlannedMaintenance';
  status: 'Active' | 'Resolved';
  service: string;
  region: string;
  title: string;
  /** impactStartTime: for planned maintenance, the window start (may be days ahead). */
  start: string;
  /** impactMitigationTime: for planned maintenance, the window end. */
  mitigation: string | null;
  /** lastUpdateTime: when Azure posted or last updated the event (defaults to mitigation or start). */
  posted?: string;
}

export interface FleetCostRow {
  usageDate: number;
  resourceId: string;
  meter: string;
  /** Exact decimal text, written into the JSON body as a number literal. */
  cost: string;
  currency: string;
}

export interface Fleet {
  subscriptionId: string;
  subscriptionName: string;
  now: Date;
  vms: FleetVm[];
  scaleSets: FleetScaleSet[];
  events: FleetEvent[];
  costRows: FleetCostRow[];
}

function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)] as T;
}

/** Options of the generated fleet. */
export interface FleetOptions {
  seed?: number;
  now: Date;
  standaloneVms?: number;
  subscriptionId?: string;
}

/** Generates a deterministic fleet: standalone VMs, scale sets, incidents and 40 days of cost rows. */
export function generateFleet(opts: FleetOptions): Fleet {
  const r = seededRandom(opts.seed ?? 7);
  const sub = opts.subscriptionId ?? '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
  const vms: FleetVm[] = [];
  const sizes: FleetSize[] = ['Standard_ND96isr_H100_v5', 'Standard_NC24ads_A100_v4', 'Standard_NC40ads_H100_v5', 'Standard_NV36ads_A10_v5', 'Standard_NC6s_v3', 'Standard_D4s_v5'];
  const count = opts.standaloneVms ?? 320;
  for (let i = 0; i < count; i++) {
    const location = FLEET_REGIONS[i % FLEET_REGIONS.length] as string;
    const rg = `rg-gpu-${location}`;
    const name = `gpu-${location}-${String(i).padStart(4, '0')}`;
    const roll = r();
    const power: FleetPower = roll < 0.08 ? 'stopped' : roll < 0.16 ? 'deallocated' : 'running';
    const h = r();
    const health: FleetHealth = power !== 'running' ? 'Unavailable' : h < 0.05 ? 'Unavailable' : h < 0.08 ? 'Degraded' : 'Available';
    const l = r();
    const host = standaloneHostNames(i, name);
    const team = pick(r, ['vision', 'llm', 'speech']);
    vms.push({
      id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`,
      name,
      resourceGroup: rg,
      location,
      size: pick(r, sizes),
      zone: r() < 0.5 ? String(1 + Math.floor(r() * 3)) : null,
      // Optional fields absent on some VMs, as on VMs nobody tagged.
      tags: i % 7 === 0 ? {} : { team },
      power,
      health,
      healthReasonType: power === 'running' ? 'Unplanned' : 'Customer Initiated',
      scaleSet: null,
      ...host,
      load: l < 0.1 ? 'silent' : l < 0.4 ? 'idle' : 'busy',
      prof: r() < 0.7,
      xid: false,
      platform: power === 'running' ? 'up' : 'missing',
    });
  }
  // A renamed pair: A's OS host name is B's VM name. A series from host "B" is A's, not B's.
  const renamable = vms.filter((v) => v.power === 'running' && v.computerName !== null && v.computerName !== v.name && FLEET_SIZES[v.size].gpus > 0 && v.load !== 'silent');
  const [pairA, pairB] = renamable;
  if (pairA && pairB) {
    pairA.computerName = pairB.name;
    pairA.agentComputerName = pairB.name;
    pairA.hostName = pairB.name;
  }
  // One healthy busy GPU machine with a fresh XID error: unhealthy by the glossary.
  const xidVm = vms.find((v) => v.power === 'running' && v.health === 'Available' && v.load === 'busy' && FLEET_SIZES[v.size].gpus > 0 && dcgmMatchable(v));
  if (xidVm) xidVm.xid = true;
  // One VM the platform reports down while Resource Health still says Available (unhealthy), and one
  // whose availability metric has no points at all (not measured: its state comes from its GPUs).
  const platformCandidates = vms.filter((v) => v.power === 'running' && v.health === 'Available' && !v.xid && v.load !== 'silent' && FLEET_SIZES[v.size].gpus > 0 && dcgmMatchable(v));
  if (platformCandidates[0]) platformCandidates[0].platform = 'down';
  if (platformCandidates[1]) platformCandidates[1].platform = 'missing';
  // One A100 VM with its GPU split into MIG instances.
  const migVm = vms.find((v) => v.size === 'Standard_NC24ads_A100_v4' && v.power === 'running' && v.health === 'Available' && v.load === 'busy' && v.prof && !v.xid && v.platform === 'up' && v !== pairA && v !== pairB && dcgmMatchable(v));
  if (migVm) migVm.mig = A100_MIG_LAYOUT;
  // A busy, healthy, measured VM no other case has taken: each case below changes one such VM.
  const plain = (v: FleetVm): boolean =>
    v.power === 'running' && v.health === 'Available' && v.load === 'busy' && !v.xid && v.platform === 'up' && v.mig === undefined &&
    !v.noPowerOrTemperature && v !== pairA && v !== pairB && FLEET_SIZES[v.size].gpus > 0 && dcgmMatchable(v);
  // One machine whose exporter reports no power and no temperature.
  const trimmedVm = vms.find(plain);
  if (trimmedVm) trimmedVm.noPowerOrTemperature = true;
  // One running A10 VM resized to the partial-GPU NV6ads: a slice the guest sees as one GPU.
  const sliceVm = vms.find((v) => v.size === 'Standard_NV36ads_A10_v5' && plain(v));
  if (sliceVm) sliceVm.size = 'Standard_NV6ads_A10_v5';

  // Computer name prefixes as AKS, Terraform and Windows images set them: rarely the scale set's name.
  const scaleSets: FleetScaleSet[] = [
    { name: 'aks-h100pool-vmss', location: 'eastus', size: 'Standard_ND96isr_H100_v5', capacity: 12, orchestrationMode: 'Uniform', computerNamePrefix: 'aks-h100pool-38817251-vmss', instanceOsProfile: true },
    { name: 'train-a100', location: 'westeurope', size: 'Standard_NC24ads_A100_v4', capacity: 40, orchestrationMode: 'Uniform', computerNamePrefix: 'trna100', instanceOsProfile: false },
    { name: 'infer-a10', location: 'southcentralus', size: 'Standard_NV36ads_A10_v5', capacity: 25, orchestrationMode: 'Uniform', computerNamePrefix: 'infer-a10', instanceOsProfile: true },
    { name: 'web-cpu', location: 'eastus', size: 'Standard_D4s_v5', capacity: 6, orchestrationMode: 'Uniform', computerNamePrefix: 'webcpu', instanceOsProfile: true },
    { name: 'flex-gpu', location: 'eastus', size: 'Standard_NC24ads_A100_v4', capacity: 3, orchestrationMode: 'Flexible', computerNamePrefix: 'flexgpu', instanceOsProfile: true },
  ].map((s) => {
    const rg = `rg-ss-${s.location}`;
    return { ...s, resourceGroup: rg, id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachineScaleSets/${s.name}` } as FleetScaleSet;
  });
  for (const ss of scaleSets) {
    if (ss.orchestrationMode === 'Flexible') continue;
    for (let k = 0; k < ss.capacity; k++) {
      const instanceId = String(k * 3 + 1); // gaps, as after scale-in
      const roll = r();
      const power: FleetPower = roll < 0.1 ? 'deallocated' : 'running';
      const l = r();
      const computerName = vmssComputerName(ss.computerNamePrefix, instanceId);
      vms.push({
        id: `${ss.id}/virtualMachines/${instanceId}`,
        name: `${ss.name}_${instanceId}`,
        resourceGroup: ss.resourceGroup,
        location: ss.location,
        size: ss.size,
        zone: null,
        tags: { pool: ss.name },
        power,
        health: power === 'running' ? (r() < 0.05 ? 'Unavailable' : 'Available') : 'Unavailable',
        healthReasonType: power === 'running' ? 'Unplanned' : 'Customer Initiated',
        scaleSet: { name: ss.name, instanceId },
        computerName: ss.instanceOsProfile ? computerName : null,
        agentComputerName: null,
        // Kubernetes lower-cases node names; dcgm-exporter on AKS reports the node name.
        hostName: ss.name.startsWith('aks-') ? computerName.toLowerCase() : computerName,
        load: l < 0.08 ? 'silent' : l < 0.3 ? 'idle' : 'busy',
        prof: true,
        xid: false,
        platform: 'missing',
      });
    }
  }
  // The flexible scale set's VMs are ordinary VMs in listAll, pointing at their scale set.
  const flex = scaleSets.find((s) => s.orchestrationMode === 'Flexible');
  if (flex) {
    for (let k = 0; k < flex.capacity; k++) {
      const name = `${flex.name}_${k}`;
      vms.push({
        id: `/subscriptions/${sub}/resourceGroups/${flex.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`,
        name,
        resourceGroup: flex.resourceGroup,
        location: flex.location,
        size: flex.size,
        zone: null,
        tags: {},
        power: 'running',
        health: 'Available',
        healthReasonType: 'Unplanned',
        scaleSet: null,
        computerName: `${flex.computerNamePrefix}${(0x3f2a10 + k * 7919).toString(36).slice(-6)}`,
        agentComputerName: null,
        hostName: `${flex.computerNamePrefix}${(0x3f2a10 + k * 7919).toString(36).slice(-6)}`,
        load: 'busy',
        prof: true,
        xid: false,
        platform: 'up',
      });
    }
  }

  const day = 86_400_000;
  const now = opts.now;
  const events: FleetEvent[] = [
    { trackingId: 'VM3X-1T8', eventType: 'ServiceIssue', status: 'Active', service: 'Virtual Machines', region: 'eastus', title: 'Virtual Machines - East US - Allocation failures', start: new Date(now.getTime() - 3600_000).toISOString(), mitigation: null },
    { trackingId: 'ST9B-2Q0', eventType: 'ServiceIssue', status: 'Active', service: 'Storage', region: 'brazilsouth', title: 'Storage - Brazil South - Degraded availability', start: new Date(now.getTime() - 7200_000).toISOString(), mitigation: null },
    { trackingId: 'PM4W-7E1', eventType: 'PlannedMaintenance', status: 'Active', service: 'Virtual Machines', region: 'westeurope', title: 'Planned maintenance: Virtual Machines - West Europe', start: new Date(now.getTime() - 1800_000).toISOString(), mitigation: null },
    // Announced two days ago for a window three days ahead: planned, not active.
    { trackingId: 'PM8K-3D2', eventType: 'PlannedMaintenance', status: 'Active', service: 'Virtual Machines', region: 'eastus', title: 'Planned maintenance: Virtual Machines - East US', start: new Date(now.getTime() + 3 * day).toISOString(), mitigation: new Date(now.getTime() + 3 * day + 8 * 3600_000).toISOString(), posted: new Date(now.getTime() - 2 * day).toISOString() },
    { trackingId: 'VM1R-5K2', eventType: 'ServiceIssue', status: 'Resolved', service: 'Virtual Machines', region: 'southcentralus', title: 'Virtual Machines - South Central US - Resolved', start: new Date(now.getTime() - 3 * day).toISOString(), mitigation: new Date(now.getTime() - 2 * day).toISOString() },
  ];

  const costRows: FleetCostRow[] = [];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  for (let d = 40; d >= 1; d--) {
    const date = new Date(today - d * day);
    const usageDate = date.getUTCFullYear() * 10_000 + (date.getUTCMonth() + 1) * 100 + date.getUTCDate();
    for (const vm of vms) {
      if (vm.power !== 'running' && r() < 0.7) continue;
      const hours = BigInt(1 + Math.floor(r() * 24));
      const base = FLEET_SIZES[vm.size].hourlyMicros * hours + BigInt(Math.floor(r() * 1000));
      costRows.push({ usageDate, resourceId: vm.id.toLowerCase(), meter: `${vm.size.replace('Standard_', '')} VM`, cost: microsText(base), currency: 'USD' });
    }
    costRows.push({ usageDate, resourceId: '', meter: 'Support - Developer', cost: microsText(958_904n), currency: 'USD' });
    if (d % 10 === 0) costRows.push({ usageDate, resourceId: '', meter: 'Azure credit', cost: microsText(-12_500_000n), currency: 'USD' });
  }
  return { subscriptionId: sub, subscriptionName: 'GPU Production', now, vms, scaleSets, events, costRows };
}

/**
 * Host names of standalone VM i, in the mixes real fleets have: equal to the VM name; a Terraform
 * `computer_name`; an upper-case Windows-style name (15 characters at most) the exporter reports in
 * lower case; no osProfile (specialized disk) with the guest agent reporting the name; an FQDN label;
 * and now and then no name anywhere Azure reports, with an OS host name nobody can match.
 */
function standaloneHostNames(i: number, name: string): Pick<FleetVm, 'computerName' | 'agentComputerName' | 'hostName'> {
  if (i % 41 === 3) return { computerName: null, agentComputerName: null, hostName: `orphan-${i}` };
  switch (i % 6) {
    case 0:
      return { computerName: name, agentComputerName: name, hostName: name };
    case 1:
      return { computerName: `tf-gpu-${i}`, agentComputerName: `tf-gpu-${i}`, hostName: `tf-gpu-${i}` };
    case 2: {
      const win = `GPUNODE${String(i).padStart(4, '0')}`.slice(0, 15);
      return { computerName: win, agentComputerName: win, hostName: win.toLowerCase() };
    }
    case 3:
      return { computerName: null, agentComputerName: `spec-${i}`, hostName: `spec-${i}` };
    case 4:
      return { computerName: `arm${i}`, agentComputerName: null, hostName: `arm${i}.internal.cloudapp.net` };
    default:
      // No osProfile and no agent name: the VM name is all there is, and the OS uses it.
      return { computerName: null, agentComputerName: null, hostName: name };
  }
}

/** A Uniform scale-set instance's computer name: prefix + base-36 instance id, upper case, six digits. */
export function vmssComputerName(prefix: string, instanceId: string): string {
  return `${prefix}${Number(instanceId).toString(36).toUpperCase().padStart(6, '0')}`;
}

/**
 * Whether a VM's DCGM series can be told apart as its own from what Azure reports: the Hostname label
 * (short name, any case) equals its computer name (osProfile, guest agent, or prefix + instance id)
 * or its VM name.
 */
export function dcgmMatchable(vm: FleetVm, scaleSets: readonly FleetScaleSet[] = []): boolean {
  const host = (vm.hostName.split('.')[0] ?? '').toLowerCase();
  const prefix = vm.scaleSet ? scaleSets.find((s) => s.name === vm.scaleSet?.name)?.computerNamePrefix : undefined;
  const names = [vm.computerName, vm.agentComputerName, vm.name, prefix && vm.scaleSet ? vmssComputerName(prefix, vm.scaleSet.instanceId) : null];
  return names.some((n) => n !== null && n !== undefined && n.toLowerCase() === host);
}

/** Per-GPU utilisation of a machine at a minute: busy GPUs 40-90 %, idle ones 0-3 % (what the emulator serves). */
export function fleetUtilisationOf(vm: FleetVm, gpu: number, tsSec: number): number {
  const wobble = ((tsSec / 60 + gpu * 7 + vm.name.length) % 10) / 10;
  return vm.load === 'busy' ? 40 + wobble * 50 : wobble * 3;
}

/** Region display name as Service Health writes it. */
export function regionDisplayName(region: string): string {
  return REGION_NAMES[region] ?? region;
}

/** What the pane must show for the fleet, derived from the generator's facts (glossary rules). */
export interface FleetTruth {
  gpus: { total: number; busy: number; idle: number; unhealthy: number; unknown: number; stopped: number };
  byModel: Record<string, { total: number; busy: number; idle: number }>;
  /** Sum of cost rows in the month of `now`, USD, as exact text. */
  billedMonthToDateMicros: bigint;
  /** Active incident ids the connector should yield, with the GPUs each affects. */
  activeIncidents: Record<string, number>;
  gpuMachines: number;
  /** Fleet utilisation over (now - 1 h, now]: each measured GPU's mean, then the mean over those GPUs. */
  utilisationAvg1h: number | null;
  /** Running GPU machines no DCGM series can be matched to (silent, or a host name Azure never reports). */
  unmeasuredIds: string[];
  /** GPUs of those machines that are unknown only because their host name matches nothing. */
  unmatchedGpus: number;
}

/** Counts GPUs by state and model, spend month to date, and active incidents with affected GPUs. */
export function fleetTruth(fleet: Fleet): FleetTruth {
  const gpus = { total: 0, busy: 0, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 };
  const byModel: FleetTruth['byModel'] = {};
  let gpuMachines = 0;
  for (const vm of fleet.vms) {
    const size = FLEET_SIZES[vm.size];
    if (size.gpus === 0) continue;
    gpuMachines++;
    const measured = vm.load !== 'silent' && dcgmMatchable(vm, fleet.scaleSets);
    const state: 'stopped' | 'unhealthy' | 'unknown' | 'busy' | 'idle' =
      vm.power !== 'running' ? 'stopped' : vm.health !== 'Available' || vm.xid || vm.platform === 'down' ? 'unhealthy' : !measured ? 'unknown' : vm.load === 'busy' ? 'busy' : 'idle';
    const m = (byModel[size.model] ??= { total: 0, busy: 0, idle: 0 });
    // An XID marks the whole machine unhealthy only on the GPU that reported it.
    for (let g = 0; g < size.gpus; g++) {
      const s: typeof state = state === 'unhealthy' && vm.xid && vm.health === 'Available' && g > 0 ? (vm.load === 'busy' ? 'busy' : 'idle') : state;
      gpus[s] += 1;
      gpus.total += 1;
      m.total += 1;
      if (s === 'busy') m.busy += 1;
      if (s === 'idle') m.idle += 1;
    }
  }
  const monthStart = Date.UTC(fleet.now.getUTCFullYear(), fleet.now.getUTCMonth(), 1);
  let billed = 0n;
  for (const row of fleet.costRows) {
    const y = Math.floor(row.usageDate / 10_000);
    const mo = Math.floor((row.usageDate % 10_000) / 100);
    const t = Date.UTC(y, mo - 1, row.usageDate % 100);
    if (t >= monthStart && t < fleet.now.getTime()) billed += toMicros(row.cost);
  }
  const activeIncidents: Record<string, number> = {};
  const gpuVms = fleet.vms.filter((v) => FLEET_SIZES[v.size].gpus > 0);
  const fleetRegions = new Set(gpuVms.map((v) => v.location));
  for (const e of fleet.events) {
    // Maintenance is active only inside its window: one announced ahead is planned, not counted.
    const inWindow = Date.parse(e.start) <= fleet.now.getTime() && (e.mitigation === null || Date.parse(e.mitigation) > fleet.now.getTime());
    if (e.status !== 'Active' || !fleetRegions.has(e.region) || !inWindow) continue;
    const affected = e.service === 'Virtual Machines' ? gpuVms.filter((v) => v.location === e.region) : [];
    activeIncidents[`service-health:${e.trackingId}`] = affected.reduce((n, v) => n + FLEET_SIZES[v.size].gpus, 0);
  }
  for (const vm of gpuVms) {
    if (vm.power === 'running' && vm.health !== 'Available') {
      activeIncidents[`resource-health:${vm.id.toLowerCase()}`] = FLEET_SIZES[vm.size].gpus;
    }
  }
  const nowSec = fleet.now.getTime() / 1000;
  const gpuMeans: number[] = [];
  const unmeasuredIds: string[] = [];
  let unmatchedGpus = 0;
  for (const vm of gpuVms) {
    if (vm.power !== 'running') continue;
    const matchable = dcgmMatchable(vm, fleet.scaleSets);
    if (vm.load === 'silent' || !matchable) {
      unmeasuredIds.push(vm.id);
      if (vm.load !== 'silent' && vm.health === 'Available' && vm.platform !== 'down') unmatchedGpus += FLEET_SIZES[vm.size].gpus;
      continue;
    }
    // Samples at each whole minute of (now - 1 h, now), as the emulator serves them.
    for (let g = 0; g < FLEET_SIZES[vm.size].gpus; g++) {
      let sum = 0;
      let n = 0;
      for (let t = nowSec - 3540; t < nowSec; t += 60) {
        sum += Math.min(100, Math.max(0, fleetUtilisationOf(vm, g, t)));
        n += 1;
      }
      gpuMeans.push(sum / n);
    }
  }
  const utilisationAvg1h = gpuMeans.length > 0 ? gpuMeans.reduce((a, b) => a + b, 0) / gpuMeans.length : null;
  return { gpus, byModel, billedMonthToDateMicros: billed, activeIncidents, gpuMachines, utilisationAvg1h, unmeasuredIds: unmeasuredIds.sort(), unmatchedGpus };
}

// Tests sum the cost truth in micro-units.
export { toMicros };
