/**
 * Triage writes: provider incidents (a sync's incidents stream), derived incidents (opened, kept and
 * closed by the derived-signal runner), incident acknowledgements and notes, alert settings and raised
 * alerts. Each call is one transaction of the store's write().
 */
import { randomUUID } from 'node:crypto';
import { AlertSettings, type Acknowledgement, type Alert, type IncidentNote } from '../../../../shared/contract-triage';
import type { Incident } from '../../../../shared/domain';
import { DERIVED_PREFIX, type Signal } from '../../domain/derived-signals';
import { type ConnectionPool, exec, rows, type Row } from '../db';
import { finishRun, type Outcome, type RunStart } from '../sync-run';
import type { Write } from '../write';
import { findMerged } from './triage-query';
import type { DerivedChanges, TriageWriter } from './types';

const iso = (ms: number): string => new Date(ms).toISOString();
const floorMinute = (ms: number): number => Math.floor(ms / 60_000) * 60_000;

interface OpenDerived extends Row {
  id: string;
  started: number;
}

/** DuckDB-backed TriageWriter. */
export class DuckTriageWriter implements TriageWriter {
  readonly #pool: ConnectionPool;
  readonly #write: Write;
  readonly #now: () => Date;

  constructor(pool: ConnectionPool, write: Write, now: () => Date) {
    this.#pool = pool;
    this.#write = write;
    this.#now = now;
  }

  async writeIncidents(run: RunStart, batches: AsyncIterable<Incident[]>): Promise<number> {
    return this.#write(async (conn) => {
      const outcome: Outcome = { rows: 0, rejected: 0 };
      const upsert = await conn.prepare(
        `INSERT INTO incident VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
           epoch_ms($12::BIGINT), epoch_ms($13::BIGINT), epoch_ms($14::BIGINT), $15, $16, $17)
         ON CONFLICT (account, id) DO UPDATE SET
           cloud = excluded.cloud, source = excluded.source, severity = excluded.severity,
           title = excluded.title, summary = excluded.summary, status = excluded.status,
           regions = excluded.regions, services = excluded.services, resource_ids = excluded.resource_ids,
           started_at = excluded.started_at,
           ended_at = coalesce(incident.ended_at, excluded.ended_at),
           updated_at = excluded.updated_at, url = excluded.url, updates = excluded.updates,
           demo = excluded.demo`,
      );
      for await (const batch of batches) {
        for (const i of batch) {
          if (i.account !== run.account) {
            outcome.rejected++;
            continue;
          }
          upsert.bind([
            i.account,
            i.id,
            i.cloud,
            i.source,
            i.severity,
            i.title,
            i.summary,
            i.status,
            JSON.stringify(i.regions),
            JSON.stringify(i.services),
            JSON.stringify(i.resourceIds),
            Date.parse(i.startedAt),
            i.endedAt === null ? null : Date.parse(i.endedAt),
            Date.parse(i.updatedAt),
            i.url,
            JSON.stringify(i.updates),
            i.demo,
          ]);
          await upsert.run();
          outcome.rows++;
        }
      }
      await finishRun(conn, run, this.#now().getTime(), outcome, this.#now().getTime());
      return outcome.rows;
    });
  }


  async acknowledgeIncident(id: string, acknowledged: boolean, by: string, at: Date): Promise<{ acknowledged: Acknowledgement | null } | null> {
    const merged = await findMerged(this.#pool, id);
    if (merged === null) return null;
    if (!acknowledged) {
      await this.#clearAcknowledgements(merged.memberIds);
      return { acknowledged: null };
    }
    return { acknowledged: await this.#acknowledge(merged.id, true, by, at) };
  }

  async addIncidentNote(id: string, author: string, body: string, at: Date): Promise<IncidentNote | null> {
    const merged = await findMerged(this.#pool, id);
    return merged === null ? null : this.#addNote(merged.id, author, body, at);
  }

  /**
   * Makes the account's open derived incidents exactly the signals given: a signal already open keeps
   * its id and start; a new one opens; an open one no longer signalled ends at asOf.
   */
  async writeDerivedIncidents(account: string, signals: readonly Signal[], asOf: Date): Promise<DerivedChanges> {
    const at = floorMinute(asOf.getTime());
    return this.#write(async (conn) => {
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
  async #acknowledge(id: string, acknowledged: boolean, by: string, at: Date): Promise<Acknowledgement | null> {
    return this.#write(async (conn) => {
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
  async #clearAcknowledgements(ids: readonly string[]): Promise<void> {
    await this.#write(async (conn) => {
      for (const id of ids) await exec(conn, 'DELETE FROM incident_ack WHERE incident_id = $id', { id });
    });
  }

  async #addNote(incidentId: string, author: string, body: string, at: Date): Promise<IncidentNote> {
    const note: IncidentNote = { id: randomUUID(), incidentId, at: at.toISOString(), author, body };
    await this.#write((conn) =>
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
    await this.#write((conn) =>
      exec(conn, 'INSERT INTO alert_settings VALUES (1, $s) ON CONFLICT (id) DO UPDATE SET settings = excluded.settings', {
        s: JSON.stringify(valid),
      }),
    );
    return valid;
  }

  /** Records newly raised alerts and the end of resolved ones. */
  async writeAlerts(raised: readonly Alert[], resolved: readonly { id: string; resolvedAt: string }[]): Promise<void> {
    if (raised.length === 0 && resolved.length === 0) return;
    await this.#write(async (conn) => {
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
