/** The triage part of the fake store: one active incident with its page, settings and no alerts. */
import type { Alert, AlertSettings, IncidentPage, TriageIncident } from '../../../../shared/contract-triage';
import type { Incident } from '../../../../shared/domain';
import type { IncidentBrief } from '../../../../shared/overview';
import type { TriageArea } from '../../store/types';

/** Builds fake triage methods around the fake store's one incident. */
export function fakeTriage(
  incident: Incident,
  brief: IncidentBrief,
  record: (method: string, args: unknown[]) => void,
  readOnly: boolean,
): Omit<TriageArea, 'incidents' | 'incident' | 'writeIncidents'> {
  let settings: AlertSettings = { rules: [{ id: 'unhealthy-gpus', kind: 'unhealthy-gpus', enabled: true, minGpus: 1 }], quietHours: { enabled: false, start: '22:00', end: '07:00' } };
  const alerts: Alert[] = [];
  const triageIncident: TriageIncident = {
    ...brief,
    summary: incident.summary,
    updatedAt: incident.updatedAt,
    resourceIds: incident.resourceIds,
    sources: [{ id: incident.id, account: incident.account, source: incident.source, title: incident.title, url: incident.url, startedAt: incident.startedAt, endedAt: incident.endedAt }],
    acknowledged: null,
    noteCount: 0,
    recentChanges: [],
  };
  const page = (asOf: Date): IncidentPage => ({
    asOf: asOf.toISOString(),
    incident: triageIncident,
    records: [incident],
    timeline: [{ at: incident.startedAt, kind: 'started', source: incident.source, title: incident.title, body: incident.summary }],
    affected: [],
    notes: [],
    window: { from: asOf.getTime() - 6 * 3_600_000, to: asOf.getTime() },
    stepMs: 300_000,
    utilisation: [{ key: 'affected', label: 'GPUs it touches', points: [{ t: asOf.getTime() - 300_000, value: 40 }] }],
  });
  const writable = (): void => {
    if (readOnly) throw new Error('the fake store is read-only');
  };
  return {
    async triageList(asOf) {
      record('triageList', [asOf]);
      return {
        asOf: asOf.toISOString(),
        active: [triageIncident],
        elsewhere: [],
        recentlyEnded: [],
        planned: [],
        dataProblems: [],
        totals: { active: 1, affectedGpus: brief.affectedGpus, atRiskPerHour: brief.atRiskPerHour },
      };
    },
    async incidentPage(asOf, id) {
      record('incidentPage', [asOf, id]);
      return id === incident.id ? page(asOf) : null;
    },
    async acknowledgeIncident(id, acknowledged, by, at) {
      writable();
      record('acknowledgeIncident', [id, acknowledged, by, at]);
      if (id !== incident.id) return null;
      return { acknowledged: acknowledged ? { at: at.toISOString(), by } : null };
    },
    async addIncidentNote(id, author, body, at) {
      writable();
      record('addIncidentNote', [id, author, body, at]);
      return id === incident.id ? { id: 'note-1', incidentId: id, at: at.toISOString(), author, body } : null;
    },
    async signalInput(account, asOf) {
      return { account, asOfMs: asOf.getTime(), resources: [], xid: [], lastSeen: [], metricsFresh: true, buckets: [] };
    },
    async writeDerivedIncidents() {
      writable();
      return { opened: [], resolved: [] };
    },
    async alertSettings() {
      return settings;
    },
    async setAlertSettings(s) {
      writable();
      record('setAlertSettings', [s]);
      settings = s;
      return s;
    },
    async alerts() {
      return alerts;
    },
    async writeAlerts(raised) {
      writable();
      alerts.push(...raised);
    },
  };
}
