/** What one discovery source (a CLI's login, a kubeconfig) found, and why anything was skipped. */
import type { ReactNode } from 'react';
import type { Discovery } from '../../../../shared/contract-accounts';
import { DiscoveredRow } from './discovered-row';

export function DiscoveryResult({ result }: { result: Discovery }): ReactNode {
  return (
    <div className="discovery card__section" data-testid="discovery" data-provider={result.provider}>
      <h4>{result.source}</h4>
      {result.found.length === 0 && result.problems.length === 0 ? <p className="muted">Nothing found.</p> : null}
      <ul className="discovered-list" aria-label={`Found in ${result.source}`}>
        {result.found.map((f) => (
          <DiscoveredRow key={f.name} found={f} />
        ))}
      </ul>
      {result.problems.length > 0 ? (
        <ul className="discovery-problems" aria-label={`Problems reading ${result.source}`}>
          {result.problems.map((p, i) => (
            <li key={i} data-testid="discovery-problem">
              <code>{p.source}</code>: {p.reason}
              {p.action ? <> — {p.action}</> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
