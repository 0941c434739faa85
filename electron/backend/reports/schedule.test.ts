import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportDefinition } from '../../../shared/contract-spend';
import { periodDays } from '../../../shared/period';
import { openStore } from '../store/index';
import { tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { isDue, periodAt, ReportScheduler } from './schedule';

const FIXTURES = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const HOUR = 3_600_000;

describe('saved report schedule (fake timers)', () => {
  let store: FleetStore;
  let cleanup: () => Promise<void>;
  let folder: string;
  let clock: Date;

  beforeEach(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    clock = new Date('2024-10-01T06:00:00Z');
    store = await openStore(temp.dir, { now: () => clock });
    await store.importFocus([join(FIXTURES, 'focus_1.0_sample_oracle.csv')], 'oci');
    folder = await mkdtemp(join(tmpdir(), 'fleetpane-scheduled-'));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await store.close();
    await cleanup();
    await rm(folder, { recursive: true, force: true });
  });

  it('writes a due daily report once per day into its folder and records the run', async () => {
    await store.saveReportDefinition(
      ReportDefinition.parse({ id: 'monthly-oci', name: 'OCI last month', period: { kind: 'previous-month' }, groupBy: ['service'], filter: {}, formats: ['csv', 'focus'], schedule: 'daily', folder }),
    );
    const scheduler = new ReportScheduler({ store, now: () => clock, checkEveryMs: HOUR });
    scheduler.start();
    expect(await scheduler.idle()).toHaveLength(2);
    expect((await readdir(folder)).sort()).toEqual(['OCI-last-month-2024-09-01-to-2024-09-30.csv', 'OCI-last-month-2024-09-01-to-2024-09-30.focus.csv']);
    const csv = await readFile(join(folder, 'OCI-last-month-2024-09-01-to-2024-09-30.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('Service,Currency,BilledCost,EffectiveCost,Estimated (not billed),Rows');
    const [saved] = await store.reportDefinitions();
    expect(saved?.lastRunAt).toBe('2024-10-01T06:00:00.000Z');
    expect(saved?.lastError).toBeNull();

    // Later the same day: the timer fires, nothing is due.
    clock = new Date('2024-10-01T07:00:00Z');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await scheduler.idle()).toEqual([]);

    // The next day it runs again.
    clock = new Date('2024-10-02T00:30:00Z');
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(await scheduler.idle()).toHaveLength(2);
    await scheduler.stop();
  });

  it('records a failure (PDF without a printer) and keeps scheduling', async () => {
    await store.saveReportDefinition(
      ReportDefinition.parse({ id: 'pdf', name: 'PDF', period: { kind: 'month-to-date' }, groupBy: ['cloud'], filter: {}, formats: ['pdf'], schedule: 'weekly', folder }),
    );
    const scheduler = new ReportScheduler({ store, now: () => clock, checkEveryMs: HOUR });
    scheduler.start();
    expect(await scheduler.idle()).toEqual([]);
    const [saved] = await store.reportDefinitions();
    expect(saved?.lastError).toMatch(/printer/);
    await scheduler.stop();
  });

  it('knows when each schedule is due and which period it covers', () => {
    const base = ReportDefinition.parse({ id: 'x', name: 'x', period: { kind: 'last-days', days: 7 }, groupBy: ['cloud'], filter: {}, formats: ['csv'], schedule: 'monthly', folder: '/reports' });
    const now = new Date('2024-10-15T12:00:00Z');
    expect(periodAt(base, now)).toEqual({ from: '2024-10-08', to: '2024-10-14' });
    expect(isDue({ ...base, lastRunAt: '2024-10-01T00:00:00.000Z' }, now)).toBe(false);
    expect(isDue({ ...base, lastRunAt: '2024-09-30T23:00:00.000Z' }, now)).toBe(true);
    expect(isDue({ ...base, schedule: 'weekly', lastRunAt: '2024-10-09T12:00:00.000Z' }, now)).toBe(false);
    expect(isDue({ ...base, schedule: 'weekly', lastRunAt: '2024-10-08T12:00:00.000Z' }, now)).toBe(true);
    expect(isDue({ ...base, schedule: 'none' }, now)).toBe(false);
    expect(isDue({ ...base, folder: null }, now)).toBe(false);
  });

  // The spend view's presets map onto the same shared rule (renderer/src/views/spend/period.test.ts),
  // so a scheduled "last 30 days" and the view's "Last 30 days" cover the same days.
  it('covers the days of the shared period rule, the one the spend view uses', () => {
    const periods: ReportDefinition['period'][] = [{ kind: 'last-days', days: 30 }, { kind: 'month-to-date' }, { kind: 'previous-month' }];
    for (const period of periods) {
      const definition = ReportDefinition.parse({ id: 'p', name: 'p', period, groupBy: ['cloud'], filter: {}, formats: ['csv'] });
      for (const now of [new Date('2026-03-05T10:00:00Z'), new Date('2026-01-01T00:00:00Z')]) {
        expect(periodAt(definition, now)).toEqual(periodDays(period, now));
      }
    }
  });
});
