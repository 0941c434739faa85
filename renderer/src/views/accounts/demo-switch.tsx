/** The switch for the simulated demo fleet. */
import type { ReactNode } from 'react';
import type { AccountsState } from '../../../../shared/contract-accounts';
import { keys } from '../../api/query-keys';
import { useWriteMutation } from '../../api/write-mutation';
import { Toggle } from './toggle';

export function DemoSwitch({ state }: { state: AccountsState }): ReactNode {
  const set = useWriteMutation({
    area: 'accounts',
    call: (api, enabled: boolean) => api['accounts:set-demo']({ enabled }),
    invalidates: [keys.accounts.all(), keys.fleet.all()],
  });
  return (
    <section aria-labelledby="demo-heading" className="card">
      <h3 id="demo-heading">Demo fleet</h3>
      <Toggle
        testId="demo-switch"
        label="Show the simulated demo fleet"
        checked={state.demoEnabled}
        disabled={!state.canManage || !set.allowed || set.isPending}
        title={set.refusal ?? undefined}
        onChange={(on) => set.mutate(on)}
      />
      <p className="muted account-hint">It switches off by itself once a real account has synced.</p>
      {set.errorText !== null ? <p role="alert">{set.errorText}</p> : null}
    </section>
  );
}
