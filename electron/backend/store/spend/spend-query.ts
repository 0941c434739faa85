/**
 * Spend per cloud and billing currency (glossary: billed and run-rate are kept apart).
 *
 * - Rows tagged fleetpane.estimate=true (connector estimates) are not billed and are left out of all
 *   of these; the spend view and the reports show them apart.
 * - billedMonthToDate: sum of BilledCost of rows whose ChargePeriodStart lies in the UTC calendar
 *   month of asOf. Cost rows go to a cloud by cloudOfCostRow. Billed spend honours the cloud filter
 *   only: it must reconcile with the provider's bill, and a charge has no GPU model.
 * - runRateToday: for every running resource with a price, hourlyPrice x the hours of today (UTC)
 *   after its account's last billed instant (max ChargePeriodEnd, capped at asOf) up to asOf.
 * - forecastMonth: the rule of domain/spend-forecast.ts (shared with budgets): billedMonthToDate +
 *   runRateToday + D x R, where D is the mean daily BilledCost of the last 7 complete billed days (the
 *   7 UTC days before the day holding each account's last billed instant; sum / 7) and R the whole
 *   days left in the month after today. The rest of today beyond asOf is not forecast.
 * - idleWasteToday: for each whole 5-minute bucket of today (UTC) that ended by asOf in which a GPU
 *   of a running resource had a mean below 5 %, 5/60 h x hourlyPrice / gpuCount.
 * Sums run in DuckDB DECIMAL(38,10), or here in BigInt at the same scale over the day sums; the
 * divisions run here in BigInt (money.ts).
 */
import type { FleetFilter } from '../../../../shared/contract';
import { type CloudId, IDLE_THRESHOLD_PERCENT, type ProviderId } from '../../../../shared/domain';
import type { SpendSummary } from '../../../../shared/overview';
import { cloudOfCostRow } from '../../domain/cost-row-cloud';
import { BILLED_UNTIL_SQL } from './cost-report-query';
import { type ConnectionPool, type Row, sqlString, tsLiteral } from '../db';
import { forecastMonth } from '../../domain/spend-forecast';
import { divideRounded, formatMoney, parseMoney } from '../../../../shared/decimal';
import { countedOnceSql, filterSql } from '../fleet/resource-rows';
import { FIVE_MINUTES_MS } from '../fleet/rollups';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

interface SpendParts {
  billed: bigint;
  runRate: bigint;
  last7: bigint;
  idleWaste: bigint;
}

/**
 * One row of cost_day (cost-days.ts), its instants in epoch ms and its sum as DuckDB's exact text; or,
 * with `day` null, an account's older days of one provider, currency and kind folded into one row.
 */
export interface CostDayRow extends Row {
  account: string;
  provider_name: string;
  currency: string;
  is_estimate: boolean;
  day: number | null;
  billed_cost: string;
  last_end: number;
}

/**
 * The day sums the overview's spend can use at asOf. Days from `since` on (the month of asOf, and the
 * 7 days before asOf's day) come one row each; each account's older days of one provider, currency
 * and kind are folded into one row (`day` null) that keeps their latest end, so its last billed
 * instant and the providers its charges went to stay whole. An account last billed before that (a
 * closed account, a stopped export) also gets the 7 days before its last billed day, in a second read
 * only then. Summed here rather than in SQL: at this size a statement's fixed cost per operator
 * (0.3-0.9 ms each) was most of what the overview's spend and its cost accounts cost; read whole
 * instead of folded, a year of 30 accounts' day sums (11,000) took 30 ms to turn into rows.
 */
export async function loadCostDays(pool: ConnectionPool, asOfMs: number): Promise<CostDayRow[]> {
  const asOf = new Date(asOfMs);
  const asOfDay = Math.floor(asOfMs / DAY_MS) * DAY_MS;
  const since = Math.min(Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), 1), asOfDay - 7 * DAY_MS);
  const days = await pool.rows<CostDayRow>(
    `SELECT account, provider_name, currency, is_estimate, epoch_ms(recent)::DOUBLE AS day,
            sum(billed_cost)::VARCHAR AS billed_cost, epoch_ms(max(last_end))::DOUBLE AS last_end
     FROM (SELECT *, CASE WHEN day >= ${tsLiteral(since)} THEN day END AS recent FROM cost_day)
     GROUP BY ALL`,
  );
  const older = [...billedUntilByAccount(days)].flatMap(([account, until]) => {
    const week = lastSevenDays(until, asOfMs);
    return week.from < since ? [`(account = ${sqlString(account)} AND day >= ${tsLiteral(week.from)} AND day < ${tsLiteral(Math.min(week.to, since))})`] : [];
  });
  if (older.length === 0) return days;
  // Folded rows' sums are never counted (billedByAccount), so these days are not counted twice.
  const olderDays = await pool.rows<CostDayRow>(
    `SELECT account, provider_name, currency, is_estimate, epoch_ms(day)::DOUBLE AS day, billed_cost::VARCHAR AS billed_cost,
            epoch_ms(last_end)::DOUBLE AS last_end
     FROM cost_day WHERE NOT is_estimate AND (${older.join(' OR ')})`,
  );
  return [...days, ...olderDays];
}

/** Each account's last billed instant (BILLED_UNTIL_SQL's rule): the latest end of its billed day sums, estimates left out. */
export function billedUntilByAccount(days: readonly CostDayRow[]): Map<string, number> {
  const until = new Map<string, number>();
  for (const d of days) if (!d.is_estimate) until.set(d.account, Math.max(until.get(d.account) ?? -Infinity, d.last_end));
  return until;
}

/** The 7 UTC days before the day of an account's last billed instant, capped at asOf: [from, to). */
function lastSevenDays(billedUntil: number, asOfMs: number): { from: number; to: number } {
  const to = Math.floor(Math.min(billedUntil, asOfMs) / DAY_MS) * DAY_MS;
  return { from: to - 7 * DAY_MS, to };
}

/** Billed spend of one account, provider name and currency (scaled money, exact). */
export interface BilledSpend {
  account: string;
  providerName: string;
  currency: string;
  /** Billed cost of the days in the UTC month of asOf. */
  monthToDate: bigint;
  /** Billed cost of the 7 UTC days before the day of the account's last billed instant. */
  last7Days: bigint;
}

/**
 * Billed spend per account, provider name and currency from the day sums, estimates left out. Both
 * periods start and end on day boundaries, so day sums give the rows' exact totals; an account's last
 * billed instant is BILLED_UNTIL_SQL's rule (the latest ChargePeriodEnd of its billed rows), capped at asOf.
 */
export function billedByAccount(days: readonly CostDayRow[], asOfMs: number): BilledSpend[] {
  const asOf = new Date(asOfMs);
  const monthStart = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), 1);
  const nextMonth = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() + 1, 1);
  const billedUntil = billedUntilByAccount(days);
  const out = new Map<string, BilledSpend>();
  for (const d of days) {
    if (d.is_estimate) continue;
    const key = JSON.stringify([d.account, d.provider_name, d.currency]);
    let spend = out.get(key);
    if (!spend) out.set(key, (spend = { account: d.account, providerName: d.provider_name, currency: d.currency, monthToDate: 0n, last7Days: 0n }));
    // Folded older days fall in neither period (loadCostDays reads every day that can one by one).
    if (d.day === null) continue;
    const week = lastSevenDays(billedUntil.get(d.account)!, asOfMs);
    const cost = parseMoney(d.billed_cost);
    if (d.day >= monthStart && d.day < nextMonth) spend.monthToDate += cost;
    if (d.day >= week.from && d.day < week.to) spend.last7Days += cost;
  }
  return [...out.values()];
}

/** Spend per overview entry key (cloudKey: a cloud id, or `other:<site or account>`). */
export type CloudSpend = Map<string, SpendSummary[]>;

/**
 * Computes spend for every overview entry (`keyOf` names the entry of a cloud and account); clouds
 * filtered out are omitted. `counted` (SQL over resource alias r) is the counted-once rule, or an
 * equivalent the caller already worked out for this store. `keptIdle`: the idle waste rows when the
 * store keeps today's idle buckets for this minute, else null (they are computed). `costDays`: the
 * store's day sums (loadCostDays), when the caller reads them for more than spend.
 */
export async function spendByCloud(
  pool: ConnectionPool,
  asOfMs: number,
  filter: FleetFilter,
  accountClouds: ReadonlyMap<string, readonly CloudId[]>,
  accountProviders: ReadonlyMap<string, ProviderId>,
  keyOf: (cloud: CloudId, account: string) => string = (cloud) => cloud,
  counted = countedOnceSql('r'),
  keptIdle: Promise<IdleWasteRow[] | null> = Promise.resolve(null),
  costDays: Promise<readonly CostDayRow[]> = loadCostDays(pool, asOfMs),
): Promise<CloudSpend> {
  // Connector estimates (fleetpane.estimate=true) are not billed: they never enter billed spend, and
  // the run-rate covers the hours after the last *billed* instant (billedUntilByAccount).

  const [billedRows, runRows, idleRows] = await Promise.all([
    costDays.then((days) => billedByAccount(days, asOfMs)),
    runRateToday(pool, asOfMs, filter, counted, costDays),
    // Today's idle buckets, from the facts kept for this minute when there are (fleet/kept-overview.ts).
    keptIdle.then((kept) => kept ?? pool.rows<IdleWasteRow>(idleWasteSql(idleBucketsTodaySql(asOfMs), filter))),
  ]);

  const parts = new Map<string, Map<string, SpendParts>>();
  const slot = (cloud: CloudId, account: string | null, currency: string): SpendParts => {
    const key = keyOf(cloud, account ?? '');
    let byCurrency = parts.get(key);
    if (!byCurrency) parts.set(key, (byCurrency = new Map()));
    let p = byCurrency.get(currency);
    if (!p) byCurrency.set(currency, (p = { billed: 0n, runRate: 0n, last7: 0n, idleWaste: 0n }));
    return p;
  };
  const wanted = (cloud: CloudId): boolean => filter.clouds.length === 0 || filter.clouds.includes(cloud);

  for (const b of billedRows) {
    const cloud = cloudOfCostRow(accountClouds.get(b.account), b.providerName, accountProviders.get(b.account));
    if (!wanted(cloud)) continue;
    const p = slot(cloud, b.account, b.currency);
    p.billed += b.monthToDate;
    p.last7 += b.last7Days;
  }
  for (const r of runRows) slot(r.cloud, r.account, r.currency).runRate += r.runRate;
  for (const i of idleRows) {
    // 5/60 h of one GPU's share: price x buckets / (12 x gpuCount).
    slot(i.cloud, i.account, i.currency).idleWaste += divideRounded(parseMoney(i.price_buckets), BigInt(12 * i.gpu_count));
  }

  const out: CloudSpend = new Map();
  for (const [cloud, byCurrency] of parts) {
    const list = [...byCurrency.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, p]): SpendSummary => ({
        currency,
        billedMonthToDate: formatMoney(p.billed),
        runRateToday: formatMoney(p.runRate),
        forecastMonth: formatMoney(forecastMonth({ billedMonthToDate: p.billed, runRateToday: p.runRate, last7DaysBilled: p.last7 }, asOfMs)),
        idleWasteToday: formatMoney(p.idleWaste),
      }));
    out.set(cloud, list);
  }
  return out;
}

/** Today's idle GPU buckets of the running machines of one cloud (and account outside them), currency and GPU count, priced: sum of hourly price x buckets. */
export type IdleWasteRow = { cloud: CloudId; account: string | null; currency: string; gpu_count: number; price_buckets: string };

/**
 * Each machine's idle 5-minute buckets of today (UTC) that ended by asOf, as `account, resource_id, n`:
 * today's whole hours from rollup_1h's idle bucket counts, the hour in progress from rollup_5m. It
 * names no filter, so the store can keep it for the minute (fleet/kept-overview.ts).
 */
export function idleBucketsTodaySql(asOfMs: number): string {
  const todayStart = Math.floor(asOfMs / DAY_MS) * DAY_MS;
  // Every 5-minute bucket of an hour before this one ended by asOf.
  const thisHour = Math.floor(asOfMs / HOUR_MS) * HOUR_MS;
  return `
    SELECT g.account, g.resource_id, sum(x.n) AS n FROM (
      SELECT gpu_id, sum(n) AS n FROM (
        SELECT gpu_id, idle_buckets AS n FROM rollup_1h
        WHERE bucket >= ${tsLiteral(todayStart)} AND bucket < ${tsLiteral(thisHour)} AND idle_buckets > 0
        UNION ALL
        SELECT gpu_id, 1 FROM rollup_5m
        WHERE bucket >= ${tsLiteral(Math.max(todayStart, thisHour))} AND bucket <= ${tsLiteral(asOfMs - FIVE_MINUTES_MS)}
          AND util_count > 0 AND util_sum / util_count < ${IDLE_THRESHOLD_PERCENT}
      ) GROUP BY gpu_id
    ) x JOIN gpu g USING (gpu_id)
    GROUP BY g.account, g.resource_id`;
}

/** Idle waste rows (IdleWasteRow) of the running, priced machines passing `filter`, from `idleBuckets` (idleBucketsTodaySql's columns). */
export function idleWasteSql(idleBuckets: string, filter: FleetFilter): string {
  return `
    SELECT r.cloud, ${OTHER_ACCOUNT_SQL('r')} AS account, r.currency, r.gpu_count::INTEGER AS gpu_count, sum(r.hourly_price * i.n)::VARCHAR AS price_buckets
    FROM (${idleBuckets}) i JOIN resource r ON r.account = i.account AND r.id = i.resource_id
    WHERE r.power_state = 'running' AND r.hourly_price IS NOT NULL AND ${filterSql(filter, 'r')}
    GROUP BY ALL`;
}

/** Each account's last billed instant (BILLED_UNTIL_SQL, capped at asOf) as `account, l`. */
export function lastBilledSql(asOfMs: number): string {
  return `SELECT account, least(billed_until, ${tsLiteral(asOfMs)}) AS l FROM (${BILLED_UNTIL_SQL})`;
}

/**
 * The account of a machine outside every known cloud (each such cluster is its own overview entry),
 * NULL for known clouds so their sums stay one row per cloud.
 */
const OTHER_ACCOUNT_SQL = (alias: string): string => `CASE WHEN ${alias}.cloud = 'other' THEN ${alias}.account END`;

/**
 * Run-rate today per cloud (per account for clusters outside every known cloud, else account null)
 * and price currency: running machines x hourly price after the last billed instant. `counted` as
 * for spendByCloud.
 */
export async function runRateToday(
  pool: ConnectionPool,
  asOfMs: number,
  filter: FleetFilter,
  counted = countedOnceSql('r'),
  costDays: Promise<readonly CostDayRow[]> = loadCostDays(pool, asOfMs),
): Promise<{ cloud: CloudId; account: string | null; currency: string; runRate: bigint }[]> {
  const todayStart = Math.floor(asOfMs / DAY_MS) * DAY_MS;
  // The hourly prices summed per owning account; each account's unbilled time today is one number,
  // so price x time is exact summed either way.
  const [prices, days] = await Promise.all([
    pool.rows<{ cloud: CloudId; account: string | null; owner: string; currency: string; price: string }>(
      `SELECT r.cloud, ${OTHER_ACCOUNT_SQL('r')} AS account, r.account AS owner, r.currency, sum(r.hourly_price)::VARCHAR AS price
       FROM resource r
       WHERE r.power_state = 'running' AND r.hourly_price IS NOT NULL AND ${filterSql(filter, 'r')} AND ${counted}
       GROUP BY ALL`,
    ),
    costDays,
  ]);
  const billedUntil = billedUntilByAccount(days);
  const sums = new Map<string, { cloud: CloudId; account: string | null; currency: string; priceMs: bigint }>();
  for (const p of prices) {
    const from = Math.max(todayStart, Math.min(billedUntil.get(p.owner) ?? todayStart, asOfMs));
    const key = JSON.stringify([p.cloud, p.account, p.currency]);
    let sum = sums.get(key);
    if (!sum) sums.set(key, (sum = { cloud: p.cloud, account: p.account, currency: p.currency, priceMs: 0n }));
    sum.priceMs += parseMoney(p.price) * BigInt(Math.max(0, asOfMs - from));
  }
  return [...sums.values()].map((r) => ({ cloud: r.cloud, account: r.account, currency: r.currency, runRate: divideRounded(r.priceMs, BigInt(HOUR_MS)) }));
}
