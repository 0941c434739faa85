import { describe, expect, it } from 'vitest';
import { ReportDefinition } from '../../../../shared/contract-spend';
import { periodDays } from '../../../../shared/period';
import { PRESET_PERIODS, presetPeriod } from './period';

// The scheduled report's period (reports/schedule.ts periodAt) is periodDays(definition.period, now);
// the backend cannot be imported here, so the definitions are built as the report editor saves them.
function savedReport(period: ReportDefinition['period']): ReportDefinition {
  return ReportDefinition.parse({ id: 'r', name: 'r', period, groupBy: ['cloud'], filter: {}, formats: ['csv'] });
}

describe('the spend view and saved reports agree on periods', () => {
  const moments = ['2026-03-05T10:00:00Z', '2026-03-01T00:00:00Z', '2026-01-31T23:59:59Z', '2028-02-29T12:00:00Z'].map((t) => new Date(t));

  it.each([
    ['last-30-days', { kind: 'last-days', days: 30 }],
    ['month-to-date', { kind: 'month-to-date' }],
    ['previous-month', { kind: 'previous-month' }],
  ] as const)('%s covers the same days as a saved report of the same choice', (preset, period) => {
    expect(PRESET_PERIODS[preset]).toEqual(period);
    for (const now of moments) expect(presetPeriod(preset, now)).toEqual(periodDays(savedReport(period).period, now));
  });

  it('shows "last 30 days" as 30 whole days ending yesterday', () => {
    const { from, to } = presetPeriod('last-30-days', new Date('2026-03-05T10:00:00Z'));
    expect([from, to]).toEqual(['2026-02-03', '2026-03-04']);
    expect((Date.parse(to) - Date.parse(from)) / 86_400_000 + 1).toBe(30);
  });
});
