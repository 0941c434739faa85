/**
 * Alerts: user-edited rules evaluated in the backend on every data change (and on a timer while a
 * rule waits out its duration). One alert per condition while it lasts, linked to its incident
 * where it has one. Quiet hours record and count alerts but raise no desktop notification.
 *
 * Rules:
 * - idle-gpus: more than `minGpus` GPUs idle, continuously for `forMinutes` (as seen by evaluations).
 * - utilisation-collapse: an active incident from the utilisation-collapse signal.
 * - unhealthy-gpus: at least `minGpus` GPUs unhealthy.
 * - provider-incident: an active provider incident (status page or service health) touching the
 *   fleet, of at least `minSeverity`.
 * - spend-forecast: the month's spend forecast in `currency` over `budget`.
 */
import { randomUUID } from 'node:crypto';
import type { AppEvent } from '../../../shared/contract';
import type { Alert, AlertRule, AlertSettings, QuietHours, TriageIncident, TriageList } from '../../../shared/contract-triage';
import type { IncidentSeverity } from '../../../shared/domain';
import type { Overview } from '../../../shared/overview';
import { parseMoney } from '../../../shared/decimal';
import { systemClock, type Clock, type TimerHandle } from '../sync/clock';
import { silentLogger, type Logger } from '../sync/logger';
import { DERIVED_PREFIX } from '../domain/derived-signals';

/** A rule's condition holding now. */
export interface AlertCondition {
  ruleId: string;
  kind: Alert['kind'];
  key: string;
  title: string;
  body: string;
  incidentId: string | null;
  /** Minutes the condition must hold before it alerts (idle-gpus); 0 alerts at once. */
  holdMinutes: number;
}

const SEVERITY_RANK: Readonly<Record<IncidentSeverity, number>> = { critical: 0, major: 1, minor: 2, maintenance: 3, info: 4 };
const PROVIDER_SOURCES = new Set(['status-page', 'service-health']);

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function conditionsOf(rule: AlertRule, overview: Overview, triage: TriageList): AlertCondition[] {
  const base = { ruleId: rule.id, kind: rule.kind, holdMinutes: 0 };
  const gpus = overview.totals.gpus;
  switch (rule.kind) {
    case 'idle-gpus':
      return gpus.idle > rule.minGpus
        ? [{ ...base, key: `${rule.id}:idle`, title: `${plural(gpus.idle, 'GPU')} idle`, body: `More than ${rule.minGpus} GPUs idle for ${rule.forMinutes} minutes: money burning.`, incidentId: null, holdMinutes: rule.forMinutes }]
        : [];
    case 'unhealthy-gpus': {
      if (gpus.unhealthy < rule.minGpus) return [];
      const resourceLevel = triage.active.find((i) => i.sources.some((s) => s.source === 'resource-health' || s.source === 'derived'));
      return [
        {
          ...base,
          key: `${rule.id}:unhealthy`,
          title: `${plural(gpus.unhealthy, 'GPU')} unhealthy`,
          body: `At least ${rule.minGpus} unhealthy GPU${rule.minGpus === 1 ? '' : 's'} on the fleet${resourceLevel ? `; largest: ${resourceLevel.title}` : ''}.`,
          incidentId: resourceLevel?.id ?? null,
        },
      ];
    }
    case 'utilisation-collapse':
      return triage.active
        .filter((i) => i.sources.some((s) => s.id.startsWith(`${DERIVED_PREFIX}utilisation-collapse:`)))
        .map((i) => ({ ...base, key: `${rule.id}:${i.id}`, title: i.title, body: describe(i), incidentId: i.id }));
    case 'provider-incident':
      return triage.active
        .filter((i) => i.sources.some((s) => PROVIDER_SOURCES.has(s.source)) && SEVERITY_RANK[i.severity] <= SEVERITY_RANK[rule.minSeverity])
        .map((i) => ({ ...base, key: `${rule.id}:${i.id}`, title: `${i.cloud.toUpperCase()} ${i.severity}: ${i.title}`, body: describe(i), incidentId: i.id }));
    case 'spend-forecast': {
      const spend = overview.totals.spend.find((s) => s.currency === rule.currency);
      if (!spend || parseMoney(spend.forecastMonth) <= parseMoney(rule.budget)) return [];
      return [
        {
          ...base,
          key: `${rule.id}:${rule.currency}`,
          title: `Spend forecast over budget (${rule.currency})`,
          body: `This month's forecast is ${spend.forecastMonth} ${rule.currency}, over the budget of ${rule.budget}.`,
          incidentId: null,
        },
      ];
    }
  }
}

function describe(i: TriageIncident): string {
  const money = i.atRiskPerHour.map((a) => `${a.amount} ${a.currency}/h`).join(', ') || 'no price known';
  return `${plural(i.affectedGpus, 'GPU')} affected, ${money} at risk, in ${i.regions.join(', ') || 'all regions'}.`;
}

/** Every condition the enabled rules see now. */
export function evaluateRules(settings: AlertSettings, overview: Overview, triage: TriageList): AlertCondition[] {
  return settings.rules.filter((r) => r.enabled).flatMap((r) => conditionsOf(r, overview, triage));
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** True when `minuteOfDay` (0..1439, local) falls in quiet hours; a window may wrap past midnight. */
export function inQuietHours(quiet: QuietHours, minuteOfDay: number): boolean {
  if (!quiet.enabled) return false;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return true;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/** What the monitor needs from the store. */
export interface AlertSource {
  alertSettings(): Promise<AlertSettings>;
  overview(asOf: Date, filter: { clouds: []; regions: []; gpuModels: [] }): Promise<Overview>;
  triageList(asOf: Date): Promise<TriageList>;
  alerts(includeResolved: boolean, limit: number): Promise<Alert[]>;
  writeAlerts(raised: readonly Alert[], resolved: readonly { id: string; resolvedAt: string }[]): Promise<void>;
}

export interface AlertMonitorOptions {
  store: AlertSource;
  emit?: (event: AppEvent) => void;
  clock?: Clock;
  log?: Logger;
  /** Local minute of the day (tests pin it); the machine's local time by default. */
  minuteOfDay?: (d: Date) => number;
}

/** Evaluates the rules, raises and resolves alerts, and keeps timers for rules that hold a duration. */
export class AlertMonitor {
  private readonly store: AlertSource;
  private readonly emit: (event: AppEvent) => void;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly minuteOfDay: (d: Date) => number;
  /** When each held condition was first seen (in this process). */
  private readonly pendingSince = new Map<string, number>();
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastFiring: number | null = null;

  constructor(options: AlertMonitorOptions) {
    this.store = options.store;
    this.emit = options.emit ?? (() => undefined);
    this.clock = options.clock ?? systemClock;
    this.log = options.log ?? silentLogger;
    this.minuteOfDay = options.minuteOfDay ?? ((d) => d.getHours() * 60 + d.getMinutes());
  }

  /** Evaluates now; calls during an evaluation coalesce into one more run after it. */
  evaluate(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.evaluateOnce();
        } while (this.again && !this.stopped);
      } catch (error) {
        this.log.warn('alert evaluation failed', { message: error instanceof Error ? error.message : String(error) });
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  /** Stops timers; later evaluate() calls do nothing. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private async evaluateOnce(): Promise<void> {
    const now = this.clock.now();
    const nowMs = now.getTime();
    const [settings, overview, triage, firing] = await Promise.all([
      this.store.alertSettings(),
      this.store.overview(now, { clouds: [], regions: [], gpuModels: [] }),
      this.store.triageList(now),
      this.store.alerts(false, 500),
    ]);
    const conditions = evaluateRules(settings, overview, triage);
    const holding = new Set(conditions.map((c) => c.key));
    for (const key of [...this.pendingSince.keys()]) if (!holding.has(key)) this.pendingSince.delete(key);

    const firingKeys = new Set(firing.map((a) => a.key));
    const quiet = inQuietHours(settings.quietHours, this.minuteOfDay(now));
    const raised: Alert[] = [];
    let nextCheckMs: number | null = null;
    for (const c of conditions) {
      if (firingKeys.has(c.key)) continue;
      if (c.holdMinutes > 0) {
        const since = this.pendingSince.get(c.key) ?? nowMs;
        this.pendingSince.set(c.key, since);
        const due = since + c.holdMinutes * 60_000;
        if (nowMs < due) {
          nextCheckMs = nextCheckMs === null ? due : Math.min(nextCheckMs, due);
          continue;
        }
      }
      raised.push({
        id: randomUUID(),
        ruleId: c.ruleId,
        kind: c.kind,
        key: c.key,
        title: c.title,
        body: c.body,
        incidentId: c.incidentId,
        raisedAt: now.toISOString(),
        resolvedAt: null,
        notified: !quiet,
      });
    }
    const resolved = firing.filter((a) => !holding.has(a.key)).map((a) => ({ id: a.id, resolvedAt: now.toISOString() }));
    await this.store.writeAlerts(raised, resolved);
    for (const alert of raised) this.emit({ type: 'alert-raised', alert });
    const count = firing.length - resolved.length + raised.length;
    if (count !== this.lastFiring) {
      this.lastFiring = count;
      this.emit({ type: 'alerts-changed', firing: count });
    }
    this.schedule(nextCheckMs, nowMs);
  }

  private schedule(atMs: number | null, nowMs: number): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (atMs === null || this.stopped) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      void this.evaluate();
    }, Math.max(0, atMs - nowMs));
  }
}
