/** The spend area of the store: cost rows, cost reports, GPU-hour prices, budgets and saved report definitions. */
import type {
  Budget,
  BudgetStatus,
  CostReport,
  CostReportQuery,
  GpuHourPrice,
  ReportDefinition,
  SpendFilter,
} from '../../../../shared/contract-spend';
import type { FocusCostRow } from '../../../../shared/domain';
import type { RunStart, Window } from '../sync-run';
import type { spendFilterOptions } from './cost-report-query';

/** The cost rows stored under one account name. */
export interface CostAccount {
  name: string;
  providers: string[];
  rows: number;
  /** First ChargePeriodStart and last ChargePeriodEnd, ISO. */
  from: string;
  to: string;
}

/** What the spend views, the reports and the CLI read. */
export interface SpendReader {
  costReport(query: CostReportQuery): Promise<CostReport>;
  spendFilterOptions(): ReturnType<typeof spendFilterOptions>;
  gpuHourPrices(from: string, to: string, filter: SpendFilter): Promise<GpuHourPrice[]>;
  budgets(asOf: Date): Promise<BudgetStatus[]>;
  reportDefinitions(): Promise<ReportDefinition[]>;
  /** Every account that has cost rows, with their count, providers and charge period (by name). */
  costAccounts(): Promise<CostAccount[]>;
}

/** Spend writes: a connector's cost sync, budgets and saved reports. Each is one transaction. */
export interface SpendWriter {
  /** Replaces the account's cost rows whose charge period starts in `window`; advances the cursor. */
  writeCosts(run: RunStart, window: Window, batches: AsyncIterable<FocusCostRow[]>): Promise<number>;
  saveBudget(budget: Budget): Promise<void>;
  deleteBudget(id: string): Promise<boolean>;
  saveReportDefinition(definition: ReportDefinition): Promise<void>;
  deleteReportDefinition(id: string): Promise<boolean>;
  /** Records a scheduled run of a saved report (error null when it succeeded). */
  recordReportRun(id: string, at: Date, error: string | null): Promise<void>;
}

export interface SpendArea extends SpendReader, SpendWriter {}
