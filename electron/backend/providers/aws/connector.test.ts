import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuResource, GpuSample, Incident } from '../../../../shared/domain';
import { AuthError, ThrottledError } from '../types';
import { BASE_CREDENTIALS, startAwsHarness, type AwsHarness } from './testing/harness';
import { gpuAttributable, readableAccounts, visibleInstances } from './testing/fleet';

async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}
const ctx = (now: Date) => ({ signal: new AbortController().signal, now });
const MIN = 60_000;

describe('aws connector against the loopback emulators (organization of 4 accounts, 3 enabled regions)', () => {
  let h: AwsHarness;
  let inventory: GpuResource[];
  let diagnostics: ReturnType<NonNullable<ReturnType<AwsHarness['connector']>['diagnostics']>>;

  beforeAll(async () => {
    h = await startAwsHarness();
    // A listing throttled once half-way through its pages: the SDK's retry carries on from that page.
    h.emulator.faults.throttleSecondPageOnce.add('DescribeInstances');
    const c = h.connector();
    inventory = await collect(c.inventory(ctx(h.fleet.now)));
    diagnostics = c.diagnostics?.() as typeof diagnostics;
  });
  afterAll(async () => h?.close());

  it('lists every GPU and Neuron instance of the readable accounts in every enabled region, and nothing else', () => {
    const visible = visibleInstances(h.fleet);
    expect(visible.length).toBeGreaterThan(30);
    expect(inventory.map((r) => r.id).sort()).toEqual(visible.map((x) => x.id).sort());
    expect(new Set(inventory.map((r) => r.region))).toEqual(new Set(['us-east-1', 'us-west-2', 'eu-west-1']));
    expect(new Set(inventory.map((r) => r.tags['aws:accountId']))).toEqual(new Set(readableAccounts(h.fleet).map((a) => a.id)));
    const power = { running: 'running', stopped: 'stopped', pending: 'starting', stopping: 'stopping' } as Record<string, string>;
    for (const x of visible) {
      const r = inventory.find((i) => i.id === x.id) as GpuResource;
      expect(r.powerState, x.id).toBe(power[x.state]);
      expect(r.gpuModel, x.type.type).toBe(x.type.model);
      expect(r.gpuCount).toBe(x.type.accelerators);
      expect(r.zone).toBe(x.zone);
      expect(r.name).toBe(x.name ?? x.id);
      expect(r.tags['team']).toBe(x.tags['team']);
      expect(r.tags['aws:capacityReservationId']).toBe(x.capacityReservationId ?? undefined);
      expect(r.health, x.id).toBe(x.impaired ? 'unavailable' : 'ok');
      if (x.impaired) expect(r.healthReason).toContain(`${x.impaired} status check impaired`);
    }
  });

  it('takes GPU model facts from the catalog where it knows the type, from GpuInfo otherwise, and Neuron devices as accelerators', () => {
    const p5 = inventory.find((r) => r.instanceType === 'p5.48xlarge' && r.region === 'us-east-1');
    expect(p5).toMatchObject({ gpuModel: 'H100 80GB', gpuMemoryGiB: 80, hourlyPrice: expect.any(String) });
    const b200 = inventory.find((r) => r.instanceType === 'p6-b200.48xlarge');
    expect(b200?.gpuModel).toBe('B200 180GB');
    expect(b200?.coverageGaps?.some((g) => g.kind === 'price')).toBe(true);
    const trn = inventory.find((r) => r.instanceType === 'trn1.32xlarge');
    expect(trn).toMatchObject({ gpuModel: 'Trainium 32GB', gpuCount: 16, tags: expect.objectContaining({ 'aws:accelerator': 'neuron' }) });
    // Capacity Reservations and Capacity Blocks for ML: their kind, start and end on the machine.
    for (const cr of h.fleet.reservations.filter((x) => x.accountId !== '333333333333' && x.accountId !== '444444444444')) {
      for (const r of inventory.filter((i) => i.tags['aws:capacityReservationId'] === cr.id)) {
        expect(r.tags['aws:capacityReservationType']).toBe(cr.blockId ? 'capacity-block' : 'on-demand-reservation');
        expect(r.tags['aws:capacityReservationStart']).toBe(new Date(cr.start).toISOString());
        expect(r.tags['aws:capacityReservationEnd']).toBe(cr.end === null ? undefined : new Date(cr.end).toISOString());
        expect(r.tags['aws:capacityBlockId']).toBe(cr.blockId ?? undefined);
      }
    }
    expect(inventory.filter((r) => r.tags['aws:capacityReservationType'] === 'capacity-block').length).toBeGreaterThan(0);
    // DescribeInstanceTypes is cached: a type is asked about once (pages of 2 here), never per instance or account.
    expect(h.emulator.calls.get('DescribeInstanceTypes')).toBeLessThanOrEqual(6);
  });

  it('lists the member account whose role cannot be assumed, with the trust to add, and reads the others', () => {
    const denied = diagnostics.access.find((a) => a.operation === 'sts:AssumeRole');
    expect(denied?.scope).toContain('333333333333');
    expect(denied?.fix).toContain('arn:aws:iam::333333333333:role/FleetpaneReadOnly');
    // One AssumeRole per member account tried (222 read, 333 refused), however many clients use the role.
    expect(h.emulator.calls.get('AssumeRole')).toBe(2);
    // The suspended account is not tried.
    expect(diagnostics.access.some((a) => a.scope.includes('444444444444'))).toBe(false);
    // Paged (2 reservations of 2 instances a page) in each of 2 readable accounts x 3 regions: one call per page.
    const listed = (a: string, r: string) => h.fleet.instances.filter((x) => x.accountId === a && x.region === r && ['pending', 'running', 'stopping', 'stopped'].includes(x.state) && /^(p|g|trn|inf|dl)/.test(x.type.type)).length;
    const pages = readableAccounts(h.fleet).flatMap((a) => ['us-east-1', 'us-west-2', 'eu-west-1'].map((r) => Math.max(1, Math.ceil(Math.ceil(listed(a.id, r) / 2) / 2))));
    const expectedPages = pages.reduce((x, y) => x + y, 0);
    expect(expectedPages).toBeGreaterThan(12);
    expect(diagnostics.calls.find((c) => c.operation === 'ec2:DescribeInstances')?.calls).toBe(expectedPages);
    // The one throttled page reached the emulator twice (the SDK's retry, attempt 2); no page was asked twice by us.
    const sent = h.emulator.requests.filter((r) => r.action === 'DescribeInstances');
    expect(sent).toHaveLength(expectedPages + 1);
    expect(sent.filter((r) => r.attempt === 2)).toHaveLength(1);
    const firsts = sent.filter((r) => r.attempt === 1).map((r) => `${r.accessKey} ${r.region} ${r.nextToken ?? ''}`);
    expect(new Set(firsts).size).toBe(firsts.length);
  });

  it('signs with the assumed role\'s credentials for member accounts (the emulator recomputes every SigV4 signature)', async () => {
    // Every request so far verified against its key's secret, member accounts' included.
    expect(h.emulator.signatureFailures()).toBe(0);
    expect(h.emulator.requests.some((r) => r.accessKey === 'ASIAROLE222222222222' && r.action === 'DescribeInstances')).toBe(true);
    // The check is real: the member's key signed with the base secret (not the role's) is refused.
    const forged = new EC2Client({
      region: 'us-east-1',
      endpoint: h.emulator.endpoint('ec2'),
      maxAttempts: 1,
      credentials: { accessKeyId: 'ASIAROLE222222222222', secretAccessKey: BASE_CREDENTIALS.secretAccessKey, sessionToken: 'session-222222222222' },
    });
    const err = await forged.send(new DescribeRegionsCommand({})).catch((e: unknown) => e);
    expect((err as { name?: string }).name).toBe('SignatureDoesNotMatch');
    expect(h.emulator.signatureFailures()).toBe(1);
    forged.destroy();
  });

  it('reads per-GPU samples from the CloudWatch agent metrics, at most 500 queries a call, paged, merged per minute', async () => {
    const c = h.connector({ metrics: { cloudwatch: { extras: ['memory', 'power', 'temperature'] } } });
    const from = h.fleet.now.getTime() - 60 * MIN;
    const samples: GpuSample[] = await collect(c.metrics({ ...ctx(h.fleet.now), from, to: h.fleet.now.getTime(), resources: inventory }));
    expect(Math.max(...h.emulator.metricQueriesPerCall)).toBeLessThanOrEqual(500);
    const measured = visibleInstances(h.fleet).filter((x) => x.state === 'running' && x.agent && x.type.gpu && !x.hostShared);
    for (const x of measured) {
      for (let g = 0; g < x.type.accelerators; g++) {
        const mine = samples.filter((s) => s.resourceId === x.id && s.gpuIndex === g);
        // A GPU the agent publishes nothing for has no samples at all: not measured, never 0.
        if (!gpuAttributable(x, g)) {
          expect(mine, `${x.id} gpu ${g}`).toEqual([]);
          continue;
        }
        expect(mine.length, `${x.id} gpu ${g}`).toBe(60);
        expect(new Set(mine.map((s) => s.utilisation))).toEqual(new Set([x.utilisation[g]]));
        expect(mine[0]).toMatchObject({ utilSource: 'provider', memoryUsedMiB: 1024 + g * 10, temperatureC: expect.any(Number), powerWatts: expect.any(Number) });
      }
    }
    // Every sample belongs to a measured GPU: a machine without the agent has no samples (not zeros).
    const ids = new Set(measured.map((x) => x.id));
    expect(samples.every((s) => ids.has(s.resourceId))).toBe(true);
    const unmeasured = c.unmeasured().map((u) => u.resourceId).sort();
    const expected = visibleInstances(h.fleet).filter((x) => x.state === 'running' && (!x.agent || x.hostShared) && x.type.gpu).map((x) => x.id).sort();
    expect(unmeasured).toEqual(expected);
    expect(c.unmeasured()[0]?.reason).toContain('CloudWatch agent');
    // Two instances answering to one host name are neither measured, and the reason says why.
    const shared = visibleInstances(h.fleet).filter((x) => x.hostShared).map((x) => x.id);
    expect(shared).toHaveLength(2);
    for (const id of shared) expect(c.unmeasured().find((u) => u.resourceId === id)?.reason).toMatch(/which 2 instances answer to/);
    // The next inventory carries it as a metrics coverage gap on the machine.
    const again = await collect(c.inventory(ctx(h.fleet.now)));
    const gapped = again.filter((r) => r.coverageGaps?.some((g) => g.kind === 'metrics' && /install the CloudWatch agent|instances answer to/.test(g.reason))).map((r) => r.id).sort();
    expect(gapped).toEqual(expected);
  });

  it('reports scheduled events as maintenance inside their window and AWS Health events of the fleet regions, linked to instances', async () => {
    const c = h.connector();
    const incidents: Incident[] = await collect(c.incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const maint = incidents.filter((i) => i.source === 'maintenance');
    // The "[Completed]" reboot is not an incident at all.
    expect(maint.map((i) => i.title.split(' of ')[0]).sort()).toEqual(['Instance retirement', 'System maintenance']);
    const now = h.fleet.now.toISOString();
    const current = maint.find((i) => i.title.startsWith('System maintenance')) as Incident;
    expect(current.startedAt < now && (current.endedAt ?? '') > now).toBe(true);
    expect(maint.find((i) => i.title.startsWith('System reboot'))).toBeUndefined();
    const health = incidents.filter((i) => i.id.startsWith('aws-health:'));
    const open = h.fleet.health[0];
    const linked = health.find((i) => i.id === `aws-health:${open?.arn}`);
    expect(linked?.resourceIds).toEqual(open?.entities);
    expect(linked?.endedAt).toBeNull();
    // Tokyo is not a fleet region; S3 is not a service the fleet's GPUs depend on.
    expect(health.some((i) => i.id.includes('TOKYO1'))).toBe(false);
    expect(health.some((i) => i.id.includes('S3X'))).toBe(false);
    expect(health.find((i) => i.id.includes('OLD1'))).toBeUndefined();
    const diag = c.diagnostics?.();
    expect(diag?.access.find((a) => a.operation === 'health:DescribeEvents')).toMatchObject({ status: 'denied', message: expect.stringContaining('SubscriptionRequiredException'), scope: expect.stringContaining('222222222222') });
  });

  it('reads the public Health Dashboard feed (UTF-16) for an account without a support plan, filtered to the fleet regions and services', async () => {
    const c = h.connector();
    const incidents: Incident[] = await collect(c.incidents({ ...ctx(h.fleet.now), resources: inventory }));
    const pub = incidents.filter((i) => i.id.startsWith('aws-health-public:'));
    expect(pub.map((i) => i.regions[0]).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const open = pub.find((i) => i.regions[0] === 'us-east-1');
    expect(open).toMatchObject({ status: 'open', endedAt: null, source: 'service-health', services: ['EC2'], summary: expect.stringContaining('instance launches') });
    const resolved = pub.find((i) => i.regions[0] === 'eu-west-1');
    expect(resolved).toMatchObject({ status: 'closed', endedAt: new Date(h.fleet.now.getTime() - 2 * 3600_000).toISOString() });
    // The organizational view is disabled in the emulator: said once, each account's view read instead.
    const diag = c.diagnostics?.();
    expect(diag?.access.find((a) => a.operation === 'health:DescribeHealthServiceStatusForOrganization')).toMatchObject({ status: 'stale', message: expect.stringContaining('DISABLED') });
    expect(diag?.access.find((a) => a.operation === 'health:DescribeEvents')?.message).toContain('public AWS Health Dashboard feed is read instead');
    // The feed down: a diagnostic, the API's incidents still come.
    h.emulator.faults.publicFeedDown = true;
    try {
      const down = new Set((await collect(c.incidents({ ...ctx(h.fleet.now), resources: inventory }))).map((i) => i.id));
      expect([...down].some((id) => id.startsWith('aws-health-public:'))).toBe(false);
      expect(down.has(`aws-health:${h.fleet.health[0]?.arn}`)).toBe(true);
      expect(c.diagnostics?.().access.find((a) => a.operation === 'health:PublicFeed')?.message).toContain('HTTP 503');
    } finally {
      h.emulator.faults.publicFeedDown = false;
    }
  });

  it('uses the organizational view of AWS Health where it is enabled, resuming a page throttled half-way', async () => {
    h.emulator.health.organizationView = 'ENABLED';
    h.emulator.faults.throttleSecondPageOnce.add('DescribeEventsForOrganization');
    try {
      const before = (a: string) => h.emulator.calls.get(a) ?? 0;
      const events0 = before('DescribeEvents');
      const feed0 = before('PublicFeed');
      const c = h.connector();
      const incidents: Incident[] = await collect(c.incidents({ ...ctx(h.fleet.now), resources: inventory }));
      const health = incidents.filter((i) => i.id.startsWith('aws-health:'));
      const open = h.fleet.health[0];
      expect(health.find((i) => i.id === `aws-health:${open?.arn}`)?.resourceIds).toEqual(open?.entities);
      expect(health.some((i) => i.id.includes('TOKYO1') || i.id.includes('S3X') || i.id.includes('OLD1'))).toBe(false);
      // One organizational read instead of one per account; no account falls back to the public feed.
      expect(before('DescribeEvents')).toBe(events0);
      expect(before('PublicFeed')).toBe(feed0);
      expect(c.callCounts()['health:DescribeAffectedEntitiesForOrganization']).toBe(1);
      expect(h.emulator.requests.filter((r) => r.action === 'DescribeEventsForOrganization' && r.attempt === 2)).toHaveLength(1);
      expect(c.diagnostics?.().access.some((a) => a.operation.startsWith('health:'))).toBe(false);
    } finally {
      h.emulator.health.organizationView = 'DISABLED';
      h.emulator.faults.throttleSecondPageOnce.delete('DescribeEventsForOrganization');
    }
  });

  it('names the action and the IAM statement on a 403, and skips only that account and region', async () => {
    h.emulator.faults.deny.add('222222222222:DescribeInstances');
    try {
      const c = h.connector();
      const got = await collect(c.inventory(ctx(h.fleet.now)));
      expect(got.some((r) => r.tags['aws:accountId'] === '222222222222')).toBe(false);
      expect(got.some((r) => r.tags['aws:accountId'] === '111111111111')).toBe(true);
      const denied = c.access().filter((a) => a.operation === 'ec2:DescribeInstances');
      expect(denied).toHaveLength(3);
      expect(denied[0]?.message).toContain('UnauthorizedOperation');
      expect(denied[0]?.message).toContain('"Action":["ec2:DescribeInstances"]');
      expect(denied[0]?.message).toContain('role FleetpaneReadOnly');
    } finally {
      h.emulator.faults.deny.clear();
    }
  });

  it('gives up with ThrottledError when AWS keeps throttling after the SDK retries, and AuthError when the caller is denied', async () => {
    h.emulator.faults.throttleAlways.add('DescribeInstances');
    try {
      const err = await collect(h.connector().inventory(ctx(h.fleet.now))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ThrottledError);
      expect((err as ThrottledError).message).toContain('RequestLimitExceeded');
      expect((err as ThrottledError).retryAfterMs).toBeGreaterThan(0);
    } finally {
      h.emulator.faults.throttleAlways.clear();
    }
    h.emulator.faults.deny.add('111111111111:ListAccounts');
    try {
      const err = await collect(h.connector().inventory(ctx(h.fleet.now))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthError);
      expect((err as Error).message).toContain('organizations:ListAccounts');
    } finally {
      h.emulator.faults.deny.clear();
    }
  });

  it('keeps our own request budget per account and region: a region AWS throttles slows only itself', async () => {
    let clock = 0;
    const waits: number[] = [];
    const budget = { capacity: 100, refillPerSecond: 2, now: () => clock, sleep: async (ms: number) => { waits.push(ms); clock += ms; } };
    const c = h.connector({ organization: undefined, regions: ['us-east-1', 'eu-west-1'] }, { apiOptions: { credentials: BASE_CREDENTIALS, budget } });
    h.emulator.faults.throttleAlways.add('eu-west-1:DescribeInstances');
    try {
      const err = await collect(c.inventory(ctx(h.fleet.now))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ThrottledError);
    } finally {
      h.emulator.faults.throttleAlways.clear();
    }
    const scope = (region: string) => c.diagnostics?.().budget.find((b) => b.scope.includes(`111111111111 ${region}`));
    expect(scope('eu-west-1')).toMatchObject({ remaining: 0, pacedRequests: 0, scope: expect.stringContaining('refill 1/s') });
    const east = scope('us-east-1');
    // us-east-1 spent one token per call it made (its EC2 listings and the credential check), nothing more.
    const eastCalls = h.emulator.requests.filter((r) => r.region === 'us-east-1' && r.attempt === 1).length;
    expect(east?.remaining).toBeGreaterThan(100 - eastCalls - 1);
    expect(east?.remaining).toBeLessThan(100);
    expect(east?.scope).toContain('refill 2/s');
    // The next run waits in eu-west-1 only (its first token after a second at half pace, the pace then
    // recovering with each call that goes through), never in us-east-1.
    const got = await collect(c.inventory(ctx(h.fleet.now)));
    expect(new Set(got.map((r) => r.region))).toEqual(new Set(['us-east-1', 'eu-west-1']));
    expect(waits[0]).toBe(1000);
    expect(waits[1]).toBeLessThan(1000);
    expect(scope('eu-west-1')?.pacedRequests).toBe(waits.length);
    expect(scope('us-east-1')?.pacedRequests).toBe(0);
  });

  it('reads listed accounts without Organizations, and the caller account alone when none are given', async () => {
    const listed = h.connector({ organization: undefined, accounts: [{ id: '222222222222', roleName: h.fleet.roleName, name: 'research' }] });
    const got = await collect(listed.inventory(ctx(h.fleet.now)));
    expect(new Set(got.map((r) => r.tags['aws:accountId']))).toEqual(new Set(['222222222222']));
    expect(got[0]?.tags['aws:accountName']).toBe('research');
    const alone = h.connector({ organization: undefined, regions: ['us-west-2'] });
    const own = await collect(alone.inventory(ctx(h.fleet.now)));
    expect(new Set(own.map((r) => `${r.tags['aws:accountId']} ${r.region}`))).toEqual(new Set(['111111111111 us-west-2']));
    expect(await alone.identity?.(new AbortController().signal)).toMatchObject({ name: 'arn:aws:iam::111111111111:user/fleetpane', kind: 'IAM user' });
  });
});
