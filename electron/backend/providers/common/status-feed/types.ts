/** What a status feed reader needs to turn a public feed into Fleetpane incidents. */
import type { CloudId } from '../../../../../shared/domain';

export interface FeedTarget {
  /** Account the incidents are recorded under. */
  account: string;
  cloud: CloudId;
  /** Prefix of every incident id, e.g. "coreweave-status" (ids stay stable across syncs). */
  idPrefix: string;
  /**
   * Finds region codes in titles, bodies and component names (global flag required), e.g.
   * /\b[A-Z]{2}-[A-Z]+-\d{2}[A-Z]?\b/g for CoreWeave's "US-EAST-02B".
   */
  regionPattern?: RegExp;
}

/** Region codes named in a text, upper-cased and de-duplicated, in order of appearance. */
export function regionsIn(texts: readonly string[], pattern: RegExp | undefined): string[] {
  if (!pattern) return [];
  const found = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`))) {
      found.add(m[0].toUpperCase());
    }
  }
  return [...found];
}

/** Strips HTML tags and entities from status bodies (they carry <br /> and CRLF). */
export function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\r\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Normalises any offset-aware timestamp to ISO UTC with a Z. */
export function isoUtc(value: string | number | Date): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not a timestamp: ${String(value)}`);
  return d.toISOString();
}
