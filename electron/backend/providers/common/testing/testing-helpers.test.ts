import { describe, expect, it } from 'vitest';
import { microsText, microsTextTrimmed, toMicros } from './micros';
import { seededRandom } from './seeded-random';

describe('micro-units', () => {
  it('round-trips decimal text exactly, negatives and beyond 2^53 included', () => {
    expect(toMicros('12.5')).toBe(12_500_000n);
    expect(toMicros('-0.000001')).toBe(-1n);
    expect(toMicros('9007199254.740993')).toBe(9_007_199_254_740_993n);
    expect(microsText(-12_500_000n)).toBe('-12.500000');
    expect(microsText(958_904n)).toBe('0.958904');
    expect(microsTextTrimmed(1_500_000n)).toBe('1.5');
    expect(microsTextTrimmed(-2_000_000n)).toBe('-2');
    expect(microsTextTrimmed(0n)).toBe('0');
  });
});

describe('seededRandom', () => {
  it('repeats for a seed, differs across seeds and stays in [0, 1)', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = Array.from({ length: 100 }, () => a());
    expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 100 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});
