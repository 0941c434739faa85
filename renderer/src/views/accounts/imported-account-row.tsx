/** One imported account: its cost rows and charge period, and removal after typing its name. */
import { useState, type ReactNode } from 'react';
import type { ImportedAccount } from '../../../../shared/contract-accounts';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { RemoveConfirm } from './remove-confirm';

export function ImportedAccountRow({ account, canRemove }: { account: ImportedAccount; canRemove: boolean }): ReactNode {
  const [confirming, setConfirming] = useState(false);
  const remove = useWriteMutation({
    area: 'spend',
    call: (api, confirm: string) => api['accounts:remove-imported']({ name: account.name, confirm }),
    // Spend views read the same cost rows (keys.spend sits under keys.fleet).
    invalidates: [keys.accounts.all(), keys.fleet.all()],
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
          error={remove.errorText}
          onConfirm={(typed) => remove.mutate(typed)}
          onCancel={() => setConfirming(false)}
        />
      ) : null}
    </li>
  );
}
