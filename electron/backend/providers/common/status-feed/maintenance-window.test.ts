import { describe, expect, it } from 'vitest';
import { parseMaintenanceWindow } from './maintenance-window';

describe('maintenance windows written in prose', () => {
  it('reads the window of an item posted days ahead, year from the post date', () => {
    expect(
      parseMaintenanceWindow('Scheduled network maintenance in US-EAST-04A from December 5 7:14AM UTC to 11:14AM UTC', '2026-12-01T09:00:00Z'),
    ).toEqual({ start: '2026-12-05T07:14:00.000Z', end: '2026-12-05T11:14:00.000Z' });
  });

  it('takes the UTC alternative of an ET time (CoreWeave wording)', () => {
    const body =
      'CoreWeave will be performing scheduled InfiniBand network maintenance on Wednesday, September 2, 2026, from 1:00 PM ET (5:00 PM UTC) to 3:00 PM ET (7:00 PM UTC) in US-EAST-02B';
    expect(parseMaintenanceWindow(body, '2026-09-01T01:14:00Z')).toEqual({ start: '2026-09-02T17:00:00.000Z', end: '2026-09-02T19:00:00.000Z' });
  });

  it('reads a window across days with ordinals and a stray full stop', () => {
    const body =
      'beginning Monday, August 24, 2026, at 9:00 AM ET (1:00 PM UTC) and continuing through Friday, September 4th, 2026.  at 5:00 PM ET (9:00 PM UTC).';
    expect(parseMaintenanceWindow(body, '2026-08-19T14:44:00Z')).toEqual({ start: '2026-08-24T13:00:00.000Z', end: '2026-09-04T21:00:00.000Z' });
  });

  it('converts US zones with summer time, and fixed offsets', () => {
    // 1 PM EDT in July is 17:00 UTC; 1 PM EST in December is 18:00 UTC.
    expect(parseMaintenanceWindow('on July 8 from 1:00 PM ET to 3:00 PM ET', '2026-07-01T00:00:00Z')?.start).toBe('2026-07-08T17:00:00.000Z');
    expect(parseMaintenanceWindow('on December 8 from 1:00 PM ET to 3:00 PM ET', '2026-12-01T00:00:00Z')?.start).toBe('2026-12-08T18:00:00.000Z');
    expect(parseMaintenanceWindow('on 8 December from 10:00 to 12:00 UTC+2', '2026-12-01T00:00:00Z')).toEqual({
      start: '2026-12-08T08:00:00.000Z',
      end: '2026-12-08T10:00:00.000Z',
    });
  });

  it('runs past midnight when the end is earlier than the start', () => {
    expect(parseMaintenanceWindow('Maintenance on December 5 from 10:00 PM UTC to 2:00 AM UTC', '2026-12-01T00:00:00Z')).toEqual({
      start: '2026-12-05T22:00:00.000Z',
      end: '2026-12-06T02:00:00.000Z',
    });
  });

  it('puts a January window announced in December in the next year', () => {
    expect(parseMaintenanceWindow('from December 31 10PM UTC to January 1 2AM UTC', '2026-12-20T00:00:00Z')).toEqual({
      start: '2026-12-31T22:00:00.000Z',
      end: '2027-01-01T02:00:00.000Z',
    });
    expect(parseMaintenanceWindow('on January 4 from 07:00 to 09:00 UTC', '2026-12-20T00:00:00Z')?.start).toBe('2027-01-04T07:00:00.000Z');
  });

  it('reads ISO dates with 24-hour times (Cloudflare wording)', () => {
    expect(parseMaintenanceWindow('maintenance in CDG (Paris) datacenter between 2026-07-29 23:00 and 2026-07-30 07:00 UTC.', '2026-07-26T23:43:00Z')).toEqual({
      start: '2026-07-29T23:00:00.000Z',
      end: '2026-07-30T07:00:00.000Z',
    });
    expect(parseMaintenanceWindow('window 2026-12-05T07:14Z - 2026-12-05T11:14Z', '2026-12-01T00:00:00Z')?.end).toBe('2026-12-05T11:14:00.000Z');
  });

  it('falls back to a lone start, then to the announced day, and never to the post date', () => {
    expect(parseMaintenanceWindow('on December 5 at 7:14AM UTC', '2026-12-01T00:00:00Z')).toEqual({ start: '2026-12-05T07:14:00.000Z', end: null });
    // No zone: the times are not guessed, but the work is not before December 5.
    expect(parseMaintenanceWindow('on December 5 from 7:14AM to 11:14AM', '2026-12-01T00:00:00Z')).toEqual({ start: '2026-12-05T00:00:00.000Z', end: null });
    expect(parseMaintenanceWindow('We will perform maintenance next week.', '2026-12-01T00:00:00Z')).toBeNull();
  });
});
