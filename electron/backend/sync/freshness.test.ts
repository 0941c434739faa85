import { describe, expect, it } from 'vitest';
import { isStale } from './freshness';

describe('isStale', () => {
  const now = new Date('2026-01-15T12:00:00.000Z');
  const ago = (ms: number): Date => new Date(now.getTime() - ms);

  it('treats a stream that never synced as stale', () => {
    expect(isStale(null, 60, now)).toBe(true);
  });

  it('keeps data fresh up to twice its interval and stale beyond', () => {
    expect(isStale(ago(60_000), 60, now)).toBe(false);
    expect(isStale(ago(120_000), 60, now)).toBe(false);
    expect(isStale(ago(120_001), 60, now)).toBe(true);
    expect(isStale(ago(2 * 21_600_000 - 1), 21_600, now)).toBe(false);
    expect(isStale(ago(2 * 21_600_000 + 1), 21_600, now)).toBe(true);
  });

  it('does not call data from the future stale', () => {
    expect(isStale(new Date(now.getTime() + 5_000), 60, now)).toBe(false);
  });
});
