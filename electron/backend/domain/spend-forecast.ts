/**
 * The month forecast, one rule for the overview (per cloud and currency) and for budgets (per cloud
 * or tag): billed month to date + run-rate since the last billed instant (today) + D x R, where D is
 * the mean daily billed spend of the last 7 complete billed days (the 7 UTC days before the day of
 * each account's last billed instant; sum / 7) and R the whole days left in the month after today.
 * Pure BigInt arithmetic on money units (shared/decimal.ts), so sums stay exact.
 */
import { divideRounded } from '../../../shared/decimal';

const DAY_MS = 86_400_000;

export interface ForecastInputs {
  billedMonthToDate: bigint;
  /** Running machines x hourly price for today's hours after the last billed instant. */
  runRateToday: bigint;
  /** Billed spend of the last 7 complete billed days. */
  last7DaysBilled: bigint;
}

/** Whole UTC days left in the month of `asOfMs` after its day. */
export function daysLeftAfterToday(asOfMs: number): number {
  const asOf = new Date(asOfMs);
  const nextMonth = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() + 1, 1);
  const todayStart = Math.floor(asOfMs / DAY_MS) * DAY_MS;
  return Math.round((nextMonth - todayStart) / DAY_MS) - 1;
}

/** D: the mean daily billed spend of the last 7 complete billed days (the burn rate). */
export function dailyBurn(last7DaysBilled: bigint): bigint {
  return divideRounded(last7DaysBilled, 7n);
}

/** The month's forecast as of `asOfMs`. */
export function forecastMonth(inputs: ForecastInputs, asOfMs: number): bigint {
  return inputs.billedMonthToDate + inputs.runRateToday + divideRounded(inputs.last7DaysBilled * BigInt(daysLeftAfterToday(asOfMs)), 7n);
}
