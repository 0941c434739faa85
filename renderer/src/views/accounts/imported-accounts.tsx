/**
 * The accounts screen's imported accounts: cost rows stored under a name no configured account has
 * (FOCUS files imported with `fleetpane import-focus --account NAME`, the spend screen or a serve
 * upload). Each shows its rows and charge period and can be removed, after typing its name, which
 * deletes its cost rows. Removing is a spend change (app:info writes.spend; serve: --manage-spend).
 */
import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError } from '../../../../shared/contract';
import type { ImportedAccount } from '../../../../shared/contract-accounts';
import { apiOf } from '../../api/queries';
import { useWrites, WRITE_FLAGS } from '../../api/writes';

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/** The imported accounts, or nothing when the store has none. */
export function ImportedAccounts(): ReactNode {
  const writes = useWrites();
  const list = useQuery({ queryKey: ['accounts', 'imported'] as const, queryFn: ({ client }) => apiOf(client)['accounts:imported']({}) });
  if (list.isPending) return null;
  if (list.isError) return <p role="alert">Imported accounts could not be read: {messageOf(list.error)}</p>;
  if (list.data.accounts.length === 0) return null;
  const canRemove = writes.allowed('spend');
  return (
    <section aria-labelledby="imported-heading" className="card">
      <h3 id="imported-heading">Imported accounts</h3>
      <p className="muted account-hint">
        Cost rows imported from FOCUS files under a name no configured account has. Removing one deletes its cost rows.
      </p>
      {canRemove ? null : (
        <p className="writes-hint" role="note">
          <span className="badge badge--small badge--warn">read-only</span> Removing imported accounts needs <code>{WRITE_FLAGS.spend}</code>.
        </p>
      )}
      <ul className="account-list" aria-label="Imported accounts">
        {list.data.accounts.map((a) => (
          <ImportedAccountRow key={a.name} account={a} canRemove={canRemove} />
        ))}
      </ul>
    </section>
  );
}

function ImportedAccountRow({ account, canRemove }: { account: ImportedAccount; canRemove: boolean }): ReactNode {
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [confirmText, setConfirmText] = useState('');
  const remove = useMutation({
    mutationFn: () => apiOf(qc)['accounts:remove-imported']({ name: account.name, confirm: confirmText }),
    // Spend views read the same cost rows (their keys start with 'fleet').
    onSuccess: () => qc.invalidateQueries({ queryKey: ['accounts'] }).then(() => qc.invalidateQueries({ queryKey: ['fleet'] })),
  });
  return (
    <li className="account-card card" aria-label={`Imported account ${account.name}`} data-testid="imported-account-row">
      <div className="account-card__head">
        <div className="account-card__id">
          <h4 className="account-card__name">{account.name}</h4>
          <span className="kind">imported</span>
          <p className="account-card__clouds muted">{account.providers.join(' · ')}</p>
        </div>
      </div>
      <p className="muted">
        {account.rows.toLocaleString('en-US')} cost rows, charges from {account.from.slice(0, 10)} to {account.to.slice(0, 10)}
      </p>
      {canRemove ? (
        <div className="toolbar account-card__actions">
          <button type="button" className="button button--danger" onClick={() => setConfirming(true)}>
            Remove…
          </button>
        </div>
      ) : null}
      {confirming ? (
        <div role="group" aria-label={`Remove ${account.name}`} className="confirm notice notice--error">
          <p>
            Removing <strong>{account.name}</strong> deletes its {account.rows.toLocaleString('en-US')} cost rows. Type its name to confirm.
          </p>
          <div className="toolbar">
            <input aria-label="Account name to confirm" className="text-input" value={confirmText} onChange={(e) => setConfirmText(e.target.value)} />
            <button type="button" className="button button--danger" disabled={confirmText !== account.name || remove.isPending} onClick={() => remove.mutate()}>
              Remove account and its cost rows
            </button>
            <button type="button" className="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </div>
          {remove.isError ? <p role="alert">{messageOf(remove.error)}</p> : null}
        </div>
      ) : null}
    </li>
  );
}
