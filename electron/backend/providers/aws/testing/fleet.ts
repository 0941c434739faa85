/**
 * A generated multi-account, multi-region AWS GPU fleet for the loopback emulators, knowing its own
 * truth: which GPUs exist in which state, each GPU's utilisation, which machines publish CloudWatch
 * agent metrics, status checks, scheduled events and AWS Health events.
 */
import { seededRandom } from '../../common/testing/seeded-random';

/** What DescribeInstanceTypes answers for a type, and the model the pane must show. */
export interface FleetInstanceType {
  type: string;
  /** `partition`: a fractional GPU (GpuPartitionSize, g6f), whose `count` EC2 reports as 0 and `logicalGpuCount` as 1. */
  gpu?: { name: string; manufacturer: string; count: number; memoryMiB: number; partition?: number; logicalCount?: number };
  neuron?: { name: string; count: number; cores: number; memoryMiB: number };
  /** The GPU model the pane shows (catalog name, or the Neuron device with its memory). */
  model: string | null;
  accelerators: number;
}

export const INSTANCE_TYPES: readonly FleetInstanceType[] = [
  { type: 'p5.48xlarge', gpu: { name: 'H100', manufacturer: 'NVIDIA', count: 8, memoryMiB: 81_920 }, model: 'H100 80GB', accelerators: 8 },
  { type: 'p4d.24xlarge', gpu: { name: 'A100', manufacturer: 'NVIDIA', count: 8, memoryMiB: 40_960 }, model: 'A100 40GB', accelerators: 8 },
  { type: 'p6-b200.48xlarge', gpu: { name: 'B200', manufacturer: 'NVIDIA', count: 8, memoryMiB: 183_359 }, model: 'B200 180GB', accelerators: 8 },
  { type: 'g6e.12xlarge', gpu: { name: 'L40S', manufacturer: 'NVIDIA', count: 4, memoryMiB: 45_776 }, model: 'L40S 48GB', accelerators: 4 },
  { type: 'g5.xlarge', gpu: { name: 'A10G', manufacturer: 'NVIDIA', count: 1, memoryMiB: 22_888 }, model: 'A10G 24GB', accelerators: 1 },
  { type: 'trn1.32xlarge', neuron: { name: 'Trainium', count: 16, cores: 2, memoryMiB: 32_768 }, model: 'Trainium 32GB', accelerators: 16 },
  { type: 'm7i.2xlarge', model: null, accelerators: 0 },
];

export type InstanceStateName = 'pending' | 'running' | 'stopping' | 'stopped' | 'terminated';
const STATE_CODES: Record<InstanceStateName, number> = { pending: 0, running: 16, stopping: 64, stopped: 80, terminated: 48 };
export const stateCode = (s: InstanceStateName): number => STATE_CODES[s];

export interface FleetEvent {
  id: string;
  code: 'instance-retirement' | 'system-reboot' | 'system-maintenance' | 'instance-reboot';
  description: string;
  notBefore: number;
  notAfter: number | null;
}

export interface FleetInstance {
  id: string;
  accountId: string;
  region: string;
  zone: string;
  type: FleetInstanceType;
  state: InstanceStateName;
  name: string | null;
  tags: Record<string, string>;
  launchTime: number;
  capacityReservationId: string | null;
  /** Publishes nvidia_smi_* to CloudWatch (the CloudWatch agent with the nvidia_gpu section). */
  agent: boolean;
  /** The private DNS name DescribeInstances answers (the OS host name unless the image sets its own). */
  privateDnsName: string;
  privateIp: string;
  /** The agent's `host` dimension: the private DNS name, its first label, or a custom host name, in any case. */
  agentHost: string;
  /** The agent adds `InstanceId` (append_dimensions); otherwise its series name the machine by `host` only. */
  agentInstanceId: boolean;
  /** GPU indexes the agent publishes nothing for (fallen off the bus): not measured, never 0. */
  silentGpus: number[];
  /** Each GPU is also published under a second dimension set (the agent's config changed): one GPU still. */
  duplicateSeries: boolean;
  /** Also publishes an `index` beyond the machine's GPUs (a stale series of another shape). */
  phantomIndex: boolean;
  /** Its host is also another instance's (same private IP in two VPCs): its series cannot be told apart. */
  hostShared: boolean;
  /** Per accelerator, constant over the window (so truth is exact). */
  utilisation: number[];
  impaired: 'system' | 'instance' | null;
  events: FleetEvent[];
  /** Every optional element of DescribeInstances absent (a stopped machine: no private DNS or IP, no tags, no zone). */
  sparse?: boolean;
}

export interface FleetAccount {
  id: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  /** The member role Fleetpane assumes; false: its trust policy does not name the caller. */
  assumable: boolean;
  /** Has a Business/Enterprise support plan (AWS Health API). */
  healthApi: boolean;
}

export interface FleetHealthEvent {
  arn: string;
  accountId: string;
  service: string;
  eventTypeCode: string;
  eventTypeCategory: 'issue' | 'scheduledChange' | 'accountNotification';
  region: string;
  startTime: number;
  endTime: number | null;
  statusCode: 'open' | 'closed' | 'upcoming';
  /** Instance ids it names (DescribeAffectedEntities); other entities (volumes) too. */
  entities: string[];
  /** What DescribeEvents says of its scope (default: ACCOUNT_SPECIFIC when it names entities, else PUBLIC). */
  scope?: 'ACCOUNT_SPECIFIC' | 'PUBLIC';
  /** endTime left out of the answer even when it ended. */
  noEndTime?: boolean;
}

/** An On-Demand Capacity Reservation or a Capacity Block for ML that instances run in. */
export interface FleetReservation {
  id: string;
  accountId: string;
  region: string;
  instanceType: string;
  zone: string;
  start: number;
  /** null: open-ended (unlimited) reservation. */
  end: number | null;
  /** Set for Capacity Blocks for ML (reservationType capacity-block). */
  blockId: string | null;
}

export interface Fleet {
  now: Date;
  reservations: FleetReservation[];
  callerAccountId: string;
  roleName: string;
  accounts: FleetAccount[];
  regions: { name: string; optIn: 'opt-in-not-required' | 'opted-in' | 'not-opted-in' }[];
  instances: FleetInstance[];
  health: FleetHealthEvent[];
  /** CloudWatch agent series of machines that are not in the fleet (a laptop, a terminated box), per account and region. */
  strangers: { accountId: string; region: string; host: string; instanceId: string | null; index: number; utilisation: number }[];
}

/** One series the CloudWatch agent publishes: its dimensions, the GPU it really is (null: none of the fleet's), its value. */
export interface AgentSeries {
  accountId: string;
  region: string;
  dimensions: { Name: string; Value: string }[];
  owner: { instanceId: string; gpu: number } | null;
  utilisation: number;
}

export interface FleetOptions {
  seed?: number;
  /** GPU instances per account and region (non-GPU ones are added besides). */
  perRegion?: number;
  now?: Date;
  /**
   * Add the adversarial cases (account 111111111111, us-east-1): a machine with every optional
   * element absent, fractional GPUs (g6f), a type neither DescribeInstanceTypes nor the catalog
   * describes, scheduled events planned, in progress, completed and canceled, Health events without
   * endTime naming a volume, affected entities over several pages.
   */
  adversarial?: boolean;
}

/** A g6f.large: one eighth of an NVIDIA L4, as DescribeInstanceTypes reports it. */
export const G6F_LARGE: FleetInstanceType = { type: 'g6f.large', gpu: { name: 'L4', manufacturer: 'NVIDIA', count: 0, memoryMiB: 2861, partition: 0.125, logicalCount: 1 }, model: 'L4 24GB 1/8', accelerators: 1 };
/** An accelerated-family type EC2 answers without GpuInfo and the catalog does not list. */
export const UNDESCRIBED_TYPE: FleetInstanceType = { type: 'g9z.8xlarge', model: null, accelerators: 0 };

const MIN = 60_000;
const DAY = 86_400_000;

/** Builds the fleet: 3 listed accounts (one whose role cannot be assumed) plus a suspended one, 3 enabled regions. */
export function generateFleet(options: FleetOptions = {}): Fleet {
  const rnd = seededRandom(options.seed ?? 15);
  const now = options.now ?? new Date('2026-11-20T12:00:00Z');
  const t = now.getTime();
  const accounts: FleetAccount[] = [
    { id: '111111111111', name: 'ml-platform', status: 'ACTIVE', assumable: true, healthApi: true },
    { id: '222222222222', name: 'research', status: 'ACTIVE', assumable: true, healthApi: false },
    { id: '333333333333', name: 'sandbox', status: 'ACTIVE', assumable: false, healthApi: true },
    { id: '444444444444', name: 'closed', status: 'SUSPENDED', assumable: true, healthApi: true },
  ];
  const regions: Fleet['regions'] = [
    { name: 'us-east-1', optIn: 'opt-in-not-required' },
    { name: 'us-west-2', optIn: 'opt-in-not-required' },
    { name: 'eu-west-1', optIn: 'opt-in-not-required' },
    { name: 'ap-southeast-5', optIn: 'not-opted-in' },
  ];
  const enabled = regions.filter((r) => r.optIn !== 'not-opted-in').map((r) => r.name);
  const perRegion = options.perRegion ?? 9;
  const gpuTypes = INSTANCE_TYPES.filter((x) => x.accelerators > 0);
  const plain = INSTANCE_TYPES.find((x) => x.accelerators === 0) as FleetInstanceType;
  const instances: FleetInstance[] = [];
  let serial = 0;
  const hex = (n: number) => n.toString(16).padStart(17, '0');
  for (const acct of accounts) {
    for (const region of enabled) {
      for (let i = 0; i < perRegion + 2; i++) {
        serial += 1;
        const type = i >= perRegion ? plain : (gpuTypes[Math.floor(rnd() * gpuTypes.length)] as FleetInstanceType);
        const roll = rnd();
        const state: InstanceStateName = roll < 0.62 ? 'running' : roll < 0.8 ? 'stopped' : roll < 0.87 ? 'pending' : roll < 0.93 ? 'stopping' : 'terminated';
        const named = rnd() < 0.85; // optional Name tag absent on some
        const tags: Record<string, string> = { team: rnd() < 0.5 ? 'training' : 'inference' };
        if (named) tags['Name'] = `${acct.name}-${region}-${i}`;
        const busy = rnd();
        instances.push({
          id: `i-${hex(serial * 7919)}`,
          accountId: acct.id,
          region,
          zone: `${region}${'abc'[i % 3] as string}`,
          type,
          state,
          name: named ? (tags['Name'] as string) : null,
          tags,
          launchTime: t - Math.floor(rnd() * 30) * DAY - 3600_000,
          capacityReservationId: type.type === 'p5.48xlarge' ? `cr-${hex(serial)}` : null,
          agent: rnd() < 0.8,
          privateDnsName: '',
          privateIp: '',
          agentHost: '',
          agentInstanceId: true,
          silentGpus: [],
          duplicateSeries: false,
          phantomIndex: false,
          hostShared: false,
          utilisation: Array.from({ length: type.accelerators }, () => (busy < 0.3 ? Math.round(rnd() * 3 * 10) / 10 : 20 + Math.round(rnd() * 780) / 10)),
          impaired: null,
          events: [],
        });
      }
    }
  }
  // Specific cases on running GPU instances of the two readable accounts.
  const running = instances.filter((x) => x.state === 'running' && x.type.accelerators > 0 && x.accountId !== '333333333333' && x.accountId !== '444444444444');
  const pick = (k: number) => running[k % running.length] as FleetInstance;
  pick(0).impaired = 'system';
  pick(1).impaired = 'instance';
  pick(2).events.push({ id: 'instance-event-0aa11', code: 'system-maintenance', description: 'Scheduled system maintenance', notBefore: t - 30 * MIN, notAfter: t + 90 * MIN });
  pick(3).events.push({ id: 'instance-event-0bb22', code: 'instance-retirement', description: 'The instance is running on degraded hardware', notBefore: t + 3 * DAY, notAfter: null });
  pick(4).events.push({ id: 'instance-event-0cc33', code: 'system-reboot', description: '[Completed] Scheduled reboot', notBefore: t - 3 * DAY, notAfter: t - 3 * DAY + 2 * 3600_000 });
  // One GPU machine with the agent whose first GPU is idle and the rest busy.
  const mixed = pick(5);
  mixed.agent = true;
  mixed.utilisation = mixed.utilisation.map((_, g) => (g === 0 ? 1.5 : 64));

  const strangers = adversarialAgents(instances, running, mixed, enabled, options.seed ?? 15);

  const openIssueTarget = running.find((x) => x.region === 'us-east-1' && x.accountId === '111111111111') ?? pick(6);
  const health: FleetHealthEvent[] = [
    {
      arn: `arn:aws:health:us-east-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_ABC123`,
      accountId: openIssueTarget.accountId,
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE',
      eventTypeCategory: 'issue',
      region: openIssueTarget.region,
      startTime: t - 45 * MIN,
      endTime: null,
      statusCode: 'open',
      entities: [openIssueTarget.id],
    },
    {
      arn: `arn:aws:health:eu-west-1::event/EC2/AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED/OLD1`,
      accountId: '111111111111',
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_INSTANCE_STORE_DRIVE_PERFORMANCE_DEGRADED',
      eventTypeCategory: 'issue',
      region: 'eu-west-1',
      startTime: t - 20 * DAY,
      endTime: t - 19 * DAY,
      statusCode: 'closed',
      entities: [],
    },
    {
      arn: `arn:aws:health:ap-northeast-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/TOKYO1`,
      accountId: '111111111111',
      service: 'EC2',
      eventTypeCode: 'AWS_EC2_OPERATIONAL_ISSUE',
      eventTypeCategory: 'issue',
      region: 'ap-northeast-1',
      startTime: t - 10 * MIN,
      endTime: null,
      statusCode: 'open',
      entities: [],
    },
    {
      arn: `arn:aws:health:us-west-2::event/S3/AWS_S3_OPERATIONAL_ISSUE/S3X`,
      accountId: '111111111111',
      service: 'S3',
      eventTypeCode: 'AWS_S3_OPERATIONAL_ISSUE',
      eventTypeCategory: 'issue',
      region: 'us-west-2',
      startTime: t - 15 * MIN,
      endTime: null,
      statusCode: 'open',
      entities: [],
    },
  ];
  if (options.adversarial) addAdversarialCases(instances, health, t);
  const reservations: FleetReservation[] = [];
  for (const x of instances) {
    if (!x.capacityReservationId || reservations.some((r) => r.id === x.capacityReservationId)) continue;
    const block = reservations.length % 2 === 0;
    reservations.push({
      id: x.capacityReservationId,
      accountId: x.accountId,
      region: x.region,
      instanceType: x.type.type,
      zone: x.zone,
      start: block ? t - 2 * DAY : t - 90 * DAY,
      end: block ? t + 5 * DAY : null,
      blockId: block ? `cb-${x.capacityReservationId.slice(3)}` : null,
    });
  }
  return { now, reservations, callerAccountId: '111111111111', roleName: 'FleetpaneReadOnly', accounts, regions, instances, health, strangers };
}

/** An instance's private DNS name as EC2 forms it: `ec2.internal` in us-east-1, `<region>.compute.internal` elsewhere. */
export function privateDnsNameOf(ip: string, region: string): string {
  return `ip-${ip.replaceAll('.', '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;
}

/**
 * Host names and agent dimension sets as real fleets have them (own random stream, so the rest of the
 * fleet is what it was): most agents without `InstanceId`, hosts as full DNS names, first labels in
 * upper case, custom names equal to the Name tag, a GPU with no series, doubled and phantom series,
 * two instances sharing one private IP in two VPCs, and series of machines outside the fleet.
 */
function adversarialAgents(instances: FleetInstance[], running: FleetInstance[], mixed: FleetInstance, regions: string[], seed: number): Fleet['strangers'] {
  const rnd = seededRandom(seed * 31 + 7);
  instances.forEach((x, k) => {
    x.privateIp = `10.${(k >> 8) & 255}.${k & 255}.${10 + (k % 200)}`;
    x.privateDnsName = privateDnsNameOf(x.privateIp, x.region);
    const label = x.privateDnsName.split('.')[0] as string;
    const roll = rnd();
    x.agentInstanceId = roll < 0.35;
    x.agentHost = roll < 0.6 ? x.privateDnsName : roll < 0.8 || !x.name ? (k % 2 === 0 ? label.toUpperCase() : label) : k % 2 === 0 ? x.name.toUpperCase() : x.name;
    x.silentGpus = x.type.accelerators >= 4 && rnd() < 0.25 ? [x.type.accelerators - 1] : [];
    x.duplicateSeries = rnd() < 0.2;
    x.phantomIndex = rnd() < 0.15;
  });
  // The idle-and-busy machine stays fully measured (its first GPU is the idle one the tests look for).
  mixed.silentGpus = [];
  // Two running agents of one account and region with one private IP (two VPCs), both named by host only.
  const byPlace = new Map<string, FleetInstance[]>();
  for (const x of running) if (x !== mixed && x.agent) byPlace.set(`${x.accountId}/${x.region}`, [...(byPlace.get(`${x.accountId}/${x.region}`) ?? []), x]);
  const pair = [...byPlace.values()].find((xs) => xs.length >= 2);
  if (pair) {
    const [a, b] = pair as [FleetInstance, FleetInstance];
    b.privateIp = a.privateIp;
    b.privateDnsName = a.privateDnsName;
    for (const x of [a, b]) {
      x.agentInstanceId = false;
      x.agentHost = x.privateDnsName.split('.')[0] as string;
      x.hostShared = true;
      x.duplicateSeries = false;
    }
  }
  const strangers: Fleet['strangers'] = [];
  for (const region of regions) {
    strangers.push({ accountId: '111111111111', region, host: privateDnsNameOf('172.31.250.9', region), instanceId: null, index: 0, utilisation: 100 });
    strangers.push({ accountId: '111111111111', region, host: 'ip-172-31-250-10', instanceId: 'i-0deadbeefdeadbeef', index: 1, utilisation: 100 });
    strangers.push({ accountId: '222222222222', region, host: 'build-runner-7', instanceId: null, index: 0, utilisation: 100 });
  }
  return strangers;
}

/** Every CloudWatch agent series the fleet publishes now, with the GPU each really is. */
export function agentSeries(fleet: Fleet): AgentSeries[] {
  const out: AgentSeries[] = [];
  for (const x of fleet.instances) {
    if (!x.agent || x.state !== 'running' || !x.type.gpu) continue;
    const gpuName = `NVIDIA ${x.type.gpu.name}`;
    const dims = (g: number, withId: boolean) => [
      { Name: 'host', Value: x.agentHost },
      ...(withId ? [{ Name: 'InstanceId', Value: x.id }, { Name: 'InstanceType', Value: x.type.type }] : []),
      { Name: 'index', Value: String(g) },
      { Name: 'name', Value: gpuName },
    ];
    for (let g = 0; g < x.type.accelerators; g++) {
      if (x.silentGpus.includes(g)) continue;
      const utilisation = x.utilisation[g] as number;
      out.push({ accountId: x.accountId, region: x.region, dimensions: dims(g, x.agentInstanceId), owner: { instanceId: x.id, gpu: g }, utilisation });
      // The second set: the other choice of append_dimensions, the same GPU and reading.
      if (x.duplicateSeries) out.push({ accountId: x.accountId, region: x.region, dimensions: dims(g, !x.agentInstanceId), owner: { instanceId: x.id, gpu: g }, utilisation });
    }
    if (x.phantomIndex) out.push({ accountId: x.accountId, region: x.region, dimensions: dims(x.type.accelerators, x.agentInstanceId), owner: null, utilisation: 100 });
  }
  for (const s of fleet.strangers) {
    const dimensions = [{ Name: 'host', Value: s.host }, ...(s.instanceId ? [{ Name: 'InstanceId', Value: s.instanceId }] : []), { Name: 'index', Value: String(s.index) }, { Name: 'name', Value: 'NVIDIA A10G' }];
    out.push({ accountId: s.accountId, region: s.region, dimensions, owner: null, utilisation: s.utilisation });
  }
  return out;
}

/**
 * Whether a GPU's series can be told to be that GPU's: published, and named by `InstanceId` or by a
 * host no other instance of its account and region has. The rest are "not measured", never 0.
 */
export function gpuAttributable(x: FleetInstance, g: number): boolean {
  return x.agent && x.state === 'running' && x.type.gpu !== undefined && !x.silentGpus.includes(g) && !x.hostShared;
}

/** Accounts the connector can read: active, role assumable (the caller's own needs no role). */
export function readableAccounts(fleet: Fleet): FleetAccount[] {
  return fleet.accounts.filter((a) => a.status === 'ACTIVE' && (a.assumable || a.id === fleet.callerAccountId));
}

/** Instances the pane must show: GPU or Neuron machines, not terminated, in readable accounts. */
export function visibleInstances(fleet: Fleet): FleetInstance[] {
  const ok = new Set(readableAccounts(fleet).map((a) => a.id));
  return fleet.instances.filter((x) => ok.has(x.accountId) && x.type.accelerators > 0 && x.state !== 'terminated');
}

/** The adversarial cases of FleetOptions.adversarial, appended so the rest of the fleet is unchanged. */
function addAdversarialCases(instances: FleetInstance[], health: FleetHealthEvent[], t: number): void {
  const base = { accountId: '111111111111', region: 'us-east-1', zone: 'us-east-1a', launchTime: t - DAY, capacityReservationId: null, agent: false, impaired: null, events: [] as FleetEvent[] };
  const p5 = INSTANCE_TYPES.find((x) => x.type === 'p5.48xlarge') as FleetInstanceType;
  const add = (id: string, type: FleetInstanceType, state: InstanceStateName, extra: Partial<FleetInstance> = {}): FleetInstance => {
    const privateIp = `10.250.0.${10 + instances.length % 200}`;
    const x: FleetInstance = {
      ...base, id, type, state, name: id, tags: { Name: id }, utilisation: Array.from({ length: type.accelerators }, () => 50),
      privateIp, privateDnsName: privateDnsNameOf(privateIp, base.region), agentHost: '', agentInstanceId: true,
      silentGpus: [], duplicateSeries: false, phantomIndex: false, hostShared: false,
      ...extra,
    };
    instances.push(x);
    return x;
  };
  add('i-0adv0000000sparse', p5, 'stopped', { sparse: true, name: null, tags: {} });
  add('i-0adv00000g6f00001', G6F_LARGE, 'running');
  add('i-0adv00000g6f00002', G6F_LARGE, 'stopped');
  add('i-0adv0000undescrib', UNDESCRIBED_TYPE, 'running');
  const ev = (id: string, code: FleetEvent['code'], description: string, notBefore: number, notAfter: number | null): FleetEvent => ({ id, code, description, notBefore, notAfter });
  add('i-0adv000000events1', p5, 'running', {
    events: [
      ev('instance-event-planned', 'system-maintenance', 'Scheduled system maintenance', t + 3 * DAY, t + 3 * DAY + 2 * 3600_000),
      ev('instance-event-inside', 'system-reboot', 'Scheduled system reboot', t - 10 * MIN, t + 50 * MIN),
      ev('instance-event-canceled', 'system-maintenance', '[Canceled] Scheduled system maintenance', t - 5 * MIN, t + 55 * MIN),
      ev('instance-event-completed', 'instance-reboot', '[Completed] Scheduled instance reboot', t - 2 * DAY, t - 2 * DAY + 3600_000),
      ev('instance-event-canceled-ahead', 'instance-retirement', '[Canceled] The instance is running on degraded hardware', t + 2 * DAY, null),
    ],
  });
  const linked = Array.from({ length: 5 }, (_, k) => add(`i-0adv0000000linked${k}`, p5, 'running'));
  health.push(
    {
      arn: 'arn:aws:health:us-east-1::event/EBS/AWS_EBS_VOLUME_LOST/ADVVOL1',
      accountId: '111111111111', service: 'EBS', eventTypeCode: 'AWS_EBS_VOLUME_LOST', eventTypeCategory: 'issue', region: 'us-east-1',
      startTime: t - 20 * MIN, endTime: null, statusCode: 'open', scope: 'ACCOUNT_SPECIFIC',
      // A volume first, then instances over several pages of DescribeAffectedEntities.
      entities: ['vol-0123456789abcdef0', ...linked.map((x) => x.id)],
    },
    {
      arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_NETWORK_CONNECTIVITY_ISSUE/ADVCLOSED',
      accountId: '111111111111', service: 'EC2', eventTypeCode: 'AWS_EC2_NETWORK_CONNECTIVITY_ISSUE', eventTypeCategory: 'issue', region: 'us-east-1',
      startTime: t - 3 * 3600_000, endTime: t - 2 * 3600_000, statusCode: 'closed', scope: 'PUBLIC', noEndTime: true, entities: [],
    },
    {
      arn: 'arn:aws:health:us-east-1::event/EC2/AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED/ADVUPCOMING',
      accountId: '111111111111', service: 'EC2', eventTypeCode: 'AWS_EC2_PERSISTENT_INSTANCE_RETIREMENT_SCHEDULED', eventTypeCategory: 'scheduledChange', region: 'us-east-1',
      startTime: t + 4 * DAY, endTime: null, statusCode: 'upcoming', scope: 'ACCOUNT_SPECIFIC', noEndTime: true, entities: [linked[0]?.id ?? ''],
    },
  );
}
