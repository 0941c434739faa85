/**
 * Schema version 7: what the connector could not tell about a machine, kept with it.
 * - resource.coverage_gaps: the connector's `coverageGaps` ([{kind, reason}], '[]' when none), so the
 *   overview counts unmeasured, unpriced and unplaced GPUs and the accounts screen lists the reasons;
 * - resource.site: where a machine outside every known cloud runs (an on-premises site), as the
 *   account's config names it, so two on-premises clusters are two entries on the pane.
 * Rows written before v7 have no gaps the connector told of and no site.
 */
import type { Migration } from './migration';

export const V7_COVERAGE: Migration = {
  version: 7,
  description: 'resource.coverage_gaps and resource.site written with each inventory snapshot',
  sql: `
    ALTER TABLE resource ADD COLUMN coverage_gaps JSON DEFAULT '[]';
    ALTER TABLE resource ADD COLUMN site VARCHAR;
  `,
};
