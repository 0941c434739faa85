/** Looks for CLI logins and kubeconfig contexts on this machine and lists what it found. */
import type { ReactNode } from 'react';
import { useWriteMutation } from '../../api/write-mutation';
import { DiscoveryResult } from './discovery-result';

export function DiscoveryPanel(): ReactNode {
  // Discovery only reads local logins; the accounts it offers are added one by one (DiscoveredRow).
  const discover = useWriteMutation({ call: (api) => api['accounts:discover']({}) });
  return (
    <section aria-labelledby="discover-heading" className="card">
      <h3 id="discover-heading">Discover</h3>
      <p className="muted account-hint">Looks for Azure CLI, gcloud, OCI CLI and kubeconfig logins on this machine. It only reads them.</p>
      <button type="button" className="button" data-testid="discover" onClick={() => discover.mutate()} disabled={discover.isPending}>
        {discover.isPending ? 'Looking…' : 'Discover accounts'}
      </button>
      {discover.errorText !== null ? <p role="alert">{discover.errorText}</p> : null}
      {discover.data ? discover.data.results.map((r) => <DiscoveryResult key={`${r.provider}-${r.source}`} result={r} />) : null}
    </section>
  );
}
