import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney } from '../../../shared/decimal';
import { dailyBurn, daysLeftAfterToday, forecastMonth } from './spend-forecast';

describe('month forecast', () => {
  it('counts the whole UTC days left after today', () => {
    expect(daysLeftAfterToday(Date.parse('2026-11-25T12:00:00Z'))).toBe(5);
    expect(daysLeftAfterToday(Date.parse('2026-11-30T23:59:59Z'))).toBe(0);
    expect(daysLeftAfterToday(Date.parse('2026-02-01T00:00:00Z'))).toBe(27);
    expect(daysLeftAfterToday(Date.parse('2028-02-01T00:00:00Z'))).toBe(28);
  });

  it('is billed to date + run-rate today + the 7-day burn for each day left, exactly', () => {
    const inputs = { billedMonthToDate: parseMoney('1000.10'), runRateToday: parseMoney('12.5'), last7DaysBilled: parseMoney('700.07') };
    expect(formatMoney(dailyBurn(inputs.last7DaysBilled))).toBe('100.01');
    // 5 days left after 25 November: 1000.10 + 12.50 + 5 x 100.01
    expect(formatMoney(forecastMonth(inputs, Date.parse('2026-11-25T12:00:00Z')))).toBe('1512.65');
    // On the last day nothing is added for days to come.
    expect(formatMoney(forecastMonth(inputs, Date.parse('2026-11-30T08:00:00Z')))).toBe('1012.60');
  });

  it('divides the week once, so a burn that does not divide by 7 stays exact to the unit', () => {
    const inputs = { billedMonthToDate: 0n, runRateToday: 0n, last7DaysBilled: parseMoney('1') };
    // 1 x 5 / 7 = 0.714285714285..., rounded at the store scale.
    expect(formatMoney(forecastMonth(inputs, Date.parse('2026-11-25T00:00:00Z')))).toBe('0.7142857143');
  });
});
