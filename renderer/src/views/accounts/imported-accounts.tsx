/**
 * The accounts screen's imported accounts: cost rows stored under a name no configured account has
 * (FOCUS files imported with `fleetpane import-focus --account NAME`, the spend screen or a serve
 * upload). Each shows its rows and charge period and can be removed, after typing its name, which
 * deletes its cost rows. Removing is a spend change (app:info writes.spend; serve: --manage-spend).
 */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { importedAccountsQuery } from '../../api/queries';
import { useWrites, WRITE_FLAGS } from '../../api/writes';
import { errorMessage } from '../../lib/error-message';
import { ImportedAccountRow } from './imported-account-row';

/** The imported accounts, or nothing when the store has none. */
export function ImportedAccounts(): ReactNode {
  const writes = useWrites();
  const list = useQuery(importedAccountsQuery());
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
