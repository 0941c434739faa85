/** One discovered account with the switch that adds it to the config. */
import type { ReactNode } from 'react';
import type { DiscoveredAccount } from '../../../../shared/contract-accounts';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { Toggle } from './toggle';

export function DiscoveredRow({ found }: { found: DiscoveredAccount }): ReactNode {
  const add = useWriteMutation({
    area: 'accounts',
    call: (api) => api['accounts:save']({ entry: found.config }),
    invalidates: [keys.accounts.all(), keys.fleet.all()],
  });
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
        {add.errorText !== null ? <p role="alert" className="notice notice--error">{add.errorText}</p> : null}
      </div>
      <Toggle
        testId="discovered-switch"
        ariaLabel={`Switch on ${found.name}`}
        label={add.isSuccess ? 'Added' : 'Add'}
        checked={add.isSuccess}
        disabled={!add.allowed || add.isPending || add.isSuccess}
        title={add.refusal ?? undefined}
        onChange={() => add.mutate()}
      />
    </li>
  );
}
