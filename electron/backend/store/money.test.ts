import { describe, expect, it } from 'vitest';
import { divRound, formatMoney, normaliseMoney, parseMoney } from './money';

describe('money', () => {
  it('parses and formats exactly', () => {
    expect(formatMoney(parseMoney('0.1') + parseMoney('0.2'))).toBe('0.30');
    expect(normaliseMoney('12.3400000000')).toBe('12.34');
    expect(normaliseMoney('1e-3')).toBe('0.001');
    expect(normaliseMoney('-5')).toBe('-5.00');
    expect(normaliseMoney('98.123456789012')).toBe('98.123456789');
    expect(normaliseMoney('-0.00000000001')).toBe('0.00');
  });
  it('rounds divisions half away from zero', () => {
    expect(divRound(5n, 2n)).toBe(3n);
    expect(divRound(-5n, 2n)).toBe(-3n);
    expect(divRound(4n, 3n)).toBe(1n);
  });
  it('refuses text that is not a number', () => {
    expect(() => parseMoney('12,5')).toThrow(/not a decimal/);
  });
});
