/**
 * The triage area of the store: provider and derived incidents, acknowledgements and notes, incident
 * snapshots for the triage view, the derived signals' inputs, alert settings and alerts (issue 8).
 */
import type { ResponseOf } from '../../../../shared/contract';
import type { Acknowledgement, Alert, AlertSettings, IncidentNote, IncidentPage, TriageList } from '../../../../shared/contract-triage';
import type { Incident } from '../../../../shared/domain';
import type { Signal, SignalInput } from '../../domain/derived-signals';
import type { RunStart } from '../sync-run';

/** What a derived-signal write changed. */
export interface DerivedChanges {
  opened: Incident[];
  /** Ids of the derived incidents that ended. */
  resolved: string[];
}

/** What the triage view, the incidents channels, the derived signals and the alerts read. */
export interface TriageReader {
  /** Active incidents (merged, by blast radius), those elsewhere, recently ended ones and data problems. */
  triageList(asOf: Date): Promise<TriageList>;
  /** The incident page for any report id of a merged incident; null when unknown. */
  incidentPage(asOf: Date, id: string): Promise<IncidentPage | null>;
  /** Provider and derived incidents, open at asOf (or every one started by then). */
  incidents(asOf: Date, includeEnded: boolean): Promise<ResponseOf<'incidents:list'>>;
  incident(asOf: Date, id: string): Promise<ResponseOf<'incidents:get'> | null>;
  /** Inputs of the derived signals for one account. */
  signalInput(account: string, asOf: Date): Promise<SignalInput>;
  alertSettings(): Promise<AlertSettings>;
  alerts(includeResolved: boolean, limit: number): Promise<Alert[]>;
}

/** Triage writes; each is one transaction. */
export interface TriageWriter {
  /** Upserts a sync's incidents by id (ended ones keep their end); records the run. */
  writeIncidents(run: RunStart, batches: AsyncIterable<Incident[]>): Promise<number>;
  /** Acknowledges a merged incident (by its id) or clears the acknowledgement of every report of it; null when unknown id. */
  acknowledgeIncident(id: string, acknowledged: boolean, by: string, at: Date): Promise<{ acknowledged: Acknowledgement | null } | null>;
  /** Adds a note to the incident; null when unknown id. */
  addIncidentNote(id: string, author: string, body: string, at: Date): Promise<IncidentNote | null>;
  /** Makes the account's open derived incidents exactly `signals`. */
  writeDerivedIncidents(account: string, signals: readonly Signal[], asOf: Date): Promise<DerivedChanges>;
  setAlertSettings(settings: AlertSettings): Promise<AlertSettings>;
  writeAlerts(raised: readonly Alert[], resolved: readonly { id: string; resolvedAt: string }[]): Promise<void>;
}

export interface TriageArea extends TriageReader, TriageWriter {}
