/**
 * Wiring shared by the CLI and the desktop backend host: the provider registry behind the config
 * validator and the sync engine over configured accounts. It loads every provider SDK, so the CLI
 * imports it only for commands that sync.
 */
import type { AccountConfigBase } from '../../../shared/config';
import { createTriageWatcher } from '../analytics/triage-watcher';
import type { AppEvent } from '../../../shared/contract';
import { createConnector, parseAccountConfig } from '../providers/registry';
import type { FleetStore } from '../store/types';
import { SyncEngine } from '../sync/engine';
import { jsonLineLogger, type Logger } from '../sync/logger';
import type { ParseAccount } from './config-file';

export { openStoreForCli } from './open-store';

/** Validates an account with its provider's own schema, through the registry. */
export const parseAccount: ParseAccount = (account) => parseAccountConfig(account);

/** A sync engine over the given (already validated) accounts. */
export function createEngine(
  store: FleetStore,
  accounts: readonly AccountConfigBase[],
  emit?: (event: AppEvent) => void,
  log?: Logger,
): SyncEngine {
  // Derived signals and alerts run after each commit (analytics/triage-watcher.ts).
  const watcher = createTriageWatcher({ store, ...(emit ? { emit } : {}), ...(log ? { log } : {}) });
  return new SyncEngine({
    store,
    accounts: accounts.map((config) => ({ config, connector: createConnector(config) })),
    ...(emit ? { emit } : {}),
    ...(log ? { log } : {}),
    afterCommit: watcher.afterCommit,
  });
}

/** JSON lines on stderr at info level and above (per-run debug lines would drown the useful ones). */
export function stderrLogger(): Logger {
  const logger = jsonLineLogger((line) => process.stderr.write(line));
  return { ...logger, debug: () => undefined };
}
