/**
 * Triage writes: derived incidents (opened, kept and closed by the derived-signal runner), incident
 * acknowledgements and notes, alert settings and raised alerts. Each call is one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { AlertSettings, type Acknowledgement, type Alert, type IncidentNote } from '../../../shared/contract-triage';
import type { Incident } from '../../../shared/domain';
import { DERIVED_PREFIX, type Signal } from '../analytics/derived-signals';
import { exec, inTransaction, rows, type Row } from './db';
import { StoreReadOnlyError } from './errors';

const iso = (ms: number): string => new Date(ms).toISOString();
const floorMinute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

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

/** What a derived-signal write changed. */
export interface DerivedChanges {
  opened: Incident[];
  /** Ids of the derived incidents that ended. */
  resolved: string[];
}

interface OpenDerived extends Row {
  id: string;
  started: number;
}

export class TriageWriter {
  constructor(
    private readonly instance: DuckDBInstance,
    private readonly readOnly: boolean,
  ) {}

  private async write<T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    if (this.readOnly) throw new StoreReadOnlyError();
    const conn = await this.instance.connect();
    try {
      return await inTransaction(conn, () => body(conn));
    } finally {
      conn.closeSync();
    }
  }

  /**
   * Makes the account's open derived incidents exactly the signals given: a signal already open keeps
   * its id and start; a new one opens; an open one no longer signalled ends at asOf.
   */
  async writeDerivedIncidents(account: string, signals: readonly Signal[], asOf: Date): Promise<DerivedChanges> {
    const at = floorMinute(asOf.getTime());
    return this.write(async (conn) => {
      const open = await rows<OpenDerived>(
        conn,
        `SELECT id, epoch_ms(started_at)::DOUBLE AS started FROM incident
         WHERE account = $account AND source = 'derived' AND ended_at IS NULL AND starts_with(id, $prefix)`,
        { account, prefix: DERIVED_PREFIX },
      );
      const keep = new Set<string>();
      const changes: DerivedChanges = { opened: [], resolved: [] };
      for (const s of signals) {
        const existing = open.find((o) => o.id.startsWith(`${s.key}@`));
        const startedMs = existing?.started ?? Date.parse(s.incident.startedAt);
        const incident: Incident = { ...s.incident, id: existing?.id ?? `${s.key}@${startedMs}`, startedAt: iso(startedMs) };
        keep.add(incident.id);
        if (!existing) changes.opened.push(incident);
        await exec(
          conn,
          `INSERT INTO incident VALUES ($account, $id, $cloud, 'derived', $severity, $title, $summary, $status, $regions,
             $services, $resources, epoch_ms($started::BIGINT), NULL, epoch_ms($updated::BIGINT), NULL, '[]', $demo)
           ON CONFLICT (account, id) DO UPDATE SET severity = excluded.severity, title = excluded.title,
             summary = excluded.summary, status = excluded.status, regions = excluded.regions, services = excluded.services,
             resource_ids = excluded.resource_ids, updated_at = excluded.updated_at, ended_at = NULL, demo = excluded.demo`,
          {
            account,
            id: incident.id,
            cloud: incident.cloud,
            severity: incident.severity,
            title: incident.title,
            summary: incident.summary,
            status: incident.status,
            regions: JSON.stringify(incident.regions),
            services: JSON.stringify(incident.services),
            resources: JSON.stringify(incident.resourceIds),
            started: String(startedMs),
            updated: String(Math.max(startedMs, Date.parse(incident.updatedAt))),
            demo: incident.demo,
          },
        );
      }
      for (const o of open) {
        if (keep.has(o.id)) continue;
        const ended = Math.max(at, o.started);
        await exec(
          conn,
          `UPDATE incident SET ended_at = epoch_ms($ended::BIGINT), updated_at = epoch_ms($ended::BIGINT), status = 'ended'
           WHERE account = $account AND id = $id`,
          { account, id: o.id, ended: String(ended) },
        );
        changes.resolved.push(o.id);
      }
      return changes;
    });
  }

  /** Acknowledges (or un-acknowledges) an incident by any of its report ids. */
  async acknowledge(id: string, acknowledged: boolean, by: string, at: Date): Promise<Acknowledgement | null> {
    return this.write(async (conn) => {
      if (!acknowledged) {
        await exec(conn, 'DELETE FROM incident_ack WHERE incident_id = $id', { id });
        return null;
      }
      await exec(
        conn,
        `INSERT INTO incident_ack VALUES ($id, epoch_ms($at::BIGINT), $by)
         ON CONFLICT (incident_id) DO UPDATE SET acked_at = excluded.acked_at, acked_by = excluded.acked_by`,
        { id, at: String(at.getTime()), by },
      );
      return { at: at.toISOString(), by };
    });
  }

  /** Removes acknowledgements of the given report ids (un-acknowledging a merged incident clears every member). */
  async clearAcknowledgements(ids: readonly string[]): Promise<void> {
    await this.write(async (conn) => {
      for (const id of ids) await exec(conn, 'DELETE FROM incident_ack WHERE incident_id = $id', { id });
    });
  }

  async addNote(incidentId: string, author: string, body: string, at: Date): Promise<IncidentNote> {
    const note: IncidentNote = { id: randomUUID(), incidentId, at: at.toISOString(), author, body };
    await this.write((conn) =>
      exec(conn, 'INSERT INTO incident_note VALUES ($id, $incident, epoch_ms($at::BIGINT), $author, $body)', {
        id: note.id,
        incident: incidentId,
        at: String(at.getTime()),
        author,
        body,
      }),
    );
    return note;
  }

  async setAlertSettings(settings: AlertSettings): Promise<AlertSettings> {
    const valid = AlertSettings.parse(settings);
    await this.write((conn) =>
      exec(conn, 'INSERT INTO alert_settings VALUES (1, $s) ON CONFLICT (id) DO UPDATE SET settings = excluded.settings', {
        s: JSON.stringify(valid),
      }),
    );
    return valid;
  }

  /** Records newly raised alerts and the end of resolved ones. */
  async writeAlerts(raised: readonly Alert[], resolved: readonly { id: string; resolvedAt: string }[]): Promise<void> {
    if (raised.length === 0 && resolved.length === 0) return;
    await this.write(async (conn) => {
      for (const a of raised) {
        await exec(
          conn,
          `INSERT INTO alert VALUES ($id, $rule, $kind, $key, $title, $body, $incident, epoch_ms($raised::BIGINT), NULL, $notified)
           ON CONFLICT (id) DO NOTHING`,
          {
            id: a.id,
            rule: a.ruleId,
            kind: a.kind,
            key: a.key,
            title: a.title,
            body: a.body,
            incident: a.incidentId,
            raised: String(Date.parse(a.raisedAt)),
            notified: a.notified,
          },
        );
      }
      for (const r of resolved) {
        await exec(conn, 'UPDATE alert SET resolved_at = epoch_ms($at::BIGINT) WHERE id = $id AND resolved_at IS NULL', {
          id: r.id,
          at: String(Date.parse(r.resolvedAt)),
        });
      }
    });
  }
}

/** Reads the alert settings (the defaults when none were saved). */
export async function readAlertSettings(read: <T extends Row>(sql: string) => Promise<T[]>): Promise<AlertSettings> {
  const list = await read<{ s: string } & Row>('SELECT settings::VARCHAR AS s FROM alert_settings WHERE id = 1');
  const parsed = list[0] ? AlertSettings.safeParse(JSON.parse(list[0].s)) : null;
  return parsed?.success ? parsed.data : DEFAULT_ALERT_SETTINGS;
}

/** Reads alerts, newest first. */
export async function readAlerts(read: <T extends Row>(sql: string) => Promise<T[]>, includeResolved: boolean, limit: number): Promise<Alert[]> {
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
