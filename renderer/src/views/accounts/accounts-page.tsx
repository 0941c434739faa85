/**
 * The accounts screen: discovered accounts with a switch each, configured accounts with their
 * per-stream state, test connection, sync now and remove (after a confirm), imported accounts (cost
 * rows without a config entry) with remove, the demo switch, adding
 * an account by hand (validated as you type by the connector's own schema in the backend), and
 * import/export of the config file. Secrets typed here go to the backend once and never come back.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient, queryOptions, type QueryClient } from '@tanstack/react-query';
import { ApiError, type CoverageMachine } from '../../../../shared/contract';
import type { AccountsState, ConfiguredAccount, ConnectionTestResult, DiscoveredAccount, Discovery, FieldIssue } from '../../../../shared/contract-accounts';
import { ACCOUNT_STREAMS } from '../../../../shared/contract-accounts';
import { CLOUD_LABELS, ProviderId, type CloudId } from '../../../../shared/domain';
import { apiOf, coverageQuery } from '../../api/queries';
import { useWrites } from '../../api/writes';
import { formatAge, formatUtcDateTime } from '../../lib/time';
import { AccountDiagnostics } from './account-diagnostics';
import { ImportedAccounts } from './imported-accounts';
import { RemoveConfirm } from './remove-confirm';
import './accounts.css';

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
  const writes = useWrites();
  if (state.isPending) return <p className="muted">Loading accounts…</p>;
  if (state.isError) return <p role="alert">Accounts could not be read: {messageOf(state.error)}</p>;
  // Both must agree: the accounts service's own answer and app:info's (a read-only store refuses too).
  const data = { ...state.data, canManage: state.data.canManage && writes.allowed('accounts') };
  return (
    <div className="accounts-page" data-testid="accounts-page">
      <h2>Accounts</h2>
      <p className="muted" data-testid="config-file">
        {data.configFile === null ? 'No config file: the built-in demo fleet.' : <>Config file: <code>{data.configFile}</code></>}
      </p>
      {data.canManage ? null : (
        <p className="writes-hint" role="note" data-testid="writes-hint-accounts">
          <span className="badge badge--small badge--warn">read-only</span>{' '}
          <span data-testid="manage-refusal">
            {state.data.manageRefusal ?? 'The store is open read-only here, so accounts cannot change.'}
          </span>
        </p>
      )}
      {data.syncedHere ? null : (
        <p className="writes-hint" role="note" data-testid="not-synced-here">
          <span className="badge badge--small badge--warn">not synced here</span> This Fleetpane serves the store as it is
          (started without a config file): it does not sync these accounts. Each shows when it was last synced, by
          the Fleetpane that wrote the store.
        </p>
      )}
      <DemoSwitch state={data} />
      <ConfiguredAccounts state={data} />
      <ImportedAccounts />
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
      <Toggle
        testId="demo-switch"
        label="Show the simulated demo fleet"
        checked={state.demoEnabled}
        disabled={!state.canManage || set.isPending}
        onChange={(on) => set.mutate(on)}
      />
      <p className="muted account-hint">It switches off by itself once a real account has synced.</p>
      {set.isError ? <p role="alert">{messageOf(set.error)}</p> : null}
    </section>
  );
}

function ConfiguredAccounts({ state }: { state: AccountsState }): ReactNode {
  // accounts:list knows which clouds each account's machines are in (once inventory has synced).
  const list = useQuery({ queryKey: ['accounts', 'list'] as const, queryFn: ({ client }) => apiOf(client)['accounts:list']({}) });
  const cloudsOf = (name: string): readonly CloudId[] => list.data?.accounts.find((a) => a.name === name)?.clouds ?? [];
  // What the pane cannot measure, price or place, per account, with the store's and connectors' reasons.
  const coverage = useQuery(coverageQuery());
  const coverageOf = (name: string): readonly CoverageMachine[] | null =>
    coverage.data === undefined ? null : coverage.data.machines.filter((m) => m.account === name);
  return (
    <section aria-labelledby="configured-heading" className="card">
      <h3 id="configured-heading">Configured accounts</h3>
      {state.accounts.length === 0 ? <p className="muted">No accounts yet: discover them below or add one by hand.</p> : null}
      <ul className="account-list">
        {state.accounts.map((a) => (
          <AccountRow key={a.name} account={a} clouds={cloudsOf(a.name)} coverage={coverageOf(a.name)} canManage={state.canManage} syncedHere={state.syncedHere} />
        ))}
      </ul>
    </section>
  );
}

const STREAM_LABELS: Record<(typeof ACCOUNT_STREAMS)[number], string> = { inventory: 'Inventory', metrics: 'Metrics', costs: 'Costs', incidents: 'Incidents' };

/** A checkbox shown as a labelled on/off switch. */
function Toggle({ testId, label, checked, disabled, onChange, ariaLabel }: { testId: string; label: ReactNode; checked: boolean; disabled: boolean; onChange: (on: boolean) => void; ariaLabel?: string }): ReactNode {
  return (
    <label className="toggle">
      <input type="checkbox" role="switch" className="toggle__input" data-testid={testId} aria-label={ariaLabel} checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span className="toggle__track" aria-hidden="true" />
      <span className="toggle__label">{label}</span>
    </label>
  );
}

type AccountHealth = { level: 'fresh' | 'stale' | 'error' | 'off'; text: string };

/** One line for the whole account: errors first, then stale streams, else fresh. */
function accountHealth(account: ConfiguredAccount): AccountHealth {
  if (!account.enabled) return { level: 'off', text: 'Sync is switched off' };
  const streams = ACCOUNT_STREAMS.map((stream) => ({ stream, s: account.streams[stream] }));
  const failing = streams.filter(({ s }) => s.lastError !== null);
  if (failing.length > 0) return { level: 'error', text: `Last sync failed: ${failing.map(({ stream, s }) => `${STREAM_LABELS[stream]} (${s.lastError?.kind ?? ''})`).join(', ')}` };
  const behind = streams.filter(({ s }) => s.stale || s.lastSuccessAt === null);
  if (behind.length > 0) return { level: 'stale', text: `Stale: ${behind.map(({ stream }) => STREAM_LABELS[stream]).join(', ')} behind schedule` };
  return { level: 'fresh', text: 'Fresh: every stream synced on schedule' };
}

const HEALTH_GLYPH: Record<AccountHealth['level'], string> = { fresh: '●', stale: '⚠', error: '✖', off: '○' };

function AccountRow({
  account,
  clouds,
  coverage,
  canManage,
  syncedHere,
}: {
  account: ConfiguredAccount;
  clouds: readonly CloudId[];
  /** The account's machines behind the pane's coverage counts; null while loading or unavailable. */
  coverage: readonly CoverageMachine[] | null;
  canManage: boolean;
  syncedHere: boolean;
}): ReactNode {
  const qc = useQueryClient();
  const invalidate = useInvalidate();
  const [confirming, setConfirming] = useState(false);
  const enable = useMutation({ mutationFn: (enabled: boolean) => api(qc)['accounts:set-enabled']({ name: account.name, enabled }), onSettled: invalidate });
  const test = useMutation({ mutationFn: () => api(qc)['accounts:test']({ name: account.name }) });
  const sync = useMutation({ mutationFn: () => api(qc)['sync:now']({ account: account.name }), onSettled: invalidate });
  const remove = useMutation({ mutationFn: (confirm: string) => api(qc)['accounts:remove']({ name: account.name, confirm }), onSuccess: invalidate });
  const health = accountHealth(account);
  const nowIso = new Date().toISOString();
  const errors = ACCOUNT_STREAMS.flatMap((stream) => {
    const e = account.streams[stream].lastError;
    return e === null ? [] : [{ stream, error: e }];
  });
  return (
    <li className="account-card card" data-testid="account-row" data-account={account.name} data-health={health.level}>
      <div className="account-card__head">
        <div className="account-card__id">
          <h4 className="account-card__name">{account.name}</h4>
          <span className="kind">{account.provider}</span>
          {account.demo && account.provider !== 'demo' ? <span className="badge badge--small badge--demo">demo</span> : null}
          <p className="account-card__clouds muted">{clouds.length === 0 ? 'No clouds seen yet' : clouds.map((c) => CLOUD_LABELS[c]).join(' · ')}</p>
        </div>
        <Toggle
          testId="account-enabled"
          ariaLabel={`Sync ${account.name}`}
          // A backend that does not sync must not say "Syncing" for what another one configured.
          label={syncedHere ? (account.enabled ? 'Syncing' : 'Sync off') : 'Read-only: not synced here'}
          checked={syncedHere && account.enabled}
          disabled={!syncedHere || !canManage || enable.isPending}
          onChange={(on) => enable.mutate(on)}
        />
      </div>
      <p className={`account-status account-status--${health.level}`} data-testid="account-status">
        <span aria-hidden="true">{HEALTH_GLYPH[health.level]} </span>
        {health.text}
      </p>
      <div className="toolbar account-card__actions">
        <button type="button" className="button" data-testid="test-connection" onClick={() => test.mutate()} disabled={test.isPending}>
          {test.isPending ? 'Testing…' : 'Test connection'}
        </button>
        <button type="button" className="button" data-testid="sync-now" onClick={() => sync.mutate()} disabled={!syncedHere || !account.enabled || sync.isPending}>
          Sync now
        </button>
        {canManage ? (
          <button type="button" className="button button--danger" data-testid="remove" onClick={() => setConfirming(true)}>
            Remove…
          </button>
        ) : null}
      </div>
      {account.secrets.length > 0 ? (
        <p className="account-secrets">
          <span className="muted">Secrets: </span>
          {account.secrets.map((s) => (
            <span key={s.name} className="account-secret">
              <code>{s.name}</code> {s.available ? <span className="muted">available</span> : <span className="badge badge--small badge--warn">missing</span>}
            </span>
          ))}
        </p>
      ) : null}
      {test.data ? <TestResult result={test.data} /> : null}
      {test.isError ? <p role="alert" className="notice notice--error">{messageOf(test.error)}</p> : null}
      {sync.isError ? <p role="alert" className="notice notice--error">{messageOf(sync.error)}</p> : null}
      {enable.isError ? <p role="alert" className="notice notice--error">{messageOf(enable.error)}</p> : null}
      <div className="table-scroll table-scroll--auto">
        <table className="data-table stream-table" data-testid="stream-table">
          <caption className="visually-hidden">Streams of {account.name}</caption>
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
              const stale = s.lastSuccessAt === null || s.stale;
              return (
                <tr key={stream} data-testid="stream-row" data-stream={stream} className={stale ? 'stream-row--stale' : undefined}>
                  <th scope="row">{STREAM_LABELS[stream]}</th>
                  <td data-testid="last-sync">
                    {s.lastSuccessAt === null ? 'never' : <time dateTime={s.lastSuccessAt} title={formatUtcDateTime(s.lastSuccessAt)}>{formatAge(s.lastSuccessAt, nowIso)}</time>}
                  </td>
                  <td>{s.nextSyncAt === null ? '—' : formatUtcDateTime(s.nextSyncAt)}</td>
                  <td>
                    {stale ? <span className="freshness__stale" aria-hidden="true">⚠ </span> : null}
                    <span data-testid="freshness" className={stale ? 'freshness__stale' : 'state--busy'}>
                      {s.lastSuccessAt === null ? 'never synced' : s.stale ? 'stale' : 'fresh'}
                    </span>
                  </td>
                  <td>{s.lastError === null ? <span className="muted">—</span> : <span className="badge badge--small badge--error">{s.lastError.kind}</span>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {errors.length > 0 ? (
        <div className="stream-errors" data-testid="stream-errors">
          {errors.map(({ stream, error }) => (
            <div key={stream} className="stream-error" data-testid="stream-error" data-stream={stream}>
              <p className="stream-error__title">
                {STREAM_LABELS[stream]}: {error.kind}
                {error.retryAfterMs !== null ? <span className="muted"> · retry after {Math.ceil(error.retryAfterMs / 1000)} s</span> : null}
              </p>
              <pre className="stream-error__message">{error.message}</pre>
            </div>
          ))}
        </div>
      ) : null}
      <div className="card__section account-card__diagnostics">
        <h4>Diagnostics</h4>
        <AccountDiagnostics diagnostics={account.diagnostics} coverage={coverage} />
      </div>
      {confirming ? (
        <RemoveConfirm
          name={account.name}
          deletes="its stored inventory, metrics, spend and incidents"
          action="Remove account and its data"
          pending={remove.isPending}
          error={remove.isError ? remove.error : null}
          onConfirm={(typed) => remove.mutate(typed)}
          onCancel={() => setConfirming(false)}
        />
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
      <p className="muted account-hint">Looks for Azure CLI, gcloud, OCI CLI and kubeconfig logins on this machine. It only reads them.</p>
      <button type="button" className="button" data-testid="discover" onClick={() => discover.mutate()} disabled={discover.isPending}>
        {discover.isPending ? 'Looking…' : 'Discover accounts'}
      </button>
      {discover.isError ? <p role="alert">{messageOf(discover.error)}</p> : null}
      {discover.data ? discover.data.results.map((r) => <DiscoveryResult key={`${r.provider}-${r.source}`} result={r} />) : null}
    </section>
  );
}

function DiscoveryResult({ result }: { result: Discovery }): ReactNode {
  return (
    <div className="discovery card__section" data-testid="discovery" data-provider={result.provider}>
      <h4>{result.source}</h4>
      {result.found.length === 0 && result.problems.length === 0 ? <p className="muted">Nothing found.</p> : null}
      <ul className="discovered-list">
        {result.found.map((f) => (
          <DiscoveredRow key={f.name} found={f} />
        ))}
      </ul>
      {result.problems.length > 0 ? (
        <ul className="discovery-problems">
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
    <li className="discovered-item" data-testid="discovered" data-account={found.name}>
      <div className="discovered-item__text">
        <p className="discovered-item__name">
          <strong>{found.name}</strong> <span className="kind">{found.provider}</span>
        </p>
        <p className="muted">
          {found.label}
          {found.identity ? <> · as {found.identity}</> : null}
        </p>
        {found.notes.map((n) => (
          <p key={n} className="muted">
            {n}
          </p>
        ))}
        {add.isError ? <p role="alert" className="notice notice--error">{messageOf(add.error)}</p> : null}
      </div>
      <Toggle
        testId="discovered-switch"
        ariaLabel={`Switch on ${found.name}`}
        label={add.isSuccess ? 'Added' : 'Add'}
        checked={add.isSuccess}
        disabled={add.isPending || add.isSuccess}
        onChange={() => add.mutate()}
      />
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
      <label className="form-field">
        <span className="form-field__label">Connector</span>
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
      <label className="form-field">
        <span className="form-field__label">Config entry</span>
        <span className="muted form-field__help">Every field the connector documents; secrets by reference only, e.g. <code>{'{ "env": "FLEETPANE_SECRET_NAME" }'}</code></span>
        <textarea className="code-input" data-testid="add-entry" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <ul className="field-issues" data-testid="field-issues" aria-live="polite">
        {shownIssues.map((i) => (
          <li key={`${i.path}:${i.message}`} data-testid="field-issue" data-path={i.path}>
            <code>{i.path}</code>: {i.message}
          </li>
        ))}
      </ul>
      <fieldset className="secret-fields">
        <legend>Secret (stored encrypted by the desktop app; never shown again)</legend>
        {state.secretStorage.available ? null : (
          <p data-testid="secret-storage-refusal" className="muted">
            Typed secrets cannot be stored here: {state.secretStorage.reason}
          </p>
        )}
        <label className="form-field">
          <span className="form-field__label">Name</span>
          <input className="text-input" data-testid="secret-name" value={secretName} placeholder="FLEETPANE_SECRET_K8S_PROD_PROMETHEUS" onChange={(e) => setSecretName(e.target.value)} />
        </label>
        <label className="form-field">
          <span className="form-field__label">Value</span>
          <input className="text-input" data-testid="secret-value" type="password" autoComplete="off" value={secretValue} onChange={(e) => setSecretValue(e.target.value)} />
        </label>
      </fieldset>
      <div className="toolbar">
      <button type="button" className="button" data-testid="add-test" disabled={entry === null || shownIssues.length > 0 || test.isPending} onClick={() => test.mutate()}>
        Test connection
      </button>
      <button type="button" className="button" data-testid="add-save" disabled={entry === null || shownIssues.length > 0 || save.isPending} onClick={() => save.mutate()}>
        Save account
      </button>
      </div>
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
      <p className="muted account-hint">The same file <code>fleetpane sync --config</code> reads. Secrets appear only as references.</p>
      <div className="toolbar">
      <button type="button" className="button" data-testid="export" onClick={() => exported.mutate()}>
        Export
      </button>
      <button type="button" className="button" disabled={text === ''} onClick={download}>
        Download
      </button>
      <button type="button" className="button" data-testid="import" disabled={text === '' || imported.isPending} onClick={() => imported.mutate()}>
        Import (replaces every account)
      </button>
      </div>
      <label className="form-field">
        <span className="form-field__label">Config JSON</span>
        <textarea className="code-input" data-testid="config-text" rows={8} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      {imported.isError ? <p role="alert">{messageOf(imported.error)}</p> : null}
      {imported.isSuccess ? <p role="status">Imported {imported.data.accounts.join(', ')}.</p> : null}
    </section>
  );
}
