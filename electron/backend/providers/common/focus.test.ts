import { describe, expect, it } from 'vitest';
import { billingMonthOf } from './focus';

describe('billingMonthOf', () => {
  it('is the UTC calendar month, whatever the hour', () => {
    expect(billingMonthOf(Date.parse('2026-11-20T13:45:00Z'))).toEqual({ start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' });
    expect(billingMonthOf(Date.parse('2026-11-30T23:59:59.999Z')).end).toBe('2026-12-01T00:00:00.000Z');
    expect(billingMonthOf(Date.parse('2026-12-01T00:00:00Z')).start).toBe('2026-12-01T00:00:00.000Z');
  });

  it('rolls over the year', () => {
    expect(billingMonthOf(Date.parse('2026-12-31T12:00:00Z'))).toEqual({ start: '2026-12-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
  });
});
