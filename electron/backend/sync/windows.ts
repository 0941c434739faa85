/** The time windows each stream asks its connector for. */
import type { Window } from '../store/types';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A metrics window is committed in chunks of at most this, so a crash loses one chunk at most. */
export const METRICS_CHUNK_MS = 6 * HOUR_MS;

/** Raw samples are kept 7 days; asking for older ones would only feed retention. */
export const METRICS_MAX_LOOKBACK_MS = 7 * DAY_MS;

/** Floors epoch ms to the minute. */
export function floorToMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

/** The store's 5-minute rollup bucket: a rollups-only account's windows start on one. */
export const ROLLUP_BUCKET_MS = 5 * MINUTE_MS;

/**
 * The metrics windows to fetch, oldest first: from the cursor (or `backfillHours` ago on the first
 * sync, and never more than 7 days back) to now floored to the minute, in chunks of at most 6 hours.
 * With `alignFromMs` the first window starts at the cursor floored to that step. Empty when there is
 * nothing new.
 */
export function metricsWindows(cursor: number | null, now: Date, backfillHours: number, alignFromMs = MINUTE_MS): Window[] {
  const to = floorToMinute(now.getTime());
  const start = cursor ?? now.getTime() - backfillHours * HOUR_MS;
  const unaligned = Math.max(floorToMinute(start), to - METRICS_MAX_LOOKBACK_MS);
  // Nothing new: an aligned start alone is no reason to read the same minutes again.
  if (unaligned >= to) return [];
  const from = Math.floor(unaligned / alignFromMs) * alignFromMs;
  const chunks: Window[] = [];
  for (let chunkFrom = from; chunkFrom < to; chunkFrom += METRICS_CHUNK_MS) {
    chunks.push({ from: chunkFrom, to: Math.min(chunkFrom + METRICS_CHUNK_MS, to) });
  }
  return chunks;
}

/** The costs window: from the start of the UTC day `lookbackDays` ago to now (providers restate recent charges). */
export function costsWindow(now: Date, lookbackDays: number): Window {
  const to = now.getTime();
  const from = Math.floor((to - lookbackDays * DAY_MS) / DAY_MS) * DAY_MS;
  return { from, to };
}
