/**
 * What an account's connector reports about itself: API budget left, scopes it could not read with
 * the policy or role that would fix them, GPU machines it could not measure or place (e.g. MIG
 * GPUs it could not count) and why, and the API calls it made. A connector that reports nothing gets a plain sentence, not an empty box.
 */
import type { ReactNode } from 'react';
import type { ConnectorDiagnostics } from '../../../../shared/connector-diagnostics';
import { formatUtcDateTime } from '../../lib/time';

/** The diagnostics of one account (null: its connector reports none, or it is not running here). */
export function AccountDiagnostics({ diagnostics }: { diagnostics: ConnectorDiagnostics | null }): ReactNode {
  if (diagnostics === null) {
    return (
      <p className="muted" data-testid="diagnostics-none">
        Diagnostics: this connector reports none (no API budget, access problems or unmeasured GPUs to show).
      </p>
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
      {unmeasured.length > 0 ? (
        <div data-testid="unmeasured">
          <h4>GPU machines not measured ({unmeasured.length})</h4>
          <ul>
            {unmeasured.map((u) => (
              <li key={u.resourceId}>
                <strong>{u.name}</strong> ({[u.region, u.scope].filter((s) => s !== '').join(', ')}): {u.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {unplaced.length > 0 ? (
        <div data-testid="unplaced">
          <h4>GPU machines not placed ({unplaced.length})</h4>
          <ul>
            {unplaced.map((u) => (
              <li key={u.resourceId}>
                <strong>{u.name}</strong> ({[u.region, u.scope].filter((s) => s !== '').join(', ')}): {u.reason}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
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
