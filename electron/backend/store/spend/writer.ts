/** Spend writes: cost syncs, budgets and saved report definitions, each one transaction of the store's write(). */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { queueCostWrite } from '../cost-write-queue';
import { exec, rows } from '../db';
import { finishRun, type Outcome } from '../sync-run';
import type { Write } from '../write';
import { costRowFunction, CostRowInserter } from './cost-row-inserter';
import { refreshCostDays } from './cost-days';
import { readActivityOf, TurnBudget } from '../event-loop-turns';
import type { SpendWriter } from './types';

/** The DuckDB SpendWriter over the store's instance (its cost-write queue) and write(). */
export function createSpendWriter(instance: DuckDBInstance, write: Write, now: () => Date): SpendWriter {
  return {
    // Replacing a period shares the FOCUS importer's queue: a concurrent import would conflict with it.
    writeCosts: (run, window, batches) =>
      queueCostWrite(instance, async () => {
        const rowFunction = await costRowFunction(instance);
        return write(async (conn) => {
          await exec(
            conn,
            `DELETE FROM cost_row WHERE account = $account
               AND ChargePeriodStart >= epoch_ms($from::BIGINT) AND ChargePeriodStart < epoch_ms($to::BIGINT)`,
            { account: run.account, from: window.from, to: window.to },
          );
          const outcome: Outcome = { rows: 0, rejected: 0 };
          // Rows go in by INSERTs run on DuckDB's threads, a few thousand at a time (cost-row-inserter.ts).
          const inserter = new CostRowInserter(rowFunction, conn, run.account, run.id);
          const turns = new TurnBudget(readActivityOf(instance));
          for await (const batch of batches) {
            await turns.each(batch, (c) => {
              const start = Date.parse(c.ChargePeriodStart);
              // A row outside the window would survive the next replace of its own window twice.
              if (!(start >= window.from && start < window.to)) {
                outcome.rejected++;
                return;
              }
              inserter.add(c);
              outcome.rows++;
            });
            await inserter.insertFull();
            await turns.betweenBatches();
          }
          await inserter.finish();
          await refreshCostDays(conn, run.account, { fromMs: window.from, toMs: window.to });
          await finishRun(conn, run, now().getTime(), outcome, window.to);
          return outcome.rows;
        });
      }),

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
