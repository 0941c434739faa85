/**
 * Spend and cost reports (issue 7): the channels and schemas of the spend views, the cost report,
 * FOCUS import/export, budgets and saved reports. Spread into `channels` in contract.ts. Kept free of
 * imports from contract.ts so the two files load in either order.
 *
 * Billed spend is FOCUS BilledCost of provider charges. Connector estimates (rows tagged
 * `fleetpane.estimate=true`, e.g. Kubernetes GPU-hours x catalog price) are never part of it: every
 * total carries them in a separate `estimated` amount, labelled as such wherever shown.
 */
import { z } from 'zod';
import type { ChannelDefinition } from './contract-writes';
import { CloudId, Currency, Decimal, IsoTime } from './domain';

/** The tag that marks a connector's estimated (not billed) cost rows. */
export const ESTIMATE_TAG = 'fleetpane.estimate';

/** True when YYYY-MM-DD names a day that exists (2026-13-45 and 2026-02-30 do not). */
export function isCalendarDate(text: string): boolean {
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** A calendar day, UTC: YYYY-MM-DD, one that exists. */
export const DateOnly = z.string().superRefine((text, ctx) => {
  // One issue, not two: a malformed date is not also reported as a non-existent one.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) ctx.addIssue({ code: 'custom', message: 'expected a date as YYYY-MM-DD' });
  else if (!isCalendarDate(text)) ctx.addIssue({ code: 'custom', message: `${text} is not a calendar date (month 01-12, day within the month)` });
});
export type DateOnly = z.infer<typeof DateOnly>;

/** A period's `from` must not come after its `to`; the issue names `from`. */
function periodInOrder(period: { from: string; to: string }, ctx: z.RefinementCtx): void {
  if (period.from > period.to) ctx.addIssue({ code: 'custom', path: ['from'], message: `${period.from} is after to (${period.to})` });
}

/** What a report groups by; `tag:<key>` groups by the value of a FOCUS tag (team, project, ...). */
export const SpendGroupKey = z.union([
  z.enum(['cloud', 'account', 'billing-account', 'region', 'service', 'service-category', 'charge-category', 'gpu-model', 'resource', 'day', 'month']),
  z.string().regex(/^tag:[^\s]{1,100}$/, 'expected tag:<key>'),
]);
export type SpendGroupKey = z.infer<typeof SpendGroupKey>;

export const SPEND_GROUP_LABELS: Readonly<Record<string, string>> = {
  cloud: 'Cloud',
  account: 'Account',
  'billing-account': 'Billing account',
  region: 'Region',
  service: 'Service',
  'service-category': 'Service category',
  'charge-category': 'Charge category',
  'gpu-model': 'GPU model',
  resource: 'Resource',
  day: 'Day',
  month: 'Month',
};

/** A human label for a group key ("tag:team" -> "Tag team"). */
export function spendGroupLabel(key: string): string {
  return key.startsWith('tag:') ? `Tag ${key.slice(4)}` : (SPEND_GROUP_LABELS[key] ?? key);
}

/** Filters on cost rows; an empty list means all. */
export const SpendFilter = z.object({
  clouds: z.array(CloudId).default([]),
  accounts: z.array(z.string()).default([]),
  regions: z.array(z.string()).default([]),
  services: z.array(z.string()).default([]),
  gpuModels: z.array(z.string()).default([]),
  /** Tag key -> accepted values. */
  tags: z.record(z.string(), z.array(z.string())).default({}),
});
export type SpendFilter = z.infer<typeof SpendFilter>;

/** A cost report's definition: charges whose ChargePeriodStart lies in [from, to] (whole UTC days). */
export const CostReportQuery = z.object({
  title: z.string().max(200).optional(),
  from: DateOnly,
  to: DateOnly,
  groupBy: z.array(SpendGroupKey).min(1).max(4).default(['cloud']),
  filter: SpendFilter.default({ clouds: [], accounts: [], regions: [], services: [], gpuModels: [], tags: {} }),
}).superRefine(periodInOrder);
export type CostReportQuery = z.infer<typeof CostReportQuery>;

/** Amounts of one currency: billed (reconciles with the bill), effective, and estimates kept apart. */
export const SpendAmounts = z.object({
  currency: Currency,
  billed: Decimal,
  effective: Decimal,
  /** Connector estimates (not billed), never included in `billed`. */
  estimated: Decimal,
  rows: z.number().int().nonnegative(),
});
export type SpendAmounts = z.infer<typeof SpendAmounts>;

export const SpendGroupRow = SpendAmounts.extend({
  /** One value per group key, in the order of the query's groupBy. */
  keys: z.array(z.string()),
});
export type SpendGroupRow = z.infer<typeof SpendGroupRow>;

export const DailySpend = z.object({ day: DateOnly, currency: Currency, billed: Decimal, estimated: Decimal });
export type DailySpend = z.infer<typeof DailySpend>;

export const CostReport = z.object({
  query: CostReportQuery,
  title: z.string(),
  generatedAt: IsoTime,
  /** Totals per currency: never added across currencies. */
  totals: z.array(SpendAmounts),
  /** One grouping per group key (the XLSX sheets), each row keyed by that key alone. */
  groupings: z.array(z.object({ key: SpendGroupKey, label: z.string(), rows: z.array(SpendGroupRow) })),
  /** Rows grouped by every key at once, sorted by currency then billed descending. */
  groups: z.array(SpendGroupRow),
  daily: z.array(DailySpend),
  /** Whether any row came from the simulated demo fleet. */
  demo: z.boolean(),
});
export type CostReport = z.infer<typeof CostReport>;

/** Effective price per GPU-hour from billed charges of GPU machines, next to the catalog list price. */
export const GpuHourPrice = z.object({
  cloud: CloudId,
  gpuModel: z.string(),
  currency: Currency,
  gpuHours: Decimal,
  effectiveCost: Decimal,
  /** effectiveCost / gpuHours; null when no GPU-hours were billed. */
  effectivePerGpuHour: Decimal.nullable(),
  /** The inventory's (catalog or provider) on-demand price per GPU-hour, mean over machines. */
  listPerGpuHour: Decimal.nullable(),
});
export type GpuHourPrice = z.infer<typeof GpuHourPrice>;

export const BudgetScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('cloud'), cloud: CloudId }),
  z.object({ kind: z.literal('tag'), key: z.string().min(1), value: z.string().min(1) }),
]);
export type BudgetScope = z.infer<typeof BudgetScope>;

export const Budget = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  scope: BudgetScope,
  currency: Currency,
  monthlyAmount: Decimal,
});
export type Budget = z.infer<typeof Budget>;

export const BudgetStatus = Budget.extend({
  billedMonthToDate: Decimal,
  /** Mean daily billed spend of the last 7 complete billed days (the overview's forecast rate). */
  burnRatePerDay: Decimal,
  /** The overview's rule: billed + run-rate today (cloud budgets only) + burn rate x whole days left. */
  forecastMonth: Decimal,
  /** Percentage of the budget the forecast reaches (2 decimals as text). */
  forecastPercent: Decimal,
  /** The forecast passes the budget. */
  overBudget: z.boolean(),
});
export type BudgetStatus = z.infer<typeof BudgetStatus>;

export const ReportFormat = z.enum(['csv', 'xlsx', 'pdf', 'focus']);
export type ReportFormat = z.infer<typeof ReportFormat>;

/** A saved report; with a schedule, the backend writes it into `folder` every period. */
export const ReportDefinition = z.object({
  id: z.string().min(1).max(100),
  name: z.string().min(1).max(200),
  /** Period relative to each run: the previous calendar month, or the last N days. */
  period: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('previous-month') }),
    z.object({ kind: z.literal('month-to-date') }),
    z.object({ kind: z.literal('last-days'), days: z.number().int().min(1).max(400) }),
  ]),
  groupBy: z.array(SpendGroupKey).min(1).max(4),
  filter: SpendFilter,
  formats: z.array(ReportFormat).min(1),
  schedule: z.enum(['none', 'daily', 'weekly', 'monthly']).default('none'),
  /** Absolute folder the schedule writes into. */
  folder: z.string().nullable().default(null),
  lastRunAt: IsoTime.nullable().default(null),
  lastError: z.string().nullable().default(null),
});
export type ReportDefinition = z.infer<typeof ReportDefinition>;

export const FocusImportSummary = z.object({
  account: z.string(),
  rows: z.number().int().nonnegative(),
  replacedRows: z.number().int().nonnegative(),
  files: z.array(
    z.object({
      file: z.string(),
      focusVersion: z.string(),
      rows: z.number().int(),
      billingPeriods: z.array(IsoTime),
      /** Conformance note, not a refusal: empty cells read as null, per FOCUS column that had any. */
      emptyCellsReadAsNull: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
});
export type FocusImportSummary = z.infer<typeof FocusImportSummary>;

const SpendPeriod = z.object({ from: DateOnly, to: DateOnly, filter: SpendFilter.optional() }).superRefine(periodInOrder);

/** Channel table for spend; spread into `channels`. */
export const spendChannels = {
  'spend:report': { request: CostReportQuery, response: CostReport },
  'spend:filter-options': {
    request: z.object({}),
    response: z.object({
      accounts: z.array(z.string()),
      regions: z.array(z.string()),
      services: z.array(z.string()),
      gpuModels: z.array(z.string()),
      tagKeys: z.array(z.string()),
      /** First and last charge day in the store, null when it holds no cost rows. */
      firstDay: DateOnly.nullable(),
      lastDay: DateOnly.nullable(),
    }),
  },
  'spend:gpu-hour-prices': { request: SpendPeriod, response: z.object({ prices: z.array(GpuHourPrice) }) },
  'spend:budgets': {
    request: z.object({ asOf: IsoTime.optional() }),
    response: z.object({ budgets: z.array(BudgetStatus) }),
  },
  'spend:budget-save': { request: Budget, response: z.object({ id: z.string() }), writes: 'spend' },
  'spend:budget-delete': { request: z.object({ id: z.string() }), response: z.object({ deleted: z.boolean() }), writes: 'spend' },
  'spend:export': {
    request: z.object({ query: CostReportQuery, format: ReportFormat }),
    response: z.object({ fileName: z.string(), mimeType: z.string(), base64: z.string() }),
  },
  'spend:import-focus': {
    request: z.object({ account: z.string().min(1).max(200), files: z.array(z.string().min(1)).min(1).max(100) }),
    response: FocusImportSummary,
    writes: 'spend',
    hostPaths: true,
  },
  'reports:list': { request: z.object({}), response: z.object({ reports: z.array(ReportDefinition) }) },
  'reports:save': { request: ReportDefinition, response: z.object({ id: z.string() }), writes: 'spend' },
  'reports:delete': { request: z.object({ id: z.string() }), response: z.object({ deleted: z.boolean() }), writes: 'spend' },
} as const satisfies Record<string, ChannelDefinition>;

/** Events of spend: FOCUS import progress (rows read, per file). */
export const spendEvents = [
  z.object({
    type: z.literal('focus-import-progress'),
    account: z.string(),
    file: z.string(),
    phase: z.enum(['reading', 'validated', 'writing', 'done', 'failed']),
    rows: z.number().int().nonnegative(),
    totalRows: z.number().int().nonnegative(),
  }),
] as const;
