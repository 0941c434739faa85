/** The Azure connector's diagnostics: per-subscription ARM read budget, failed optional calls, unmeasured machines. */
import type { AccessProblem, ConnectorDiagnostics, UnmeasuredMachine } from '../../../../shared/connector-diagnostics';
import type { ReadBudget } from './client';

/** What the last runs found: optional calls that failed (inventory) and machines no DCGM series matched (metrics). */
export interface AzureRunFindings {
  access: readonly AccessProblem[];
  unmeasured: readonly UnmeasuredMachine[];
}

/** Maps the read budget tracker's entries (budget()) and the last runs' findings to diagnostics. */
export function azureDiagnostics(budgets: readonly ReadBudget[], findings: AzureRunFindings = { access: [], unmeasured: [] }): ConnectorDiagnostics {
  return {
    budget: [...budgets]
      .sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId))
      .map((b) => ({
        scope: `ARM reads, subscription ${b.subscriptionId}`,
        remaining: b.remainingReads,
        observedAt: b.observedAt === null ? null : new Date(b.observedAt).toISOString(),
        pacedRequests: b.pacedRequests,
      })),
    access: findings.access.map((a) => ({ ...a })),
    unmeasured: [...findings.unmeasured].sort((a, b) => a.region.localeCompare(b.region) || a.name.localeCompare(b.name)).map((u) => ({ ...u })),
    calls: [],
  };
}
