import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { AccountsState, ProviderInfo } from '../../../../shared/contract-accounts';
import { renderWithApi } from '../../testing/render';
import { AccountEditor } from './account-editor';

const managing: AccountsState = {
  accounts: [],
  configFile: 'fleetpane.json',
  canManage: true,
  manageRefusal: null,
  secretStorage: { available: true, reason: null },
  demoEnabled: false,
  syncedHere: true,
};

// Providers as a backend registry lists them, including one the renderer has never heard of.
const providers: ProviderInfo[] = [
  { id: 'kubernetes', label: 'Kubernetes', template: { name: 'k8s-prod', provider: 'kubernetes', context: 'prod' } },
  { id: 'nimbus', label: 'Nimbus Cloud', template: { name: 'nimbus-prod', provider: 'nimbus', tenant: '<tenant id>' } },
];

describe('adding an account by hand', () => {
  it("offers the backend's providers by label and starts from the chosen provider's template", async () => {
    renderWithApi(<AccountEditor state={managing} />, {
      'accounts:providers': () => ({ providers }),
      'accounts:validate': () => ({ ok: true, issues: [] }),
    });
    const connector = await screen.findByRole('combobox', { name: 'Connector' });
    await waitFor(() => expect(screen.getByRole('option', { name: 'Nimbus Cloud' })).toBeTruthy());
    const entry = screen.getByRole('textbox', { name: /Config entry/ }) as HTMLTextAreaElement;
    expect(JSON.parse(entry.value)).toEqual(providers[0]!.template);

    fireEvent.change(connector, { target: { value: 'nimbus' } });
    expect(JSON.parse(entry.value)).toEqual(providers[1]!.template);

    // What the user types is kept until they pick another provider.
    fireEvent.change(entry, { target: { value: '{"name":"mine","provider":"nimbus"}' } });
    expect(entry.value).toBe('{"name":"mine","provider":"nimbus"}');
  });

  it('says so when the providers cannot be listed, instead of an empty picker without a reason', async () => {
    renderWithApi(<AccountEditor state={managing} />, {
      'accounts:validate': () => ({ ok: true, issues: [] }),
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not list the connectors');
    expect((screen.getByRole('combobox', { name: 'Connector' }) as HTMLSelectElement).disabled).toBe(true);
  });
});
