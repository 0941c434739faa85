/**
 * Builds the accounts service over the provider registry (discovery, validation, connectors). A
 * provider's SDK loads with its first connector or discovery; the CLI imports this only for commands
 * that sync, like sync/wiring.ts.
 */
import { homedir } from 'node:os';
import { providers } from '../providers/registry';
import type { DiscoveryContext } from '../providers/types';
import type { FleetStore } from '../store/types';
import type { SyncEngine } from '../sync/engine';
import { AccountsService } from './accounts-service';
import type { SecretAccessPolicy } from './secret-access';
import type { SecretVault } from './secret-vault';

export interface AccountsWiring {
  store: FleetStore;
  engine?: SyncEngine | undefined;
  configFile: string | null;
  entries: readonly Record<string, unknown>[];
  manageRefusal: string | null;
  vault: SecretVault;
  log?: (line: string) => void;
  /** Serve: what entries from the browser may read and where they may connect. */
  secretAccess?: SecretAccessPolicy;
}

/** Discovery looks at this process's home folder and environment. */
export function processDiscoveryContext(): DiscoveryContext {
  return { home: homedir(), env: { ...process.env }, platform: process.platform, signal: AbortSignal.timeout(60_000), now: new Date() };
}

/** An AccountsService over the registry, initialised from the store. */
export async function createAccountsService(wiring: AccountsWiring): Promise<AccountsService> {
  const service = new AccountsService({
    store: wiring.store,
    ...(wiring.engine ? { engine: wiring.engine } : {}),
    configFile: wiring.configFile,
    entries: wiring.entries,
    manageRefusal: wiring.manageRefusal,
    vault: wiring.vault,
    providers,
    discoveryContext: processDiscoveryContext,
    ...(wiring.log ? { log: wiring.log } : {}),
    ...(wiring.secretAccess ? { secretAccess: wiring.secretAccess } : {}),
  });
  await service.init();
  return service;
}
