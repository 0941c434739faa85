import { describe, expect, it } from 'vitest';
import type { GpuResource } from '../../../../shared/domain';
import { lookupInstance, normaliseGpuModel } from '../../catalog';
import { policyStatement, toOciError } from './errors';
import { quoteAmounts } from './client';
import {
  decimalText,
  isGpuShape,
  lifecycleOf,
  mapAnnouncements,
  mapInstance,
  mapUsage,
  metricQuery,
  planMetricCalls,
  SampleMerger,
} from './map';
import { RawAnnouncement, RawInstance, RawMetricData, RawUsageSummary } from './raw';
import { AuthError, ThrottledError, UnavailableError } from '../types';

const catalog = { lookupInstance, normaliseGpuModel };
const NOW = new Date('2026-11-20T12:00:00Z');

// The documented Instance example fields (SDK model, shared fixtures), with a GPU shape.
const instance = (over: Record<string, unknown> = {}) =>
  RawInstance.parse({
    id: 'ocid1.instance.oc1.iad.abc',
    compartmentId: 'ocid1.compartment.oc1..ml',
    availabilityDomain: 'Uocm:PHX-AD-1',
    faultDomain: 'FAULT-DOMAIN-2',
    displayName: 'trainer-0',
    lifecycleState: 'RUNNING',
    region: 'iad',
    shape: 'BM.GPU.H100.8',
    shapeConfig: { gpus: 8, gpuDescription: 'H100 80 GB' },
    definedTags: { Operations: { CostCenter: '42' } },
    freeformTags: { Department: 'Finance' },
    timeCreated: '2026-01-01T00:00:00Z',
    agentConfig: { pluginsConfig: [{ name: 'Compute RDMA GPU Monitoring', desiredState: 'ENABLED' }] },
    ...over,
  });

describe('oci instances', () => {
  it('recognises GPU shapes only', () => {
    expect(['BM.GPU.H100.8', 'VM.GPU3.1', 'BM.GPU.A100-v2.8', 'VM.GPU.A10.2'].every(isGpuShape)).toBe(true);
    expect(['VM.Standard.E4.Flex', 'BM.Standard3.64', 'VM.DenseIO2.8'].some(isGpuShape)).toBe(false);
  });

  it('maps lifecycle states; TERMINATED leaves the fleet and MOVING is trouble', () => {
    expect(lifecycleOf('RUNNING')).toMatchObject({ powerState: 'running', health: 'ok' });
    expect(lifecycleOf('STOPPED')).toMatchObject({ powerState: 'stopped' });
    expect(lifecycleOf('STARTING')?.powerState).toBe('starting');
    expect(lifecycleOf('STOPPING')?.powerState).toBe('stopping');
    expect(lifecycleOf('MOVING')).toMatchObject({ health: 'degraded' });
    expect(lifecycleOf('TERMINATED')).toBeNull();
  });

  it('maps an instance with region from the endpoint, AD as zone, flattened defined tags and freeform tags', () => {
    const r = mapInstance(instance(), { account: 'oci', region: 'us-ashburn-1', compartmentName: 'ml', catalog }) as GpuResource;
    expect(r).toMatchObject({
      id: 'ocid1.instance.oc1.iad.abc',
      region: 'us-ashburn-1',
      zone: 'Uocm:PHX-AD-1',
      kind: 'bare-metal',
      gpuModel: 'H100 80GB',
      gpuCount: 8,
      gpuMemoryGiB: 80,
      hourlyPrice: '80.00',
      powerState: 'running',
    });
    expect(r.tags).toMatchObject({ 'Operations.CostCenter': '42', Department: 'Finance', 'oci:compartment': 'ml', 'oci:gpuMonitoring': 'enabled', 'oci:faultDomain': 'FAULT-DOMAIN-2' });
    expect(mapInstance(instance({ shape: 'VM.Standard.E4.Flex', shapeConfig: { gpus: 0 } }), { account: 'oci', region: 'us-ashburn-1', compartmentName: 'ml', catalog })).toBeNull();
  });

  it('falls back to the documented shape table when neither the catalog nor shapeConfig say', () => {
    const r = mapInstance(instance({ shape: 'VM.GPU3.2', shapeConfig: null }), { account: 'oci', region: 'eu-frankfurt-1', compartmentName: 'ml', catalog: null });
    expect(r).toMatchObject({ kind: 'vm', gpuCount: 2, gpuMemoryGiB: 16, gpuModel: 'NVIDIA Tesla V100 16 GB', hourlyPrice: null });
  });
});

describe('oci metrics', () => {
  const res = (id: string, gpus: number, compartment = 'c1', region = 'us-ashburn-1'): GpuResource =>
    ({ ...(mapInstance(instance({ id, shapeConfig: { gpus } }), { account: 'oci', region, compartmentName: compartment, catalog }) as GpuResource), tags: { 'oci:compartmentId': compartment, 'oci:compartment': compartment } });

  it('writes MQL aggregated on the server per instance and GPU, filtering by resourceId only when split', () => {
    expect(metricQuery('GpuUtilization', null)).toBe('GpuUtilization[1m].groupBy(resourceId, gpuId).mean()');
    expect(metricQuery('GpuUtilization', ['a', 'b'])).toBe('GpuUtilization[1m]{resourceId =~ "a|b"}.groupBy(resourceId, gpuId).mean()');
    // One faulted 10-second point faults the minute.
    expect(metricQuery('Fault', null)).toBe('Fault[1m].groupBy(resourceId, gpuId).max()');
  });

  it('plans calls per region and compartment within the stream and point limits, and never before 7 days', () => {
    const resources = [res('i1', 8), res('i2', 8), res('i3', 8), res('i4', 8, 'c2'), res('i5', 8, 'c1', 'ap-tokyo-1')];
    const to = NOW.getTime();
    const calls = planMetricCalls(resources, ['GpuUtilization'], { from: to - 60 * 60_000, to, now: to }, { maxPointsPerCall: 100_000, maxStreamsPerCall: 2000 });
    expect(calls.map((c) => `${c.region}/${c.compartmentId}`).sort()).toEqual(['ap-tokyo-1/c1', 'us-ashburn-1/c1', 'us-ashburn-1/c2']);
    const tight = planMetricCalls(resources, ['GpuUtilization'], { from: to - 60 * 60_000, to, now: to }, { maxPointsPerCall: 480, maxStreamsPerCall: 16 });
    for (const c of tight) {
      const streams = c.resourceIds.reduce((n, id) => n + (resources.find((r) => r.id === id)?.gpuCount ?? 0), 0);
      expect(streams).toBeLessThanOrEqual(16);
      expect(streams * ((c.to - c.from) / 60_000)).toBeLessThanOrEqual(480);
    }
    expect(tight.some((c) => c.query.includes('resourceId =~'))).toBe(true);
    const old = planMetricCalls(resources, ['GpuUtilization'], { from: to - 8 * 86_400_000, to: to - 6 * 86_400_000, now: to }, { maxPointsPerCall: 100_000, maxStreamsPerCall: 2000 });
    expect(Math.min(...old.map((c) => c.from))).toBeGreaterThanOrEqual(to - 7 * 86_400_000);
  });

  it('merges metrics into one sample per GPU per minute; a GPU without a stream has none', () => {
    const r = res('i1', 2);
    const merger = new SampleMerger(0, 3 * 60_000, new Map([[r.id, r]]));
    const data = (name: string, gpuId: string, value: number) =>
      RawMetricData.parse({ namespace: 'gpu_infrastructure_health', compartmentId: 'c1', name, dimensions: { resourceId: 'i1', gpuId }, aggregatedDatapoints: [0, 60_000, 120_000, 180_000].map((t) => ({ timestamp: new Date(t).toISOString(), value })) });
    merger.add('GpuUtilization', data('GpuUtilization', '0', 42));
    merger.add('GpuMemoryUtilization', data('GpuMemoryUtilization', '0', 50));
    merger.add('GpuUtilization', data('GpuUtilization', '7', 99)); // no such GPU on a 2-GPU host
    const samples = merger.samples();
    expect(samples).toHaveLength(3);
    expect(samples.every((s) => s.gpuIndex === 0 && s.utilisation === 42 && s.utilSource === 'provider' && s.memoryUsedMiB === 40 * 1024)).toBe(true);
    // No Fault stream: not reported, never "no fault".
    expect(samples.every((s) => !('fault' in s))).toBe(true);
  });

  it('carries Fault per GPU: the faulted GPU only, 0 as false, and no Fault stream as absent', () => {
    const r = res('i1', 3);
    const merger = new SampleMerger(0, 2 * 60_000, new Map([[r.id, r]]));
    const data = (name: string, gpuId: string, values: number[]) =>
      RawMetricData.parse({ namespace: 'gpu_infrastructure_health', compartmentId: 'c1', name, dimensions: { resourceId: 'i1', gpuId }, aggregatedDatapoints: values.map((value, k) => ({ timestamp: new Date(k * 60_000).toISOString(), value })) });
    for (const g of ['0', '1', '2']) merger.add('GpuUtilization', data('GpuUtilization', g, [70, 70]));
    merger.add('Fault', data('Fault', '0', [0, 0]));
    merger.add('Fault', data('Fault', '1', [0, 1]));
    const byGpu = (g: number) => merger.samples().filter((s) => s.gpuIndex === g).map((s) => s.fault);
    expect(byGpu(0)).toEqual([false, false]);
    expect(byGpu(1)).toEqual([false, true]);
    expect(byGpu(2)).toEqual([undefined, undefined]);
    // A Fault stream alone does not make a host measured.
    const quiet = new SampleMerger(0, 60_000, new Map([[r.id, r]]));
    quiet.add('Fault', data('Fault', '0', [1]));
    expect(quiet.samples()).toMatchObject([{ gpuIndex: 0, fault: true, utilisation: null, utilSource: null }]);
    expect(quiet.measured.size).toBe(0);
  });
});

describe('oci spend', () => {
  it('keeps the wire digits of amounts and expands exponents', () => {
    expect(JSON.parse(quoteAmounts('{"computedAmount": 1234.5600, "summary": "computedAmount\\":1", "computedQuantity":1e-7}'))).toEqual({ computedAmount: '1234.5600', summary: 'computedAmount":1', computedQuantity: '1e-7' });
    expect(decimalText('1e-7')).toBe('0.0000001');
    expect(decimalText('1.5E+3')).toBe('1500');
    expect(decimalText(0.1)).toBe('0.1');
    expect(decimalText('-12.3456')).toBe('-12.3456');
  });

  it('maps a summarized usage to a FOCUS row; forecasts are not charges', () => {
    const u = RawUsageSummary.parse({
      tenantId: 'ocid1.tenancy.oc1..t',
      compartmentId: 'ocid1.compartment.oc1..ml',
      service: 'Compute',
      resourceId: 'ocid1.instance.oc1.iad.abc',
      region: 'us-ashburn-1',
      skuPartNumber: 'B98415',
      skuName: 'Compute - GPU - H100',
      unit: 'GPU Per Hour',
      timeUsageStarted: '2026-11-19T00:00:00Z',
      timeUsageEnded: '2026-11-20T00:00:00Z',
      computedAmount: '1920.000000',
      computedQuantity: '192',
      currency: 'USD ',
    });
    const row = mapUsage(u, { tenancyId: 'ocid1.tenancy.oc1..t', tenancyName: null, compartmentNames: new Map([['ocid1.compartment.oc1..ml', 'ml']]) });
    expect(row).toMatchObject({
      BilledCost: '1920.000000',
      BillingCurrency: 'USD',
      SubAccountName: 'ml',
      SkuId: 'B98415',
      ResourceType: 'Compute instance',
      ChargePeriodStart: '2026-11-19T00:00:00.000Z',
      BillingPeriodStart: '2026-11-01T00:00:00.000Z',
      BillingPeriodEnd: '2026-12-01T00:00:00.000Z',
    });
    expect(mapUsage({ ...u, isForecast: true }, { tenancyId: 't', tenancyName: null, compartmentNames: new Map() })).toBeNull();
  });
});

describe('oci incidents and errors', () => {
  const a = (over: Record<string, unknown>) =>
    RawAnnouncement.parse({
      id: 'ocid1.announcement.oc1..x',
      referenceTicketNumber: 'ACT-1',
      summary: 'GPU hosts degraded',
      services: ['Compute'],
      affectedRegions: ['us-ashburn-1'],
      announcementType: 'PRODUCTION_EVENT_NOTIFICATION',
      lifecycleState: 'ACTIVE',
      timeOneValue: '2026-11-20T11:00:00Z',
      timeUpdated: '2026-11-20T11:30:00Z',
      ...over,
    });

  it('keeps announcements of fleet regions, links affected GPUs, and ends inactive ones', () => {
    const resources = new Map([['ocid1.instance.oc1.iad.abc', {} as GpuResource]]);
    const f = { account: 'oci', regions: new Set(['us-ashburn-1']), resources, now: NOW, endedWithinDays: 7 };
    const [active] = mapAnnouncements([a({ affectedResources: [{ resourceId: 'ocid1.instance.oc1.iad.abc' }, { resourceId: 'ocid1.instance.other' }] })], f);
    expect(active).toMatchObject({ severity: 'major', endedAt: null, resourceIds: ['ocid1.instance.oc1.iad.abc'], startedAt: '2026-11-20T11:00:00.000Z' });
    expect(mapAnnouncements([a({ affectedRegions: ['sa-saopaulo-1'] })], f)).toEqual([]);
    expect(mapAnnouncements([a({ announcementType: 'INFORMATION' })], f)).toEqual([]);
    const [ended] = mapAnnouncements([a({ lifecycleState: 'INACTIVE', announcementType: 'SCHEDULED_MAINTENANCE' })], f);
    expect(ended).toMatchObject({ severity: 'maintenance', source: 'maintenance', endedAt: '2026-11-20T11:30:00.000Z' });
  });

  it('starts announced maintenance at its window, days ahead, never at the date it was posted, and ends it at the window end', () => {
    const f = { account: 'oci', regions: new Set(['us-ashburn-1']), resources: new Map<string, GpuResource>(), now: NOW, endedWithinDays: 7 };
    const planned = a({
      announcementType: 'SCHEDULED_MAINTENANCE',
      timeOneType: 'START_TIME', timeOneValue: '2026-11-23T02:00:00Z',
      timeTwoType: 'END_TIME', timeTwoValue: '2026-11-23T06:00:00Z',
      timeCreated: '2026-11-18T09:00:00Z', timeUpdated: '2026-11-18T09:00:00Z',
    });
    expect(mapAnnouncements([planned], f)).toMatchObject([
      { source: 'maintenance', status: 'planned', startedAt: '2026-11-23T02:00:00.000Z', endedAt: '2026-11-23T06:00:00.000Z' },
    ]);
    // Rescheduled: the new window counts; it is open now.
    const moved = a({
      announcementType: 'PLANNED_CHANGE_RESCHEDULED',
      timeOneType: 'NEW_START_TIME', timeOneValue: '2026-11-20T11:30:00Z',
      timeTwoType: 'NEW_END_TIME', timeTwoValue: '2026-11-20T13:30:00Z',
      timeCreated: '2026-11-15T09:00:00Z',
    });
    expect(mapAnnouncements([moved], f)[0]).toMatchObject({ startedAt: '2026-11-20T11:30:00.000Z', endedAt: '2026-11-20T13:30:00.000Z', status: 'planned change rescheduled' });
    // A report date is no window start: the posting time is all there is.
    const reported = a({ announcementType: 'PRODUCTION_EVENT_NOTIFICATION', timeOneType: 'REPORT_DATE', timeOneValue: '2026-11-20T11:50:00Z', timeCreated: '2026-11-20T11:10:00Z' });
    expect(mapAnnouncements([reported], f)[0]?.startedAt).toBe('2026-11-20T11:10:00.000Z');
    // An outage's estimated end is only an estimate: still open.
    const estimated = a({ timeOneType: 'TIME_DETECTED', timeTwoType: 'ESTIMATED_END_TIME', timeTwoValue: '2026-11-20T14:00:00Z' });
    expect(mapAnnouncements([estimated], f)[0]).toMatchObject({ startedAt: '2026-11-20T11:00:00.000Z', endedAt: null });
  });

  it('tells a bad signature, a missing policy, throttling and outages apart, naming the policy', () => {
    const site = { operation: 'ListInstances' as const, region: 'us-ashburn-1', compartment: 'ml/train', subject: 'group GpuOps' };
    expect(policyStatement(site)).toBe('Allow group GpuOps to read instance-family in compartment ml/train');
    const err = (statusCode: number, serviceCode: string) => Object.assign(new Error('x'), { statusCode, serviceCode, opcRequestId: 'r1' });
    expect(toOciError(err(401, 'NotAuthenticated'), site)).toBeInstanceOf(AuthError);
    expect(toOciError(err(401, 'NotAuthenticated'), site).message).toMatch(/signature/);
    expect(toOciError(err(404, 'NotAuthorizedOrNotFound'), site).message).toContain('Allow group GpuOps to read instance-family in compartment ml/train');
    const t = toOciError(err(429, 'TooManyRequests'), site, 12_000);
    expect(t).toBeInstanceOf(ThrottledError);
    expect(t.retryAfterMs).toBe(12_000);
    expect(toOciError(err(503, 'ServiceUnavailable'), site)).toBeInstanceOf(UnavailableError);
    expect(toOciError(new Error('error:1C800064:Provider routines::bad decrypt'), site).message).toMatch(/could not sign/);
    expect(policyStatement({ ...site, operation: 'SummarizeMetricsData', namespace: 'gpu_infrastructure_health' })).toBe(
      "Allow group GpuOps to read metrics in compartment ml/train where target.metrics.namespace='gpu_infrastructure_health'",
    );
  });
});
