/** The printable report's hash route: #/report?q=<base64url of the CostReportQuery JSON>. */
import { CostReportQuery } from '../../../../shared/contract-spend';

/** Encodes a query for the report route (same encoding as the backend's printer). */
export function encodeReportQuery(query: CostReportQuery): string {
  const bytes = new TextEncoder().encode(JSON.stringify(query));
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** Decodes and validates the route's query; null when it is not a report query. */
export function decodeReportQuery(encoded: string): CostReportQuery | null {
  try {
    const b64 = encoded.replaceAll('-', '+').replaceAll('_', '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const parsed = CostReportQuery.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
