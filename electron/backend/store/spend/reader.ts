/**
 * The spend area's reads: cost reports, the accounts that hold cost rows, GPU-hour prices, budget
 * status and saved report definitions, all on the store's reader pool.
 */
import {
  ReportDefinition,
  type BudgetStatus,
  type GpuHourPrice,
  type SpendFilter,
} from '../../../../shared/contract-spend';
import type { CloudId } from '../../../../shared/domain';
import { dailyBurn, forecastMonth } from '../../domain/spend-forecast';
import type { ConnectionPool } from '../db';
import { divideRounded, formatMoney, normaliseMoney, parseMoney } from '../../../../shared/decimal';
import { COST_VIEW_SQL, costReport, costWhere, groupExpr, spendFilterOptions } from './cost-report-query';
import { lastBilledSql, runRateToday } from './spend-query';
import type { SpendReader } from './types';

/** The DuckDB SpendReader over the store's reader pool. */
export function createSpendReader(pool: ConnectionPool, now: () => Date): SpendReader {
  return {
    costReport: (query) => costReport(pool, query, now()),
    costAccounts: async () => {
      const found = await pool.rows<{ account: string; providers: string[]; n: number; first: string; last: string }>(
        // From the day sums the cost writes keep (cost-days.ts), not every cost row.
        `SELECT account, list_sort(list_distinct(list(provider_name))) AS providers, sum(rows)::DOUBLE AS n,
                strftime(min(first_start), '%Y-%m-%dT%H:%M:%SZ') AS first, strftime(max(last_end), '%Y-%m-%dT%H:%M:%SZ') AS last
         FROM cost_day GROUP BY account ORDER BY account`,
      );
      return found.map((r) => ({ name: r.account, providers: [...r.providers], rows: r.n, from: r.first, to: r.last }));
    },
    spendFilterOptions: () => spendFilterOptions(pool),
    gpuHourPrices: (from, to, filter) => gpuHourPrices(pool, from, to, filter),
    budgets: (asOf) => budgetStatuses(pool, asOf),
    reportDefinitions: async () => {
      const r = await pool.rows<{ definition: string; last_run_at: string | null; last_error: string | null }>(
        `SELECT definition::VARCHAR AS definition, strftime(last_run_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS last_run_at, last_error
         FROM report_definition ORDER BY name, id`,
      );
      return r.map((d) => ReportDefinition.parse({ ...JSON.parse(d.definition), lastRunAt: d.last_run_at, lastError: d.last_error }));
    },
  };
}

/**
 * Effective price per GPU-hour: EffectiveCost of billed usage charges that name an inventory GPU
 * machine, over the GPU-hours those charges cover (charge period x the machine's GPUs); the list
 * price is the inventory's hourly price per GPU (GPU-weighted mean over the machines).
 */
async function gpuHourPrices(pool: ConnectionPool, from: string, to: string, filter: SpendFilter): Promise<GpuHourPrice[]> {
  const where = costWhere(from, to, filter);
  const [billed, list] = await Promise.all([
    pool.rows<{ cloud: CloudId; gpu_model: string; currency: string; effective: string; gpu_seconds: string }>(
      `WITH v AS (${COST_VIEW_SQL})
       SELECT cloud, gpu_model, BillingCurrency AS currency, sum(EffectiveCost)::VARCHAR AS effective,
         sum(date_diff('second', ChargePeriodStart, ChargePeriodEnd) * gpu_count)::VARCHAR AS gpu_seconds
       FROM v WHERE ${where} AND NOT is_estimate AND gpu_model IS NOT NULL AND ChargeCategory = 'Usage'
       GROUP BY ALL ORDER BY cloud, gpu_model, currency`,
    ),
    pool.rows<{ cloud: CloudId; gpu_model: string; currency: string; price: string; gpus: number }>(
      `SELECT cloud, gpu_model, currency, sum(hourly_price)::VARCHAR AS price, sum(gpu_count)::INTEGER AS gpus
       FROM resource WHERE hourly_price IS NOT NULL GROUP BY ALL`,
    ),
  ]);
  const listOf = new Map(list.map((l) => [`${l.cloud}|${l.gpu_model}|${l.currency}`, l]));
  return billed.map((b) => {
    const seconds = BigInt(b.gpu_seconds);
    const effective = parseMoney(b.effective);
    const l = listOf.get(`${b.cloud}|${b.gpu_model}|${b.currency}`);
    return {
      cloud: b.cloud,
      gpuModel: b.gpu_model,
      currency: b.currency,
      gpuHours: formatMoney(divideRounded(seconds * 10n ** 10n, 3600n)),
      effectiveCost: formatMoney(effective),
      effectivePerGpuHour: seconds === 0n ? null : formatMoney(divideRounded(effective * 3600n, seconds)),
      listPerGpuHour: l && l.gpus > 0 ? formatMoney(divideRounded(parseMoney(l.price), BigInt(l.gpus))) : null,
    };
  });
}

/**
 * Budget status for the UTC month of `asOf`, by the overview's forecast rule
 * (domain/spend-forecast.ts) over the budget's scope and currency, estimates excluded: billed
 * month to date, burn rate = mean daily billed spend of the last 7 complete billed days, forecast =
 * billed + run-rate today + burn x whole days left. Run-rate comes from running machines, which
 * belong to a cloud but carry no FOCUS tags: a cloud budget includes it, a tag budget cannot.
 */
async function budgetStatuses(pool: ConnectionPool, asOf: Date): Promise<BudgetStatus[]> {
  const budgets = await pool.rows<{ id: string; name: string; scope_kind: string; scope_key: string | null; scope_value: string; currency: string; amount: string }>(
    `SELECT id, name, scope_kind, scope_key, scope_value, currency, monthly_amount::VARCHAR AS amount FROM budget ORDER BY name, id`,
  );
  const asOfMs = asOf.getTime();
  const monthStart = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), 1);
  const nextMonth = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth() + 1, 1);
  const runRates = budgets.some((b) => b.scope_kind === 'cloud') ? await runRateToday(pool, asOfMs, { clouds: [], regions: [], gpuModels: [] }) : [];
  const out: BudgetStatus[] = [];
  for (const b of budgets) {
    const scope = b.scope_kind === 'tag' ? { kind: 'tag' as const, key: b.scope_key ?? '', value: b.scope_value } : { kind: 'cloud' as const, cloud: b.scope_value as CloudId };
    const scopeSql = scope.kind === 'tag' ? `${groupExpr(`tag:${scope.key}`)} = $value` : `cloud = $value`;
    // The same windows as the overview's spend: the calendar month, and the 7 days before the day of
    // each account's last billed instant.
    const r = await pool.rows<{ billed: string; last7: string }>(
      `WITH v AS (${COST_VIEW_SQL}), last AS (${lastBilledSql(asOfMs)})
       SELECT
         coalesce(sum(BilledCost) FILTER (WHERE ChargePeriodStart >= epoch_ms($from::BIGINT) AND ChargePeriodStart < epoch_ms($to::BIGINT)), 0)::VARCHAR AS billed,
         coalesce(sum(BilledCost) FILTER (WHERE ChargePeriodStart >= date_trunc('day', last.l) - INTERVAL 7 DAY
           AND ChargePeriodStart < date_trunc('day', last.l)), 0)::VARCHAR AS last7
       FROM v JOIN last USING (account) WHERE NOT is_estimate AND BillingCurrency = $currency AND ${scopeSql}`,
      { currency: b.currency, value: b.scope_value, from: monthStart, to: nextMonth },
    );
    const billed = parseMoney(r[0]?.billed ?? '0');
    const last7 = parseMoney(r[0]?.last7 ?? '0');
    const runRate = scope.kind === 'cloud' ? runRates.filter((x) => x.cloud === scope.cloud && x.currency === b.currency).reduce((n, x) => n + x.runRate, 0n) : 0n;
    const forecast = forecastMonth({ billedMonthToDate: billed, runRateToday: runRate, last7DaysBilled: last7 }, asOfMs);
    const amount = parseMoney(b.amount);
    const percent = amount === 0n ? 0n : divideRounded(forecast * 100n * 10n ** 10n, amount);
    out.push({
      id: b.id,
      name: b.name,
      scope,
      currency: b.currency,
      monthlyAmount: normaliseMoney(b.amount),
      billedMonthToDate: formatMoney(billed),
      burnRatePerDay: formatMoney(dailyBurn(last7)),
      forecastMonth: formatMoney(forecast),
      forecastPercent: formatMoney(divideRounded(percent, 10n ** 8n) * 10n ** 8n),
      overBudget: forecast > amount,
    });
  }
  return out;
}
