import { describe, expect, it } from 'vitest';
import { periodDays } from './period';

describe('report periods', () => {
  const now = new Date('2026-03-05T10:00:00Z');

  it('ends "last N days" yesterday: N whole days, today left out', () => {
    expect(periodDays({ kind: 'last-days', days: 30 }, now)).toEqual({ from: '2026-02-03', to: '2026-03-04' });
    expect(periodDays({ kind: 'last-days', days: 1 }, now)).toEqual({ from: '2026-03-04', to: '2026-03-04' });
  });

  it('runs month to date up to today and takes the whole previous month', () => {
    expect(periodDays({ kind: 'month-to-date' }, now)).toEqual({ from: '2026-03-01', to: '2026-03-05' });
    expect(periodDays({ kind: 'previous-month' }, now)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(periodDays({ kind: 'previous-month' }, new Date('2026-01-01T00:00:00Z'))).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });

  it('counts UTC days whatever the hour', () => {
    expect(periodDays({ kind: 'last-days', days: 7 }, new Date('2026-03-05T00:00:00Z'))).toEqual({ from: '2026-02-26', to: '2026-03-04' });
    expect(periodDays({ kind: 'last-days', days: 7 }, new Date('2026-03-05T23:59:59.999Z'))).toEqual({ from: '2026-02-26', to: '2026-03-04' });
  });
});
