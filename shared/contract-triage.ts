/**
 * Triage and alerts: the channels and schemas of the on-call views (issue 8). Spread into `channels`
 * in contract.ts. Kept free of imports from contract.ts so the two files load in either order.
 */
import { z } from 'zod';
import type { ChannelDefinition } from './contract-writes';
import { Currency, Decimal, GpuState, Incident, IncidentSource, IsoTime, ProviderId, StreamId, SyncError } from './domain';
import { IncidentBrief } from './overview';

/** One source that reported an incident (the same outage seen twice is one incident with two sources). */
export const IncidentSourceRef = z.object({
  id: z.string(),
  account: z.string(),
  source: IncidentSource,
  title: z.string(),
  url: z.string().nullable(),
  startedAt: IsoTime,
  endedAt: IsoTime.nullable(),
});
export type IncidentSourceRef = z.infer<typeof IncidentSourceRef>;

/** Who acknowledged an incident, and when. */
export const Acknowledgement = z.object({ at: IsoTime, by: z.string() });
export type Acknowledgement = z.infer<typeof Acknowledgement>;

/** A note an SRE left on an incident. */
export const IncidentNote = z.object({
  id: z.string(),
  incidentId: z.string(),
  at: IsoTime,
  author: z.string(),
  body: z.string().min(1).max(10_000),
});
export type IncidentNote = z.infer<typeof IncidentNote>;

/** What happened to an incident in the last hour, newest first. */
export const RecentChange = z.object({
  at: IsoTime,
  kind: z.enum(['opened', 'updated', 'ended', 'source-added']),
  text: z.string(),
});
export type RecentChange = z.infer<typeof RecentChange>;

/** An incident as the triage view lists it: merged across sources, with its blast radius. */
export const TriageIncident = IncidentBrief.extend({
  summary: z.string(),
  updatedAt: IsoTime,
  resourceIds: z.array(z.string()),
  sources: z.array(IncidentSourceRef).min(1),
  acknowledged: Acknowledgement.nullable(),
  noteCount: z.number().int().nonnegative(),
  /** Changes within the hour before asOf; empty when nothing changed. */
  recentChanges: z.array(RecentChange),
});
export type TriageIncident = z.infer<typeof TriageIncident>;

/** A sync that keeps failing: a data problem, never an outage and never counted as an incident. */
export const DataProblem = z.object({
  account: z.string(),
  provider: ProviderId,
  stream: StreamId,
  consecutiveFailures: z.number().int().positive(),
  failingSince: IsoTime,
  lastSuccessAt: IsoTime.nullable(),
  lastError: SyncError,
});
export type DataProblem = z.infer<typeof DataProblem>;

export const MoneyAmount = z.object({ currency: Currency, amount: Decimal });
export type MoneyAmount = z.infer<typeof MoneyAmount>;

/** The triage view: active incidents by blast radius, the ones elsewhere, and data problems. */
export const TriageList = z.object({
  asOf: IsoTime,
  active: z.array(TriageIncident),
  elsewhere: z.array(TriageIncident),
  /** Ended within the last 24 hours. */
  recentlyEnded: z.array(TriageIncident),
  /** Announced maintenance whose window has not opened yet, soonest first: not active, not in the totals. */
  planned: z.array(TriageIncident),
  dataProblems: z.array(DataProblem),
  totals: z.object({
    active: z.number().int().nonnegative(),
    affectedGpus: z.number().int().nonnegative(),
    atRiskPerHour: z.array(MoneyAmount),
  }),
});
export type TriageList = z.infer<typeof TriageList>;

/** One entry on an incident's timeline. */
export const TimelineEntry = z.object({
  at: IsoTime,
  kind: z.enum(['started', 'update', 'ended', 'acknowledged', 'note', 'source']),
  source: IncidentSource.nullable(),
  title: z.string(),
  body: z.string(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** A machine an incident touches, with its GPUs' state and price. */
export const AffectedResource = z.object({
  account: z.string(),
  id: z.string(),
  name: z.string(),
  region: z.string(),
  zone: z.string().nullable(),
  instanceType: z.string(),
  gpuModel: z.string(),
  gpuCount: z.number().int().positive(),
  powerState: z.string(),
  health: z.string(),
  hourlyPrice: Decimal.nullable(),
  currency: Currency,
  states: z.record(GpuState, z.number().int().nonnegative()),
  utilisation30m: z.number().nullable(),
});
export type AffectedResource = z.infer<typeof AffectedResource>;

/** A utilisation series (same shape as the fleet series of contract.ts). */
export const UtilisationTrack = z.object({
  key: z.string(),
  label: z.string(),
  points: z.array(z.object({ t: z.number().int(), value: z.number().nullable() })).max(2000),
});
export type UtilisationTrack = z.infer<typeof UtilisationTrack>;

/** The incident page: the merged incident, its timeline over the utilisation of the GPUs it touches. */
export const IncidentPage = z.object({
  asOf: IsoTime,
  incident: TriageIncident,
  /** Every source's full record (updates included). */
  records: z.array(Incident),
  timeline: z.array(TimelineEntry),
  affected: z.array(AffectedResource),
  notes: z.array(IncidentNote),
  /** The chart window: from a while before the start to asOf (or the end). */
  window: z.object({ from: z.number().int(), to: z.number().int() }),
  stepMs: z.number().int().positive(),
  /** Mean utilisation of the affected GPUs ('affected') and of the rest of the same regions ('others'). */
  utilisation: z.array(UtilisationTrack),
});
export type IncidentPage = z.infer<typeof IncidentPage>;

/** Version of the snapshot file format; a Fleetpane refuses versions it does not know. */
export const SNAPSHOT_FORMAT = 'fleetpane-incident-snapshot';
export const SNAPSHOT_VERSION = 1;

/** One file that freezes an incident at a moment: opened read-only by another Fleetpane. */
export const IncidentSnapshot = z.object({
  format: z.literal(SNAPSHOT_FORMAT),
  version: z.literal(SNAPSHOT_VERSION),
  savedAt: IsoTime,
  /** The Fleetpane version that wrote it. */
  savedBy: z.string(),
  demo: z.boolean(),
  page: IncidentPage,
  /** Fleet spend at that moment, per billing currency (overview numbers). */
  spend: z.array(
    z.object({
      currency: Currency,
      billedMonthToDate: Decimal,
      runRateToday: Decimal,
      forecastMonth: Decimal,
      idleWasteToday: Decimal,
    }),
  ),
  markdown: z.string(),
});
export type IncidentSnapshot = z.infer<typeof IncidentSnapshot>;

const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');

/** An alert rule the user edits. Each kind has its own parameters. */
export const AlertRule = z.discriminatedUnion('kind', [
  z.object({
    id: z.string().min(1),
    kind: z.literal('idle-gpus'),
    enabled: z.boolean(),
    /** Fires when more than this many GPUs are idle ... */
    minGpus: z.number().int().nonnegative(),
    /** ... for at least this many minutes in a row. */
    forMinutes: z.number().int().min(1).max(24 * 60),
  }),
  z.object({ id: z.string().min(1), kind: z.literal('utilisation-collapse'), enabled: z.boolean() }),
  z.object({
    id: z.string().min(1),
    kind: z.literal('unhealthy-gpus'),
    enabled: z.boolean(),
    /** Fires when at least this many GPUs are unhealthy. */
    minGpus: z.number().int().min(1),
  }),
  z.object({
    id: z.string().min(1),
    kind: z.literal('provider-incident'),
    enabled: z.boolean(),
    /** Lowest severity that alerts. */
    minSeverity: z.enum(['critical', 'major', 'minor']),
  }),
  z.object({
    id: z.string().min(1),
    kind: z.literal('spend-forecast'),
    enabled: z.boolean(),
    currency: Currency,
    /** Monthly budget; fires when the month's forecast is over it. */
    budget: Decimal,
  }),
]);
export type AlertRule = z.infer<typeof AlertRule>;
export type AlertRuleKind = AlertRule['kind'];

/** Hours in which alerts are recorded and counted but raise no desktop notification. */
export const QuietHours = z.object({
  enabled: z.boolean(),
  /** Local wall-clock time of the machine that runs the backend. */
  start: HhMm,
  end: HhMm,
});
export type QuietHours = z.infer<typeof QuietHours>;

export const AlertSettings = z.object({ rules: z.array(AlertRule), quietHours: QuietHours });
export type AlertSettings = z.infer<typeof AlertSettings>;

/** An alert raised by a rule; `incidentId` links it to its incident where it has one. */
export const Alert = z.object({
  id: z.string(),
  ruleId: z.string(),
  kind: z.enum(['idle-gpus', 'utilisation-collapse', 'unhealthy-gpus', 'provider-incident', 'spend-forecast']),
  /** What fired, stable while the condition lasts (one alert per condition, not per evaluation). */
  key: z.string(),
  title: z.string(),
  body: z.string(),
  incidentId: z.string().nullable(),
  raisedAt: IsoTime,
  resolvedAt: IsoTime.nullable(),
  /** False when raised during quiet hours (recorded and counted, not notified). */
  notified: z.boolean(),
});
export type Alert = z.infer<typeof Alert>;

/** Triage and alert channels; ids are namespaced `area:verb`. */
export const triageChannels = {
  'triage:list': {
    request: z.object({ asOf: IsoTime.optional() }),
    response: TriageList,
  },
  'triage:incident': {
    request: z.object({ id: z.string().min(1), asOf: IsoTime.optional() }),
    response: IncidentPage,
  },
  'triage:acknowledge': {
    request: z.object({ id: z.string().min(1), acknowledged: z.boolean().default(true), by: z.string().max(200).optional() }),
    response: z.object({ acknowledged: Acknowledgement.nullable() }),
    writes: 'triage',
  },
  'triage:add-note': {
    request: z.object({ id: z.string().min(1), body: z.string().trim().min(1).max(10_000), author: z.string().max(200).optional() }),
    response: z.object({ note: IncidentNote }),
    writes: 'triage',
  },
  'triage:snapshot': {
    request: z.object({ id: z.string().min(1), asOf: IsoTime.optional() }),
    response: IncidentSnapshot,
  },
  'alerts:settings': {
    request: z.object({}),
    response: AlertSettings,
  },
  'alerts:set-settings': {
    request: AlertSettings,
    response: AlertSettings,
    writes: 'triage',
  },
  'alerts:list': {
    request: z.object({ includeResolved: z.boolean().default(false), limit: z.number().int().min(1).max(500).default(100) }),
    response: z.object({ alerts: z.array(Alert), firing: z.number().int().nonnegative() }),
  },
} as const satisfies Record<string, ChannelDefinition>;

/** Events added by triage (spread into AppEvent's variants). */
export const triageEvents = [
  z.object({ type: z.literal('alert-raised'), alert: Alert }),
  z.object({ type: z.literal('alerts-changed'), firing: z.number().int().nonnegative() }),
] as const;
