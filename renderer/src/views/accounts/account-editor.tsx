/**
 * Adding an account by hand: a connector's example entry to edit, checked as you type by the
 * connector's own schema in the backend, a secret typed once (stored by the desktop app, never shown
 * again), test connection and save.
 */
import { useEffect, useState, type ReactNode } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { AccountsState, FieldIssue } from '../../../../shared/contract-accounts';
import { accountValidationQuery, providersQuery } from '../../api/queries';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { errorMessage } from '../../lib/error-message';
import { TestResult } from './test-result';

/** Parses the typed text into a config entry, or says why it is not one yet. */
function parseEntry(text: string): { entry: Record<string, unknown> | null; jsonError: string | null } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { entry: parsed as Record<string, unknown>, jsonError: null };
    return { entry: null, jsonError: 'the entry must be a JSON object' };
  } catch (error) {
    return { entry: null, jsonError: `not JSON yet: ${errorMessage(error)}` };
  }
}

/** `value`, once it has not changed for `ms`. */
function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function AccountEditor({ state }: { state: AccountsState }): ReactNode {
  // The providers and their example entries come from the backend's registry, so a new provider
  // shows up here without a renderer change.
  const providers = useQuery(providersQuery());
  const known = providers.data?.providers ?? [];
  const [chosen, setChosen] = useState<string | null>(null);
  const provider = chosen ?? (known.find((p) => p.id === 'kubernetes') ?? known[0])?.id ?? '';
  const templateOf = (id: string): string => JSON.stringify(known.find((p) => p.id === id)?.template ?? { name: '', provider: id }, null, 2);
  // Null until the user types or picks a provider: the chosen provider's template is shown.
  const [typed, setText] = useState<string | null>(null);
  const text = typed ?? (provider === '' ? '' : templateOf(provider));
  const [secretName, setSecretName] = useState('');
  const [secretValue, setSecretValue] = useState('');
  const { entry, jsonError } = parseEntry(text);
  // Validated by the connector's own schema (in the backend), a moment after typing stops.
  const settledText = useSettled(text, 250);
  const settledEntry = parseEntry(settledText).entry;
  // Until the new answer arrives the last one stays shown, as it would in a form checked on the fly.
  const validation = useQuery({ ...accountValidationQuery(settledEntry ?? {}), enabled: settledEntry !== null, placeholderData: keepPreviousData });
  const issues: readonly FieldIssue[] = validation.isError ? [{ path: '(entry)', message: errorMessage(validation.error) }] : (validation.data?.issues ?? []);
  const secrets = secretName !== '' && secretValue !== '' ? { [secretName]: secretValue } : {};
  const save = useWriteMutation({
    area: 'accounts',
    call: (api) => api['accounts:save']({ entry: entry ?? {}, secrets }),
    invalidates: [keys.accounts.all(), keys.fleet.all()],
    onSuccess: () => setSecretValue(''),
  });
  const test = useWriteMutation({ call: (api) => api['accounts:test']({ entry: entry ?? {}, secrets }) });
  const shownIssues = jsonError !== null ? [{ path: '(entry)', message: jsonError }] : issues;
  const unusable = entry === null || shownIssues.length > 0;
  return (
    <section aria-labelledby="add-heading" className="card">
      <h3 id="add-heading">Add by hand</h3>
      <label className="form-field">
        <span className="form-field__label">Connector</span>
        <select
          data-testid="add-provider"
          value={provider}
          disabled={known.length === 0}
          onChange={(e) => {
            setChosen(e.target.value);
            setText(templateOf(e.target.value));
          }}
        >
          {known.map((p) => (
            <option key={p.id} value={p.id}>
              {p.label}
            </option>
          ))}
        </select>
      </label>
      {providers.isError ? (
        <p role="alert" className="muted">
          Could not list the connectors: {errorMessage(providers.error)}
        </p>
      ) : null}
      <label className="form-field">
        <span className="form-field__label">Config entry</span>
        <span className="muted form-field__help">Every field the connector documents; secrets by reference only, e.g. <code>{'{ "env": "FLEETPANE_SECRET_NAME" }'}</code></span>
        <textarea className="code-input" data-testid="add-entry" rows={10} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <ul className="field-issues" data-testid="field-issues" aria-label="Problems in the config entry" aria-live="polite">
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
        <button type="button" className="button" data-testid="add-test" disabled={unusable || test.isPending} onClick={() => test.mutate()}>
          Test connection
        </button>
        <button type="button" className="button" data-testid="add-save" disabled={unusable || !save.allowed || save.isPending} title={save.refusal ?? undefined} onClick={() => save.mutate()}>
          Save account
        </button>
      </div>
      {test.data ? <TestResult result={test.data} /> : null}
      {test.errorText !== null ? <p role="alert">{test.errorText}</p> : null}
      {save.errorText !== null ? (
        <p role="alert" data-testid="save-error">
          {save.errorText}
        </p>
      ) : null}
      {save.isSuccess ? <p role="status">Saved {save.data.name}.</p> : null}
    </section>
  );
}
