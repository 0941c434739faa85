/** Triage reads: the triage list, incident pages, provider incidents, derived-signal inputs and alerts. */
import { AlertSettings, type Alert } from '../../../../shared/contract-triage';
import type { ResponseOf } from '../../../../shared/contract';
import type { ConnectionPool, Row } from '../db';
import type { InventoryOf } from '../fleet/resource-rows';
import { isOpen, toBrief } from '../../domain/incident-fleet';
import { loadFleet, loadIncidents } from '../incident-query';
import { querySignalInput, queryIncidentPage, queryTriageList } from './triage-query';
import type { TriageReader } from './types';

const iso = (ms: number): string => new Date(ms).toISOString();

/** The alert settings a new store starts with: every rule on, quiet hours off. */
export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  rules: [
    { id: 'unhealthy-gpus', kind: 'unhealthy-gpus', enabled: true, minGpus: 1 },
    { id: 'provider-incident', kind: 'provider-incident', enabled: true, minSeverity: 'major' },
    { id: 'utilisation-collapse', kind: 'utilisation-collapse', enabled: true },
    { id: 'idle-gpus', kind: 'idle-gpus', enabled: true, minGpus: 16, forMinutes: 60 },
  ],
  quietHours: { enabled: false, start: '22:00', end: '07:00' },
};

/** The DuckDB TriageReader over the store's reader pool; `inventoryOf` reads an account's inventory (kept between reads, resource-rows.ts). */
export function createTriageReader(pool: ConnectionPool, inventoryOf: InventoryOf): TriageReader {
  const read = <T extends Row>(sql: string): Promise<T[]> => pool.rows<T>(sql);
  return {
    triageList: (asOf) => queryTriageList(pool, asOf),
    incidentPage: (asOf, id) => queryIncidentPage(pool, asOf, id),
    signalInput: (account, asOf) => querySignalInput(pool, account, asOf, inventoryOf),
    alertSettings: () => readAlertSettings(read),
    alerts: (includeResolved, limit) => readAlerts(read, includeResolved, limit),
    async incidents(asOf: Date, includeEnded: boolean): Promise<ResponseOf<'incidents:list'>> {
      const asOfMs = asOf.getTime();
      const [fleet, list] = await Promise.all([loadFleet(pool), loadIncidents(pool)]);
      const shown = includeEnded ? list.filter((i) => Date.parse(i.startedAt) <= asOfMs) : list.filter((i) => isOpen(i, asOfMs));
      return { incidents: shown.map((i) => toBrief(i, fleet)) };
    },
    async incident(_asOf: Date, id: string): Promise<ResponseOf<'incidents:get'> | null> {
      const [fleet, list] = await Promise.all([loadFleet(pool), loadIncidents(pool, 'id = $id', { id })]);
      const incident = list[0];
      return incident ? { incident, brief: toBrief(incident, fleet) } : null;
    },
  };
}

/** Reads the alert settings (the defaults when none were saved). */
async function readAlertSettings(read: <T extends Row>(sql: string) => Promise<T[]>): Promise<AlertSettings> {
  const list = await read<{ s: string } & Row>('SELECT settings::VARCHAR AS s FROM alert_settings WHERE id = 1');
  const parsed = list[0] ? AlertSettings.safeParse(JSON.parse(list[0].s)) : null;
  return parsed?.success ? parsed.data : DEFAULT_ALERT_SETTINGS;
}

/** Reads alerts, newest first. */
async function readAlerts(read: <T extends Row>(sql: string) => Promise<T[]>, includeResolved: boolean, limit: number): Promise<Alert[]> {
  const list = await read<
    {
      id: string;
      rule_id: string;
      kind: Alert['kind'];
      key: string;
      title: string;
      body: string;
      incident_id: string | null;
      raised: number;
      resolved: number | null;
      notified: boolean;
    } & Row
  >(
    `SELECT id, rule_id, kind, key, title, body, incident_id, epoch_ms(raised_at)::DOUBLE AS raised,
            epoch_ms(resolved_at)::DOUBLE AS resolved, notified
     FROM alert ${includeResolved ? '' : 'WHERE resolved_at IS NULL'} ORDER BY raised_at DESC, id LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return list.map((a) => ({
    id: a.id,
    ruleId: a.rule_id,
    kind: a.kind,
    key: a.key,
    title: a.title,
    body: a.body,
    incidentId: a.incident_id,
    raisedAt: iso(a.raised),
    resolvedAt: a.resolved === null ? null : iso(a.resolved),
    notified: a.notified,
  }));
}
