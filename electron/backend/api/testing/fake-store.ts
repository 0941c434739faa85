/**
 * A small in-memory FleetStore for API and serve-mode tests: one demo machine, one incident, answers
 * that satisfy the contract schemas. Not a model of the real store's arithmetic.
 */
import type { FleetFilter, ResponseOf } from '../../../../shared/contract';
import type { GpuResource, Incident, SyncRun } from '../../../../shared/domain';
import type { IncidentBrief, Overview } from '../../../../shared/overview';
import type { FleetStore } from '../../store/types';
import { toBrief } from '../../domain/incident-fleet';
import { incident as incident$, resource as resource$ } from '../../domain/testing/factories';
import { fakeTriage } from './fake-triage';
import { fakeSpend } from './fake-spend';

const resource: GpuResource = resource$('vm-1', {
  account: 'demo',
  name: 'train-1',
  gpuModel: 'H100',
  gpuCount: 8,
  gpuUuids: [],
  demo: true,
});

const incident: Incident = incident$('status:1', {
  account: 'demo',
  title: 'GPU capacity degraded in East US',
  services: ['Virtual Machines'],
  startedAt: '2026-11-25T10:00:00.000Z',
  updatedAt: '2026-11-25T10:00:00.000Z',
  demo: true,
});

// The status-page incident covers the one running machine of its region: 8 GPUs at risk.
const brief: IncidentBrief = toBrief(incident, [resource]);

const counts = { total: 8, busy: 6, idle: 2, unhealthy: 0, unknown: 0, stopped: 0 };
const spend = [
  { currency: 'USD', billedMonthToDate: '1000.00', runRateToday: '98.32', forecastMonth: '3000.00', idleWasteToday: '24.58' },
];
const freshness = { lastSuccessAt: '2026-11-25T11:59:00.000Z', stale: false };

/** Builds a fresh fake store; `calls` records what the API asked for. */
export function createFakeStore(options: { readOnly?: boolean } = {}) {
  const calls: { method: string; args: unknown[] }[] = [];
  const record = (method: string, args: unknown[]) => calls.push({ method, args });
  const notWritable = async (): Promise<never> => {
    throw new Error('the fake store is read-only');
  };

  const store: FleetStore & { calls: typeof calls } = {
    calls,
    readOnly: options.readOnly ?? false,
    ...fakeTriage(incident, brief, record, options.readOnly ?? false),
    ...fakeSpend(record),
    async close() {},
    async settle() {},
    upsertAccounts: notWritable,
    writeInventory: notWritable,
    inventoryChanges: () => 0,
    writeMetrics: notWritable,
    writeCosts: notWritable,
    writeIncidents: notWritable,
    recordFailure: notWritable,
    async cursor() {
      return null;
    },
    async resources() {
      return [resource];
    },
    async applyRetention() {},
    removeAccount: notWritable,
    async overview(asOf: Date, filter: FleetFilter): Promise<Overview> {
      record('overview', [asOf, filter]);
      return {
        generatedAt: asOf.toISOString(),
        asOf: asOf.toISOString(),
        demo: true,
        clouds: [
          {
            key: 'azure',
            provider: 'azure',
            label: 'Microsoft Azure',
            demo: true,
            accounts: ['demo'],
            gpus: counts,
            byModel: [{ model: 'H100', total: 8, busy: 6, idle: 2 }],
            utilisation: { avg1h: 61.5, avg24h: 55, p95_24h: 90 },
            spend,
            incidents: { active: 1, list: [brief], planned: [] },
            freshness: { inventory: freshness, metrics: freshness, costs: freshness, incidents: freshness },
            coverage: { gpusWithoutMetrics: 0, machinesWithoutPrice: 0, gpusUnplaced: 0 },
          },
        ],
        totals: { gpus: counts, spend, incidents: { active: 1 }, coverage: { gpusWithoutMetrics: 0, machinesWithoutPrice: 0, gpusUnplaced: 0 } },
        incidentsElsewhere: [],
        maintenancePlanned: [],
      };
    },
    async filterOptions(): Promise<ResponseOf<'fleet:filter-options'>> {
      return { clouds: ['azure'], regions: [{ cloud: 'azure', region: 'eastus' }], gpuModels: ['H100'] };
    },
    async utilisationSeries(asOf, range, filter, groupBy) {
      record('utilisationSeries', [asOf, range, filter, groupBy]);
      return { asOf: asOf.toISOString(), stepMs: 60_000, series: [{ key: 'azure', label: 'Microsoft Azure', points: [{ t: 0, value: 50 }] }] };
    },
    async coverage(asOf) {
      return { asOf: asOf.toISOString(), machines: [] };
    },
    async resourceRows(asOf) {
      return {
        asOf: asOf.toISOString(),
        resources: [
          {
            id: resource.id,
            account: resource.account,
            cloud: resource.cloud,
            region: resource.region,
            zone: resource.zone,
            name: resource.name,
            instanceType: resource.instanceType,
            gpuModel: resource.gpuModel,
            gpuCount: resource.gpuCount,
            powerState: resource.powerState,
            health: resource.health,
            hourlyPrice: resource.hourlyPrice,
            currency: resource.currency,
            demo: true,
            states: { busy: 6, idle: 2, unhealthy: 0, unknown: 0, stopped: 0 },
            utilisation30m: 60,
            cloudKey: resource.cloud,
            coverageGaps: [],
          },
        ],
      };
    },
    async machineWindow(asOf, query) {
      record('machineWindow', [asOf, query]);
      const { resources } = await this.resourceRows(asOf, query.filter);
      return { asOf: asOf.toISOString(), total: resources.length, gpus: 8, offset: query.offset, rows: resources.slice(query.offset, query.offset + query.limit) };
    },
    async resourceDetail(asOf, account, id) {
      if (account !== resource.account || id !== resource.id) return null;
      return { asOf: asOf.toISOString(), resource, gpus: [], stepMs: 60_000, series: [], incidents: [brief] };
    },
    async incidents() {
      return { incidents: [brief] };
    },
    async incident(_asOf, id) {
      return id === incident.id ? { incident, brief } : null;
    },
    async accounts() {
      const stream = { lastSuccessAt: null, intervalMs: 60_000, stale: true, lastError: null };
      return {
        accounts: [
          {
            name: 'demo',
            provider: 'demo',
            enabled: true,
            demo: true,
            clouds: ['azure'],
            freshness: {
              account: 'demo',
              provider: 'demo',
              streams: { inventory: stream, metrics: stream, costs: stream, incidents: stream },
            },
          },
        ],
      };
    },
    async syncRuns(account, limit): Promise<SyncRun[]> {
      record('syncRuns', [account, limit]);
      return [];
    },
  };
  return store;
}
