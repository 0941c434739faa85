import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ResponseOf } from '../../../../shared/contract';
import type { AccountsState, ImportedAccount } from '../../../../shared/contract-accounts';
import { renderWithApi } from '../../testing/render';
import { AccountsPage } from './accounts-page';

const SERVE_MANAGE_SPEND: ResponseOf<'app:info'> = { version: '1.0.0', mode: 'serve', demo: false, readOnly: true, writes: { triage: false, spend: true, accounts: false } };
const READ_ONLY_SERVE: ResponseOf<'app:info'> = { ...SERVE_MANAGE_SPEND, writes: { triage: false, spend: false, accounts: false } };

const noAccounts: AccountsState = {
  accounts: [],
  configFile: null,
  canManage: false,
  manageRefusal: 'read-only',
  secretStorage: { available: false, reason: 'read-only' },
  demoEnabled: false,
  syncedHere: false,
};

const financeImport: ImportedAccount = { name: 'finance-import', providers: ['Oracle'], rows: 1234, from: '2024-09-01T00:00:00Z', to: '2024-10-01T00:00:00Z' };

describe('imported accounts on the accounts screen', () => {
  it('are listed with their cost rows and period, and removed after the name is typed to confirm', async () => {
    let imported = [financeImport];
    const removals: unknown[] = [];
    const { client } = renderWithApi(<AccountsPage />, {
      'accounts:state': () => noAccounts,
      'accounts:list': () => ({ accounts: [] }),
      'app:info': () => SERVE_MANAGE_SPEND,
      'accounts:imported': () => ({ accounts: imported }),
      'accounts:remove-imported': (req) => {
        removals.push(req);
        imported = [];
        return { name: req.name, deletedRows: 1234 };
      },
    });
    const list = await screen.findByRole('list', { name: 'Imported accounts' });
    const row = within(list).getByRole('listitem', { name: 'Imported account finance-import' });
    expect(row.textContent).toContain('1,234 cost rows, charges from 2024-09-01 to 2024-10-01');
    expect(row.textContent).toContain('Oracle');

    fireEvent.click(within(row).getByRole('button', { name: 'Remove…' }));
    const confirm = within(row).getByRole('group', { name: 'Remove finance-import' });
    const go = within(confirm).getByRole('button', { name: 'Remove account and its cost rows' }) as HTMLButtonElement;
    expect(go.disabled).toBe(true);
    fireEvent.change(within(confirm).getByRole('textbox', { name: 'Account name to confirm' }), { target: { value: 'finance-import' } });
    expect(go.disabled).toBe(false);
    fireEvent.click(go);

    await waitFor(() => expect(screen.queryByRole('heading', { name: 'Imported accounts' })).toBeNull());
    expect(removals).toEqual([{ name: 'finance-import', confirm: 'finance-import' }]);
    expect(client.calls.filter((c) => c.channel === 'accounts:imported').length).toBeGreaterThanOrEqual(2);
  });

  it('offer no remove button where spend changes are refused, and say which flag allows them', async () => {
    renderWithApi(<AccountsPage />, {
      'accounts:state': () => noAccounts,
      'accounts:list': () => ({ accounts: [] }),
      'app:info': () => READ_ONLY_SERVE,
      'accounts:imported': () => ({ accounts: [financeImport] }),
    });
    const row = await screen.findByRole('listitem', { name: 'Imported account finance-import' });
    await waitFor(() => expect(within(row).queryByRole('button', { name: 'Remove…' })).toBeNull());
    expect(screen.getByText(/--manage-spend/)).toBeTruthy();
  });
});
