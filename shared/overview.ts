/**
 * The one-pane overview: the object `fleetpane overview --json` prints and the first screen shows.
 * Field names follow ARCHITECTURE.md exactly; extra fields (labels, demo flags) only add to it.
 */
import { z } from 'zod';
import { formatMoney, parseMoney } from './decimal';
import { CLOUD_LABELS, CloudId, Currency, Decimal, Incident, IsoTime } from './domain';

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

/** Adds spend summaries per currency (the totals over clouds). */
export function sumSpend(lists: readonly SpendSummary[][]): SpendSummary[] {
  const byCurrency = new Map<string, [bigint, bigint, bigint, bigint]>();
  for (const list of lists) {
    for (const s of list) {
      const t = byCurrency.get(s.currency) ?? [0n, 0n, 0n, 0n];
      t[0] += parseMoney(s.billedMonthToDate);
      t[1] += parseMoney(s.runRateToday);
      t[2] += parseMoney(s.forecastMonth);
      t[3] += parseMoney(s.idleWasteToday);
      byCurrency.set(s.currency, t);
    }
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, t]) => ({
      currency,
      billedMonthToDate: formatMoney(t[0]),
      runRateToday: formatMoney(t[1]),
      forecastMonth: formatMoney(t[2]),
      idleWasteToday: formatMoney(t[3]),
    }));
}

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

/**
 * What the pane cannot measure, price or place, so it never shows a silent zero for it. Each number
 * has its reasons, per machine, in the account's diagnostics (channel `fleet:coverage`).
 */
export const CoverageCounts = z.object({
  /**
   * GPUs of machines that are not stopped and either sent no utilisation sample in the last 30 minutes
   * or whose connector says they cannot be measured (a `metrics` gap).
   */
  gpusWithoutMetrics: z.number().int().nonnegative(),
  /**
   * Machines of the inventory (stopped ones too) with no hourly price or a `price` gap: they add
   * nothing to the run-rate or the idle waste.
   */
  machinesWithoutPrice: z.number().int().nonnegative(),
  /** GPUs of machines whose region, cloud or physical GPU count the connector could not tell (a `placement` gap). */
  gpusUnplaced: z.number().int().nonnegative(),
});
export type CoverageCounts = z.infer<typeof CoverageCounts>;

/** Coverage with every count at zero (nothing missing). */
export const emptyCoverage = (): CoverageCounts => ({ gpusWithoutMetrics: 0, machinesWithoutPrice: 0, gpusUnplaced: 0 });

const OTHER_PREFIX = 'other:';

/**
 * The overview entry a machine or account belongs to: its cloud id for a known cloud; for a cluster
 * outside every known cloud `other:<site>`, the site its config names, else its account's name, so two
 * on-premises clusters are two entries.
 */
export function cloudKey(cloud: CloudId, account: string, site?: string | null): string {
  return cloud === 'other' ? `${OTHER_PREFIX}${site ?? account}` : cloud;
}

/** The cloud of an entry key ("azure", "other:Frankfurt lab"); null for a key of no known form. */
export function cloudOfKey(key: string): CloudId | null {
  if (key.startsWith(OTHER_PREFIX) && key.length > OTHER_PREFIX.length) return 'other';
  const parsed = CloudId.safeParse(key);
  return parsed.success && parsed.data !== 'other' ? parsed.data : null;
}

/** The name an entry is shown under: the cloud's label, or the site or account of an `other:` key. */
export function cloudKeyLabel(key: string): string {
  if (key.startsWith(OTHER_PREFIX)) return key.slice(OTHER_PREFIX.length);
  const parsed = CloudId.safeParse(key);
  return parsed.success ? CLOUD_LABELS[parsed.data] : key;
}

export const CloudOverview = z.object({
  /** Stable id of the entry: the cloud id, or `other:<site or account>` for a cluster outside every known cloud. */
  key: z.string().min(1),
  /** The cloud; `other` for every cluster outside the known clouds (each its own entry, see `key`). */
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
  coverage: CoverageCounts,
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
    coverage: CoverageCounts,
  }),
  /** Provider incidents in regions or services the fleet does not use: listed apart, not counted. */
  incidentsElsewhere: z.array(IncidentBrief),
  /** Every announced maintenance still ahead (touching the fleet or not), soonest first: listed as planned, not counted. */
  maintenancePlanned: z.array(IncidentBrief),
});
export type Overview = z.infer<typeof Overview>;
