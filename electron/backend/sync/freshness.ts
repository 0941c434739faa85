/**
 * The freshness rule (ARCHITECTURE.md glossary): data older than twice its sync interval is stale,
 * never current. One implementation, shared by the sync engine and the store's freshness queries.
 */
import type { StreamId } from '../../../shared/domain';
import type { SyncIntervals } from '../../../shared/config';

/** Data is stale once it is older than this many sync intervals. */
export const STALE_AFTER_INTERVALS = 2;

/** Default sync intervals in seconds, the same as shared/config.ts applies. */
export const DEFAULT_SYNC_INTERVALS: Readonly<SyncIntervals> = {
  inventory: 300,
  metrics: 60,
  incidents: 120,
  costs: 21_600,
};

/** True when a stream never synced, or its last success is older than twice its interval. */
export function isStale(lastSuccessAt: Date | null, intervalSeconds: number, now: Date): boolean {
  if (lastSuccessAt === null) return true;
  return now.getTime() - lastSuccessAt.getTime() > STALE_AFTER_INTERVALS * intervalSeconds * 1000;
}

/** The interval of one stream in seconds, falling back to the default when unset. */
export function intervalSeconds(intervals: Partial<SyncIntervals> | undefined, stream: StreamId): number {
  return intervals?.[stream] ?? DEFAULT_SYNC_INTERVALS[stream];
}
