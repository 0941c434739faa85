/**
 * The store's spend side: FOCUS import and export, cost reports, GPU-hour prices, budgets and saved
 * report definitions. Reads use the reader pool; writes use a fresh connection each, like writer.ts.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  ReportDefinition,
  type Budget,
  type BudgetStatus,
  type CostReport,
  type CostReportQuery,
  type GpuHourPrice,
  type SpendFilter,
} from '../../../shared/contract-spend';
import type { CloudId } from '../../../shared/domain';
import { queueCostWrite } from './cost-write-queue';
import { COST_VIEW_SQL, costReport, costWhere, groupExpr, spendFilterOptions } from './cost-report-query';
import { type ConnectionPool, exec, rows } from './db';
import { StoreReadOnlyError } from './errors';
import { exportFocusCsv } from './focus-export';
import { importFocusFiles, type FocusImportLimits, type FocusImportProgress, type FocusImportResult } from './focus-import';
import { dailyBurn, forecastMonth } from '../analytics/spend-forecast';
import { divRound, formatMoney, normaliseMoney, parseMoney } from './money';
import { lastBilledSql, runRateToday } from './spend-query';


/** What the spend views, the reports and the CLI need from the store. */
export interface SpendStore {
  /** Validates and imports FOCUS files into `account`; replaces the billing periods they hold. */
  importFocus(
    files: readonly string[],
    account: string,
    onProgress?: (p: FocusImportProgress) => void,
    limits?: FocusImportLimits,
  ): Promise<FocusImportResult>;
  costReport(query: CostReportQuery): Promise<CostReport>;
  spendFilterOptions(): ReturnType<typeof spendFilterOptions>;
  /** Writes the FOCUS CSV of the query's period and filter; returns the rows written. */
  exportFocusCsv(query: CostReportQuery, file: string): Promise<number>;
  gpuHourPrices(from: string, to: string, filter: SpendFilter): Promise<GpuHourPrice[]>;
  budgets(asOf: Date): Promise<BudgetStatus[]>;
  saveBudget(budget: Budget): Promise<void>;
  deleteBudget(id: string): Promise<boolean>;
  reportDefinitions(): Promise<ReportDefinition[]>;
  saveReportDefinition(definition: ReportDefinition): Promise<void>;
  deleteReportDefinition(id: string): Promise<boolean>;
  /** Records a scheduled run of a saved report (error null when it succeeded). */
  recordReportRun(id: string, at: Date, error: string | null): Promise<void>;
  /** Every account that has cost rows, with their count, providers and charge period (by name). */
  costAccounts(): Promise<CostAccount[]>;
}

/** The cost rows stored under one account name. */
export interface CostAccount {
  name: string;
  providers: string[];
  rows: number;
  /** First ChargePeriodStart and last ChargePeriodEnd, ISO. */
  from: string;
  to: string;
}

/** Builds the DuckDB SpendStore over the store's instance and reader pool. */
export function createSpendStore(instance: DuckDBInstance, pool: ConnectionPool, readOnly: boolean, now: () => Date): SpendStore {
  const write = async <T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
    if (readOnly) throw new StoreReadOnlyError();
    const conn = await instance.connect();
    try {
      return await body(conn);
    } finally {
      conn.closeSync();
    }
  };
  const withConnection = async <T>(body: (conn: DuckDBConnection) => Promise<T>): Promise<T> => pool.use(body);

  return {
    // Queued with every other cost write of this store, so two imports of one file never both insert.
    importFocus: (files, account, onProgress, limits) =>
      queueCostWrite(instance, () => write((conn) => importFocusFiles(conn, files, account, now(), onProgress, limits))),
    costReport: (query) => costReport(pool, query, now()),
    costAccounts: async () => {
      const found = await pool.rows<{ account: string; providers: string[]; n: number; first: string; last: string }>(
        `SELECT account, list_sort(list_distinct(list(ProviderName))) AS providers, count(*)::DOUBLE AS n,
                strftime(min(ChargePeriodStart), '%Y-%m-%dT%H:%M:%SZ') AS first, strftime(max(ChargePeriodEnd), '%Y-%m-%dT%H:%M:%SZ') AS last
         FROM cost_row GROUP BY account ORDER BY account`,
      );
      return found.map((r) => ({ name: r.account, providers: [...r.providers], rows: r.n, from: r.first, to: r.last }));
    },
    spendFilterOptions: () => spendFilterOptions(pool),
    exportFocusCsv: (query, file) => withConnection((conn) => exportFocusCsv(conn, query, file)),
    gpuHourPrices: (from, to, filter) => gpuHourPrices(pool, from, to, filter),
    budgets: (asOf) => budgetStatuses(pool, asOf),
    saveBudget: (budget) =>
      write((conn) =>
        exec(
          conn,
          `INSERT OR REPLACE INTO budget VALUES ($id, $name, $kind, $key, $value, $currency, $amount::DECIMAL(38,10))`,
          {
            id: budget.id,
            name: budget.name,
            kind: budget.scope.kind,
            key: budget.scope.kind === 'tag' ? budget.scope.key : null,
            value: budget.scope.kind === 'tag' ? budget.scope.value : budget.scope.cloud,
            currency: budget.currency,
            amount: budget.monthlyAmount,
          },
        ),
      ),
    deleteBudget: (id) => write(async (conn) => deleteById(conn, 'budget', id)),
    reportDefinitions: async () => {
      const r = await pool.rows<{ definition: string; last_run_at: string | null; last_error: string | null }>(
        `SELECT definition::VARCHAR AS definition, strftime(last_run_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS last_run_at, last_error
         FROM report_definition ORDER BY name, id`,
      );
      return r.map((d) => ReportDefinition.parse({ ...JSON.parse(d.definition), lastRunAt: d.last_run_at, lastError: d.last_error }));
    },
    saveReportDefinition: (definition) =>
      write((conn) =>
        exec(
          conn,
          `INSERT INTO report_definition VALUES ($id, $name, $definition, epoch_ms($now::BIGINT), NULL, NULL)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition`,
          { id: definition.id, name: definition.name, definition: JSON.stringify({ ...definition, lastRunAt: null, lastError: null }), now: now().getTime() },
        ),
      ),
    deleteReportDefinition: (id) => write(async (conn) => deleteById(conn, 'report_definition', id)),
    recordReportRun: (id, at, error) =>
      write((conn) =>
        exec(conn, `UPDATE report_definition SET last_run_at = epoch_ms($at::BIGINT), last_error = $error WHERE id = $id`, {
          id,
          at: at.getTime(),
          error,
        }),
      ),
  };
}

async function deleteById(conn: DuckDBConnection, table: 'budget' | 'report_definition', id: string): Promise<boolean> {
  const n = await rows<{ n: number }>(conn, `SELECT count(*)::INTEGER AS n FROM ${table} WHERE id = $id`, { id });
  await exec(conn, `DELETE FROM ${table} WHERE id = $id`, { id });
  return (n[0]?.n ?? 0) > 0;
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
      gpuHours: formatMoney(divRound(seconds * 10n ** 10n, 3600n)),
      effectiveCost: formatMoney(effective),
      effectivePerGpuHour: seconds === 0n ? null : formatMoney(divRound(effective * 3600n, seconds)),
      listPerGpuHour: l && l.gpus > 0 ? formatMoney(divRound(parseMoney(l.price), BigInt(l.gpus))) : null,
    };
  });
}

/**
 * Budget status for the UTC month of `asOf`, by the overview's forecast rule
 * (analytics/spend-forecast.ts) over the budget's scope and currency, estimates excluded: billed
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
    const percent = amount === 0n ? 0n : divRound(forecast * 100n * 10n ** 10n, amount);
    out.push({
      id: b.id,
      name: b.name,
      scope,
      currency: b.currency,
      monthlyAmount: normaliseMoney(b.amount),
      billedMonthToDate: formatMoney(billed),
      burnRatePerDay: formatMoney(dailyBurn(last7)),
      forecastMonth: formatMoney(forecast),
      forecastPercent: formatMoney(divRound(percent, 10n ** 8n) * 10n ** 8n),
      overBudget: forecast > amount,
    });
  }
  return out;
}
