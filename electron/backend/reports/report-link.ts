/** The renderer's printable report route for a query (#/report?q=<base64url JSON>). */
import type { CostReportQuery } from '../../../shared/contract-spend';

/** The hash route of the printable report page for a query. */
export function reportHash(query: CostReportQuery): string {
  return `#/report?q=${encodeURIComponent(Buffer.from(JSON.stringify(query)).toString('base64url'))}`;
}
