import { describe, expect, it } from 'vitest';
import { IncidentSnapshot, type TriageList } from '../../../../shared/contract-triage';
import { incidentMarkdown } from '../../../../shared/incident-markdown';
import type { AppEvent } from '../../../../shared/contract';
import { createTriageWatcher, runDerivedSignals } from '../../analytics/triage-watcher';
import { createApi, dispatch } from '../../api/index';
import type { FleetStore } from '../types';
import { account, batchesOf, incident, minutes, resource, run, sample } from '../test-support';
import { useTempStore } from '../testing/use-temp-store';

const ASOF = Date.parse('2026-11-25T12:00:00Z');
const MIN = 60_000;
const ALL = { clouds: [], regions: [], gpuModels: [] };

describe('triage over the store', () => {
  let store: FleetStore;

  useTempStore({ now: () => new Date(ASOF) }, async (temp) => {
    ({ store } = temp);
    await store.upsertAccounts([account('acct')]);
  });

  /**
   * Fleet: eastus: big (8 GPUs, 80/h), small (1 GPU, 10.50/h), off (4 GPUs, stopped, 40/h);
   * westus: west (2 GPUs, 20/h, EUR). By hand: the eastus provider outage touches the running eastus
   * machines, 9 GPUs and 90.50 USD/h; the node incident on west 2 GPUs and 20 EUR/h.
   */
  async function seedFleet(): Promise<void> {
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([
        resource('big', { gpuCount: 8, hourlyPrice: '80' }),
        resource('small', { hourlyPrice: '10.50' }),
        resource('off', { gpuCount: 4, hourlyPrice: '40', powerState: 'stopped' }),
        resource('west', { gpuCount: 2, region: 'westus', hourlyPrice: '20', currency: 'EUR' }),
      ]),
    );
    await store.writeIncidents(
      run('acct', 'incidents'),
      batchesOf([
        incident('status-page:1', { source: 'status-page', regions: ['East US'], services: ['Virtual Machines'], startedAt: '2026-11-25T10:05:00Z' }),
        incident('service-health:1', { source: 'service-health', regions: ['eastus'], services: ['Virtual Machines'], startedAt: '2026-11-25T10:00:00Z' }),
        incident('resource-health:west', { source: 'resource-health', regions: ['westus'], resourceIds: ['west'], startedAt: '2026-11-25T11:30:00Z', severity: 'minor' }),
        incident('elsewhere', { regions: ['japaneast'] }),
        incident('ended', { regions: ['eastus'], startedAt: '2026-11-25T08:00:00Z', endedAt: '2026-11-25T09:00:00Z' }),
      ]),
    );
  }

  it('lists merged incidents by blast radius, computed by hand, and matches the overview counts', async () => {
    await seedFleet();
    const triage = await store.triageList(new Date(ASOF));
    expect(triage.active.map((i) => [i.id, i.affectedGpus, i.atRiskPerHour])).toEqual([
      ['service-health:1', 9, [{ currency: 'USD', amount: '90.50' }]],
      ['resource-health:west', 2, [{ currency: 'EUR', amount: '20.00' }]],
    ]);
    expect(triage.active[0]!.sources.map((s) => s.id)).toEqual(['service-health:1', 'status-page:1']);
    expect(triage.active[1]!.recentChanges.map((c) => c.kind)).toEqual(['opened']);
    expect(triage.elsewhere.map((i) => i.id)).toEqual(['elsewhere']);
    expect(triage.recentlyEnded.map((i) => i.id)).toEqual(['ended']);
    expect(triage.totals).toEqual({
      active: 2,
      affectedGpus: 11,
      atRiskPerHour: [
        { currency: 'EUR', amount: '20.00' },
        { currency: 'USD', amount: '90.50' },
      ],
    });
    const overview = await store.overview(new Date(ASOF), ALL);
    expect(overview.totals.incidents.active).toBe(triage.totals.active);
    expect(overview.clouds.flatMap((c) => c.incidents.list.map((i) => i.id)).sort()).toEqual(triage.active.map((i) => i.id).sort());
    expect(overview.incidentsElsewhere.map((i) => i.id)).toEqual(triage.elsewhere.map((i) => i.id));
  });

  it('shows a sync that keeps failing as a data problem, not an incident', async () => {
    await seedFleet();
    const error = { kind: 'unavailable' as const, message: 'metrics endpoint 503', retryAfterMs: null };
    for (let i = 0; i < 3; i++) await store.recordFailure(run('acct', 'metrics', new Date(ASOF - (3 - i) * MIN)), error);
    const triage = await store.triageList(new Date(ASOF));
    expect(triage.dataProblems).toMatchObject([{ account: 'acct', stream: 'metrics', consecutiveFailures: 3, lastError: error }]);
    expect(triage.totals.active).toBe(2);
    expect((await store.overview(new Date(ASOF), ALL)).totals.incidents.active).toBe(2);
  });

  it('keeps acknowledgements and notes, on the merged incident whichever report id is used', async () => {
    await seedFleet();
    const ack = await store.acknowledgeIncident('status-page:1', true, 'sam', new Date(ASOF));
    expect(ack).toEqual({ acknowledged: { at: new Date(ASOF).toISOString(), by: 'sam' } });
    const note = await store.addIncidentNote('service-health:1', 'sam', 'Draining eastus jobs to westus', new Date(ASOF + MIN));
    expect(note?.incidentId).toBe('service-health:1');
    const triage = await store.triageList(new Date(ASOF + 2 * MIN));
    expect(triage.active[0]).toMatchObject({ acknowledged: { by: 'sam' }, noteCount: 1 });
    const page = await store.incidentPage(new Date(ASOF + 2 * MIN), 'status-page:1');
    expect(page?.notes.map((n) => n.body)).toEqual(['Draining eastus jobs to westus']);
    expect(page?.timeline.map((e) => e.kind)).toEqual(['started', 'source', 'acknowledged', 'note']);
    expect(await store.acknowledgeIncident('nope', true, 'sam', new Date(ASOF))).toBeNull();
    await store.acknowledgeIncident('service-health:1', false, 'sam', new Date(ASOF));
    expect((await store.triageList(new Date(ASOF))).active[0]!.acknowledged).toBeNull();
  });

  it('overlays the incident on the utilisation of the GPUs it touches', async () => {
    await seedFleet();
    const samples = [
      ...minutes('big', 0, ASOF - 8 * 60 * MIN, ASOF - 2 * 60 * MIN, 90),
      ...minutes('big', 0, ASOF - 2 * 60 * MIN, ASOF, 10),
      ...minutes('west', 0, ASOF - 8 * 60 * MIN, ASOF, 70),
    ];
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 8 * 60 * MIN, to: ASOF }, batchesOf(samples));
    const page = (await store.incidentPage(new Date(ASOF), 'service-health:1'))!;
    expect(page.affected.map((a) => a.id).sort()).toEqual(['big', 'small']);
    expect(page.stepMs).toBe(5 * MIN);
    const affected = page.utilisation.find((t) => t.key === 'affected')!;
    const at = (t: number) => affected.points.find((p) => p.t === t)?.value;
    expect(at(ASOF - 3 * 60 * MIN)).toBe(90);
    expect(at(ASOF - 60 * MIN)).toBe(10);
    expect(page.window.from).toBeLessThanOrEqual(Date.parse('2026-11-25T08:00:00Z'));
    expect(incidentMarkdown(page)).toContain('9 GPUs on 2 machines, $90.50/h at risk');
  });

  it('shows a region-wide outage of more machines than its SQL lists by name, with their states and utilisation', async () => {
    // 100 running machines in eastus (past the list the SQL text holds), one stopped, one in westus.
    const ids = Array.from({ length: 100 }, (_, i) => `vm-${String(i).padStart(3, '0')}`);
    await store.writeInventory(
      run('acct', 'inventory'),
      batchesOf([
        ...ids.map((id) => resource(id, { hourlyPrice: '1' })),
        resource('parked', { powerState: 'stopped', hourlyPrice: '1' }),
        resource('west', { region: 'westus', hourlyPrice: '1' }),
      ]),
    );
    await store.writeIncidents(run('acct', 'incidents'), batchesOf([incident('service-health:wide', { source: 'service-health', regions: ['eastus'] })]));
    // Even machines busy at 80, odd ones idle at 2; the stopped machine still reports 50, west 70.
    const samples = [
      ...ids.flatMap((id, i) => minutes(id, 0, ASOF - 60 * MIN, ASOF, i % 2 === 0 ? 80 : 2)),
      ...minutes('parked', 0, ASOF - 60 * MIN, ASOF, 50),
      ...minutes('west', 0, ASOF - 60 * MIN, ASOF, 70),
    ];
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 60 * MIN, to: ASOF }, batchesOf(samples));

    const page = (await store.incidentPage(new Date(ASOF), 'service-health:wide'))!;
    expect(page.affected.map((a) => a.id).sort()).toEqual(ids);
    expect(page.affected.find((a) => a.id === 'vm-000')).toMatchObject({ states: { busy: 1, idle: 0 }, utilisation30m: 80 });
    expect(page.affected.find((a) => a.id === 'vm-001')).toMatchObject({ states: { busy: 0, idle: 1 }, utilisation30m: 2 });
    const track = (key: string, t: number) => page.utilisation.find((u) => u.key === key)!.points.find((p) => p.t === t)?.value;
    expect(track('affected', ASOF - 30 * MIN)).toBeCloseTo(41, 9);
    expect(track('others', ASOF - 30 * MIN)).toBe(50);
  });

  it("shows on a machine's page the incidents touching it, with their blast radius over the whole fleet", async () => {
    await seedFleet();
    // Hand counts (seedFleet): the eastus outage touches big and small, 9 GPUs and 90.50 USD/h.
    const big = await store.resourceDetail(new Date(ASOF), 'acct', 'big', '1h');
    expect(big?.incidents.map((i) => [i.id, i.affectedGpus, i.atRiskPerHour])).toEqual([['service-health:1', 9, [{ currency: 'USD', amount: '90.50' }]]]);
    // west is touched by the report that names it: its own 2 GPUs, priced in EUR.
    const west = await store.resourceDetail(new Date(ASOF), 'acct', 'west', '1h');
    expect(west?.incidents.map((i) => [i.id, i.affectedGpus, i.atRiskPerHour])).toEqual([['resource-health:west', 2, [{ currency: 'EUR', amount: '20.00' }]]]);
    // The triage list counts the same incidents over the whole fleet alike.
    const triage = await store.triageList(new Date(ASOF));
    expect(triage.active.find((i) => i.id === 'service-health:1')?.affectedGpus).toBe(9);
  });

  it('opens, keeps and closes derived incidents as the signals change', async () => {
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('n1', { gpuCount: 8, hourlyPrice: '80' })]));
    const xidSamples = [sample('n1', 3, ASOF - 20 * MIN, 50, 2), ...minutes('n1', 0, ASOF - 60 * MIN, ASOF, 60)];
    await store.writeMetrics(run('acct', 'metrics'), { from: ASOF - 60 * MIN, to: ASOF }, batchesOf(xidSamples));
    const first = await runDerivedSignals(store, 'acct', new Date(ASOF));
    expect(first.opened.map((i) => i.title)).toEqual(['XID errors on n1 (GPU 3)']);
    const id = first.opened[0]!.id;
    const again = await runDerivedSignals(store, 'acct', new Date(ASOF + 5 * MIN));
    expect(again).toEqual({ opened: [], resolved: [] });
    const triage: TriageList = await store.triageList(new Date(ASOF + 5 * MIN));
    expect(triage.active.map((i) => [i.id, i.affectedGpus, i.source])).toEqual([[id, 8, 'derived']]);
    const later = await runDerivedSignals(store, 'acct', new Date(ASOF + 40 * MIN));
    expect(later.resolved).toEqual([id]);
    expect((await store.triageList(new Date(ASOF + 40 * MIN))).active).toEqual([]);
  });

  it('re-evaluates alert rules the moment they are saved, through the triage watcher the hosts wire to createApi', async () => {
    await seedFleet();
    const clock = { now: () => new Date(ASOF), setTimeout: globalThis.setTimeout, clearTimeout: (h: unknown) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>) };
    const events: AppEvent[] = [];
    const watcher = createTriageWatcher({ store, clock, emit: (e) => events.push(e) });
    let evaluation: Promise<void> = Promise.resolve();
    const api = createApi({
      store,
      mode: 'serve',
      serveWrites: { triage: true },
      version: '9.9.9',
      demo: () => false,
      now: () => new Date(ASOF),
      onAlertSettingsChanged: () => {
        evaluation = watcher.evaluateAlerts();
      },
    });
    try {
      expect(await store.alerts(false, 50)).toEqual([]);
      const rules = { rules: [{ id: 'provider', kind: 'provider-incident', enabled: true, minSeverity: 'minor' }], quietHours: { enabled: false, start: '22:00', end: '07:00' } };
      expect(await dispatch(api, 'alerts:set-settings', rules)).toMatchObject({ ok: true });
      await evaluation;
      // No sync committed in between: the saved rule raised on the incidents already in the store.
      const firing = await store.alerts(false, 50);
      expect(firing.map((a) => [a.kind, a.incidentId])).toEqual([['provider-incident', 'service-health:1']]);
      expect(events).toContainEqual({ type: 'alerts-changed', firing: 1 });
    } finally {
      watcher.stop();
    }
  });

  it('saves a snapshot that opens on its own, validated, with the incident, timeline, GPUs, utilisation and spend', async () => {
    await seedFleet();
    const api = createApi({ store, mode: 'desktop', version: '9.9.9', demo: () => false, now: () => new Date(ASOF) });
    const reply = await dispatch(api, 'triage:snapshot', { id: 'status-page:1' }, { validateResponse: true });
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    const file = JSON.stringify(reply.data);
    const opened = IncidentSnapshot.parse(JSON.parse(file));
    expect(opened.page.incident).toMatchObject({ id: 'service-health:1', affectedGpus: 9 });
    expect(opened.page.affected).toHaveLength(2);
    expect(opened.page.timeline.length).toBeGreaterThan(0);
    expect(opened.spend).toEqual((await store.overview(new Date(ASOF), ALL)).totals.spend);
    expect(opened.markdown).toContain('service-health');
    expect(() => IncidentSnapshot.parse({ ...JSON.parse(file), version: 2 })).toThrow();
  });
});
