/**
 * The one-pane overview: the object `fleetpane overview --json` prints and the first screen shows.
 * Field names follow ARCHITECTURE.md exactly; extra fields (labels, demo flags) only add to it.
 */
import { z } from 'zod';
import { CloudId, Currency, Decimal, Incident, IsoTime } from './domain';

/** GPU counts by state; `total` is their sum. */
export const GpuCounts = z.object({
  total: z.number().int().nonnegative(),
  busy: z.number().int().nonnegative(),
  idle: z.number().int().nonnegative(),
  unhealthy: z.number().int().nonnegative(),
  unknown: z.number().int().nonnegative(),
  stopped: z.number().int().nonnegative(),
});
export type GpuCounts = z.infer<typeof GpuCounts>;

export const ModelCounts = z.object({
  model: z.string(),
  total: z.number().int().nonnegative(),
  busy: z.number().int().nonnegative(),
  idle: z.number().int().nonnegative(),
});
export type ModelCounts = z.infer<typeof ModelCounts>;

/** Fleet utilisation in percent; null where nothing was measured in the window. */
export const UtilisationSummary = z.object({
  avg1h: z.number().nullable(),
  avg24h: z.number().nullable(),
  /** 95th percentile of the fleet's 5-minute utilisation over the last 24 hours. */
  p95_24h: z.number().nullable(),
});
export type UtilisationSummary = z.infer<typeof UtilisationSummary>;

/** Spend in one billing currency. Billed and run-rate are never mixed into one number silently. */
export const SpendSummary = z.object({
  currency: Currency,
  /** Sum of FOCUS BilledCost for charges in the current calendar month (UTC). */
  billedMonthToDate: Decimal,
  /** Running GPU instances x hourly price for today's hours not yet covered by billed data. */
  runRateToday: Decimal,
  /** Billed month to date + unbilled run-rate + recent daily burn x days left. */
  forecastMonth: Decimal,
  /** Idle GPU hours today x that GPU's hourly price. */
  idleWasteToday: Decimal,
});
export type SpendSummary = z.infer<typeof SpendSummary>;

export const FreshnessMark = z.object({
  lastSuccessAt: IsoTime.nullable(),
  stale: z.boolean(),
});
export type FreshnessMark = z.infer<typeof FreshnessMark>;

export const CloudFreshness = z.object({
  inventory: FreshnessMark,
  metrics: FreshnessMark,
  costs: FreshnessMark,
  incidents: FreshnessMark,
});
export type CloudFreshness = z.infer<typeof CloudFreshness>;

/** An incident as the overview lists it, with its blast radius. */
export const IncidentBrief = Incident.pick({
  id: true,
  account: true,
  cloud: true,
  source: true,
  severity: true,
  title: true,
  status: true,
  regions: true,
  services: true,
  startedAt: true,
  endedAt: true,
  url: true,
  demo: true,
}).extend({
  affectedGpus: z.number().int().nonnegative(),
  /** Hourly price of the affected GPUs, per currency. */
  atRiskPerHour: z.array(z.object({ currency: Currency, amount: Decimal })),
});
export type IncidentBrief = z.infer<typeof IncidentBrief>;

export const CloudOverview = z.object({
  provider: CloudId,
  label: z.string(),
  demo: z.boolean(),
  accounts: z.array(z.string()),
  gpus: GpuCounts,
  byModel: z.array(ModelCounts),
  utilisation: UtilisationSummary,
  spend: z.array(SpendSummary),
  incidents: z.object({
    active: z.number().int().nonnegative(),
    list: z.array(IncidentBrief),
    /**
     * Announced maintenance whose window has not opened yet and that touches this cloud's fleet,
     * soonest first. Not active, not counted: maintenance is active only inside its window.
     */
    planned: z.array(IncidentBrief),
  }),
  freshness: CloudFreshness,
});
export type CloudOverview = z.infer<typeof CloudOverview>;

export const Overview = z.object({
  generatedAt: IsoTime,
  /** The instant the numbers describe (normally generatedAt floored to the minute). */
  asOf: IsoTime,
  demo: z.boolean(),
  clouds: z.array(CloudOverview),
  totals: z.object({
    gpus: GpuCounts,
    spend: z.array(SpendSummary),
    incidents: z.object({ active: z.number().int().nonnegative() }),
  }),
  /** Provider incidents in regions or services the fleet does not use: listed apart, not counted. */
  incidentsElsewhere: z.array(IncidentBrief),
  /** Every announced maintenance still ahead (touching the fleet or not), soonest first: listed as planned, not counted. */
  maintenancePlanned: z.array(IncidentBrief),
});
export type Overview = z.infer<typeof Overview>;
