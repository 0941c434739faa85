import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import type { ResponseOf } from '../../shared/contract';
import type { AccountsState } from '../../shared/contract-accounts';
import { renderWithApi } from './testing/render';
import { DEFAULT_PARAMS } from './routing/route';
import { IncidentPageView } from './views/triage/incident-page';
import { SpendPage } from './views/spend/spend-page';
import { AccountsPage } from './views/accounts/accounts-page';
import { incidentPage } from './testing/triage-fixtures';

function serveInfo(writes: ResponseOf<'app:info'>['writes']): ResponseOf<'app:info'> {
  return { version: '1.0.0', mode: 'serve', demo: true, readOnly: true, writes };
}

const NONE = { triage: false, spend: false, accounts: false };

/** A control is off when it or a fieldset around it is disabled (what the browser honours). */
function isOff(element: HTMLElement): boolean {
  return element.matches(':disabled') || element.closest('fieldset')?.disabled === true;
}

describe('controls for writes the backend refuses', () => {
  it('triage: acknowledging is off and the hint names --allow-triage', async () => {
    const page = incidentPage();
    renderWithApi(<IncidentPageView id={page.incident.id} params={DEFAULT_PARAMS} readOnly />, {
      'triage:incident': () => page,
      'app:info': () => serveInfo(NONE),
    });
    await waitFor(() => expect(screen.getByTestId('writes-hint-triage').textContent).toContain('fleetpane serve --allow-triage'));
    expect(isOff(screen.getByRole('button', { name: 'Acknowledge' }))).toBe(true);
  });

  it('spend: budget editing is off and the hint names --manage-spend; allowed, it is on with no hint', async () => {
    const budgets = { budgets: [] };
    const { unmount } = renderWithApi(<SpendPage params={DEFAULT_PARAMS} />, { 'spend:budgets': () => budgets, 'app:info': () => serveInfo(NONE) });
    const newBudget = await screen.findByRole('button', { name: 'New budget…' });
    await waitFor(() => expect(screen.getAllByTestId('writes-hint-spend')[0]?.textContent).toContain('fleetpane serve --manage-spend'));
    expect(isOff(newBudget)).toBe(true);
    expect(isOff(screen.getByRole('button', { name: 'Import' }))).toBe(true);
    unmount();

    renderWithApi(<SpendPage params={DEFAULT_PARAMS} />, { 'spend:budgets': () => budgets, 'app:info': () => serveInfo({ ...NONE, spend: true }) });
    await waitFor(() => expect(isOff(screen.getByRole('button', { name: 'New budget…' }))).toBe(false));
    expect(screen.queryByTestId('writes-hint-spend')).toBeNull();
  });

  it('accounts: the sync switch is off with the hint when app:info refuses account changes', async () => {
    const stream = { lastSuccessAt: '2026-11-25T12:00:00.000Z', nextSyncAt: null, intervalMs: 60_000, stale: false, lastError: null };
    const state: AccountsState = {
      accounts: [
        {
          name: 'azure-prod',
          provider: 'azure',
          enabled: true,
          demo: false,
          config: { name: 'azure-prod', provider: 'azure' },
          secrets: [],
          streams: { inventory: stream, metrics: stream, costs: { ...stream, stale: true, lastError: { kind: 'auth', message: 'AuthorizationFailed: no Cost Management Reader role', retryAfterMs: null } }, incidents: stream },
          budget: [],
          diagnostics: null,
        },
      ],
      configFile: 'fleetpane.json',
      canManage: true,
      syncedHere: true,
      manageRefusal: null,
      secretStorage: { available: true, reason: null },
      demoEnabled: false,
    };
    renderWithApi(<AccountsPage />, { 'accounts:state': () => state, 'accounts:list': () => ({ accounts: [] }), 'app:info': () => serveInfo(NONE) });
    await waitFor(() => expect(screen.queryByRole('note')).not.toBeNull());
    expect(isOff(screen.getByRole('switch', { name: 'Sync azure-prod' }))).toBe(true);
    expect(screen.queryByRole('button', { name: 'Remove…' })).toBeNull();
    // The last error is shown in full, and the account's status line says which stream failed.
    expect(screen.getByTestId('stream-error').textContent).toContain('AuthorizationFailed: no Cost Management Reader role');
    expect(screen.getByTestId('account-status').textContent).toContain('Costs (auth)');
  });
});
