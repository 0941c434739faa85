/**
 * The accounts screen's imported accounts: cost rows stored under a name no configured account has
 * (FOCUS files imported with `fleetpane import-focus --account NAME`, the spend screen or a serve
 * upload). Each shows its rows and charge period and can be removed, after typing its name, which
 * deletes its cost rows. Removing is a spend change (app:info writes.spend; serve: --manage-spend).
 */
import { useState, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ImportedAccount } from '../../../../shared/contract-accounts';
import { apiOf } from '../../api/queries';
import { useWrites, WRITE_FLAGS } from '../../api/writes';
import { errorMessage } from '../../components/status';
import { RemoveConfirm } from './remove-confirm';

/** The imported accounts, or nothing when the store has none. */
export function ImportedAccounts(): ReactNode {
  const writes = useWrites();
  const list = useQuery({ queryKey: ['accounts', 'imported'] as const, queryFn: ({ client }) => apiOf(client)['accounts:imported']({}) });
  if (list.isPending) return null;
  if (list.isError) return <p role="alert">Imported accounts could not be read: {errorMessage(list.error)}</p>;
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
  const remove = useMutation({
    mutationFn: (confirm: string) => apiOf(qc)['accounts:remove-imported']({ name: account.name, confirm }),
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
        <RemoveConfirm
          name={account.name}
          deletes={`its ${account.rows.toLocaleString('en-US')} cost rows`}
          action="Remove account and its cost rows"
          pending={remove.isPending}
          error={remove.isError ? remove.error : null}
          onConfirm={(typed) => remove.mutate(typed)}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </li>
  );
}
