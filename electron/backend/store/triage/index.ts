/** The DuckDB implementation of TriageStore, assembled from triage-query.ts and triage-writer.ts. */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ConnectionPool } from './db';
import { findMerged, querySignalInput, queryIncidentPage, queryTriageList } from './triage-query';
import type { TriageStore } from './triage-types';
import { readAlertSettings, readAlerts, TriageWriter } from './triage-writer';

/** Builds the triage part of the store over its reader pool and its instance (for writes). */
export function createTriageStore(pool: ConnectionPool, instance: DuckDBInstance, readOnly: boolean): TriageStore {
  const writer = new TriageWriter(instance, readOnly);
  const read = <T extends Record<string, unknown>>(sql: string): Promise<T[]> => pool.rows<T>(sql);
  return {
    triageList: (asOf) => queryTriageList(pool, asOf),
    incidentPage: (asOf, id) => queryIncidentPage(pool, asOf, id),
    acknowledgeIncident: async (id, acknowledged, by, at) => {
      const merged = await findMerged(pool, id);
      if (merged === null) return null;
      if (!acknowledged) {
        await writer.clearAcknowledgements(merged.memberIds);
        return { acknowledged: null };
      }
      return { acknowledged: await writer.acknowledge(merged.id, true, by, at) };
    },
    addIncidentNote: async (id, author, body, at) => {
      const merged = await findMerged(pool, id);
      return merged === null ? null : writer.addNote(merged.id, author, body, at);
    },
    signalInput: (account, asOf) => querySignalInput(pool, account, asOf),
    writeDerivedIncidents: (account, signals, asOf) => writer.writeDerivedIncidents(account, signals, asOf),
    alertSettings: () => readAlertSettings(read),
    setAlertSettings: (s) => writer.setAlertSettings(s),
    alerts: (includeResolved, limit) => readAlerts(read, includeResolved, limit),
    writeAlerts: (raised, resolved) => writer.writeAlerts(raised, resolved),
  };
}
