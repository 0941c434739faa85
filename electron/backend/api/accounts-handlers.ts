/**
 * Handlers of the accounts channels. With an AccountsService (desktop; serve with --config) they
 * delegate to it; without one (serve as-is, readers) the screen still lists the stored accounts,
 * and everything else is refused as read-only.
 */
import { ApiError, type ApiHandlers, type AppEvent } from '../../../shared/contract';
import type { accountsChannels, ConfiguredAccount } from '../../../shared/contract-accounts';
import type { AccountsService } from '../accounts/accounts-service';
import type { FleetStore } from '../store/types';
import { listImportedAccounts, removeImportedAccount } from './imported-accounts';

type AccountsHandlers = Pick<ApiHandlers, keyof typeof accountsChannels>;

const NOT_HERE = 'read-only: this Fleetpane serves a store without a config file, so it neither syncs nor changes these accounts';

/** The accounts channels over `service`, or read-only over the store when there is none. */
export function createAccountsHandlers(options: {
  store: FleetStore;
  now: () => Date;
  service?: AccountsService | undefined;
  /** Where data-changed goes after an imported account was removed (the app's event stream). */
  emit?: ((event: AppEvent) => void) | undefined;
}): AccountsHandlers {
  const { service, store, now, emit } = options;
  const refuse = async (): Promise<never> => {
    throw new ApiError('read-only', NOT_HERE);
  };
  // Imported accounts have no config entry, so they work with or without a service; removing one
  // deletes only cost rows, a spend change (serve: --manage-spend; its contract definition says so).
  const names = { store, now, accounts: service };
  const imported: Pick<AccountsHandlers, 'accounts:imported' | 'accounts:remove-imported'> = {
    'accounts:imported': async () => ({ accounts: await listImportedAccounts(names) }),
    'accounts:remove-imported': async (req) => {
      const removed = await removeImportedAccount(req.name, req.confirm, names);
      emit?.({ type: 'data-changed', account: removed.name, streams: ['costs'] });
      return removed;
    },
  };
  if (service === undefined) {
    return {
      ...imported,
      'accounts:state': async () => {
        const { accounts } = await store.accounts(now());
        return {
          accounts: accounts.map(
            (a): ConfiguredAccount => ({
              name: a.name,
              provider: a.provider,
              enabled: a.enabled,
              demo: a.demo,
              config: { name: a.name, provider: a.provider },
              secrets: [],
              streams: {
                inventory: { ...a.freshness.streams.inventory, nextSyncAt: null },
                metrics: { ...a.freshness.streams.metrics, nextSyncAt: null },
                costs: { ...a.freshness.streams.costs, nextSyncAt: null },
                incidents: { ...a.freshness.streams.incidents, nextSyncAt: null },
              },
              budget: [],
              diagnostics: null,
            }),
          ),
          configFile: null,
          canManage: false,
          manageRefusal: NOT_HERE,
          secretStorage: { available: false, reason: NOT_HERE },
          demoEnabled: accounts.some((a) => a.demo && a.enabled),
          // Nothing syncs here: "enabled" is what the config of the Fleetpane that wrote the store said.
          syncedHere: false,
        };
      },
      // Without a service nothing can be added here, so there is no editor to start.
      'accounts:providers': refuse,
      'accounts:discover': refuse,
      'accounts:validate': refuse,
      'accounts:save': refuse,
      'accounts:set-enabled': refuse,
      'accounts:remove': refuse,
      'accounts:test': refuse,
      'accounts:set-demo': refuse,
      'accounts:export': refuse,
      'accounts:import': refuse,
    };
  }
  return {
    ...imported,
    'accounts:state': () => service.state(),
    'accounts:providers': async () => ({ providers: service.providers() }),
    'accounts:discover': async () => ({ results: await service.discover() }),
    'accounts:validate': async (req) => {
      const issues = service.validateRequest(req.entry);
      return { ok: issues.length === 0, issues };
    },
    'accounts:save': async (req) => ({ name: await service.save(req.entry, req.secrets, req.replace) }),
    'accounts:set-enabled': async (req) => ({ name: await service.setEnabled(req.name, req.enabled) }),
    'accounts:remove': async (req) => ({ name: await service.remove(req.name, req.confirm) }),
    'accounts:test': (req) => service.test(req),
    'accounts:set-demo': async (req) => ({ demoEnabled: await service.setDemo(req.enabled) }),
    'accounts:export': async () => ({ text: service.exportText() }),
    'accounts:import': async (req) => ({ accounts: await service.importText(req.text) }),
  };
}
