import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import type { Alert, AlertSettings, TriageIncident, TriageList } from '../../../shared/contract-triage';
import type { Overview } from '../../../shared/overview';
import { AlertMonitor, inQuietHours, type AlertSource } from './alerts';

const T0 = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;

function overview(idle: number, unhealthy = 0, forecast = '100'): Overview {
  const gpus = { total: 100, busy: 100 - idle - unhealthy, idle, unhealthy, unknown: 0, stopped: 0 };
  const spend = [{ currency: 'USD', billedMonthToDate: '0', runRateToday: '0', forecastMonth: forecast, idleWasteToday: '0' }];
  return { generatedAt: new Date(T0).toISOString(), asOf: new Date(T0).toISOString(), demo: false, clouds: [], totals: { gpus, spend, incidents: { active: 0 }, coverage: { gpusWithoutMetrics: 0, machinesWithoutPrice: 0, gpusUnplaced: 0 } }, incidentsElsewhere: [], maintenancePlanned: [] };
}

function providerIncident(id: string, severity: TriageIncident['severity']): TriageIncident {
  return {
    id, account: 'a', cloud: 'azure', source: 'service-health', severity, title: `Outage ${id}`, status: 'Active', regions: ['eastus'], services: [],
    startedAt: new Date(T0).toISOString(), endedAt: null, url: null, demo: false, affectedGpus: 8, atRiskPerHour: [{ currency: 'USD', amount: '80.00' }],
    summary: '', updatedAt: new Date(T0).toISOString(), resourceIds: [], acknowledged: null, noteCount: 0, recentChanges: [],
    sources: [{ id, account: 'a', source: 'service-health', title: '', url: null, startedAt: new Date(T0).toISOString(), endedAt: null }],
  };
}

function triage(active: TriageIncident[] = []): TriageList {
  return { asOf: new Date(T0).toISOString(), active, elsewhere: [], recentlyEnded: [], planned: [], dataProblems: [], totals: { active: active.length, affectedGpus: 0, atRiskPerHour: [] } };
}

/** An in-memory AlertSource whose fleet the test changes. */
function source(settings: AlertSettings) {
  const state = { overview: overview(0), triage: triage(), alerts: [] as Alert[] };
  const store: AlertSource = {
    alertSettings: async () => settings,
    overview: async () => state.overview,
    triageList: async () => state.triage,
    alerts: async (includeResolved) => state.alerts.filter((a) => includeResolved || a.resolvedAt === null),
    writeAlerts: async (raised, resolved) => {
      state.alerts.push(...raised);
      for (const r of resolved) {
        const a = state.alerts.find((x) => x.id === r.id);
        if (a) a.resolvedAt = r.resolvedAt;
      }
    },
  };
  return { state, store };
}

const rules = (quiet = false): AlertSettings => ({
  rules: [
    { id: 'idle', kind: 'idle-gpus', enabled: true, minGpus: 10, forMinutes: 30 },
    { id: 'provider', kind: 'provider-incident', enabled: true, minSeverity: 'major' },
    { id: 'budget', kind: 'spend-forecast', enabled: true, currency: 'USD', budget: '1000' },
    { id: 'sick', kind: 'unhealthy-gpus', enabled: false, minGpus: 1 },
  ],
  quietHours: { enabled: quiet, start: '22:00', end: '07:00' },
});

describe('alert rules', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  it('raises idle GPUs only after they stayed over the threshold for the rule duration (timer-driven)', async () => {
    const { state, store } = source(rules());
    const events: AppEvent[] = [];
    const monitor = new AlertMonitor({ store, emit: (e) => events.push(e), minuteOfDay: () => 12 * 60 });
    state.overview = overview(11);
    await monitor.evaluate();
    expect(state.alerts).toEqual([]);
    await vi.advanceTimersByTimeAsync(29 * MIN);
    expect(state.alerts).toEqual([]);
    await vi.advanceTimersByTimeAsync(MIN);
    expect(state.alerts.map((a) => [a.kind, a.title, a.notified])).toEqual([['idle-gpus', '11 GPUs idle', true]]);
    expect(events.filter((e) => e.type === 'alert-raised')).toHaveLength(1);
    expect(events.at(-1)).toEqual({ type: 'alerts-changed', firing: 1 });
    // Still idle: no second alert for the same condition.
    await monitor.evaluate();
    expect(state.alerts).toHaveLength(1);
    // Back under the threshold: resolved, and the badge count falls.
    state.overview = overview(10);
    await monitor.evaluate();
    expect(state.alerts[0]!.resolvedAt).toBe(new Date(T0 + 30 * MIN).toISOString());
    expect(events.at(-1)).toEqual({ type: 'alerts-changed', firing: 0 });
    monitor.stop();
  });

  it('does not raise idle GPUs when they dip under the threshold before the duration', async () => {
    const { state, store } = source(rules());
    const monitor = new AlertMonitor({ store, minuteOfDay: () => 12 * 60 });
    state.overview = overview(11);
    await monitor.evaluate();
    await vi.advanceTimersByTimeAsync(20 * MIN);
    state.overview = overview(3);
    await monitor.evaluate();
    state.overview = overview(11);
    await vi.advanceTimersByTimeAsync(15 * MIN);
    await monitor.evaluate();
    expect(state.alerts).toEqual([]);
    monitor.stop();
  });

  it('links provider incidents to their incident, by severity, and alerts on a forecast over budget', async () => {
    const { state, store } = source(rules());
    const monitor = new AlertMonitor({ store, minuteOfDay: () => 12 * 60 });
    state.triage = triage([providerIncident('major-1', 'major'), providerIncident('minor-1', 'minor')]);
    state.overview = overview(0, 5, '1000.01');
    await monitor.evaluate();
    expect(state.alerts.map((a) => [a.kind, a.incidentId]).sort()).toEqual([
      ['provider-incident', 'major-1'],
      ['spend-forecast', null],
    ]);
    monitor.stop();
  });

  it('records alerts in quiet hours without notifying, and quiet hours wrap past midnight', async () => {
    expect(inQuietHours(rules(true).quietHours, 23 * 60)).toBe(true);
    expect(inQuietHours(rules(true).quietHours, 6 * 60 + 59)).toBe(true);
    expect(inQuietHours(rules(true).quietHours, 7 * 60)).toBe(false);
    expect(inQuietHours(rules(false).quietHours, 23 * 60)).toBe(false);
    const { state, store } = source(rules(true));
    const events: AppEvent[] = [];
    const monitor = new AlertMonitor({ store, emit: (e) => events.push(e), minuteOfDay: () => 3 * 60 });
    state.triage = triage([providerIncident('major-1', 'critical')]);
    await monitor.evaluate();
    expect(state.alerts.map((a) => a.notified)).toEqual([false]);
    expect(events).toContainEqual({ type: 'alerts-changed', firing: 1 });
    monitor.stop();
  });
});
