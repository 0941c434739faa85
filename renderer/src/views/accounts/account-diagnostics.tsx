/**
 * What an account's connector reports about itself: API budget left, scopes it could not read with
 * the policy or role that would fix them, and the API calls it made; and every GPU machine the pane
 * cannot measure, price or place, with the reasons the store and the connector give (the numbers on
 * the cloud cards). A connector that reports nothing gets a plain sentence, not an empty box.
 */
import type { ReactNode } from 'react';
import type { CoverageMachine, MachineGap } from '../../../../shared/contract';
import type { ConnectorDiagnostics, UnmeasuredMachine, UnplacedMachine } from '../../../../shared/connector-diagnostics';
import { GAP_LABELS } from '../../components/coverage';
import { formatUtcDateTime } from '../../lib/time';


interface CoverageEntry {
  key: string;
  name: string;
  region: string;
  gaps: { kind: MachineGap['kind']; reason: string; gpus: number | null }[];
}

/**
 * One list from the store's coverage (every machine behind the card counts) and the connector's
 * own `unmeasured` list (the running app's reasons), one entry per machine, no reason twice.
 */
export function coverageEntries(
  coverage: readonly CoverageMachine[],
  unmeasured: readonly UnmeasuredMachine[],
  unplaced: readonly UnplacedMachine[] = [],
): CoverageEntry[] {
  const entries = new Map<string, CoverageEntry>();
  for (const m of coverage) {
    entries.set(m.resourceId, { key: m.resourceId, name: m.name, region: m.region, gaps: m.gaps.map((g) => ({ kind: g.kind, reason: g.reason, gpus: g.gpus })) });
  }
  const fromConnector = [
    ...unmeasured.map((u) => ({ ...u, kind: 'metrics' as const })),
    ...unplaced.map((u) => ({ ...u, kind: 'placement' as const })),
  ];
  for (const u of fromConnector) {
    const entry = entries.get(u.resourceId);
    if (entry === undefined) {
      const region = [u.region, u.scope].filter((s) => s !== '').join(', ');
      entries.set(u.resourceId, { key: u.resourceId, name: u.name, region, gaps: [{ kind: u.kind, reason: u.reason, gpus: null }] });
    } else if (!entry.gaps.some((g) => g.reason === u.reason)) {
      entry.gaps.push({ kind: u.kind, reason: u.reason, gpus: null });
    }
  }
  return [...entries.values()];
}

/** The machines of one account the pane cannot measure, price or place, or a true empty state. */
function CoverageReasons({
  coverage,
  unmeasured,
  unplaced = [],
}: {
  coverage: readonly CoverageMachine[] | null;
  unmeasured: readonly UnmeasuredMachine[];
  unplaced?: readonly UnplacedMachine[];
}): ReactNode {
  const entries = coverageEntries(coverage ?? [], unmeasured, unplaced);
  if (entries.length === 0) {
    return (
      <p className="muted" data-testid="coverage-none">
        {coverage === null
          ? 'Coverage: not read yet.'
          : 'Coverage: every GPU machine of this account is measured, priced and placed.'}
      </p>
    );
  }
  return (
    <div data-testid="unmeasured" role="group" aria-labelledby="coverage-heading">
      <h4 id="coverage-heading">
        GPU machines not measured, priced or placed ({entries.length})
      </h4>
      <ul>
        {entries.map((e) => (
          <li key={e.key} data-testid="coverage-machine">
            <strong>{e.name}</strong> ({e.region}):{' '}
            {e.gaps.map((g, i) => (
              <span key={`${g.kind}|${g.reason}`}>
                {i > 0 ? '; ' : null}
                {g.reason}{' '}
                <span className="muted">
                  ({GAP_LABELS[g.kind]}
                  {g.gpus === null ? null : `, ${g.gpus} ${g.gpus === 1 ? 'GPU' : 'GPUs'}`})
                </span>
              </span>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

export interface AccountDiagnosticsProps {
  /** Null: its connector reports none, or it is not running here. */
  diagnostics: ConnectorDiagnostics | null;
  /** The account's machines behind the pane's coverage counts (null: not read yet). */
  coverage?: readonly CoverageMachine[] | null;
}

/** The diagnostics of one account. */
export function AccountDiagnostics({ diagnostics, coverage = null }: AccountDiagnosticsProps): ReactNode {
  if (diagnostics === null) {
    return (
      <>
        <p className="muted" data-testid="diagnostics-none">
          Diagnostics: this connector reports none (no API budget or access problems to show).
        </p>
        <CoverageReasons coverage={coverage} unmeasured={[]} />
      </>
    );
  }
  const { budget, access, unmeasured, calls } = diagnostics;
  const unplaced = diagnostics.unplaced ?? [];
  const totalCalls = calls.reduce((sum, c) => sum + c.calls, 0);
  return (
    <section className="account-diagnostics" data-testid="diagnostics" aria-label="Diagnostics">
      {budget.length > 0 ? (
        <ul className="muted" data-testid="api-budget">
          {budget.map((b) => (
            <li key={b.scope}>
              {b.scope}: {b.remaining === null ? 'not reported yet' : `${b.remaining} remaining`}
              {b.observedAt === null ? null : ` (as of ${formatUtcDateTime(b.observedAt)})`}
              {b.pacedRequests ? `, ${b.pacedRequests} requests paced` : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">API budget: this connector reports none.</p>
      )}
      {access.length > 0 ? (
        <div data-testid="access-problems">
          <h4>Could not read ({access.length})</h4>
          <ul>
            {access.map((a) => (
              <li key={`${a.scope}|${a.operation}`} data-testid="access-problem">
                <strong>{a.scope}</strong>, {a.operation}: {a.status === 'denied' ? 'access denied' : 'previous data kept, marked stale'}
                {a.message ? <div className="muted">{a.message}</div> : null}
                {a.fix ? (
                  <div>
                    Fix: <code>{a.fix}</code>
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : (
        <p className="muted">Access: every scope read so far was readable.</p>
      )}
      <CoverageReasons coverage={coverage} unmeasured={unmeasured} unplaced={unplaced} />
      {calls.length > 0 ? (
        <details data-testid="api-calls">
          <summary>
            API calls since start: {totalCalls}
          </summary>
          <ul>
            {calls.map((c) => (
              <li key={c.operation}>
                {c.operation}: {c.calls}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}
