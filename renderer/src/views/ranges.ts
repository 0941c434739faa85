/** Length of each view range in milliseconds (for axis labels). */
import type { ViewRange } from '../routing/route';

export const RANGE_MS: Readonly<Record<ViewRange, number>> = {
  '1h': 3600_000,
  '24h': 24 * 3600_000,
  '7d': 7 * 24 * 3600_000,
  '30d': 30 * 24 * 3600_000,
};
