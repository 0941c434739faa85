/** The configured accounts, one row each. */
import type { ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { CoverageMachine } from '../../../../shared/contract';
import type { AccountsState } from '../../../../shared/contract-accounts';
import type { CloudId } from '../../../../shared/domain';
import { accountsQuery, coverageQuery } from '../../api/queries';
import { AccountRow } from './account-row';

export function ConfiguredAccounts({ state }: { state: AccountsState }): ReactNode {
  // accounts:list knows which clouds each account's machines are in (once inventory has synced).
  const list = useQuery(accountsQuery());
  const cloudsOf = (name: string): readonly CloudId[] => list.data?.accounts.find((a) => a.name === name)?.clouds ?? [];
  // What the pane cannot measure, price or place, per account, with the store's and connectors' reasons.
  const coverage = useQuery(coverageQuery());
  const coverageOf = (name: string): readonly CoverageMachine[] | null =>
    coverage.data === undefined ? null : coverage.data.machines.filter((m) => m.account === name);
  return (
    <section aria-labelledby="configured-heading" className="card">
      <h3 id="configured-heading">Configured accounts</h3>
      {state.accounts.length === 0 ? <p className="muted">No accounts yet: discover them below or add one by hand.</p> : null}
      <ul className="account-list" aria-labelledby="configured-heading">
        {state.accounts.map((a) => (
          <AccountRow key={a.name} account={a} clouds={cloudsOf(a.name)} coverage={coverageOf(a.name)} canManage={state.canManage} syncedHere={state.syncedHere} />
        ))}
      </ul>
    </section>
  );
}
