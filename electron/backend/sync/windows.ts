/** The time windows each stream asks its connector for. */
import type { MetricsStorage } from '../../../shared/config';
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
 * Samples a rollups-only account's metrics window holds at most, counting one per GPU and minute (what
 * a Prometheus source answers at its 60 s step). The cap dates from when the store rolled such a
 * window up whole; it now adds up either mode's windows slice by slice (store/fleet/minute-detail.ts).
 * A window is still one transaction, though: at 10,000 GPUs and DuckDB's 256 MB, its in-memory table
 * data peaked at 120-140 MiB at the end of each 6-hour raw window (75 MiB with 2-hour windows, which
 * took 15-25% off the backfill's speed), so the cap stays for rollups-only windows, and raw windows
 * stay 6 hours up to a larger fleet (RAW_WINDOW_SAMPLES).
 */
export const ROLLUPS_WINDOW_SAMPLES = 2_000_000;

/**
 * Samples a raw account's metrics window holds at most, counted as for ROLLUPS_WINDOW_SAMPLES: a
 * window is one transaction, and at 100,000 GPUs a 6-hour one (36M samples) ran DuckDB out of memory
 * in its merges, at the bulk-write limit and at the store's own alike. Above 10,000 GPUs' 6 hours.
 */
export const RAW_WINDOW_SAMPLES = 4_000_000;

/** Chunk length holding at most `maxSamples` of `gpus` GPUs: whole 5-minute buckets, from 5 minutes to 6 hours. */
function chunkMsFor(gpus: number, maxSamples: number): number {
  const minutes = Math.floor(maxSamples / Math.max(1, gpus));
  const ms = Math.floor((minutes * MINUTE_MS) / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;
  return Math.min(METRICS_CHUNK_MS, Math.max(ROLLUP_BUCKET_MS, ms));
}

/** Chunk length for a rollups-only account of `gpus` GPUs (ROLLUPS_WINDOW_SAMPLES). */
export function rollupsChunkMs(gpus: number): number {
  return chunkMsFor(gpus, ROLLUPS_WINDOW_SAMPLES);
}

/** Chunk length for a raw account of `gpus` GPUs (RAW_WINDOW_SAMPLES): 6 hours up to 11,111 GPUs. */
export function rawChunkMs(gpus: number): number {
  return chunkMsFor(gpus, RAW_WINDOW_SAMPLES);
}

/**
 * How an account's metrics windows are cut for its storage and fleet: a rollups-only account's start
 * on a 5-minute bucket (each is rebuilt whole) and hold ROLLUPS_WINDOW_SAMPLES; a raw one's start on
 * the minute and hold RAW_WINDOW_SAMPLES.
 */
export function metricsChunking(storage: MetricsStorage, gpus: number): { alignFromMs: number; chunkMs: number } {
  return storage === 'rollups' ? { alignFromMs: ROLLUP_BUCKET_MS, chunkMs: rollupsChunkMs(gpus) } : { alignFromMs: MINUTE_MS, chunkMs: rawChunkMs(gpus) };
}

/**
 * The metrics windows to fetch, oldest first: from the cursor (or `backfillHours` ago on the first
 * sync, and never more than 7 days back) to now floored to the minute, in chunks of at most `chunkMs`
 * (6 hours). With `alignFromMs` the first window starts at the cursor floored to that step. Empty when
 * there is nothing new.
 */
export function metricsWindows(cursor: number | null, now: Date, backfillHours: number, alignFromMs = MINUTE_MS, chunkMs = METRICS_CHUNK_MS): Window[] {
  const to = floorToMinute(now.getTime());
  const start = cursor ?? now.getTime() - backfillHours * HOUR_MS;
  const unaligned = Math.max(floorToMinute(start), to - METRICS_MAX_LOOKBACK_MS);
  // Nothing new: an aligned start alone is no reason to read the same minutes again.
  if (unaligned >= to) return [];
  const from = Math.floor(unaligned / alignFromMs) * alignFromMs;
  const chunks: Window[] = [];
  for (let chunkFrom = from; chunkFrom < to; chunkFrom += chunkMs) {
    chunks.push({ from: chunkFrom, to: Math.min(chunkFrom + chunkMs, to) });
  }
  return chunks;
}

/** The costs window: from the start of the UTC day `lookbackDays` ago to now (providers restate recent charges). */
export function costsWindow(now: Date, lookbackDays: number): Window {
  const to = now.getTime();
  const from = Math.floor((to - lookbackDays * DAY_MS) / DAY_MS) * DAY_MS;
  return { from, to };
}
