/** Report periods the spend view offers, as whole UTC days [from, to]. */
import type { DateOnly } from '../../../../shared/contract-spend';

export type PeriodPreset = 'month-to-date' | 'previous-month' | 'last-30-days' | 'custom';

const day = (ms: number): DateOnly => new Date(ms).toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** The [from, to] days of a preset at `now`. */
export function presetPeriod(preset: Exclude<PeriodPreset, 'custom'>, now: Date): { from: DateOnly; to: DateOnly } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (preset) {
    case 'month-to-date':
      return { from: day(Date.UTC(y, m, 1)), to: day(now.getTime()) };
    case 'previous-month':
      return { from: day(Date.UTC(y, m - 1, 1)), to: day(Date.UTC(y, m, 1) - DAY_MS) };
    case 'last-30-days':
      return { from: day(now.getTime() - 29 * DAY_MS), to: day(now.getTime()) };
  }
}
