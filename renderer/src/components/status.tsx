/** Loading, error and empty states shared by every view. */
import type { ReactNode } from 'react';
import { ApiError } from '../../../shared/contract';

/** Grey placeholders in the shape of what is coming; announced as busy. */
export function LoadingSkeleton({ label, rows = 3, testId }: { label: string; rows?: number; testId?: string }): ReactNode {
  return (
    <div className="skeleton" role="status" aria-busy="true" aria-live="polite" data-testid={testId ?? 'loading'}>
      <span className="visually-hidden">{label}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton__block" aria-hidden="true" />
      ))}
    </div>
  );
}

import { errorMessage } from '../lib/error-message';

export { errorMessage };

/** A failed load: what went wrong and a way to try again. */
export function ErrorState({ title, error, onRetry }: { title: string; error: unknown; onRetry: () => void }): ReactNode {
  const code = error instanceof ApiError ? error.code : null;
  return (
    <div className="notice notice--error" role="alert" data-testid="error-state" data-error-code={code ?? undefined}>
      <p className="notice__title">
        <span aria-hidden="true">⚠ </span>
        {title}
      </p>
      <p className="notice__body" data-testid="error-message">
        {errorMessage(error)}
        {code !== null ? <span className="muted"> ({code})</span> : null}
      </p>
      <button type="button" className="button" onClick={onRetry} data-testid="retry">
        Retry
      </button>
    </div>
  );
}

const DEMO_CONFIG = `{
  "accounts": [
    { "name": "demo", "provider": "demo" }
  ]
}`;

/** Nothing to show yet: no accounts configured, or accounts without GPUs (possibly filtered out). */
export function EmptyState({
  reason,
  onClearFilters,
}: {
  reason: 'no-accounts' | 'no-gpus' | 'no-match';
  onClearFilters?: () => void;
}): ReactNode {
  if (reason === 'no-accounts') {
    return (
      <div className="notice" data-testid="empty-state" data-reason={reason}>
        <p className="notice__title">No cloud accounts are configured yet.</p>
        <p>
          Describe your accounts in a config file (one entry per Azure subscription, Google Cloud project, OCI tenancy or
          CoreWeave cluster) and run <code>fleetpane sync --config FILE</code>. To look around first, use the simulated demo
          fleet:
        </p>
        <pre className="code-block">{DEMO_CONFIG}</pre>
      </div>
    );
  }
  return (
    <div className="notice" data-testid="empty-state" data-reason={reason}>
      {reason === 'no-match' ? (
        <>
          <p className="notice__title">No GPUs match these filters.</p>
          {onClearFilters !== undefined ? (
            <button type="button" className="button" onClick={onClearFilters}>
              Clear filters
            </button>
          ) : null}
        </>
      ) : (
        <>
          <p className="notice__title">The configured accounts have no GPUs yet.</p>
          <p>
            Fleetpane counts GPU machines only. If you expected some, check each account's freshness and last sync error,
            or run <code>fleetpane sync --config FILE</code>. The demo fleet (provider <code>demo</code>) shows what the
            pane looks like.
          </p>
        </>
      )}
    </div>
  );
}
