/** What a connection test found: connected or not, as whom, and which permissions are missing. */
import type { ReactNode } from 'react';
import type { ConnectionTestResult } from '../../../../shared/contract-accounts';

export function TestResult({ result }: { result: ConnectionTestResult }): ReactNode {
  return (
    <div className={`test-result ${result.ok ? 'test-result--ok' : 'test-result--failed'}`} data-testid="test-result" data-ok={String(result.ok)} role="status">
      <strong>{result.ok ? 'Connected' : 'Failed'}</strong>: <span data-testid="test-message">{result.message}</span>
      {result.identity ? (
        <div data-testid="test-identity">
          Identity: {result.identity}
          {result.whoami ? <span className="muted"> (from {result.whoami.source})</span> : null}
        </div>
      ) : null}
      {result.missingPermissions.length > 0 ? <div>Missing permissions: {result.missingPermissions.join(', ')}</div> : null}
      <div className="muted">{result.durationMs} ms</div>
    </div>
  );
}
