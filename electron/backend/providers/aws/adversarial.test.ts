import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuResource, Incident } from '../../../../shared/domain';
import { UnavailableError } from '../types';
import { G6F_LARGE, UNDESCRIBED_TYPE } from './testing/fleet';
import { startAwsHarness, type AwsHarness } from './testing/harness';

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}
const ctx = (now: Date) => ({ signal: new AbortController().signal, now });

describe('aws connector against an adversarial EC2 and AWS Health (answers as AWS documents them)', () => {
  let h: AwsHarness;
  let inventory: GpuResource[];
  let diagnostics: ReturnType<NonNullable<ReturnType<AwsHarness['connector']>['diagnostics']>>;

  beforeAll(async () => {
    h = await startAwsHarness({ adversarial: true });
    const c = h.connector();
    inventory = await collect(c.inventory(ctx(h.fleet.now)));
    diagnostics = c.diagnostics?.() as typeof diagnostics;
  });
  afterAll(async () => h?.close());

  it('maps a stopped machine with every optional element absent (no tags, no private DNS or IP, no zone, no reservation, empty lifecycle)', () => {
    const sparse = inventory.find((r) => r.id === 'i-0adv0000000sparse');
    expect(sparse).toMatchObject({ name: 'i-0adv0000000sparse', zone: null, powerState: 'stopped', gpuModel: 'H100 80GB', gpuCount: 8 });
    expect(Object.keys(sparse?.tags ?? {}).sort()).toEqual(['aws:accountId', 'aws:accountName', 'fleetpane:machine']);
  });

  it('counts a fractional GPU (g6f, GpuPartitionSize 0.125, Count 0) as one slice of an L4 under its own model, priced per slice, never crashing', () => {
    const slices = inventory.filter((r) => r.instanceType === G6F_LARGE.type);
    expect(slices.map((r) => r.id).sort()).toEqual(['i-0adv00000g6f00001', 'i-0adv00000g6f00002']);
    for (const r of slices) {
      expect(r).toMatchObject({ gpuModel: 'L4 24GB 1/8', gpuCount: 1, gpuMemoryGiB: 2.8, tags: expect.objectContaining({ 'aws:gpuPartition': '1/8' }) });
      expect(r.gpuUuids).toHaveLength(1);
      // The catalog has no g6f price: a coverage gap naming type and region, never a $0 (nor an infinite per-GPU) price.
      expect(r.hourlyPrice).toBeNull();
      expect(r.coverageGaps).toContainEqual({ kind: 'price', reason: 'no hourly price for g6f.large in us-east-1: the GPU catalog does not list it' });
    }
  });

  it('names an accelerated-family type neither DescribeInstanceTypes nor the catalog describes, instead of dropping it silently', () => {
    expect(inventory.some((r) => r.instanceType === UNDESCRIBED_TYPE.type)).toBe(false);
    const note = diagnostics.access.find((a) => a.operation === 'ec2:DescribeInstanceTypes (GPU facts)');
    expect(note?.scope).toBe('account ml-platform (111111111111) us-east-1');
    expect(note?.message).toContain('g9z.8xlarge (1 machine)');
  });

  it('lists scheduled events ahead as planned, inside their window as active, and leaves [Completed]/[Canceled] ones out', async () => {
    const incidents: Incident[] = await collect(h.connector().incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const ids = incidents.filter((i) => i.source === 'maintenance').map((i) => i.id.split(':').pop());
    expect(ids).toContain('instance-event-planned');
    expect(ids).toContain('instance-event-inside');
    expect(ids).not.toContain('instance-event-canceled');
    expect(ids).not.toContain('instance-event-completed');
    expect(ids).not.toContain('instance-event-canceled-ahead');
    const now = h.fleet.now.getTime();
    const planned = incidents.find((i) => i.id.endsWith('instance-event-planned')) as Incident;
    expect(Date.parse(planned.startedAt)).toBeGreaterThan(now + 2 * 86_400_000);
    const inside = incidents.find((i) => i.id.endsWith('instance-event-inside')) as Incident;
    expect(Date.parse(inside.startedAt)).toBeLessThan(now);
    expect(Date.parse(inside.endedAt ?? '')).toBeGreaterThan(now);
  });

  it('links AWS Health entities over every DescribeAffectedEntities page, ignores a volume, and reads events without endTime', async () => {
    const incidents: Incident[] = await collect(h.connector().incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const volume = incidents.find((i) => i.id.endsWith('ADVVOL1'));
    expect(volume?.resourceIds.sort()).toEqual([0, 1, 2, 3, 4].map((k) => `i-0adv0000000linked${k}`));
    expect(volume?.endedAt).toBeNull();
    // A closed PUBLIC event without endTime ended at its last update, not open for ever.
    const closed = incidents.find((i) => i.id.endsWith('ADVCLOSED'));
    expect(closed?.endedAt).not.toBeNull();
    expect(closed?.resourceIds).toEqual([]);
    // An upcoming scheduled change: maintenance starting days ahead (planned on the pane).
    const upcoming = incidents.find((i) => i.id.endsWith('ADVUPCOMING'));
    expect(upcoming).toMatchObject({ severity: 'maintenance', endedAt: null });
    expect(Date.parse(upcoming?.startedAt ?? '')).toBeGreaterThan(h.fleet.now.getTime());
    expect(h.emulator.requests.filter((r) => r.action === 'DescribeAffectedEntities').length).toBeGreaterThan(2);
  });

  it('fails the listing when a DescribeInstances page answers 500 after the SDK retries (nothing half-listed is yielded)', async () => {
    h.emulator.faults.failSecondPage.set('DescribeInstances', 500);
    try {
      const c = h.connector();
      const got: GpuResource[] = [];
      const err = await (async () => {
        for await (const batch of c.inventory(ctx(h.fleet.now))) got.push(...batch);
      })().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect((err as Error).message).toContain('ec2:DescribeInstances');
      // The region whose page 2 failed yielded nothing of its page 1.
      expect(got.some((r) => r.tags['aws:accountId'] === '111111111111' && r.region === 'us-east-1')).toBe(false);
    } finally {
      h.emulator.faults.failSecondPage.clear();
    }
  });

  it.each([
    ['404', 404 as const, 'HTTP 404'],
    ['UnsupportedOperation', 400 as const, 'UnsupportedOperation'],
  ])('records optional calls the endpoint does not offer (%s) naming the action, and completes the inventory', async (_label, status, said) => {
    for (const a of ['DescribeCapacityReservations', 'DescribeInstanceStatus', 'DescribeInstanceTypes']) h.emulator.faults.unsupported.set(a, status);
    try {
      const c = h.connector();
      const got = await collect(c.inventory(ctx(h.fleet.now)));
      expect(got.length).toBeGreaterThan(20);
      // The catalog still knows p5: its machines are counted without DescribeInstanceTypes.
      expect(got.some((r) => r.instanceType === 'p5.48xlarge')).toBe(true);
      const ops = new Set(c.access().map((a) => a.operation));
      for (const op of ['ec2:DescribeCapacityReservations', 'ec2:DescribeInstanceStatus', 'ec2:DescribeInstanceTypes']) expect(ops, op).toContain(op);
      expect(c.access().find((a) => a.operation === 'ec2:DescribeInstanceStatus')?.message).toContain(said);
      // Status checks not read: every machine's health is unknown, never ok.
      expect(got.every((r) => r.health === 'unknown')).toBe(true);
    } finally {
      h.emulator.faults.unsupported.clear();
    }
  });

  it('leaves health unknown (never ok) where DescribeInstanceStatus is denied, running or stopped', async () => {
    h.emulator.faults.deny.add('111111111111:DescribeInstanceStatus');
    try {
      const c = h.connector();
      const got = await collect(c.inventory(ctx(h.fleet.now)));
      const mine = got.filter((r) => r.tags['aws:accountId'] === '111111111111');
      expect(mine.some((r) => r.powerState === 'stopped')).toBe(true);
      expect(mine.every((r) => r.health === 'unknown' && (r.healthReason ?? '').includes('ec2:DescribeInstanceStatus denied'))).toBe(true);
      expect(got.some((r) => r.tags['aws:accountId'] === '222222222222' && r.health === 'ok')).toBe(true);
      expect(c.access().find((a) => a.operation === 'ec2:DescribeInstanceStatus')?.status).toBe('denied');
    } finally {
      h.emulator.faults.deny.clear();
    }
  });

  it('does not own the account\'s cost rows without spend (bills false), and does with it', () => {
    expect(h.connector().bills).toBe(false);
    expect(h.connector({ spend: { bucket: 'acme-billing', region: 'us-east-1' } }).bills).toBe(true);
  });
});
