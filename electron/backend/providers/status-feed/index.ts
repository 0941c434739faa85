/**
 * Reusable readers for public status feeds: Atlassian Statuspage v2 JSON (and the incident.io
 * variant) and Status.io (public status API + RSS).
 *
 * This folder is a shared helper, not a provider: it has no connector and no config of its own.
 * It is the one allowed exception to "a provider never imports another provider folder": any
 * provider (coreweave today; vendors that publish the same formats later) may import it. It imports
 * nothing but shared/ and ../types, so the exception cannot pull one provider into another.
 */
export { type FeedTarget, regionsIn, plainText } from './types';
export { type MaintenanceWindow, parseMaintenanceWindow } from './maintenance-window';
export { readStatuspage, mapStatuspageDocument, parseStatuspageDocument, StatuspageDocument } from './statuspage';
export {
  readStatusio,
  mapStatusioRss,
  mapStatusioStatus,
  mapStatusioMaintenance,
  parseRssItems,
  parseStatusioUpdates,
  parseStatusioStamp,
  StatusioStatus,
  STATUSIO_CODES,
  type RssItem,
} from './statusio';
