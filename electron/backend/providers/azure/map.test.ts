import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { GpuResource } from '../../../../shared/domain';
import { lookupInstance, normaliseGpuModel } from '../../catalog';
import { MalformedResponseError } from '../types';
import { parseRssItems } from '../common/status-feed';
import { parseArmErrorBody, errorForStatus, retryAfterMs } from './errors';
import {
  AvailabilityStatusPayload,
  GPU_PARTITION_TAG,
  CostQueryPayload,
  hostNamesOf,
  indexGpuSkus,
  indexHealth,
  indexVmPlatformMetrics,
  MonitorMetricsPayload,
  numberToDecimal,
  parseResponse,
  powerStateOf,
  resourceHealthIncidents,
  ResourceSkuPayload,
  scaleSetVmFacts,
  serviceHealthIncidents,
  ServiceHealthEventPayload,
  toFocusRows,
  toGpuResource,
  placeOnHosts,
  vmFacts,
  withPlatformHealth,
  resourceIdFilter,
  COMPUTER_NAME_TAG,
  ScaleSetVmPayload,
  scaleSetComputerName,
  unmatchedMachines,
  VmPayload,
  type GpuCatalog,
  type MachineFacts,
} from './map';
import { monthChunks } from './index';
import { DCGM_FIELDS, mapDcgmSeries, type DcgmField, type DcgmSeriesSet, type MatrixSeries } from '../common/dcgm';

/** A range query's answer, as the workspace sends it. */
type MatrixAnswer = { status: 'success'; data: { resultType: 'matrix'; result: MatrixSeries[] } };

/** Whole answers (one per DCGM field) mapped as the connector's streamed read maps them: by host, then the common DCGM rule. */
function samplesOf(answers: Partial<Record<DcgmField, MatrixAnswer>>, resources: readonly GpuResource[], hostLabel: string) {
  const set: DcgmSeriesSet = {};
  for (const f of DCGM_FIELDS) if (answers[f]) set[f] = answers[f].data.result;
  return mapDcgmSeries(set, placeOnHosts(resources, hostLabel), 60, Number.NEGATIVE_INFINITY);
}
import { focusRowsFromCsv, parseCsv } from './focus-export';

const catalog: GpuCatalog = { lookupInstance, normaliseGpuModel: (r) => normaliseGpuModel(r) };
const fixtureDir = new URL('./testing/fixtures/', import.meta.url);
function fixture(name: string): unknown {
  return JSON.parse(readFileSync(fileURLToPath(new URL(name, fixtureDir)), 'utf8'));
}
function body(name: string): Record<string, unknown> {
  const f = fixture(name) as { responses?: { '200': { body: Record<string, unknown> } } } & Record<string, unknown>;
  return f.responses ? f.responses['200'].body : f;
}

const SUB = '0b1f6471-1bf0-4dda-aec3-cb9272f09590';
const vmId = (name: string) => `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/${name}`;

describe('power state', () => {
  it('reads the PowerState status and counts deallocated as stopped', () => {
    const iv = body('compute.virtualMachines.instanceView.json') as { statuses: { code: string }[] };
    expect(powerStateOf(iv.statuses)).toBe('running');
    expect(powerStateOf([{ code: 'ProvisioningState/succeeded' }, { code: 'PowerState/deallocated' }])).toBe('stopped');
    expect(powerStateOf([{ code: 'PowerState/deallocating' }])).toBe('stopping');
    expect(powerStateOf([{ code: 'ProvisioningState/succeeded' }])).toBe('unknown');
    expect(powerStateOf(undefined)).toBe('unknown');
  });
});

describe('GPU machines', () => {
  const skus = indexGpuSkus((body('compute.resourceSkus.gpu.eastus.derived.json').value as unknown[]).map((s) => parseResponse(ResourceSkuPayload, s, 'skus')));
  const nonGpu = indexGpuSkus((body('compute.resourceSkus.list.json').value as unknown[]).map((s) => parseResponse(ResourceSkuPayload, s, 'skus')));
  const machine = (size: string, extra: Partial<MachineFacts> = {}): MachineFacts => ({
    id: vmId('vm1'),
    name: 'vm1',
    location: 'eastus',
    zones: ['1'],
    vmSize: size,
    tags: { team: 'llm' },
    powerState: 'running',
    computerName: null,
    ...extra,
  });

  it('indexes only VM SKUs that have GPUs', () => {
    expect(skus.get('standard_nc16as_t4_v3|eastus')).toEqual({ gpus: 1, family: 'Standard NCASv3_T4 Family' });
    expect(skus.size).toBe(3);
    expect(nonGpu.size).toBe(0);
  });

  it('takes model, count, memory and price from the catalog', () => {
    const r = toGpuResource('acct', machine('Standard_NC24ads_A100_v4'), skus, new Map(), catalog);
    expect(r).toMatchObject({ cloud: 'azure', gpuModel: 'A100 80GB', gpuCount: 1, gpuMemoryGiB: 80, zone: '1', health: 'unknown', kind: 'vm' });
    expect(r?.hourlyPrice).toMatch(/^\d+\.\d+$/);
    expect(r?.gpuUuids).toEqual([null]);
  });

  it('falls back to the SKU GPUs capability and family for sizes the catalog lacks', () => {
    const t4 = toGpuResource('acct', machine('Standard_NC16as_T4_v3'), skus, new Map(), catalog);
    expect(t4).toMatchObject({ gpuModel: 'T4 16GB', gpuCount: 1, gpuMemoryGiB: null, hourlyPrice: null });
    const v100 = toGpuResource('acct', machine('Standard_NC6s_v3'), skus, new Map(), catalog);
    expect(v100?.gpuModel).toBe('V100 16GB');
  });

  it('counts a partial-GPU size as one slice under its own model line, though its SKU says 1 GPU as a whole one does', () => {
    // What resource SKUs answer for the NVadsA10 v5 sizes: the same `GPUs` of 1 from a sixth of an A10 to a whole one.
    const nv = indexGpuSkus(
      ['Standard_NV6ads_A10_v5', 'Standard_NV18ads_A10_v5', 'Standard_NV36ads_A10_v5'].map((name) =>
        parseResponse(
          ResourceSkuPayload,
          { resourceType: 'virtualMachines', name, tier: 'Standard', family: 'StandardNVADSA10v5Family', locations: ['eastus'], capabilities: [{ name: 'GPUs', value: '1' }] },
          'skus',
        ),
      ),
    );
    const sixth = toGpuResource('acct', machine('Standard_NV6ads_A10_v5'), nv, new Map(), catalog);
    const half = toGpuResource('acct', machine('Standard_NV18ads_A10_v5'), nv, new Map(), catalog);
    const whole = toGpuResource('acct', machine('Standard_NV36ads_A10_v5'), nv, new Map(), catalog);
    expect(whole).toMatchObject({ gpuModel: 'A10 24GB', gpuCount: 1 });
    expect(whole?.tags[GPU_PARTITION_TAG]).toBeUndefined();
    expect(sixth).toMatchObject({ gpuModel: 'A10 24GB 1/6', gpuCount: 1, gpuUuids: [null] });
    expect(sixth?.tags[GPU_PARTITION_TAG]).toBe('1/6');
    expect(half?.gpuModel).toBe('A10 24GB 1/2');
    // The catalog prices the whole-GPU size only: a slice is unpriced and says so, never the A10's price.
    expect(sixth?.hourlyPrice).toBeNull();
    expect(sixth?.coverageGaps?.map((g) => g.kind)).toContain('price');
  });

  it('drops machines without GPUs', () => {
    expect(toGpuResource('acct', machine('Standard_A0'), skus, new Map(), catalog)).toBeNull();
  });

  it('joins Resource Health by resource id, case-insensitively', () => {
    const statuses = (body('resourcehealth.availabilityStatuses.listBySubscription.json').value as { id: string }[]).map((s, i) =>
      parseResponse(AvailabilityStatusPayload, { ...s, id: s.id.replace('<resourceId>', vmId(`vm${i}`).toUpperCase()) }, 'rh'),
    );
    const health = indexHealth(statuses);
    const ok = toGpuResource('acct', machine('Standard_NC24ads_A100_v4', { id: vmId('vm0') }), skus, health, catalog);
    const down = toGpuResource('acct', machine('Standard_NC24ads_A100_v4', { id: vmId('vm1') }), skus, health, catalog);
    expect(ok).toMatchObject({ health: 'ok', healthReason: null });
    expect(down).toMatchObject({ health: 'unavailable', healthReason: "We are sorry, we couldn't automatically recovery our virtualmachine" });
  });

  it('joins the statusOnly listing to the model listing for power state', () => {
    const vms = [{ id: vmId('a'), name: 'a', location: 'eastus', hardwareProfile: { vmSize: 'Standard_NC24ads_A100_v4' } }];
    const facts = vmFacts(vms, [{ id: vmId('a').toLowerCase(), instanceView: { statuses: [{ code: 'PowerState/stopped' }] } }]);
    expect(facts[0]?.powerState).toBe('stopped');
    expect(vmFacts(vms, [])[0]?.powerState).toBe('unknown');
  });

  it('skips Flexible scale-set entries and sizes Uniform ones from their sku', () => {
    const ss = { id: 'x', name: 'pool', location: 'eastus', sku: { name: 'Standard_NC24ads_A100_v4' } };
    const flex = (body('compute.virtualMachineScaleSetVMs.list.flexWithVmResourceId.json').value as Record<string, unknown>[])[0];
    expect(scaleSetVmFacts(flex as never, ss)).toBeNull();
    const uniform = scaleSetVmFacts({ id: `${ss.id}/virtualMachines/3`, name: 'pool_3', location: 'eastus', instanceView: { statuses: [{ code: 'PowerState/running' }] } }, ss);
    expect(uniform).toMatchObject({ vmSize: 'Standard_NC24ads_A100_v4', powerState: 'running' });
  });

  it('derives the computer name of a scale-set VM from its scale set name when Azure reports none', () => {
    expect(hostNamesOf({ id: '/s/x/providers/Microsoft.Compute/virtualMachineScaleSets/aks-gpu-vmss/virtualMachines/37', name: 'aks-gpu-vmss_37', tags: {} })).toEqual(['aks-gpu-vmss_37', 'aks-gpu-vmss000011']);
  });
});

describe('OS host names', () => {
  // The SDK flattens `properties` into the model: so do the fixtures here.
  const flat = (v: Record<string, unknown>) => ({ ...v, ...(v.properties as Record<string, unknown>) });
  const ss = { id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachineScaleSets/pool', name: 'pool', location: 'eastus', sku: { name: 'Standard_NC24ads_A100_v4' } };

  it('reads osProfile.computerName of a VM and of a scale-set VM from the official examples', () => {
    const vm = parseResponse(VmPayload, flat((body('compute.virtualMachines.listAll.maximumSet.json').value as Record<string, unknown>[])[0] ?? {}), 'vms');
    expect(vmFacts([vm], [])[0]?.computerName).toBe('Test');
    const ssVm = parseResponse(ScaleSetVmPayload, flat((body('compute.virtualMachineScaleSetVMs.list.maximumSet.json').value as Record<string, unknown>[])[0] ?? {}), 'ssvms');
    expect(scaleSetVmFacts(ssVm, ss)?.computerName).toBe('test000000');
  });

  it('falls back to the guest agent name of the statusOnly listing, then to nothing, when osProfile is absent', () => {
    const vms = [{ id: vmId('a'), name: 'a', location: 'eastus', hardwareProfile: { vmSize: 'Standard_NC24ads_A100_v4' } }];
    const withAgent = vmFacts(vms, [{ id: vmId('a'), instanceView: { computerName: 'spec-host-a', statuses: [{ code: 'PowerState/running' }] } }]);
    expect(withAgent[0]?.computerName).toBe('spec-host-a');
    expect(vmFacts(vms, [])[0]?.computerName).toBeNull();
  });

  it('derives a scale-set computer name as Azure does: prefix + upper-case base-36 instance id, six digits', () => {
    expect(scaleSetComputerName('nsgvmss', '85')).toBe('nsgvmss00002D'); // the documented example
    expect(scaleSetComputerName('gpuvmss', '10')).toBe('gpuvmss00000A');
    expect(scaleSetComputerName('gpuvmss', 'abc')).toBeNull();
    const prefixed = { ...ss, virtualMachineProfile: { osProfile: { computerNamePrefix: 'trna100' } } };
    const noOsProfile = scaleSetVmFacts({ id: `${ss.id}/virtualMachines/118`, name: 'pool_118', location: 'eastus', instanceId: '118' }, prefixed);
    expect(noOsProfile?.computerName).toBe('trna10000003A');
  });

  it('matches series by computer name first, then VM name, ignoring case and the domain', () => {
    const facts = (name: string, computerName: string | null): MachineFacts => ({ id: vmId(name), name, location: 'eastus', zones: undefined, vmSize: 'Standard_NC24ads_A100_v4', tags: {}, powerState: 'running', computerName });
    const a = toGpuResource('acct', facts('vm-a', 'vm-b'), new Map(), new Map(), catalog); // A's OS host name is B's VM name
    const b = toGpuResource('acct', facts('vm-b', 'GPUNODE0002'), new Map(), new Map(), catalog);
    const c = toGpuResource('acct', facts('vm-c', null), new Map(), new Map(), catalog);
    if (!a || !b || !c) throw new Error('catalog lacks NC24ads_A100_v4');
    expect(a.tags[COMPUTER_NAME_TAG]).toBe('vm-b');
    const matrix = (hosts: string[]) => ({ status: 'success' as const, data: { resultType: 'matrix' as const, result: hosts.map((h, i) => ({ metric: { Hostname: h, gpu: '0', UUID: `GPU-${i}` }, values: [[1_800_000_000, String(10 + i)]] as [number, string][] })) } });
    const samples = samplesOf({ dev: matrix(['vm-b', 'gpunode0002.internal.cloudapp.net', 'VM-C']) }, [a, b, c], 'Hostname');
    expect(samples.map((s) => [s.resourceId, s.utilisation])).toEqual([
      [a.id, 10],
      [b.id, 11],
      [c.id, 12],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
    const none = samplesOf({ dev: matrix(['elsewhere']) }, [a, b, c], 'Hostname');
    expect(unmatchedMachines([a, b, c], new Set(none.map((s) => s.resourceId)), 'Hostname').map((u) => u.reason)).toEqual([
      'no DCGM series with Hostname = vm-b or vm-a',
      'no DCGM series with Hostname = gpunode0002 or vm-b',
      'no DCGM series with Hostname = vm-c',
    ]);
  });

  it('flags a machine without a catalog price, and keeps an unknown GPU size when SKUs could not be read', () => {
    const m: MachineFacts = { id: vmId('v'), name: 'v', location: 'East US', zones: undefined, vmSize: 'Standard_NC6s_v3', tags: {}, powerState: 'running', computerName: null };
    expect(toGpuResource('acct', m, new Map(), new Map(), catalog)).toBeNull();
    const kept = toGpuResource('acct', m, new Map(), new Map(), catalog, { skusUnavailable: 'HTTP 500' });
    expect(kept).toMatchObject({ gpuCount: 1, hourlyPrice: null });
    expect(kept?.coverageGaps).toEqual([
      { kind: 'placement', reason: 'GPU count of Standard_NC6s_v3 in eastus unknown: resource SKUs not read (HTTP 500) and the GPU catalog does not list the size; counted as 1 GPU' },
      { kind: 'price', reason: 'no hourly price for Standard_NC6s_v3 in eastus: the GPU catalog does not list it' },
    ]);
    expect(toGpuResource('acct', { ...m, vmSize: 'Standard_D4s_v5' }, new Map(), new Map(), catalog, { skusUnavailable: 'HTTP 500' })).toBeNull();
    expect(toGpuResource('acct', { ...m, vmSize: 'Standard_NC24ads_A100_v4' }, new Map(), new Map(), catalog)?.coverageGaps).toBeUndefined();
  });
});

describe('GPU samples', () => {
  const resource = toGpuResource('acct', { id: vmId('node-1'), name: 'node-1', location: 'eastus', zones: undefined, vmSize: 'Standard_ND96isr_H100_v5', tags: {}, powerState: 'running', computerName: null }, new Map(), new Map(), catalog);
  if (!resource) throw new Error('catalog lacks ND96isr_H100_v5');
  const series = (labels: Record<string, string>, values: [number, string][]) => ({ status: 'success' as const, data: { resultType: 'matrix' as const, result: [{ metric: labels, values }] } });

  it('prefers the profiling metric and merges fields per GPU and minute', () => {
    const samples = samplesOf(
      {
        prof: series({ Hostname: 'node-1', gpu: '2', UUID: 'GPU-a' }, [[1_800_000_000, '42.5']]),
        dev: series({ Hostname: 'node-1', gpu: '2', UUID: 'GPU-a' }, [[1_800_000_000, '99'], [1_800_000_060, '17']]),
        fbUsed: series({ Hostname: 'node-1', gpu: '2', UUID: 'GPU-a' }, [[1_800_000_000, '2048']]),
        xidChanges: series({ Hostname: 'node-1', gpu: '2', UUID: 'GPU-a' }, [[1_800_000_060, '2']]),
        xidLast: series({ Hostname: 'node-1', gpu: '2', UUID: 'GPU-a' }, [[1_800_000_060, '79']]),
      },
      [resource],
      'Hostname',
    );
    // A range query's evaluation at t averages (t - 60 s, t]: it is the sample of the minute before t.
    expect(samples).toEqual([
      { resourceId: resource.id, gpuIndex: 2, ts: 1_799_999_940_000, utilisation: 42.5, utilSource: 'prof', memoryUsedMiB: 2048, powerWatts: null, temperatureC: null, xidErrors: 0 },
      { resourceId: resource.id, gpuIndex: 2, ts: 1_800_000_000_000, utilisation: 17, utilSource: 'dev', memoryUsedMiB: null, powerWatts: null, temperatureC: null, xidErrors: 2 },
    ]);
  });

  it('keeps a GPU whose series moved host under one UUID, and drops unknown hosts and NaN', () => {
    const samples = samplesOf(
      {
        dev: {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              { metric: { Hostname: 'NODE-1:9400', gpu: '0', UUID: 'GPU-z' }, values: [[1_800_000_000, '10']] },
              { metric: { Hostname: 'elsewhere', gpu: '0', UUID: 'GPU-z' }, values: [[1_800_000_060, '20']] },
              { metric: { Hostname: 'stranger', gpu: '0', UUID: 'GPU-q' }, values: [[1_800_000_000, '50']] },
              { metric: { Hostname: 'node-1', gpu: '9', UUID: 'GPU-r' }, values: [[1_800_000_000, '50']] },
              { metric: { Hostname: 'node-1', gpu: '1', UUID: 'GPU-n' }, values: [[1_800_000_000, 'NaN']] },
            ],
          },
        },
      },
      [resource],
      'Hostname',
    );
    expect(samples.map((s) => [s.gpuIndex, s.ts, s.utilisation])).toEqual([
      [0, 1_799_999_940_000, 10],
      [0, 1_800_000_000_000, 20],
    ]);
  });
});

describe('spend', () => {
  it('maps the Cost Management fixture to FOCUS rows with exact amounts', () => {
    const b = body('costmanagement.query.usage.subscription.daily.json') as { properties: unknown };
    const page = parseResponse(CostQueryPayload, b.properties, 'cost');
    // The fixture groups by resource group; add a resource id column as our query does.
    const rows = toFocusRows(page, { subscriptionId: SUB, subscriptionName: 'prod' });
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatchObject({
      BilledCost: '218.68795741935486',
      BillingCurrency: 'USD',
      ChargePeriodStart: '2018-03-31T00:00:00.000Z',
      ChargePeriodEnd: '2018-04-01T00:00:00.000Z',
      BillingPeriodStart: '2018-03-01T00:00:00.000Z',
      BillingPeriodEnd: '2018-04-01T00:00:00.000Z',
      SubAccountId: SUB,
      ChargeCategory: 'Usage',
      ResourceId: null,
    });
  });

  it('names the missing column and the bad cell', () => {
    expect(() => toFocusRows({ columns: [{ name: 'UsageDate' }], rows: [] }, { subscriptionId: SUB, subscriptionName: null })).toThrow(/no Cost\/PreTaxCost column/);
    expect(() =>
      toFocusRows({ columns: [{ name: 'Cost' }, { name: 'UsageDate' }, { name: 'Currency' }], rows: [[1, 'soon', 'USD']] }, { subscriptionId: SUB, subscriptionName: null }),
    ).toThrow(/rows\[0\]\[1\] \(UsageDate\)/);
  });

  it('writes amounts without exponents and marks credits', () => {
    expect(numberToDecimal(1e-7)).toBe('0.0000001');
    expect(numberToDecimal(0.009865586851323632)).toBe('0.009865586851323632');
    const rows = toFocusRows(
      { columns: [{ name: 'Cost' }, { name: 'UsageDate' }, { name: 'ResourceId' }, { name: 'Meter' }, { name: 'Currency' }], rows: [[-12.5, 20261101, '', 'Azure credit', 'EUR']] },
      { subscriptionId: SUB, subscriptionName: null },
    );
    expect(rows[0]).toMatchObject({ BilledCost: '-12.5', ChargeCategory: 'Credit', BillingCurrency: 'EUR', ChargeDescription: 'Azure credit' });
  });

  it('splits a period at month starts (one QPU each)', () => {
    const from = Date.UTC(2026, 9, 16);
    const to = Date.UTC(2026, 10, 20, 12);
    expect(monthChunks(from, to)).toEqual([
      [from, Date.UTC(2026, 10, 1)],
      [Date.UTC(2026, 10, 1), to],
    ]);
  });

  it('reads FOCUS export CSV, quoted fields included', () => {
    expect(parseCsv('a,"b,""c"""\r\n1,2\n')).toEqual([['a', 'b,"c"'], ['1', '2']]);
    const csv = [
      'BilledCost,EffectiveCost,BillingCurrency,BillingAccountId,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ResourceId,Tags',
      `12.3400,12.3400,USD,ba-1,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,Usage,Microsoft,${vmId('a')},"{""team"":""llm""}"`,
      `1.00,1.00,USD,ba-1,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,2026-10-02T00:00:00Z,2026-10-03T00:00:00Z,Usage,Microsoft,,`,
    ].join('\n');
    const rows = focusRowsFromCsv(csv, 'x.csv', Date.UTC(2026, 10, 1), Date.UTC(2026, 11, 1));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ BilledCost: '12.3400', Tags: { team: 'llm' }, ChargePeriodStart: '2026-11-02T00:00:00.000Z' });
  });
});

describe('incidents', () => {
  const now = new Date('2026-11-20T12:00:00Z');
  const gpu = (name: string, region: string, powerState: 'running' | 'stopped' = 'running') => {
    const r = toGpuResource('acct', { id: vmId(name), name, location: region, zones: undefined, vmSize: 'Standard_NC24ads_A100_v4', tags: {}, powerState, computerName: null }, new Map(), new Map(), catalog);
    if (!r) throw new Error('no resource');
    return r;
  };

  it('links the Service Health fixture event to the GPUs of the impacted region', () => {
    const events = (body('resourcehealth.events.listBySubscription.json').value as { name: string; properties: Record<string, unknown> }[]).map((e) =>
      parseResponse(ServiceHealthEventPayload, { name: e.name, ...e.properties }, 'events'),
    );
    const west = gpu('w1', 'westus');
    const east = gpu('e1', 'eastus');
    const out = serviceHealthIncidents('acct', events, [west, east], now);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ id: 'service-health:BC_1-FXZ', source: 'service-health', severity: 'major', regions: ['westus'], services: ['Virtual Machines'], resourceIds: [west.id], endedAt: null, startedAt: '2018-11-07T00:00:00.000Z' });
    expect(serviceHealthIncidents('acct', events, [east], now)).toEqual([]);
  });

  it('starts planned maintenance at its window, days after the announcement, and ends it at the window end', () => {
    const [e] = (body('resourcehealth.events.listBySubscription.json').value as { name: string; properties: Record<string, unknown> }[]).map((ev) => ({ name: ev.name, ...ev.properties }));
    // The fixture's event, announced now as maintenance for a window three days ahead.
    const pm = parseResponse(
      ServiceHealthEventPayload,
      { ...e, eventType: 'PlannedMaintenance', status: 'Active', lastUpdateTime: '2026-11-20T11:00:00Z', impactStartTime: new Date('2026-11-23T02:00:00Z'), impactMitigationTime: '2026-11-23T10:00:00Z' },
      'events',
    );
    const [out] = serviceHealthIncidents('acct', [pm], [gpu('w1', 'westus')], now);
    expect(out).toMatchObject({ source: 'maintenance', severity: 'maintenance', startedAt: '2026-11-23T02:00:00.000Z', endedAt: '2026-11-23T10:00:00.000Z', updatedAt: '2026-11-20T11:00:00.000Z' });
    // A service issue's mitigation time is not its end until Azure resolves it.
    const [issue] = serviceHealthIncidents('acct', [{ ...pm, eventType: 'ServiceIssue' }], [gpu('w1', 'westus')], now);
    expect(issue?.endedAt).toBeNull();
  });

  it('turns unplanned unavailability into incidents and ignores customer stops', () => {
    const statuses = [
      { id: `${vmId('a')}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`, properties: { availabilityState: 'Unavailable', reasonType: 'Unplanned', summary: 'host fault', occuredTime: new Date('2026-11-20T09:00:00Z') } },
      { id: `${vmId('b')}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`, properties: { availabilityState: 'Unavailable', reasonType: 'Customer Initiated' } },
      { id: `${vmId('c')}/providers/Microsoft.ResourceHealth/availabilityStatuses/current`, properties: { availabilityState: 'Available', recentlyResolved: { unavailableOccuredTime: '2026-11-19T01:00:00Z', resolvedTime: '2026-11-19T02:00:00Z' } } },
    ].map((s) => parseResponse(AvailabilityStatusPayload, s, 'rh'));
    const out = resourceHealthIncidents('acct', statuses, [gpu('a', 'eastus'), gpu('b', 'eastus', 'stopped'), gpu('c', 'eastus')], now);
    expect(out.map((i) => [i.resourceIds[0], i.endedAt, i.severity])).toEqual([
      [vmId('a'), null, 'major'],
      [vmId('c'), '2026-11-19T02:00:00.000Z', 'major'],
    ]);
    expect(out[0]?.startedAt).toBe('2026-11-20T09:00:00.000Z');
  });

  it('reads the public status RSS feed', () => {
    const items = parseRssItems('<rss version="2.0"><channel><item><title>Virtual Machines - East US</title><description><![CDATA[<p>Allocation failures</p>]]></description><link>https://azure.status.microsoft/x</link><pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate><guid>abc</guid></item></channel></rss>');
    expect(items).toEqual([{ title: 'Virtual Machines - East US', description: '<p>Allocation failures</p>', link: 'https://azure.status.microsoft/x', pubDate: 'Fri, 20 Nov 2026 10:00:00 GMT', guid: 'abc' }]);
    expect(() => parseRssItems('<html></html>')).toThrow(MalformedResponseError);
  });
});

describe('VM platform metrics', () => {
  const running = () => {
    const r = toGpuResource('acct', { id: vmId('p1'), name: 'p1', location: 'eastus', zones: undefined, vmSize: 'Standard_NC24ads_A100_v4', tags: {}, powerState: 'running', computerName: null }, new Map(), new Map([[vmId('p1').toLowerCase(), { health: 'ok' as const, reason: null }]]), catalog);
    if (!r) throw new Error('no resource');
    return r;
  };
  const answer = (availability: (number | null)[], cpu: (number | null)[] = []) =>
    parseResponse(
      MonitorMetricsPayload,
      {
        value: [
          ['VmAvailabilityMetric', availability],
          ['Percentage CPU', cpu],
        ].map(([name, points]) => ({
          name: { value: name },
          timeseries: [{ metadatavalues: [{ name: { value: 'Microsoft.ResourceId' }, value: vmId('P1') }], data: (points as (number | null)[]).map((v, i) => ({ timeStamp: `2026-11-20T11:5${i}:00Z`, ...(v === null ? {} : { average: v }) })) }],
        })),
      },
      'metrics',
    );

  it('reads the documented metrics response shape', () => {
    const payload = parseResponse(MonitorMetricsPayload, fixture('monitor.metrics.vmPercentageCpu.docsSample.json'), 'metrics');
    expect(payload.value[0]?.name.value).toBe('Percentage CPU');
    expect(payload.value[0]?.timeseries?.[0]?.data).toHaveLength(5);
    // A single-resource answer has no Microsoft.ResourceId dimension, so it names no VM.
    expect(indexVmPlatformMetrics(payload).size).toBe(0);
  });

  it('marks a running VM unavailable when every measured availability point is 0', () => {
    const facts = indexVmPlatformMetrics(answer([0, null, 0, null], [1, 3]));
    expect(facts.get(vmId('p1').toLowerCase())).toEqual({ availability: [0, 0], cpuPercent: [1, 3] });
    const out = withPlatformHealth(running(), facts.get(vmId('p1').toLowerCase()), 10);
    expect(out.health).toBe('unavailable');
    expect(out.healthReason).toBe('VmAvailabilityMetric 0 in every measured minute of the last 10 min (2 points, CPU 2.0 %)');
  });

  it('never marks a VM unhealthy from missing points, a recovery or a stop', () => {
    const id = vmId('p1').toLowerCase();
    expect(withPlatformHealth(running(), indexVmPlatformMetrics(answer([null, null])).get(id), 10).health).toBe('ok');
    expect(withPlatformHealth(running(), undefined, 10).health).toBe('ok');
    expect(withPlatformHealth(running(), indexVmPlatformMetrics(answer([0, 1])).get(id), 10).health).toBe('ok');
    expect(withPlatformHealth({ ...running(), powerState: 'stopped' }, indexVmPlatformMetrics(answer([0, 0])).get(id), 10).health).toBe('ok');
  });

  it('filters on resource ids with quotes escaped', () => {
    expect(resourceIdFilter(['/a', "/b'c"])).toBe("Microsoft.ResourceId eq '/a' or Microsoft.ResourceId eq '/b''c'");
  });
});

describe('errors', () => {
  const facts = fixture('arm.errors-and-throttling.facts.json') as { computeThrottling429Example: { body: unknown; headers: Record<string, string> } };

  it('parses both 429 body shapes', () => {
    expect(parseArmErrorBody(JSON.stringify(facts.computeThrottling429Example.body))).toEqual({ code: 'OperationNotAllowed', message: expect.stringContaining('too many requests') });
    expect(parseArmErrorBody('{"error":{"code":"TooManyRequests","message":"slow down"}}')).toEqual({ code: 'TooManyRequests', message: 'slow down' });
    expect(parseArmErrorBody('not json')).toEqual({ code: null, message: null });
  });

  it('maps the documented Compute 429 to a throttle with its Retry-After', () => {
    const h = facts.computeThrottling429Example.headers;
    const err = errorForStatus({ status: 429, header: (n) => Object.entries(h).find(([k]) => k.toLowerCase() === n)?.[1] ?? null, body: JSON.stringify(facts.computeThrottling429Example.body) }, { api: 'Compute', subscriptionId: SUB, role: 'Reader' });
    expect(err).toMatchObject({ kind: 'throttled', retryAfterMs: 1_200_000 });
    expect(err.message).toContain(SUB);
  });

  it('names the role on 403 and reads Cost Management throttling headers', () => {
    const err = errorForStatus({ status: 403, header: () => null, body: null }, { api: 'Cost Management query', subscriptionId: SUB, role: 'Cost Management Reader' });
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/Cost Management Reader/);
    expect(err.message).toContain(SUB);
    expect(retryAfterMs((n) => (n === 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after' ? '7' : null))).toBe(7000);
  });
});
