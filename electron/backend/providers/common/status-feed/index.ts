/**
 * Reusable readers for public status feeds: Atlassian Statuspage v2 JSON (and the incident.io
 * variant) and Status.io (public status API + RSS).
 *
 * Part of the common kit, not a provider: it has no connector and no config of its own, any provider
 * may import it (coreweave, oci and azure today), and it imports nothing but shared/, ../../types and
 * itself.
 */
export { type FeedTarget, regionsIn, plainText } from './types';
export { parseRssItems, type RssItem } from './rss';
export { type MaintenanceWindow, parseMaintenanceWindow } from './maintenance-window';
export { readStatuspage, mapStatuspageDocument, parseStatuspageDocument, StatuspageDocument } from './statuspage';
export {
  readStatusio,
  mapStatusioRss,
  mapStatusioStatus,
  mapStatusioMaintenance,
  parseStatusioUpdates,
  parseStatusioStamp,
  StatusioStatus,
  STATUSIO_CODES,
} from './statusio';
