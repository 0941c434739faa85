import { describe, expect, it } from 'vitest';
import type { SyncError } from '../../../shared/domain';
import { BACKOFF_CAP_MS, backoffDelayMs, shouldRetry } from './backoff';

const err = (kind: SyncError['kind'], retryAfterMs: number | null = null): SyncError => ({ kind, message: 'x', retryAfterMs });

describe('backoffDelayMs', () => {
  it('grows exponentially from 1 s and stops growing at 5 minutes', () => {
    const top = (): number => 0.999999;
    const delays = [1, 2, 3, 4, 5, 8, 9, 10, 20].map((n) => backoffDelayMs(n, top, null));
    expect(delays.slice(0, 5)).toEqual([999, 1999, 3999, 7999, 15_999]);
    expect(delays[5]).toBe(127_999);
    expect(delays[6]).toBe(255_999);
    expect(delays[7]).toBe(BACKOFF_CAP_MS - 1);
    expect(delays[8]).toBe(BACKOFF_CAP_MS - 1);
  });

  it('draws uniformly below the ceiling (full jitter)', () => {
    let seed = 42;
    // A small deterministic generator so the spread is checked without flakiness.
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let attempt = 1; attempt <= 12; attempt++) {
      const ceiling = Math.min(BACKOFF_CAP_MS, 1000 * 2 ** (attempt - 1));
      const draws = Array.from({ length: 200 }, () => backoffDelayMs(attempt, random, null));
      for (const d of draws) {
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThanOrEqual(ceiling);
      }
      // Jitter: the draws are spread out, not all at the ceiling.
      expect(Math.min(...draws)).toBeLessThan(ceiling * 0.25);
      expect(Math.max(...draws)).toBeGreaterThan(ceiling * 0.75);
    }
  });

  it('never waits less than Retry-After', () => {
    expect(backoffDelayMs(1, () => 0, 30_000)).toBe(30_000);
    expect(backoffDelayMs(6, () => 0.99, 30_000)).toBe(Math.floor(0.99 * 32_000));
    expect(backoffDelayMs(1, () => 0.5, 0)).toBe(500);
  });

  it('stays in bounds even if the injected random leaves [0, 1)', () => {
    expect(backoffDelayMs(3, () => 7, null)).toBe(4000);
    expect(backoffDelayMs(3, () => -1, null)).toBe(0);
  });
});

describe('shouldRetry', () => {
  it('retries throttled and unavailable until maxAttempts', () => {
    expect(shouldRetry(err('throttled', 1000), 1, 4, 0)).toBe(true);
    expect(shouldRetry(err('unavailable'), 3, 4, 0)).toBe(true);
    expect(shouldRetry(err('unavailable'), 4, 4, 0)).toBe(false);
  });

  it('never retries auth, config or malformed within a run', () => {
    for (const kind of ['auth', 'config', 'malformed'] as const) expect(shouldRetry(err(kind), 1, 4, 0)).toBe(false);
  });

  it('retries an internal error once', () => {
    expect(shouldRetry(err('internal'), 1, 4, 1)).toBe(true);
    expect(shouldRetry(err('internal'), 2, 4, 2)).toBe(false);
  });

  it('leaves a Retry-After beyond the cap to the schedule', () => {
    expect(shouldRetry(err('throttled', BACKOFF_CAP_MS), 1, 4, 0)).toBe(true);
    expect(shouldRetry(err('throttled', BACKOFF_CAP_MS + 1), 1, 4, 0)).toBe(false);
  });
});
