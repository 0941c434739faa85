/**
 * The OCI connector's diagnostics: its existing compartment access record, unmeasured instances and
 * call counts, in the shared shape.
 */
import type { ConnectorDiagnostics } from '../../../../shared/connector-diagnostics';
import type { OciOperation } from './errors';
import type { UnmeasuredInstance } from './map';

/** How the last read of one compartment in one region went. */
export interface CompartmentAccess {
  compartmentId: string;
  compartment: string;
  region: string;
  operation: OciOperation;
  /** ok; denied (no policy: nothing known, nothing shown); stale (previous listing re-reported). */
  status: 'ok' | 'denied' | 'stale';
  message: string | null;
  /** The policy statement that would make the call work, for denied and stale compartments. */
  policy: string | null;
  at: string;
}


/** Maps compartmentAccess(), unmeasured() and callCounts() to diagnostics; compartments read fine are left out. */
export function ociDiagnostics(
  access: readonly CompartmentAccess[],
  unmeasured: readonly UnmeasuredInstance[],
  callCounts: Readonly<Record<string, number>>,
): ConnectorDiagnostics {
  return {
    // OCI reports no remaining budget: it answers 429 when a limit is reached.
    budget: [],
    access: access
      .filter((a): a is CompartmentAccess & { status: 'denied' | 'stale' } => a.status !== 'ok')
      .map((a) => ({
        scope: `compartment ${a.compartment} (${a.region})`,
        operation: a.operation,
        status: a.status,
        message: a.message,
        fix: a.policy,
        at: a.at,
      })),
    unmeasured: unmeasured.map((u) => ({ resourceId: u.resourceId, name: u.name, region: u.region, scope: u.compartment, reason: u.reason })),
    calls: Object.entries(callCounts)
      .filter(([, calls]) => calls > 0)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([operation, calls]) => ({ operation, calls })),
  };
}
