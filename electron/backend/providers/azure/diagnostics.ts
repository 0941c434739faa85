/** The Azure connector's diagnostics: its existing per-subscription ARM read budget, in the shared shape. */
import type { ConnectorDiagnostics } from '../../../../shared/connector-diagnostics';
import type { ReadBudget } from './client';

/** Maps the read budget tracker's entries (budget()) to diagnostics; Azure tracks no other kind yet. */
export function azureDiagnostics(budgets: readonly ReadBudget[]): ConnectorDiagnostics {
  return {
    budget: [...budgets]
      .sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId))
      .map((b) => ({
        scope: `ARM reads, subscription ${b.subscriptionId}`,
        remaining: b.remainingReads,
        observedAt: b.observedAt === null ? null : new Date(b.observedAt).toISOString(),
        pacedRequests: b.pacedRequests,
      })),
    access: [],
    unmeasured: [],
    calls: [],
  };
}
