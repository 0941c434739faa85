/**
 * Report periods relative to a moment, as whole UTC days [from, to] (both inclusive): one rule for
 * the spend view's presets and for saved reports run on a schedule, so "last 30 days" covers the same
 * days on screen and in the file a schedule writes.
 *
 * Finance reads a period as whole days. "Last N days" is therefore the N complete UTC days before
 * today, ending yesterday: today is not over, and billed cost lags by hours, so a period that ended
 * today would hold a partial last day whose total changes from one run to the next and would not
 * reconcile with the provider's bill for the same days. "Month to date" says by its name that it
 * runs up to today (the month's partial total is what it is for); "previous month" is the last whole
 * calendar month.
 */
import type { DateOnly, ReportDefinition } from './contract-spend';

/** A period relative to when it is read: the definition a saved report stores. */
export type RelativePeriod = ReportDefinition['period'];

const DAY_MS = 86_400_000;
const day = (ms: number): DateOnly => new Date(ms).toISOString().slice(0, 10);

/** The [from, to] UTC days `period` covers at `now`. */
export function periodDays(period: RelativePeriod, now: Date): { from: DateOnly; to: DateOnly } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const today = Date.UTC(y, m, now.getUTCDate());
  switch (period.kind) {
    case 'previous-month':
      return { from: day(Date.UTC(y, m - 1, 1)), to: day(Date.UTC(y, m, 1) - DAY_MS) };
    case 'month-to-date':
      return { from: day(Date.UTC(y, m, 1)), to: day(today) };
    case 'last-days':
      return { from: day(today - period.days * DAY_MS), to: day(today - DAY_MS) };
  }
}
