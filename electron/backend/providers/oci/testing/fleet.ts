/**
 * A generated Oracle Cloud tenancy: compartments, subscribed regions with availability domains, GPU
 * and plain instances in every lifecycle state, per-GPU utilisation, daily usage with exact amounts,
 * announcements and maintenance events. Deterministic, and it keeps its own truth for the tests.
 */
import { multiplyDecimalByInteger } from '../../../../../shared/decimal';
import { seededRandom } from '../../common/testing/seeded-random';

export const MINUTE = 60_000;
export const DAY = 86_400_000;

export interface FleetShape {
  shape: string;
  gpus: number;
  /** Normalised model the pane should show. */
  model: string;
  /** Hourly cost used to generate usage (exact decimal text). */
  hourly: string;
}

export const SHAPES: readonly FleetShape[] = [
  { shape: 'BM.GPU.H100.8', gpus: 8, model: 'H100 80GB', hourly: '80.00' },
  { shape: 'BM.GPU.A100-v2.8', gpus: 8, model: 'A100 80GB', hourly: '32' },
  { shape: 'BM.GPU4.8', gpus: 8, model: 'A100 40GB', hourly: '24.4' },
  { shape: 'BM.GPU.A10.4', gpus: 4, model: 'A10 24GB', hourly: '8' },
  { shape: 'VM.GPU.A10.1', gpus: 1, model: 'A10 24GB', hourly: '2' },
  { shape: 'VM.GPU.A10.2', gpus: 2, model: 'A10 24GB', hourly: '4' },
  { shape: 'VM.GPU3.4', gpus: 4, model: 'V100 16GB', hourly: '11.8' },
  { shape: 'BM.GPU.L40S.4', gpus: 4, model: 'L40S 48GB', hourly: '14.0001' },
];

export interface FleetCompartment {
  id: string;
  parentId: string;
  name: string;
  /** Path from the root, as the connector names it. */
  path: string;
  /** ListInstances answers 404 NotAuthorizedOrNotFound here. */
  denied: boolean;
}

export interface FleetInstance {
  id: string;
  compartmentId: string;
  region: string;
  ad: string;
  name: string;
  shape: string;
  /** null for instances without GPUs. */
  gpu: FleetShape | null;
  lifecycle: string;
  plugin: 'ENABLED' | 'DISABLED' | 'absent';
  /** Utilisation per GPU, constant over time. */
  utilisation: number[];
  memoryPercent: number[];
  definedTags: Record<string, Record<string, string>>;
  freeformTags: Record<string, string>;
  /** Whether the plugin publishes `Fault` for this host (older agents do not: absent, not 0). */
  faultReported?: boolean;
  /** Minutes [from, to) in which one GPU reported Fault = 1; 0 at every other minute. */
  faultWindows?: Array<{ gpu: number; from: number; to: number }>;
}

export interface FleetUsage {
  resourceId: string;
  compartmentId: string;
  region: string;
  service: string;
  skuPartNumber: string;
  skuName: string;
  unit: string;
  day: number;
  /** Exact amount text, written to the wire as a JSON number. */
  amount: string;
  quantity: string;
  currency: string;
}

export interface FleetAnnouncement {
  id: string;
  referenceTicketNumber: string;
  summary: string;
  announcementType: string;
  lifecycleState: 'ACTIVE' | 'INACTIVE';
  affectedRegions: string[];
  services: string[];
  timeOne: number;
  timeTwo: number | null;
  /** What timeOne and timeTwo mean (SDK enums); START_TIME / END_TIME when absent. */
  timeOneType?: string;
  timeTwoType?: string;
  /** When the announcement was posted; the window start when absent. */
  created?: number;
  updated: number;
  affectedResourceIds: string[];
}

export interface FleetMaintenance {
  id: string;
  instanceId: string;
  compartmentId: string;
  lifecycleState: string;
  category: string;
  reason: string;
  windowStart: number;
  started: number | null;
  finished: number | null;
}

export interface Fleet {
  now: Date;
  tenancyId: string;
  tenancyName: string;
  userId: string;
  homeRegion: string;
  /** Subscribed regions: READY ones hold the fleet; one more is IN_PROGRESS. */
  regions: { name: string; key: string; status: 'READY' | 'IN_PROGRESS'; home: boolean; ads: string[] }[];
  compartments: FleetCompartment[];
  instances: FleetInstance[];
  usage: FleetUsage[];
  announcements: FleetAnnouncement[];
  maintenance: FleetMaintenance[];
}

/** Exact product of a decimal text and an integer (BigInt, no floats). */
export const times = multiplyDecimalByInteger;

export interface FleetOptions {
  seed?: number;
  /** GPU instances per (READY region, GPU compartment). */
  perPlace?: number;
}

const LIFECYCLES = ['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'STOPPED', 'STARTING', 'STOPPING', 'PROVISIONING', 'TERMINATED'] as const;

/** Generates the tenancy (3 READY regions x 3 ADs, 7 compartments, ~100 GPU instances by default). */
export function generateFleet(options: FleetOptions = {}): Fleet {
  const rand = seededRandom(options.seed ?? 20261120);
  const perPlace = options.perPlace ?? 7;
  const now = new Date(Date.UTC(2026, 10, 20, 12, 34, 0));
  const tenancyId = 'ocid1.tenancy.oc1..aaaaaaaafleetpanetenancy';
  const ocid = (kind: string, region: string, n: string) => `ocid1.${kind}.oc1.${region}.${n}`;
  const regions = [
    { name: 'us-ashburn-1', key: 'IAD', status: 'READY' as const, home: true, ads: ['Xk4c:US-ASHBURN-AD-1', 'Xk4c:US-ASHBURN-AD-2', 'Xk4c:US-ASHBURN-AD-3'] },
    { name: 'eu-frankfurt-1', key: 'FRA', status: 'READY' as const, home: false, ads: ['Xk4c:EU-FRANKFURT-1-AD-1', 'Xk4c:EU-FRANKFURT-1-AD-2', 'Xk4c:EU-FRANKFURT-1-AD-3'] },
    { name: 'ap-tokyo-1', key: 'NRT', status: 'READY' as const, home: false, ads: ['Xk4c:AP-TOKYO-1-AD-1'] },
    { name: 'sa-saopaulo-1', key: 'GRU', status: 'IN_PROGRESS' as const, home: false, ads: ['Xk4c:SA-SAOPAULO-1-AD-1'] },
  ];
  const comp = (n: string) => `ocid1.compartment.oc1..aaaaaaaa${n}`;
  const compartments: FleetCompartment[] = [
    { id: comp('ml'), parentId: tenancyId, name: 'ml', path: 'ml', denied: false },
    { id: comp('mltrain'), parentId: comp('ml'), name: 'train', path: 'ml/train', denied: false },
    { id: comp('mlserve'), parentId: comp('ml'), name: 'serve', path: 'ml/serve', denied: false },
    { id: comp('research'), parentId: tenancyId, name: 'research', path: 'research', denied: false },
    { id: comp('ops'), parentId: tenancyId, name: 'ops', path: 'ops', denied: false },
    { id: comp('finance'), parentId: tenancyId, name: 'finance', path: 'finance', denied: true },
  ];
  const gpuPlaces = [comp('mltrain'), comp('mlserve'), comp('research')];
  const instances: FleetInstance[] = [];
  let n = 0;
  for (const region of regions.filter((r) => r.status === 'READY')) {
    for (const compartmentId of gpuPlaces) {
      for (let k = 0; k < perPlace; k++) {
        n += 1;
        const gpu = SHAPES[Math.floor(rand() * SHAPES.length)] as FleetShape;
        const lifecycle = LIFECYCLES[Math.floor(rand() * LIFECYCLES.length)] as string;
        const plugin = rand() < 0.8 ? 'ENABLED' : rand() < 0.5 ? 'DISABLED' : 'absent';
        const utilisation = Array.from({ length: gpu.gpus }, () => (rand() < 0.3 ? Math.round(rand() * 40) / 10 : Math.round(5 + rand() * 9500) / 100));
        instances.push({
          id: ocid('instance', region.name, `gpu${String(n).padStart(4, '0')}`),
          compartmentId,
          region: region.name,
          ad: region.ads[n % region.ads.length] as string,
          name: `gpu-${region.key.toLowerCase()}-${n}`,
          shape: gpu.shape,
          gpu,
          lifecycle,
          plugin,
          utilisation,
          memoryPercent: utilisation.map((u) => Math.min(100, Math.round(u * 7) / 10)),
          definedTags: { Operations: { CostCenter: String(40 + (n % 5)) } },
          freeformTags: { team: ['llm', 'vision', 'search'][n % 3] as string },
        });
      }
      // Plain machines the connector must skip.
      n += 1;
      instances.push({
        id: ocid('instance', region.name, `cpu${String(n).padStart(4, '0')}`),
        compartmentId,
        region: region.name,
        ad: region.ads[0] as string,
        name: `web-${n}`,
        shape: 'VM.Standard.E4.Flex',
        gpu: null,
        lifecycle: 'RUNNING',
        plugin: 'ENABLED',
        utilisation: [],
        memoryPercent: [],
        definedTags: {},
        freeformTags: {},
      });
    }
  }
  // Two hosts being moved off failing hardware: unhealthy.
  const moving = instances.filter((i) => i.gpu && i.lifecycle === 'RUNNING').slice(0, 2);
  for (const i of moving) i.lifecycle = 'MOVING';
  // Per-GPU Fault: most publishing hosts report 0; every fourth reports nothing (an older agent);
  // one GPU of one host is faulted now (only that GPU is unhealthy), another GPU of another host
  // was faulted 35-55 minutes ago and is fine again (outside the 30-minute state window).
  const publishing = instances.filter((i) => i.gpu && i.lifecycle === 'RUNNING' && i.plugin === 'ENABLED' && i.compartmentId !== comp('finance'));
  publishing.forEach((i, k) => {
    i.faultReported = k % 4 !== 3;
    i.faultWindows = [];
  });
  const [faultedNow, faultedBefore] = publishing.filter((i) => (i.gpu?.gpus ?? 0) > 1);
  faultedNow?.faultWindows?.push({ gpu: 1, from: now.getTime() - 20 * MINUTE, to: now.getTime() + DAY });
  faultedBefore?.faultWindows?.push({ gpu: 0, from: now.getTime() - 55 * MINUTE, to: now.getTime() - 35 * MINUTE });
  // A GPU instance in the denied compartment that nobody can see.
  instances.push({
    id: ocid('instance', 'us-ashburn-1', 'gpuhidden'),
    compartmentId: comp('finance'),
    region: 'us-ashburn-1',
    ad: 'Xk4c:US-ASHBURN-AD-1',
    name: 'gpu-hidden',
    shape: 'BM.GPU.H100.8',
    gpu: SHAPES[0] as FleetShape,
    lifecycle: 'RUNNING',
    plugin: 'ENABLED',
    utilisation: Array.from({ length: 8 }, () => 50),
    memoryPercent: Array.from({ length: 8 }, () => 50),
    definedTags: {},
    freeformTags: {},
  });

  // Daily usage from the 1st of the month until today (today's row covers the hours so far).
  const usage: FleetUsage[] = [];
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const prevMonthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 25);
  for (let day = prevMonthStart; day <= Math.floor(now.getTime() / DAY) * DAY; day += DAY) {
    for (const i of instances) {
      if (!i.gpu || i.lifecycle === 'TERMINATED' || i.compartmentId === comp('finance')) continue;
      const hours = day === Math.floor(now.getTime() / DAY) * DAY ? 12 : 24;
      usage.push({
        resourceId: i.id,
        compartmentId: i.compartmentId,
        region: i.region,
        service: 'Compute',
        skuPartNumber: `B9${String(SHAPES.indexOf(i.gpu)).padStart(4, '0')}`,
        skuName: `Compute - GPU - ${i.gpu.model}`,
        unit: 'GPU Per Hour',
        day,
        amount: times(i.gpu.hourly, hours),
        quantity: String(hours * i.gpu.gpus),
        currency: 'USD',
      });
      usage.push({
        resourceId: `ocid1.bootvolume.oc1.${i.region}.bv${i.id.slice(-8)}`,
        compartmentId: i.compartmentId,
        region: i.region,
        service: 'Block Storage',
        skuPartNumber: 'B91961',
        skuName: 'Storage - Block Volume - Storage',
        unit: 'Gigabyte Storage Capacity Per Month',
        day,
        amount: `0.${String(Math.floor(rand() * 1e6)).padStart(6, '0')}`,
        quantity: '1.6129032',
        currency: 'USD',
      });
    }
    if (day >= monthStart) {
      usage.push({
        resourceId: '',
        compartmentId: tenancyId,
        region: 'us-ashburn-1',
        service: 'Support',
        skuPartNumber: 'B88888',
        skuName: 'Promotional credit',
        unit: 'Each',
        day,
        amount: '-12.3456',
        quantity: '1',
        currency: 'USD',
      });
    }
  }

  const running = instances.filter((i) => i.gpu && i.lifecycle === 'RUNNING' && i.region === 'us-ashburn-1');
  const announcements: FleetAnnouncement[] = [
    {
      id: 'ocid1.announcement.oc1..aaaaaaaaoutageiad',
      referenceTicketNumber: 'ACT-1001',
      summary: 'Degraded GPU host networking in US East (Ashburn)',
      announcementType: 'PRODUCTION_EVENT_NOTIFICATION',
      lifecycleState: 'ACTIVE',
      affectedRegions: ['us-ashburn-1'],
      services: ['Compute'],
      timeOne: now.getTime() - 90 * MINUTE,
      timeTwo: null,
      updated: now.getTime() - 10 * MINUTE,
      affectedResourceIds: running.slice(0, 2).map((i) => i.id),
    },
    {
      id: 'ocid1.announcement.oc1..aaaaaaaaoutagegru',
      referenceTicketNumber: 'ACT-1002',
      summary: 'Object Storage errors in Sao Paulo',
      announcementType: 'PRODUCTION_EVENT_NOTIFICATION',
      lifecycleState: 'ACTIVE',
      affectedRegions: ['sa-saopaulo-1'],
      services: ['Object Storage'],
      timeOne: now.getTime() - 60 * MINUTE,
      timeTwo: null,
      updated: now.getTime() - 5 * MINUTE,
      affectedResourceIds: [],
    },
    {
      id: 'ocid1.announcement.oc1..aaaaaaaainfo',
      referenceTicketNumber: 'ACT-1003',
      summary: 'New GPU shapes available',
      announcementType: 'INFORMATION',
      lifecycleState: 'ACTIVE',
      affectedRegions: [],
      services: ['Compute'],
      timeOne: now.getTime() - 3 * DAY,
      timeTwo: null,
      updated: now.getTime() - 3 * DAY,
      affectedResourceIds: [],
    },
    {
      id: 'ocid1.announcement.oc1..aaaaaaaamaintfra',
      referenceTicketNumber: 'ACT-1004',
      summary: 'Scheduled maintenance of the Compute control plane in Frankfurt',
      announcementType: 'SCHEDULED_MAINTENANCE',
      lifecycleState: 'INACTIVE',
      affectedRegions: ['eu-frankfurt-1'],
      services: ['Compute'],
      timeOne: now.getTime() - 3 * DAY,
      timeTwo: now.getTime() - 2 * DAY,
      updated: now.getTime() - 2 * DAY,
      affectedResourceIds: [],
    },
  ];
  announcements.push(
    {
      // Posted two days ago for a window three days ahead: planned, its start the window's.
      id: 'ocid1.announcement.oc1..aaaaaaaamaintiadplanned',
      referenceTicketNumber: 'ACT-1005',
      summary: 'Scheduled maintenance of GPU hosts in US East (Ashburn)',
      announcementType: 'SCHEDULED_MAINTENANCE',
      lifecycleState: 'ACTIVE',
      affectedRegions: ['us-ashburn-1'],
      services: ['Compute'],
      timeOne: now.getTime() + 3 * DAY,
      timeTwo: now.getTime() + 3 * DAY + 4 * 60 * MINUTE,
      created: now.getTime() - 2 * DAY,
      updated: now.getTime() - 2 * DAY,
      affectedResourceIds: running.slice(2, 4).map((i) => i.id),
    },
    {
      // Rescheduled change whose new window is open now and ends in 90 minutes.
      id: 'ocid1.announcement.oc1..aaaaaaaachangeiadnow',
      referenceTicketNumber: 'ACT-1006',
      summary: 'Rescheduled network change in US East (Ashburn)',
      announcementType: 'PLANNED_CHANGE_RESCHEDULED',
      lifecycleState: 'ACTIVE',
      affectedRegions: ['us-ashburn-1'],
      services: ['Networking'],
      timeOne: now.getTime() - 30 * MINUTE,
      timeTwo: now.getTime() + 90 * MINUTE,
      timeOneType: 'NEW_START_TIME',
      timeTwoType: 'NEW_END_TIME',
      created: now.getTime() - 5 * DAY,
      updated: now.getTime() - DAY,
      affectedResourceIds: [],
    },
  );
  const fra = instances.filter((i) => i.gpu && i.lifecycle === 'RUNNING' && i.region === 'eu-frankfurt-1');
  const maintenance: FleetMaintenance[] = [
    {
      id: 'ocid1.instancemaintenanceevent.oc1.eu-frankfurt-1.sched1',
      instanceId: (fra[0] as FleetInstance).id,
      compartmentId: (fra[0] as FleetInstance).compartmentId,
      lifecycleState: 'SCHEDULED',
      category: 'FLEXIBLE',
      reason: 'HARDWARE_REPLACEMENT',
      windowStart: now.getTime() + DAY,
      started: null,
      finished: null,
    },
    {
      id: 'ocid1.instancemaintenanceevent.oc1.eu-frankfurt-1.done1',
      instanceId: (fra[1] as FleetInstance).id,
      compartmentId: (fra[1] as FleetInstance).compartmentId,
      lifecycleState: 'SUCCEEDED',
      category: 'PLANNED',
      reason: 'FIRMWARE_UPDATE',
      windowStart: now.getTime() - 2 * DAY,
      started: now.getTime() - 2 * DAY,
      finished: now.getTime() - 2 * DAY + 30 * MINUTE,
    },
  ];
  // The scheduled maintenance window opens tomorrow: it counts as ongoing (not ended) from its window start.
  return {
    now,
    tenancyId,
    tenancyName: 'fleetpane-test',
    userId: 'ocid1.user.oc1..aaaaaaaafleetpaneuser',
    homeRegion: 'us-ashburn-1',
    regions,
    compartments,
    instances,
    usage,
    announcements,
    maintenance,
  };
}
