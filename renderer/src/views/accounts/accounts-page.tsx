/**
 * The accounts screen: discovered accounts with a switch each, configured accounts with their
 * per-stream state, test connection, sync now and remove (after a confirm), imported accounts (cost
 * rows without a config entry) with remove, the demo switch, adding an account by hand (validated as
 * you type by the connector's own schema in the backend), and import/export of the config file.
 * Secrets typed here go to the backend once and never come back.
 */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { accountsStateQuery } from '../../api/queries';
import { useWrites } from '../../api/writes';
import { errorMessage } from '../../lib/error-message';
import { AccountEditor } from './account-editor';
import { ConfiguredAccounts } from './configured-accounts';
import { DemoSwitch } from './demo-switch';
import { DiscoveryPanel } from './discovery-panel';
import { ImportExport } from './import-export';
import { ImportedAccounts } from './imported-accounts';
import './accounts.css';

/** The whole screen. */
export function AccountsPage(): ReactNode {
  const state = useQuery(accountsStateQuery());
  const writes = useWrites();
  if (state.isPending) return <p className="muted">Loading accounts…</p>;
  if (state.isError) return <p role="alert">Accounts could not be read: {errorMessage(state.error)}</p>;
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
      {data.canManage ? <DiscoveryPanel /> : null}
      {data.canManage ? <AccountEditor state={data} /> : null}
      {data.canManage ? <ImportExport /> : null}
    </div>
  );
}
