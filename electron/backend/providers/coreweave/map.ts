/** Pure CoreWeave mapping: status feed regions to the fleet's region names. */
import type { Incident } from '../../../../shared/domain';

/** CoreWeave region and availability-zone codes, e.g. US-EAST-04 and US-EAST-04A. */
export const COREWEAVE_REGION_PATTERN = /\b(?:US|EU|CA|UK|AP)-[A-Z]+-\d{1,2}[A-Z]?\b/g;

/**
 * The status page names availability zones (US-EAST-04A) while nodes carry the region
 * (US-EAST-04) in topology labels: list both so the incident matches the fleet either way.
 */
export function withParentRegions(incident: Incident): Incident {
  const regions = new Set(incident.regions);
  for (const r of incident.regions) {
    const m = /^(.*-\d{1,2})[A-Z]$/.exec(r);
    if (m?.[1]) regions.add(m[1]);
  }
  return { ...incident, regions: [...regions] };
}
