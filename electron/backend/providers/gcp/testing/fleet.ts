/**
 * A generated Google Cloud GPU/TPU fleet for the loopback emulator: instances in the Compute Engine
 * REST shape (as in the fixtures), Cloud TPU nodes, per-GPU utilisation truth, billing export rows
 * and status incidents. Deterministic for a given seed, so tests can compare against its truth.
 */
import { seededRandom } from '../../common/testing/seeded-random';

export interface FleetShape {
  machineType: string;
  /**
   * What `guestAccelerators` lists. Compute Engine lists accelerator-optimized machines' built-in
   * GPUs there too (a2, a3, a4, g2), not only GPUs attached to N1; TPU VMs list none.
   */
  accelerator?: { type: string; count: number };
  /** How Compute Engine bills the GPUs: with the machine type, or per attached GPU plus the N1 machine. */
  pricing: 'machine' | 'per-gpu';
  /** Model and GPU count the connector should report. */
  model: string;
  gpus: number;
}

const SHAPES: readonly FleetShape[] = [
  { machineType: 'a3-highgpu-8g', accelerator: { type: 'nvidia-h100-80gb', count: 8 }, pricing: 'machine', model: 'H100 80GB', gpus: 8 },
  { machineType: 'a2-highgpu-1g', accelerator: { type: 'nvidia-tesla-a100', count: 1 }, pricing: 'machine', model: 'A100 40GB', gpus: 1 },
  { machineType: 'a2-ultragpu-8g', accelerator: { type: 'nvidia-a100-80gb', count: 8 }, pricing: 'machine', model: 'A100 80GB', gpus: 8 },
  { machineType: 'g2-standard-24', accelerator: { type: 'nvidia-l4', count: 2 }, pricing: 'machine', model: 'L4 24GB', gpus: 2 },
  { machineType: 'n1-standard-8', accelerator: { type: 'nvidia-tesla-t4', count: 2 }, pricing: 'per-gpu', model: 'T4 16GB', gpus: 2 },
  { machineType: 'n1-standard-16', accelerator: { type: 'nvidia-tesla-v100', count: 4 }, pricing: 'per-gpu', model: 'V100 16GB', gpus: 4 },
  { machineType: 'ct5lp-hightpu-4t', pricing: 'machine', model: 'TPU v5e', gpus: 4 },
  { machineType: 'g2-standard-8', accelerator: { type: 'nvidia-l4', count: 1 }, pricing: 'machine', model: 'L4 24GB', gpus: 1 },
  { machineType: 'n1-standard-4', accelerator: { type: 'nvidia-tesla-t4', count: 1 }, pricing: 'per-gpu', model: 'T4 16GB', gpus: 1 },
  // The catalog knows the shape but no price: reported unpriced, with the reason.
  { machineType: 'a4-highgpu-8g', accelerator: { type: 'nvidia-b200', count: 8 }, pricing: 'machine', model: 'B200 180GB', gpus: 8 },
];

export const FLEET_ZONES: readonly string[] = [
  'us-central1-a', 'us-central1-b', 'us-central1-c', 'us-east1-b', 'us-east1-c',
  'us-east4-a', 'us-west1-a', 'us-west1-b', 'us-west4-a', 'europe-west1-b',
  'europe-west1-c', 'europe-west4-a', 'europe-west4-b', 'europe-west2-a', 'asia-east1-a',
  'asia-east1-c', 'asia-northeast1-a', 'asia-southeast1-b', 'australia-southeast1-a', 'southamerica-east1-a',
];

export type InstanceStatus = 'RUNNING' | 'TERMINATED' | 'STAGING' | 'REPAIRING' | 'SUSPENDED' | 'STOPPING';

export interface FleetInstance {
  project: string;
  zone: string;
  id: string;
  name: string;
  status: InstanceStatus;
  shape: FleetShape;
  /** Which metric families the host writes (absent = the Ops Agent is not installed). */
  agent: 'dcgm' | 'nvml' | 'none';
  /** Utilisation percent of each GPU, constant over the window so aligned means equal it. */
  utilisation: number[];
  memoryUsedBytes: number[];
  labels: Record<string, string>;
  /** A Spot VM (scheduling.provisioningModel SPOT). */
  spot?: boolean;
  lastStopTimestamp?: string;
  /** resourceStatus.upcomingMaintenance as Compute Engine reports it. */
  upcomingMaintenance?: { type?: string; maintenanceStatus: 'PENDING' | 'ONGOING'; windowStartTime: string; windowEndTime?: string; canReschedule?: boolean };
}

export interface TpuNode {
  project: string;
  zone: string;
  name: string;
  acceleratorType: string;
  topology: string;
  state: 'READY' | 'STOPPED' | 'REPAIRING' | 'CREATING';
  chips: number;
  model: string;
  /** Duty cycle per chip, or null when the TPU writes no metrics. */
  dutyCycle: number[] | null;
}

/** One raw row of the billing export (the columns the connector's query reads). */
export interface BillingRow {
  billingAccountId: string;
  project: { id: string; name: string };
  service: { id: string; description: string };
  sku: { id: string; description: string };
  usageStart: string;
  usageEnd: string;
  location: { region: string | null; zone: string | null };
  /** Decimal text with up to 6 places, as exported (FLOAT column). */
  cost: string;
  credits: string[];
  currency: string;
  invoiceMonth: string;
  costType: 'regular' | 'tax' | 'adjustment';
  usageAmount: string;
  usageUnit: string;
  pricingAmount: string;
  pricingUnit: string;
  resource: { name: string | null; globalName: string | null };
  labels: Record<string, string>;
}

export interface StatusIncident {
  id: string;
  number: string;
  begin: string;
  created: string;
  end?: string;
  modified: string;
  external_desc: string;
  updates: Array<{ created: string; modified: string; when: string; text: string; status: string; affected_locations: Array<{ title: string; id: string }> }>;
  most_recent_update: { created: string; modified: string; when: string; text: string; status: string; affected_locations: Array<{ title: string; id: string }> };
  status_impact: string;
  severity: string;
  service_key: string;
  service_name: string;
  affected_products: Array<{ title: string; id: string }>;
  uri: string;
  currently_affected_locations: Array<{ title: string; id: string }>;
  previously_affected_locations: Array<{ title: string; id: string }>;
}

/** A Personalized Service Health event (servicehealth v1 Event, full view). */
export interface ServiceHealthEvent {
  eventId: string;
  title: string;
  description: string;
  category: 'INCIDENT';
  state: 'ACTIVE' | 'CLOSED';
  detailedState: 'EMERGING' | 'CONFIRMED' | 'RESOLVED' | 'MERGED';
  eventImpacts: Array<{ product: { productName: string; id: string }; location: { locationName: string } }>;
  relevance: string;
  updates: Array<{ updateTime: string; title: string; description: string; symptom?: string; workaround?: string }>;
  updateTime: string;
  startTime: string;
  endTime?: string;
}

export interface Fleet {
  projects: string[];
  instances: FleetInstance[];
  /** Instances without GPUs (must not appear in the inventory). */
  plainInstances: FleetInstance[];
  tpuNodes: TpuNode[];
  billing: BillingRow[];
  incidents: StatusIncident[];
  /** Personalized Service Health events, the same for every project of the fleet. */
  serviceHealth: ServiceHealthEvent[];
  now: Date;
}

export interface FleetOptions {
  seed?: number;
  gpuInstances?: number;
  plainInstances?: number;
  projects?: string[];
  now?: Date;
  /** Days of billing rows ending at `now` (whole UTC days). */
  billingDays?: number;
  /** Whole UTC days the billing export lags behind `now` (0: it holds today's rows too). */
  billingLagDays?: number;
}

function decimalOf(cents: number, places = 6): string {
  // Integer micro-units to text, so the truth has no float error.
  const neg = cents < 0;
  const abs = Math.abs(cents).toString().padStart(places + 1, '0');
  return `${neg ? '-' : ''}${abs.slice(0, -places)}.${abs.slice(-places)}`;
}

/** The region of a zone ("us-central1-a" -> "us-central1"). */
export function regionOfZone(zone: string): string {
  return zone.replace(/-[a-z]$/, '');
}

/** Builds a fleet; with defaults, 500 GPU/TPU instances in 20 zones across two projects. */
export function generateFleet(options: FleetOptions = {}): Fleet {
  const rnd = seededRandom(options.seed ?? 42);
  const projects = options.projects ?? ['gpu-train-prod', 'gpu-serve-prod'];
  const now = options.now ?? new Date('2026-11-20T12:00:00Z');
  const count = options.gpuInstances ?? 500;
  const instances: FleetInstance[] = [];
  const statuses: InstanceStatus[] = ['RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'TERMINATED', 'REPAIRING', 'STAGING', 'SUSPENDED'];
  for (let i = 0; i < count; i++) {
    const shape = SHAPES[i % SHAPES.length] as FleetShape;
    const zone = FLEET_ZONES[Math.floor(rnd() * FLEET_ZONES.length)] as string;
    const project = projects[i % projects.length] as string;
    const status = statuses[Math.floor(rnd() * statuses.length)] as InstanceStatus;
    const agentRoll = rnd();
    const agent = shape.model.startsWith('TPU') ? 'none' : agentRoll < 0.4 ? 'dcgm' : agentRoll < 0.85 ? 'nvml' : 'none';
    const busy = rnd() < 0.6;
    const utilisation = Array.from({ length: shape.gpus }, () => (busy ? 40 + Math.floor(rnd() * 60) : Math.floor(rnd() * 4)));
    const memoryUsedBytes = Array.from({ length: shape.gpus }, () => Math.floor(rnd() * 16) * 1024 * 1024 * 1024);
    instances.push({
      project,
      zone,
      id: (5_000_000_000_000_000_000n + BigInt(i) * 7919n).toString(),
      name: `gpu-${shape.machineType}-${i.toString().padStart(4, '0')}`,
      status,
      shape,
      agent,
      utilisation,
      memoryUsedBytes,
      labels: { team: i % 3 === 0 ? 'research' : i % 3 === 1 ? 'serving' : 'platform' },
    });
  }
  const plain: FleetInstance[] = [];
  for (let i = 0; i < (options.plainInstances ?? 40); i++) {
    const zone = FLEET_ZONES[i % FLEET_ZONES.length] as string;
    plain.push({
      project: projects[i % projects.length] as string,
      zone,
      id: (6_000_000_000_000_000_000n + BigInt(i)).toString(),
      name: `web-${i}`,
      status: 'RUNNING',
      shape: { machineType: 'e2-standard-4', pricing: 'machine', model: 'none', gpus: 0 },
      agent: 'none',
      utilisation: [],
      memoryUsedBytes: [],
      labels: {},
    });
  }
  const tpuNodes: TpuNode[] = [
    { project: projects[0] as string, zone: 'us-central1-a', name: 'tpu-v5e-train', acceleratorType: 'v5litepod-8', topology: '2x4', state: 'READY', chips: 8, model: 'TPU v5e', dutyCycle: [88, 91, 77, 95, 90, 85, 70, 99] },
    { project: projects[0] as string, zone: 'us-east1-c', name: 'tpu-v4-eval', acceleratorType: 'v4-8', topology: '2x2x1', state: 'STOPPED', chips: 4, model: 'TPU v4', dutyCycle: null },
    { project: projects[projects.length - 1] as string, zone: 'europe-west4-a', name: 'tpu-v5p-big', acceleratorType: 'v5p-8', topology: '2x2x1', state: 'READY', chips: 4, model: 'TPU v5p', dutyCycle: null },
  ];

  // Billing: one row per GPU instance per hour per SKU, with sustained-use credits on some rows.
  const billing: BillingRow[] = [];
  const days = options.billingDays ?? 3;
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - (days - 1 + (options.billingLagDays ?? 0)) * 86_400_000;
  const billed = instances.slice(0, 60);
  for (let d = 0; d < days; d++) {
    for (let h = 0; h < 24; h += 6) {
      const start = new Date(dayStart + d * 86_400_000 + h * 3_600_000);
      const end = new Date(start.getTime() + 6 * 3_600_000);
      const month = `${start.getUTCFullYear()}${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
      for (const inst of billed) {
        const region = regionOfZone(inst.zone);
        const skus = [
          { id: 'GPU1-' + inst.shape.model.replace(/\W/g, ''), description: `Nvidia ${inst.shape.model} GPU running in ${region}` },
          { id: 'CORE-0001', description: `Instance Core running in ${region}` },
        ];
        for (const sku of skus) {
          const micros = 1_000_000 + Math.floor(rnd() * 90_000_000); // 1.000000 .. 91.000000
          const credits = rnd() < 0.3 ? [decimalOf(-Math.floor(micros * 0.2))] : [];
          billing.push({
            billingAccountId: '012345-6789AB-CDEF01',
            project: { id: inst.project, name: inst.project },
            service: { id: '6F81-5844-456A', description: 'Compute Engine' },
            sku,
            usageStart: start.toISOString(),
            usageEnd: end.toISOString(),
            location: { region, zone: inst.zone },
            cost: decimalOf(micros),
            credits,
            currency: 'USD',
            invoiceMonth: month,
            costType: 'regular',
            usageAmount: '21600',
            usageUnit: 'seconds',
            pricingAmount: '6',
            pricingUnit: 'hour',
            resource: {
              name: inst.name,
              globalName: `//compute.googleapis.com/projects/${inst.project}/zones/${inst.zone}/instances/${inst.id}`,
            },
            labels: inst.labels,
          });
        }
      }
    }
    // A project-level tax row without a resource.
    billing.push({
      billingAccountId: '012345-6789AB-CDEF01',
      project: { id: projects[0] as string, name: projects[0] as string },
      service: { id: '6F81-5844-456A', description: 'Compute Engine' },
      sku: { id: 'TAX-0001', description: 'Sales tax' },
      usageStart: new Date(dayStart + d * 86_400_000).toISOString(),
      usageEnd: new Date(dayStart + (d + 1) * 86_400_000).toISOString(),
      location: { region: null, zone: null },
      cost: '12.345678',
      credits: [],
      currency: 'USD',
      invoiceMonth: `${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`,
      costType: 'tax',
      usageAmount: '0',
      usageUnit: 'count',
      pricingAmount: '0',
      pricingUnit: 'count',
      resource: { name: null, globalName: null },
      labels: {},
    });
  }

  const loc = (id: string) => ({ title: `Region (${id})`, id });
  const update = (when: string, status: string, locs: string[]) => ({
    created: when, modified: when, when, text: `Update: ${status}`, status, affected_locations: locs.map(loc),
  });
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString().replace('Z', '+00:00');
  const gce = { title: 'Google Compute Engine', id: 'L3MkJZmD5Wy9Qx8D4UU3' };
  const incidents: StatusIncident[] = [
    // Ongoing, GCE, a region the fleet uses: counts.
    mkIncident('inc-gce-uscentral1', at(90), undefined, 'GPU VM creation failures in us-central1', 'SERVICE_DISRUPTION', 'medium', [gce], ['us-central1'], update),
    // Ongoing, GCE, a region the fleet does not use: filtered out.
    mkIncident('inc-gce-mecentral', at(60), undefined, 'Elevated errors in me-central2', 'SERVICE_OUTAGE', 'high', [gce], ['me-central2'], update),
    // Ongoing, another product in a fleet region: filtered out.
    mkIncident('inc-bq-uscentral1', at(30), undefined, 'BigQuery slow queries', 'SERVICE_DISRUPTION', 'medium', [{ title: 'BigQuery', id: 'bq123' }], ['us-central1'], update),
    // Ended two hours ago, GCE, europe-west4: passed on as ended.
    mkIncident('inc-gce-euw4-ended', at(600), at(120), 'Host errors on A3 VMs in europe-west4', 'SERVICE_OUTAGE', 'high', [gce], ['europe-west4'], update),
    // Ended a month ago: too old.
    mkIncident('inc-old', at(60 * 24 * 30), at(60 * 24 * 29), 'Old incident', 'SERVICE_OUTAGE', 'high', [gce], ['us-central1'], update),
  ];
  // Instance-level signals, set after the random draws so the rest of the fleet stays as it was:
  // host maintenance in progress and one planned two days ahead, a preempted Spot VM, a running one.
  const gpuVms = instances.filter((i) => !i.shape.model.startsWith('TPU'));
  const running = gpuVms.filter((i) => i.status === 'RUNNING');
  const iso = (ms: number) => new Date(ms).toISOString();
  const minute = 60_000;
  const [inMaintenance, planned, spotRunning, plannedLater] = running;
  if (inMaintenance) {
    inMaintenance.upcomingMaintenance = {
      type: 'SCHEDULED', maintenanceStatus: 'ONGOING', windowStartTime: iso(now.getTime() - 5 * minute), windowEndTime: iso(now.getTime() + 55 * minute), canReschedule: false,
    };
  }
  if (planned) {
    planned.upcomingMaintenance = {
      type: 'SCHEDULED', maintenanceStatus: 'PENDING', windowStartTime: iso(now.getTime() + 2 * 1440 * minute), windowEndTime: iso(now.getTime() + 2 * 1440 * minute + 60 * minute), canReschedule: true,
    };
  }
  if (plannedLater) {
    // Announced a week ahead, with the optional fields (type, canReschedule) absent.
    plannedLater.upcomingMaintenance = {
      maintenanceStatus: 'PENDING', windowStartTime: iso(now.getTime() + 6 * 1440 * minute), windowEndTime: iso(now.getTime() + 6 * 1440 * minute + 240 * minute),
    };
  }
  if (spotRunning) spotRunning.spot = true;
  const preempted = gpuVms.find((i) => i.status === 'TERMINATED');
  if (preempted) {
    preempted.spot = true;
    preempted.lastStopTimestamp = iso(now.getTime() - 25 * minute);
  }

  const psh = (
    eventId: string, title: string, product: string, locations: string[], startMinutesAgo: number, endMinutesAgo?: number,
  ): ServiceHealthEvent => ({
    eventId,
    title,
    description: `${title}. Customers may see errors.`,
    category: 'INCIDENT',
    state: endMinutesAgo === undefined ? 'ACTIVE' : 'CLOSED',
    detailedState: endMinutesAgo === undefined ? 'CONFIRMED' : 'RESOLVED',
    eventImpacts: locations.map((l) => ({ product: { productName: product, id: product.replaceAll(' ', '').slice(0, 8) }, location: { locationName: l } })),
    relevance: 'RELATED',
    updates: [{ updateTime: iso(now.getTime() - startMinutesAgo * minute + minute), title: 'Investigating', description: 'We are investigating.', workaround: 'Retry in another zone.' }],
    updateTime: iso(now.getTime() - (endMinutesAgo ?? 1) * minute),
    startTime: iso(now.getTime() - startMinutesAgo * minute),
    ...(endMinutesAgo === undefined ? {} : { endTime: iso(now.getTime() - endMinutesAgo * minute) }),
  });
  const serviceHealth: ServiceHealthEvent[] = [
    // The status feed's inc-gce-uscentral1 seen by PSH 5 minutes later: one outage.
    psh('psh-gce-uscentral1', 'Compute Engine GPU VM creation failures', 'Compute Engine', ['us-central1'], 85),
    // A product the fleet does not use, and a region it does not use: filtered out.
    psh('psh-spanner', 'Cloud Spanner latency', 'Cloud Spanner', ['us-central1'], 20),
    psh('psh-gce-me', 'Compute Engine errors', 'Compute Engine', ['me-central2'], 50),
    // The ended europe-west4 outage, closed.
    psh('psh-gce-euw4', 'A3 host errors', 'Google Compute Engine', ['europe-west4'], 598, 120),
  ];

  return { projects, instances, plainInstances: plain, tpuNodes, billing, incidents, serviceHealth, now };
}

function mkIncident(
  id: string,
  begin: string,
  end: string | undefined,
  desc: string,
  impact: string,
  severity: string,
  products: Array<{ title: string; id: string }>,
  locations: string[],
  update: (when: string, status: string, locs: string[]) => StatusIncident['most_recent_update'],
): StatusIncident {
  const latest = update(end ?? begin, end ? 'AVAILABLE' : impact, locations);
  const loc = locations.map((l) => ({ title: `Region (${l})`, id: l }));
  const inc: StatusIncident = {
    id,
    number: String(Math.abs(id.split('').reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7))),
    begin,
    created: begin,
    modified: end ?? begin,
    external_desc: desc,
    updates: [latest, update(begin, impact, locations)],
    most_recent_update: latest,
    status_impact: impact,
    severity,
    service_key: products[0]?.id ?? '',
    service_name: products.length > 1 ? 'Multiple Products' : (products[0]?.title ?? ''),
    affected_products: products,
    uri: `incidents/${id}`,
    currently_affected_locations: end ? [] : loc,
    previously_affected_locations: end ? loc : [],
  };
  if (end) inc.end = end;
  return inc;
}
