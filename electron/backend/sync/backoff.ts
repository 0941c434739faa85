/**
 * Retry policy: which failures are worth another attempt within a run, and how long to wait.
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"),
 * with the provider's Retry-After as a floor.
 */
import type { SyncError } from '../../../shared/domain';

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

/** Delay before attempt `failedAttempt + 1`: uniform in [0, min(cap, base * 2^(n-1))), never below retryAfterMs. */
export function backoffDelayMs(
  failedAttempt: number,
  random: () => number,
  retryAfterMs: number | null,
  baseMs = BACKOFF_BASE_MS,
  capMs = BACKOFF_CAP_MS,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, failedAttempt - 1));
  // Clamp so a random() of exactly 1 (or a bad injected one) cannot leave the bounds.
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = Math.floor(r * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Whether to try again within the same run. Throttled and unavailable are retried up to
 * maxAttempts; an unknown (internal) error once, since a bug rarely fixes itself; auth, config and
 * malformed never (they wait for the user or the next schedule). A Retry-After longer than the
 * backoff cap is left to the schedule rather than held inside a run.
 */
export function shouldRetry(
  error: SyncError,
  attempt: number,
  maxAttempts: number,
  internalFailures: number,
  capMs = BACKOFF_CAP_MS,
): boolean {
  if (attempt >= maxAttempts) return false;
  if (error.retryAfterMs !== null && error.retryAfterMs > capMs) return false;
  switch (error.kind) {
    case 'throttled':
    case 'unavailable':
      return true;
    case 'internal':
      return internalFailures <= 1;
    case 'auth':
    case 'config':
    case 'malformed':
      return false;
  }
}
