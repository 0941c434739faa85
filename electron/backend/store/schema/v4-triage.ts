/** Schema version 4: triage (acknowledgements and notes on incidents) and alerts (rules, settings, raised alerts). */
import type { Migration } from './migration';

export const V4_TRIAGE: Migration = {
  version: 4,
  description: 'incident acknowledgements and notes, alert rules, quiet hours and raised alerts',
  sql: `
    -- Keyed by any member id of a merged incident, so an acknowledgement survives a later merge.
    CREATE TABLE incident_ack (
      incident_id VARCHAR PRIMARY KEY,
      acked_at TIMESTAMP NOT NULL,
      acked_by VARCHAR NOT NULL
    );
    CREATE TABLE incident_note (
      id VARCHAR PRIMARY KEY,
      incident_id VARCHAR NOT NULL,
      noted_at TIMESTAMP NOT NULL,
      author VARCHAR NOT NULL,
      body VARCHAR NOT NULL
    );
    -- One row: the alert settings (rules and quiet hours) as validated JSON.
    CREATE TABLE alert_settings (
      id INTEGER PRIMARY KEY,
      settings JSON NOT NULL
    );
    CREATE TABLE alert (
      id VARCHAR PRIMARY KEY,
      rule_id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      key VARCHAR NOT NULL,
      title VARCHAR NOT NULL,
      body VARCHAR NOT NULL,
      incident_id VARCHAR,
      raised_at TIMESTAMP NOT NULL,
      resolved_at TIMESTAMP,
      notified BOOLEAN NOT NULL
    );
  `,
};
