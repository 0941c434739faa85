/**
 * Schema version 3 (spend and cost reports):
 * - cost_row.extra keeps the FOCUS columns Fleetpane does not model (and a file's own extra columns),
 *   as the file gave them, so a FOCUS export writes back the rows it imported;
 * - focus_import records each imported file and billing period (a re-import replaces, never doubles);
 * - budget holds spend budgets per cloud or tag; report_definition holds saved reports and schedules.
 */
import type { Migration } from './migration';

export const V3_SPEND: Migration = {
  version: 3,
  description: 'cost_row.extra, focus_import, budget, report_definition',
  sql: `
    ALTER TABLE cost_row ADD COLUMN extra JSON;
    CREATE TABLE focus_import (
      id VARCHAR NOT NULL,
      account VARCHAR NOT NULL,
      file VARCHAR NOT NULL,
      focus_version VARCHAR NOT NULL,
      billing_account_id VARCHAR NOT NULL,
      billing_period_start TIMESTAMP NOT NULL,
      rows BIGINT NOT NULL,
      imported_at TIMESTAMP NOT NULL
    );
    CREATE TABLE budget (
      id VARCHAR PRIMARY KEY,
      name VARCHAR NOT NULL,
      scope_kind VARCHAR NOT NULL,
      scope_key VARCHAR,
      scope_value VARCHAR NOT NULL,
      currency VARCHAR NOT NULL,
      monthly_amount DECIMAL(38,10) NOT NULL
    );
    CREATE TABLE report_definition (
      id VARCHAR PRIMARY KEY,
      name VARCHAR NOT NULL,
      definition JSON NOT NULL,
      created_at TIMESTAMP NOT NULL,
      last_run_at TIMESTAMP,
      last_error VARCHAR
    );
  `,
};
