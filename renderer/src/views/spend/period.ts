/** Report periods the spend view offers, as whole UTC days [from, to]: the saved reports' rule (shared/period.ts). */
import type { DateOnly } from '../../../../shared/contract-spend';
import { periodDays, type RelativePeriod } from '../../../../shared/period';

export type PeriodPreset = 'month-to-date' | 'previous-month' | 'last-30-days' | 'custom';

/** Each preset as the period a saved report would store for the same choice. */
export const PRESET_PERIODS: Readonly<Record<Exclude<PeriodPreset, 'custom'>, RelativePeriod>> = {
  'month-to-date': { kind: 'month-to-date' },
  'previous-month': { kind: 'previous-month' },
  'last-30-days': { kind: 'last-days', days: 30 },
};

/** The [from, to] days of a preset at `now`. */
export function presetPeriod(preset: Exclude<PeriodPreset, 'custom'>, now: Date): { from: DateOnly; to: DateOnly } {
  return periodDays(PRESET_PERIODS[preset], now);
}
