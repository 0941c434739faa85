/**
 * Test data built through the shared zod schemas, so a contract change breaks these fixtures
 * (and the tests) instead of letting the renderer drift from it.
 */
import { channels, type ChannelId, type RequestOf, type ResourceRow, type ResponseOf } from '../../../shared/contract';
import { Overview, sumSpend, type CloudOverview, type IncidentBrief } from '../../../shared/overview';

export const AS_OF = '2026-11-25T14:05:00.000Z';
export const GENERATED_AT = '2026-11-25T14:05:30.000Z';

/** Parses a response for `channel` with the contract's schema (throws on drift). */
export function contractResponse<C extends ChannelId>(channel: C, value: unknown): ResponseOf<C> {
  return channels[channel].response.parse(value) as ResponseOf<C>;
}

export function incident(overrides: Partial<IncidentBrief> = {}): IncidentBrief {
  return {
    id: 'azure-sh-1',
    account: 'prod-azure',
    cloud: 'azure',
    source: 'service-health',
    severity: 'major',
    title: 'Virtual Machines degraded in East US',
    status: 'investigating',
    regions: ['eastus'],
    services: ['Virtual Machines'],
    startedAt: '2026-11-25T13:10:00.000Z',
    endedAt: null,
    url: null,
    demo: false,
    affectedGpus: 16,
    atRiskPerHour: [{ currency: 'USD', amount: '65.5600' }],
    ...overrides,
  };
}

/** Maintenance announced for a window two days after AS_OF. */
export function plannedMaintenance(overrides: Partial<IncidentBrief> = {}): IncidentBrief {
  return incident({
    id: 'azure-maint-1',
    source: 'maintenance',
    severity: 'maintenance',
    title: 'Planned maintenance: host OS update in East US',
    status: 'scheduled',
    startedAt: '2026-11-27T07:14:00.000Z',
    endedAt: '2026-11-27T11:14:00.000Z',
    ...overrides,
  });
}

export function azureCloud(overrides: Partial<CloudOverview> = {}): CloudOverview {
  return {
    key: 'azure',
    provider: 'azure',
    label: 'Microsoft Azure',
    demo: false,
    accounts: ['prod-azure'],
    gpus: { total: 40, busy: 24, idle: 8, unhealthy: 3, unknown: 1, stopped: 4 },
    byModel: [
      { model: 'NVIDIA H100 80GB', total: 32, busy: 20, idle: 6 },
      { model: 'NVIDIA A100 80GB', total: 8, busy: 4, idle: 2 },
    ],
    utilisation: { avg1h: 61.25, avg24h: 55.04, p95_24h: 97.5 },
    spend: [
      {
        currency: 'USD',
        billedMonthToDate: '1234567.8912',
        runRateToday: '4100.5',
        forecastMonth: '1500000',
        idleWasteToday: '310.125',
      },
    ],
    incidents: { active: 1, list: [incident()], planned: [plannedMaintenance()] },
    freshness: {
      inventory: { lastSuccessAt: '2026-11-25T14:02:00.000Z', stale: false },
      metrics: { lastSuccessAt: '2026-11-25T14:04:00.000Z', stale: false },
      costs: { lastSuccessAt: '2026-11-24T20:00:00.000Z', stale: true },
      incidents: { lastSuccessAt: null, stale: true },
    },
    coverage: { gpusWithoutMetrics: 1, machinesWithoutPrice: 0, gpusUnplaced: 0 },
    ...overrides,
  };
}

export function gcpCloud(overrides: Partial<CloudOverview> = {}): CloudOverview {
  return azureCloud({
    key: 'gcp',
    provider: 'gcp',
    label: 'Google Cloud',
    accounts: ['ml-gcp'],
    gpus: { total: 8, busy: 0, idle: 0, unhealthy: 0, unknown: 8, stopped: 0 },
    byModel: [{ model: 'NVIDIA L4', total: 8, busy: 0, idle: 0 }],
    utilisation: { avg1h: null, avg24h: null, p95_24h: null },
    spend: [{ currency: 'EUR', billedMonthToDate: '10.00', runRateToday: '0', forecastMonth: '20', idleWasteToday: '0' }],
    incidents: { active: 0, list: [], planned: [] },
    freshness: {
      inventory: { lastSuccessAt: '2026-11-25T14:00:00.000Z', stale: false },
      metrics: { lastSuccessAt: '2026-11-25T14:00:00.000Z', stale: false },
      costs: { lastSuccessAt: '2026-11-25T10:00:00.000Z', stale: false },
      incidents: { lastSuccessAt: '2026-11-25T14:00:00.000Z', stale: false },
    },
    ...overrides,
  });
}

/** An overview over the given clouds, totals summed the way the backend defines them. */
export function overview(clouds: CloudOverview[] = [azureCloud(), gcpCloud()], demo = false): Overview {
  const sum = (k: keyof CloudOverview['gpus']): number => clouds.reduce((n, c) => n + c.gpus[k], 0);
  return Overview.parse({
    generatedAt: GENERATED_AT,
    asOf: AS_OF,
    demo,
    clouds,
    totals: {
      gpus: { total: sum('total'), busy: sum('busy'), idle: sum('idle'), unhealthy: sum('unhealthy'), unknown: sum('unknown'), stopped: sum('stopped') },
      spend: sumSpend(clouds.map((c) => c.spend)),
      incidents: { active: clouds.reduce((n, c) => n + c.incidents.active, 0) },
      coverage: {
        gpusWithoutMetrics: clouds.reduce((n, c) => n + c.coverage.gpusWithoutMetrics, 0),
        machinesWithoutPrice: clouds.reduce((n, c) => n + c.coverage.machinesWithoutPrice, 0),
        gpusUnplaced: clouds.reduce((n, c) => n + c.coverage.gpusUnplaced, 0),
      },
    },
    incidentsElsewhere: [
      incident({ id: 'gcp-status-9', cloud: 'gcp', account: 'ml-gcp', source: 'status-page', title: 'Cloud TPU errors in asia-east1', regions: ['asia-east1'], affectedGpus: 0, atRiskPerHour: [] }),
    ],
    maintenancePlanned: clouds.flatMap((c) => c.incidents.planned),
  });
}

export function resourceRow(overrides: Partial<ResourceRow> = {}): ResourceRow {
  return {
    id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/gpu-a',
    account: 'prod-azure',
    cloud: 'azure',
    region: 'eastus',
    zone: '1',
    name: 'gpu-a',
    instanceType: 'Standard_ND96isr_H100_v5',
    gpuModel: 'NVIDIA H100 80GB',
    gpuCount: 8,
    powerState: 'running',
    health: 'ok',
    hourlyPrice: '98.3200',
    currency: 'USD',
    demo: false,
    states: { busy: 8, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 },
    utilisation30m: 50,
    cloudKey: 'azure',
    coverageGaps: [],
    ...overrides,
  };
}

/**
 * A `fleet:machines` handler over `rows` as the backend answers: only the asked entry, rows whose
 * name, id, region, model or a tag holds the text, in the given order (sorting is the backend's,
 * tested there), then the asked window with the count of all.
 */
export function machinesHandler(rows: readonly ResourceRow[]) {
  return (req: RequestOf<'fleet:machines'>): ResponseOf<'fleet:machines'> => {
    const text = (req.text ?? '').trim().toLowerCase();
    const offset = req.offset ?? 0;
    const limit = req.limit ?? 200;
    const matching = rows.filter(
      (r) =>
        (req.cloudKey === undefined || r.cloudKey === req.cloudKey) &&
        (text === '' || [r.name, r.id, r.region, r.gpuModel].some((v) => v.toLowerCase().includes(text))),
    );
    return {
      asOf: AS_OF,
      total: matching.length,
      gpus: matching.reduce((n, r) => n + r.gpuCount, 0),
      offset,
      rows: matching.slice(offset, offset + limit),
    };
  };
}

/** A 24 h series with one point per hour. */
export function hourlySeries(key: string, label: string, values: (number | null)[]) {
  const start = Date.parse(AS_OF) - values.length * 3600_000;
  return { key, label, points: values.map((value, i) => ({ t: start + i * 3600_000, value })) };
}
