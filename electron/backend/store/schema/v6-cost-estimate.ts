/**
 * Schema version 6: cost_row.is_estimate, set when a row is written (a connector estimate carries the
 * `fleetpane.estimate` tag), so billed totals filter on a boolean instead of parsing every row's Tags
 * JSON several times per overview.
 */
import type { Migration } from './migration';

/** The estimate tag when v6 shipped (shared/contract-spend's ESTIMATE_TAG is the live one). */
const ESTIMATE_TAG = 'fleetpane.estimate';

/** The SQL that derived is_estimate from a Tags JSON value (the live copy is spend/estimate-sql.ts). */
function estimateFromTagsSql(tags: string): string {
  return `coalesce((${tags}) ->> '$."${ESTIMATE_TAG}"', '') = 'true'`;
}

export const V6_COST_ESTIMATE: Migration = {
  version: 6,
  description: 'cost_row.is_estimate written with each row',
  sql: `
    ALTER TABLE cost_row ADD COLUMN is_estimate BOOLEAN DEFAULT false;
    UPDATE cost_row SET is_estimate = ${estimateFromTagsSql('Tags')};
  `,
};
