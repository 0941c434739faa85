/** Whether a cost row is an estimate, as SQL over its Tags (live rule; migration v6 keeps its own copy). */
import { ESTIMATE_TAG } from '../../../../shared/contract-spend';

/** The SQL that derives is_estimate from a Tags JSON value (the FOCUS importer; v6 ran the same text). */
export function estimateFromTagsSql(tags: string): string {
  return `coalesce((${tags}) ->> '$."${ESTIMATE_TAG}"', '') = 'true'`;
}
