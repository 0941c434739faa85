/**
 * The accounts screen: discovered accounts with a switch each, configured accounts with their
 * per-stream state, test connection, sync now and remove (after a confirm), the demo switch, adding
 * an account by hand (validated as you type by the connector's own schema in the backend), and
 * import/export of the config file. Secrets typed here go to the backend once and never come back.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient, queryOptions, type QueryClient } from '@tanstack/react-query';
import { ApiError } from '../../../../shared/contract';
import type { AccountsState, ConfiguredAccount, ConnectionTestResult, DiscoveredAccount, Discovery, FieldIssue } from '../../../../shared/contract-accounts';
import { ACCOUNT_STREAMS } from '../../../../shared/contract-accounts';
import { ProviderId } from '../../../../shared/domain';
import { apiOf } from '../../api/queries';
import { formatUtcDateTime } from '../../lib/time';
import { AccountDiagnostics } from './account-diagnostics';

/** The accounts screen's state, refreshed every few seconds so freshness and next sync move. */
export function accountsStateQuery() {
  return queryOptions({
    queryKey: ['accounts', 'state'] as const,
    queryFn: ({ client }) => apiOf(client)['accounts:state']({}),
    refetchInterval: 5_000,
  });
}

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

function when(iso: string | null): string {
  return iso === null ? 'never' : formatUtcDateTime(iso);
}

const TEMPLATES: Record<string, Record<string, unknown>> = {
  kubernetes: { name: 'k8s-prod', provider: 'kubernetes', context: 'prod', prometheus: { url: 'https://prometheus.example.com', auth: { type: 'bearer', token: { env: 'FLEETPANE_SECRET_K8S_PROD_PROMETHEUS' } } } },
  azure: { name: 'azure-prod', provider: 'azure', subscriptionIds: ['00000000-0000-4000-8000-000000000000'], credential: { type: 'default' } },
  gcp: { name: 'gcp-prod', provider: 'gcp', projectIds: ['my-project'], costSource: 'focus-export' },
  coreweave: { name: 'coreweave-prod', provider: 'coreweave', context: 'coreweave' },
  oci: { name: 'oci-prod', provider: 'oci', credential: { type: 'configFile', profile: 'DEFAULT' } },
  demo: { name: 'demo-2', provider: 'demo', seed: 2 },
};

/** The whole screen. */
export function AccountsPage(): ReactNode {
  const state = useQuery(accountsStateQuery());
  if (state.isPending) return <p className="muted">Loading accounts…</p>;
  if (state.isError) return <p role="alert">Accounts could not be read: {messageOf(state.error)}</p>;
  const data = state.data;
  return (
    <div className="accounts-page" data-testid="accounts-page">
      <h2>Accounts</h2>
      <p className="muted" data-testid="config-file">
        {data.configFile === null ? 'No config file: the built-in demo fleet.' : <>Config file: <code>{data.configFile}</code></>}
        {data.canManage ? null : <> · <span data-testid="manage-refusal">{data.manageRefusal}</span></>}
      </p>
      <DemoSwitch state={data} />
      <ConfiguredAccounts state={data} />
      {data.canManage ? <DiscoverySection /> : null}
      {data.canManage ? <AddByHand state={data} /> : null}
      {data.canManage ? <ImportExport /> : null}
    </div>
  );
}

function useInvalidate(): () => Promise<void> {
  const qc = useQueryClient();
  return () => qc.invalidateQueries({ queryKey: ['accounts'] }).then(() => qc.invalidateQueries({ queryKey: ['fleet'] }));
}

function api(qc: QueryClient) {
  return apiOf(qc);
}

function DemoSwitch({ state }: { state: AccountsState }): ReactNode {
  const qc = useQueryClient();
  const invalidate = useInvalidate();
  const set = useMutation({ mutationFn: (enabled: boolean) => api(qc)['accounts:set-demo']({ enabled }), onSettled: invalidate });
  return (
    <section aria-labelledby="demo-heading" className="card">
      <h3 id="demo-heading">Demo fleet</h3>
      <label>
        <input
          type="checkbox"
          data-testid="demo-switch"
          checked={state.demoEnabled}
          disabled={!state.canManage || set.isPending}
          onChange={(e) => set.mutate(e.target.checked)}
        />{' '}
        Show the simulated demo fleet (it switches off by itself once a real account has synced)
      </label>
      {set.isError ? <p role="alert">{messageOf(set.error)}</p> : null}
    </section>
  );
}

function ConfiguredAccounts({ state }: { state: AccountsState }): ReactNode {
  return (
    <section aria-labelledby="configured-heading" className="card">
      <h3 id="configured-heading">Configured accounts</h3>
      {state.accounts.length === 0 ? <p className="muted">No accounts yet: discover them below or add one by hand.</p> : null}
      <ul className="account-list">
        {state.accounts.map((a) => (
          <AccountRow key={a.name} account={a} canManage={state.canManage} />
        ))}
      </ul>
    </section>
  );
}

function AccountRow({ account, canManage }: { account: ConfiguredAccount; canManage: boolean }): ReactNode {
  const qc = useQueryClient();
  const invalidate = useInvalidate();
  const [confirming, setConfirming] = useState(false);
  const [confirmText, setConfirmText] = useState('');
  const enable = useMutation({ mutationFn: (enabled: boolean) => api(qc)['accounts:set-enabled']({ name: account.name, enabled }), onSettled: invalidate });
  const test = useMutation({ mutationFn: () => api(qc)['accounts:test']({ name: account.name }) });
  const sync = useMutation({ mutationFn: () => api(qc)['sync:now']({ account: account.name }), onSettled: invalidate });
  const remove = useMutation({ mutationFn: () => api(qc)['accounts:remove']({ name: account.name, confirm: confirmText }), onSuccess: invalidate });
  return (
    <li className="account-row card" data-testid="account-row" data-account={account.name}>
      <div className="account-row__head">
        <label>
          <input
            type="checkbox"
            aria-label={`Sync ${account.name}`}
            data-testid="account-enabled"
            checked={account.enabled}
            disabled={!canManage || enable.isPending}
            onChange={(e) => enable.mutate(e.target.checked)}
          />{' '}
          <strong>{account.name}</strong> <span className="muted">({account.provider}{account.demo ? ', demo' : ''})</span>
        </label>
        <button type="button" data-testid="test-connection" onClick={() => test.mutate()} disabled={test.isPending}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" data-testid="sync-now" onClick={() => sync.mutate()} disabled={!account.enabled || sync.isPending}>
          Sync now
        </button>
        {canManage ? (
          <button type="button" data-testid="remove" onClick={() => setConfirming(true)}>
            Remove…
          </button>
        ) : null}
      </div>
      {account.secrets.length > 0 ? (
        <p className="muted">
          Secrets:{' '}
          {account.secrets.map((s) => (
            <span key={s.name}>
              <code>{s.name}</code> {s.available ? 'available' : 'MISSING'}{' '}
            </span>
          ))}
        </p>
      ) : null}
      {test.data ? <TestResult result={test.data} /> : null}
      {test.isError ? <p role="alert">{messageOf(test.error)}</p> : null}
      {sync.isError ? <p role="alert">{messageOf(sync.error)}</p> : null}
      {enable.isError ? <p role="alert">{messageOf(enable.error)}</p> : null}
      <table className="stream-table" data-testid="stream-table">
        <thead>
          <tr>
            <th scope="col">Stream</th>
            <th scope="col">Last sync</th>
            <th scope="col">Next sync</th>
            <th scope="col">Freshness</th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {ACCOUNT_STREAMS.map((stream) => {
            const s = account.streams[stream];
            return (
              <tr key={stream} data-testid="stream-row" data-stream={stream}>
                <th scope="row">{stream}</th>
                <td data-testid="last-sync">{when(s.lastSuccessAt)}</td>
                <td>{s.nextSyncAt === null ? '—' : formatUtcDateTime(s.nextSyncAt)}</td>
                <td data-testid="freshness">{s.lastSuccessAt === null ? 'never synced' : s.stale ? 'STALE' : 'fresh'}</td>
                <td className="stream-table__error">{s.lastError === null ? '—' : `${s.lastError.kind}: ${s.lastError.message}`}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <AccountDiagnostics diagnostics={account.diagnostics} />
      {confirming ? (
        <div role="group" aria-label={`Remove ${account.name}`} className="confirm" data-testid="remove-confirm">
          <p>
            Removing <strong>{account.name}</strong> deletes its stored inventory, metrics, spend and incidents. Type its name to confirm.
          </p>
          <input aria-label="Account name to confirm" data-testid="remove-confirm-name" value={confirmText} onChange={(e) => setConfirmText(e.target.value)} />
          <button type="button" data-testid="remove-confirm-button" disabled={confirmText !== account.name || remove.isPending} onClick={() => remove.mutate()}>
            Remove account and its data
          </button>
          <button type="button" onClick={() => setConfirming(false)}>
            Cancel
          </button>
          {remove.isError ? <p role="alert">{messageOf(remove.error)}</p> : null}
        </div>
      ) : null}
    </li>
  );
}

function TestResult({ result }: { result: ConnectionTestResult }): ReactNode {
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

function DiscoverySection(): ReactNode {
  const qc = useQueryClient();
  const discover = useMutation({ mutationFn: () => api(qc)['accounts:discover']({}) });
  return (
    <section aria-labelledby="discover-heading" className="card">
      <h3 id="discover-heading">Discover</h3>
      <p className="muted">Looks for Azure CLI, gcloud, OCI CLI and kubeconfig logins on this machine. It only reads them.</p>
      <button type="button" data-testid="discover" onClick={() => discover.mutate()} disabled={discover.isPending}>
        {discover.isPending ? 'Looking…' : 'Discover accounts'}
      </button>
      {discover.isError ? <p role="alert">{messageOf(discover.error)}</p> : null}
      {discover.data ? discover.data.results.map((r) => <DiscoveryResult key={`${r.provider}-${r.source}`} result={r} />) : null}
    </section>
  );
}

function DiscoveryResult({ result }: { result: Discovery }): ReactNode {
  return (
    <div data-testid="discovery" data-provider={result.provider}>
      <h4>{result.source}</h4>
      {result.found.length === 0 && result.problems.length === 0 ? <p className="muted">Nothing found.</p> : null}
      <ul>
        {result.found.map((f) => (
          <DiscoveredRow key={f.name} found={f} />
        ))}
      </ul>
      {result.problems.length > 0 ? (
        <ul className="problems">
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

function DiscoveredRow({ found }: { found: DiscoveredAccount }): ReactNode {
  const qc = useQueryClient();
  const invalidate = useInvalidate();
  const add = useMutation({ mutationFn: () => api(qc)['accounts:save']({ entry: found.config }), onSuccess: invalidate });
  return (
    <li data-testid="discovered" data-account={found.name}>
      <label>
        <input type="checkbox" data-testid="discovered-switch" aria-label={`Switch on ${found.name}`} checked={add.isSuccess} disabled={add.isPending || add.isSuccess} onChange={() => add.mutate()} />{' '}
        <strong>{found.name}</strong>: {found.label}
      </label>
      {found.identity ? <div className="muted">as {found.identity}</div> : null}
      {found.notes.map((n) => (
        <div key={n} className="muted">
          {n}
        </div>
      ))}
      {add.isError ? <p role="alert">{messageOf(add.error)}</p> : null}
    </li>
  );
}

function AddByHand({ state }: { state: AccountsState }): ReactNode {
  const qc = useQueryClient();
  const invalidate = useInvalidate();
  const [provider, setProvider] = useState<string>('kubernetes');
  const [text, setText] = useState(() => JSON.stringify(TEMPLATES.kubernetes, null, 2));
  const [secretName, setSecretName] = useState('');
  const [secretValue, setSecretValue] = useState('');
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  let entry: Record<string, unknown> | null = null;
  let jsonError: string | null = null;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) entry = parsed as Record<string, unknown>;
    else jsonError = 'the entry must be a JSON object';
  } catch (error) {
    jsonError = `not JSON yet: ${messageOf(error)}`;
  }
  // Validated as you type, by the connector's own schema (in the backend), a moment after typing stops.
  useEffect(() => {
    if (entry === null) return;
    const current = entry;
    const timer = setTimeout(() => {
      void api(qc)['accounts:validate']({ entry: current }).then(
        (r) => setIssues(r.issues),
        (error: unknown) => setIssues([{ path: '(entry)', message: messageOf(error) }]),
      );
    }, 250);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  const secrets = secretName !== '' && secretValue !== '' ? { [secretName]: secretValue } : {};
  const save = useMutation({
    mutationFn: () => api(qc)['accounts:save']({ entry: entry ?? {}, secrets }),
    onSuccess: () => {
      setSecretValue('');
      return invalidate();
    },
  });
  const test = useMutation({ mutationFn: () => api(qc)['accounts:test']({ entry: entry ?? {}, secrets }) });
  const shownIssues = jsonError !== null ? [{ path: '(entry)', message: jsonError }] : issues;
  return (
    <section aria-labelledby="add-heading" className="card">
      <h3 id="add-heading">Add by hand</h3>
      <label>
        Connector{' '}
        <select
          data-testid="add-provider"
          value={provider}
          onChange={(e) => {
            setProvider(e.target.value);
            setText(JSON.stringify(TEMPLATES[e.target.value] ?? { name: '', provider: e.target.value }, null, 2));
          }}
        >
          {ProviderId.options.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="block">
        Config entry (every field the connector documents; secrets by reference only, e.g. {'{ "env": "FLEETPANE_SECRET_NAME" }'})
        <textarea data-testid="add-entry" rows={10} cols={80} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <ul data-testid="field-issues" aria-live="polite">
        {shownIssues.map((i) => (
          <li key={`${i.path}:${i.message}`} data-testid="field-issue" data-path={i.path}>
            <code>{i.path}</code>: {i.message}
          </li>
        ))}
      </ul>
      <fieldset>
        <legend>Secret (stored encrypted by the desktop app; never shown again)</legend>
        {state.secretStorage.available ? null : (
          <p data-testid="secret-storage-refusal" className="muted">
            Typed secrets cannot be stored here: {state.secretStorage.reason}
          </p>
        )}
        <label>
          Name{' '}
          <input data-testid="secret-name" value={secretName} placeholder="FLEETPANE_SECRET_K8S_PROD_PROMETHEUS" onChange={(e) => setSecretName(e.target.value)} />
        </label>{' '}
        <label>
          Value <input data-testid="secret-value" type="password" autoComplete="off" value={secretValue} onChange={(e) => setSecretValue(e.target.value)} />
        </label>
      </fieldset>
      <button type="button" data-testid="add-test" disabled={entry === null || shownIssues.length > 0 || test.isPending} onClick={() => test.mutate()}>
        Test connection
      </button>{' '}
      <button type="button" data-testid="add-save" disabled={entry === null || shownIssues.length > 0 || save.isPending} onClick={() => save.mutate()}>
        Save account
      </button>
      {test.data ? <TestResult result={test.data} /> : null}
      {test.isError ? <p role="alert">{messageOf(test.error)}</p> : null}
      {save.isError ? <p role="alert" data-testid="save-error">{messageOf(save.error)}</p> : null}
      {save.isSuccess ? <p role="status">Saved {save.data.name}.</p> : null}
    </section>
  );
}

function ImportExport(): ReactNode {
  const qc = useQueryClient();
  const invalidate = useInvalidate();
  const [text, setText] = useState('');
  const exported = useMutation({ mutationFn: () => api(qc)['accounts:export']({}), onSuccess: (r) => setText(r.text) });
  const imported = useMutation({ mutationFn: () => api(qc)['accounts:import']({ text }), onSuccess: invalidate });
  const download = (): void => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'fleetpane-config.json';
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <section aria-labelledby="config-heading" className="card">
      <h3 id="config-heading">Config file</h3>
      <p className="muted">The same file `fleetpane sync --config` reads. Secrets appear only as references.</p>
      <button type="button" data-testid="export" onClick={() => exported.mutate()}>
        Export
      </button>{' '}
      <button type="button" disabled={text === ''} onClick={download}>
        Download
      </button>{' '}
      <button type="button" data-testid="import" disabled={text === '' || imported.isPending} onClick={() => imported.mutate()}>
        Import (replaces every account)
      </button>
      <label className="block">
        Config JSON
        <textarea data-testid="config-text" rows={8} cols={80} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {imported.isError ? <p role="alert">{messageOf(imported.error)}</p> : null}
      {imported.isSuccess ? <p role="status">Imported {imported.data.accounts.join(', ')}.</p> : null}
    </section>
  );
}
