/** What the triage view, the derived signals and the alerts need from the store (issue 8). */
import type { Acknowledgement, Alert, AlertSettings, IncidentNote, IncidentPage, TriageList } from '../../../shared/contract-triage';
import type { Signal, SignalInput } from '../analytics/derived-signals';
import type { DerivedChanges } from './triage-writer';

export interface TriageStore {
  /** Active incidents (merged, by blast radius), those elsewhere, recently ended ones and data problems. */
  triageList(asOf: Date): Promise<TriageList>;
  /** The incident page for any report id of a merged incident; null when unknown. */
  incidentPage(asOf: Date, id: string): Promise<IncidentPage | null>;
  /** Acknowledges a merged incident (by its id) or clears the acknowledgement of every report of it; null when unknown id. */
  acknowledgeIncident(id: string, acknowledged: boolean, by: string, at: Date): Promise<{ acknowledged: Acknowledgement | null } | null>;
  /** Adds a note to the incident; null when unknown id. */
  addIncidentNote(id: string, author: string, body: string, at: Date): Promise<IncidentNote | null>;
  /** Inputs of the derived signals for one account. */
  signalInput(account: string, asOf: Date): Promise<SignalInput>;
  /** Makes the account's open derived incidents exactly `signals`. */
  writeDerivedIncidents(account: string, signals: readonly Signal[], asOf: Date): Promise<DerivedChanges>;
  alertSettings(): Promise<AlertSettings>;
  setAlertSettings(settings: AlertSettings): Promise<AlertSettings>;
  alerts(includeResolved: boolean, limit: number): Promise<Alert[]>;
  writeAlerts(raised: readonly Alert[], resolved: readonly { id: string; resolvedAt: string }[]): Promise<void>;
}
