/** Triage fixtures for component tests: a small fleet's incidents, parsed by the contract's schemas. */
import { IncidentPage, IncidentSnapshot, SNAPSHOT_FORMAT, SNAPSHOT_VERSION, TriageList, type TriageIncident } from '../../../shared/contract-triage';
import { incidentMarkdown } from '../../../shared/incident-markdown';

export const TRIAGE_AS_OF = '2026-11-25T12:00:00.000Z';
const MIN = 60_000;
const asOfMs = Date.parse(TRIAGE_AS_OF);
const at = (minutesBefore: number): string => new Date(asOfMs - minutesBefore * MIN).toISOString();

/** A merged incident with its blast radius; `overrides` change what a test is about. */
export function triageIncident(overrides: Partial<TriageIncident> = {}): TriageIncident {
  const id = overrides.id ?? 'service-health:EASTUS-1';
  return {
    id,
    account: 'prod',
    cloud: 'azure',
    source: 'service-health',
    severity: 'major',
    title: 'Virtual Machines degraded in East US',
    status: 'Active',
    regions: ['eastus'],
    services: ['Virtual Machines'],
    startedAt: at(90),
    endedAt: null,
    url: 'https://status.example/eastus',
    demo: false,
    affectedGpus: 24,
    atRiskPerHour: [{ currency: 'USD', amount: '294.96' }],
    summary: 'Allocation failures and reboots of N-series VMs.',
    updatedAt: at(20),
    resourceIds: ['vm-a', 'vm-b'],
    sources: [{ id, account: 'prod', source: 'service-health', title: 'Service health', url: 'https://status.example/eastus', startedAt: at(90), endedAt: null }],
    acknowledged: null,
    noteCount: 0,
    recentChanges: [],
    ...overrides,
  };
}

/** Three active incidents in the order the backend ranks them: largest blast radius first. */
export function triageList(): TriageList {
  const active = [
    triageIncident({ recentChanges: [{ at: at(20), kind: 'updated', text: 'Provider update: mitigation in progress' }] }),
    triageIncident({
      id: 'derived:signal:xid:cw:node-7@1',
      cloud: 'coreweave',
      source: 'derived',
      severity: 'minor',
      title: 'XID errors on node-7 (GPU 2)',
      regions: ['LAS1'],
      services: [],
      affectedGpus: 8,
      atRiskPerHour: [{ currency: 'USD', amount: '38.24' }],
      sources: [{ id: 'derived:signal:xid:cw:node-7@1', account: 'cw', source: 'derived', title: 'XID', url: null, startedAt: at(40), endedAt: null }],
      acknowledged: { at: at(10), by: 'sam' },
      noteCount: 2,
    }),
    triageIncident({
      id: 'resource-health:vm-z',
      cloud: 'oci',
      source: 'resource-health',
      severity: 'minor',
      title: 'vm-z unavailable',
      regions: ['uk-london-1'],
      affectedGpus: 1,
      atRiskPerHour: [{ currency: 'GBP', amount: '3.10' }],
      sources: [{ id: 'resource-health:vm-z', account: 'oci', source: 'resource-health', title: 'vm-z', url: null, startedAt: at(5), endedAt: null }],
      recentChanges: [{ at: at(5), kind: 'opened', text: 'Opened' }],
    }),
  ];
  return TriageList.parse({
    asOf: TRIAGE_AS_OF,
    active,
    elsewhere: [triageIncident({ id: 'status-page:JP', title: 'Compute degraded in Japan East', regions: ['japaneast'], affectedGpus: 0, atRiskPerHour: [] })],
    recentlyEnded: [],
    planned: [],
    dataProblems: [
      {
        account: 'gcp-prod',
        provider: 'gcp',
        stream: 'metrics',
        consecutiveFailures: 4,
        failingSince: at(50),
        lastSuccessAt: at(70),
        lastError: { kind: 'auth', message: 'token expired', retryAfterMs: null },
      },
    ],
    totals: { active: 3, affectedGpus: 33, atRiskPerHour: [{ currency: 'GBP', amount: '3.10' }, { currency: 'USD', amount: '333.20' }] },
  });
}

/** The incident page of the first incident: three provider updates, one note, two machines. */
export function incidentPage(overrides: Partial<TriageIncident> = {}): IncidentPage {
  const incident = triageIncident({ noteCount: 1, ...overrides });
  const window = { from: asOfMs - 3 * 60 * MIN, to: asOfMs };
  const points = (base: number) => Array.from({ length: 36 }, (_, n) => ({ t: window.from + n * 5 * MIN, value: n > 18 ? base / 4 : base }));
  return IncidentPage.parse({
    asOf: TRIAGE_AS_OF,
    incident,
    records: [],
    timeline: [
      { at: at(90), kind: 'started', source: 'service-health', title: 'Started', body: '' },
      { at: at(70), kind: 'update', source: 'service-health', title: 'Investigating', body: 'Engineers are investigating.' },
      { at: at(45), kind: 'update', source: 'service-health', title: 'Identified', body: 'A storage scale unit is unhealthy.' },
      { at: at(30), kind: 'note', source: null, title: 'Note by sam', body: 'Draining eastus jobs to westus3' },
      { at: at(20), kind: 'update', source: 'service-health', title: 'Mitigating', body: 'Failing over.' },
    ],
    affected: [
      { account: 'prod', id: 'vm-a', name: 'vm-a', region: 'eastus', zone: '1', instanceType: 'Standard_ND96asr_v4', gpuModel: 'NVIDIA A100 40GB', gpuCount: 8, powerState: 'running', health: 'degraded', hourlyPrice: '27.20', currency: 'USD', states: { busy: 0, idle: 0, unhealthy: 8, unknown: 0, stopped: 0 }, utilisation30m: 12.5 },
      { account: 'prod', id: 'vm-b', name: 'vm-b', region: 'eastus', zone: null, instanceType: 'Standard_NC24ads_A100_v4', gpuModel: 'NVIDIA A100 80GB', gpuCount: 1, powerState: 'running', health: 'ok', hourlyPrice: '3.67', currency: 'USD', states: { busy: 1, idle: 0, unhealthy: 0, unknown: 0, stopped: 0 }, utilisation30m: 88 },
    ],
    notes: [{ id: 'n1', incidentId: incident.id, at: at(30), author: 'sam', body: 'Draining eastus jobs to westus3' }],
    window,
    stepMs: 5 * MIN,
    utilisation: [
      { key: 'affected', label: 'Affected GPUs', points: points(80) },
      { key: 'others', label: 'Rest of eastus', points: points(60).map((p) => ({ ...p, value: 60 })) },
    ],
  });
}

/** A snapshot file's text, as the app saves it. */
export function snapshotFileText(): string {
  const page = incidentPage();
  const snapshot: IncidentSnapshot = {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    savedAt: TRIAGE_AS_OF,
    savedBy: '1.0.0',
    demo: true,
    page,
    spend: [{ currency: 'USD', billedMonthToDate: '1234.56', runRateToday: '789.00', forecastMonth: '40000.00', idleWasteToday: '12.00' }],
    markdown: incidentMarkdown(page),
  };
  return JSON.stringify(IncidentSnapshot.parse(snapshot), null, 2);
}
