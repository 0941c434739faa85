/**
 * One configured account: its sync switch, health line, test / sync now / remove, secrets, streams
 * with their freshness and last errors, and the diagnostics of what it cannot measure, price or place.
 */
import { useId, useState, type ReactNode } from 'react';
import type { CoverageMachine } from '../../../../shared/contract';
import { ACCOUNT_STREAMS, type ConfiguredAccount } from '../../../../shared/contract-accounts';
import { CLOUD_LABELS, type CloudId } from '../../../../shared/domain';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { formatAge, formatUtcDateTime } from '../../lib/time';
import { AccountDiagnostics } from './account-diagnostics';
import { HEALTH_GLYPH, STREAM_LABELS, accountHealth } from './account-health';
import { RemoveConfirm } from './remove-confirm';
import { TestResult } from './test-result';
import { Toggle } from './toggle';

export interface AccountRowProps {
  account: ConfiguredAccount;
  clouds: readonly CloudId[];
  /** The account's machines behind the pane's coverage counts; null while loading or unavailable. */
  coverage: readonly CoverageMachine[] | null;
  canManage: boolean;
  syncedHere: boolean;
}

export function AccountRow({ account, clouds, coverage, canManage, syncedHere }: AccountRowProps): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const headingId = useId();
  // Freshness lives on accounts; removing or syncing also changes what every fleet view shows.
  const changed = [keys.accounts.all(), keys.fleet.all()];
  const enable = useWriteMutation({ area: 'accounts', call: (api, enabled: boolean) => api['accounts:set-enabled']({ name: account.name, enabled }), invalidates: changed });
  const test = useWriteMutation({ call: (api) => api['accounts:test']({ name: account.name }) });
  const sync = useWriteMutation({ call: (api) => api['sync:now']({ account: account.name }), invalidates: changed });
  const remove = useWriteMutation({ area: 'accounts', call: (api, confirm: string) => api['accounts:remove']({ name: account.name, confirm }), invalidates: changed });
  const health = accountHealth(account);
  const nowIso = new Date().toISOString();
  const errors = ACCOUNT_STREAMS.flatMap((stream) => {
    const e = account.streams[stream].lastError;
    return e === null ? [] : [{ stream, error: e }];
  });
  return (
    <li className="account-card card" aria-labelledby={headingId} data-testid="account-row" data-account={account.name} data-health={health.level}>
      <div className="account-card__head">
        <div className="account-card__id">
          <h4 className="account-card__name" id={headingId}>
            {account.name}
          </h4>
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
          disabled={!syncedHere || !canManage || !enable.allowed || enable.isPending}
          title={enable.refusal ?? undefined}
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
      {[test.errorText, sync.errorText, enable.errorText].map((text, i) =>
        text === null ? null : (
          <p key={i} role="alert" className="notice notice--error">
            {text}
          </p>
        ),
      )}
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
          error={remove.errorText}
          onConfirm={(typed) => remove.mutate(typed)}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </li>
  );
}
