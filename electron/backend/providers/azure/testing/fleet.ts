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
  /** The `Hostname` label dcgm-exporter reports for this machine. */
  hostName: string;
  load: FleetLoad;
  /** Reports DCGM_FI_PROF_GR_ENGINE_ACTIVE (else only DCGM_FI_DEV_GPU_UTIL). */
  prof: boolean;
  /** A new XID error in the last minutes on GPU 0. */
  xid: boolean;
  /** VmAvailabilityMetric of a running standalone VM: 1, 0 (down although Resource Health says Available), or no points. */
  platform: 'up' | 'down' | 'missing';
}

export interface FleetScaleSet {
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  size: FleetSize;
  capacity: number;
  orchestrationMode: 'Uniform' | 'Flexible';
}

export interface FleetEvent {
  trackingId: string;
  eventType: 'ServiceIssue' | 'PlannedMaintenance';
  status: 'Active' | 'Resolved';
  service: string;
  region: string;
  title: string;
  start: string;
  mitigation: string | null;
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
    vms.push({
      id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`,
      name,
      resourceGroup: rg,
      location,
      size: pick(r, sizes),
      zone: r() < 0.5 ? String(1 + Math.floor(r() * 3)) : null,
      tags: { team: pick(r, ['vision', 'llm', 'speech']) },
      power,
      health,
      healthReasonType: power === 'running' ? 'Unplanned' : 'Customer Initiated',
      scaleSet: null,
      hostName: name,
      load: l < 0.1 ? 'silent' : l < 0.4 ? 'idle' : 'busy',
      prof: r() < 0.7,
      xid: false,
      platform: power === 'running' ? 'up' : 'missing',
    });
  }
  // One healthy busy GPU machine with a fresh XID error: unhealthy by the glossary.
  const xidVm = vms.find((v) => v.power === 'running' && v.health === 'Available' && v.load === 'busy' && FLEET_SIZES[v.size].gpus > 0);
  if (xidVm) xidVm.xid = true;
  // One VM the platform reports down while Resource Health still says Available (unhealthy), and one
  // whose availability metric has no points at all (not measured: its state comes from its GPUs).
  const platformCandidates = vms.filter((v) => v.power === 'running' && v.health === 'Available' && !v.xid && v.load !== 'silent' && FLEET_SIZES[v.size].gpus > 0);
  if (platformCandidates[0]) platformCandidates[0].platform = 'down';
  if (platformCandidates[1]) platformCandidates[1].platform = 'missing';

  const scaleSets: FleetScaleSet[] = [
    { name: 'aks-h100pool-vmss', location: 'eastus', size: 'Standard_ND96isr_H100_v5', capacity: 12, orchestrationMode: 'Uniform' },
    { name: 'train-a100', location: 'westeurope', size: 'Standard_NC24ads_A100_v4', capacity: 40, orchestrationMode: 'Uniform' },
    { name: 'infer-a10', location: 'southcentralus', size: 'Standard_NV36ads_A10_v5', capacity: 25, orchestrationMode: 'Uniform' },
    { name: 'web-cpu', location: 'eastus', size: 'Standard_D4s_v5', capacity: 6, orchestrationMode: 'Uniform' },
    { name: 'flex-gpu', location: 'eastus', size: 'Standard_NC24ads_A100_v4', capacity: 3, orchestrationMode: 'Flexible' },
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
        hostName: `${ss.name}${Number(instanceId).toString(36).padStart(6, '0')}`,
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
        hostName: name,
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
    const state: 'stopped' | 'unhealthy' | 'unknown' | 'busy' | 'idle' =
      vm.power !== 'running' ? 'stopped' : vm.health !== 'Available' || vm.xid || vm.platform === 'down' ? 'unhealthy' : vm.load === 'silent' ? 'unknown' : vm.load === 'busy' ? 'busy' : 'idle';
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
    if (e.status !== 'Active' || !fleetRegions.has(e.region)) continue;
    const affected = e.service === 'Virtual Machines' ? gpuVms.filter((v) => v.location === e.region) : [];
    activeIncidents[`service-health:${e.trackingId}`] = affected.reduce((n, v) => n + FLEET_SIZES[v.size].gpus, 0);
  }
  for (const vm of gpuVms) {
    if (vm.power === 'running' && vm.health !== 'Available') {
      activeIncidents[`resource-health:${vm.id.toLowerCase()}`] = FLEET_SIZES[vm.size].gpus;
    }
  }
  return { gpus, byModel, billedMonthToDateMicros: billed, activeIncidents, gpuMachines };
}

// Tests sum the cost truth in micro-units.
export { toMicros };
