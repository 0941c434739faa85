import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import type { ResponseOf } from '../../../../shared/contract';
import type { AccountsState } from '../../../../shared/contract-accounts';
import { renderWithApi } from '../../testing/render';
import { AccountsPage } from './accounts-page';

const READ_ONLY_SERVE: ResponseOf<'app:info'> = { version: '1.0.0', mode: 'serve', demo: false, readOnly: true, writes: { triage: false, spend: false, accounts: false } };

const stream = { lastSuccessAt: '2026-11-25T12:00:00.000Z', nextSyncAt: null, intervalMs: 300_000, stale: true, lastError: null };

/** What `fleetpane serve --data-dir DIR` (no --config) answers: the store's accounts, nothing syncing. */
const storeAsItIs: AccountsState = {
  accounts: [
    {
      name: 'gcp-training',
      provider: 'gcp',
      enabled: true,
      demo: false,
      config: { name: 'gcp-training', provider: 'gcp' },
      secrets: [],
      streams: { inventory: stream, metrics: stream, costs: stream, incidents: stream },
      budget: [],
      diagnostics: null,
    },
  ],
  configFile: null,
  canManage: false,
  manageRefusal: 'read-only: this Fleetpane serves a store without a config file, so it neither syncs nor changes these accounts',
  secretStorage: { available: false, reason: 'read-only' },
  demoEnabled: false,
  syncedHere: false,
};

describe('accounts of a store served without a config file', () => {
  it('are shown read-only and not synced here, never as "Syncing"', async () => {
    renderWithApi(<AccountsPage />, { 'accounts:state': () => storeAsItIs, 'accounts:list': () => ({ accounts: [] }), 'app:info': () => READ_ONLY_SERVE });
    const note = await screen.findByText(/does not sync these accounts/);
    expect(note.closest('[role="note"]')).not.toBeNull();
    expect(note.textContent).toContain('does not sync these accounts');
    const toggle = screen.getByRole('switch', { name: 'Sync gcp-training' });
    expect(toggle).toHaveProperty('checked', false);
    expect(toggle).toHaveProperty('disabled', true);
    const row = screen.getByRole('listitem', { name: 'gcp-training' });
    expect(row.textContent).not.toContain('Syncing');
    expect(row.textContent).toContain('Read-only: not synced here');
    await waitFor(() => expect(within(row).getByRole('button', { name: 'Sync now' })).toHaveProperty('disabled', true));
  });
});
