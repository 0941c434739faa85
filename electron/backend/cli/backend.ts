/**
 * Wiring shared by the CLI and the desktop backend host: the provider registry behind the config
 * validator and the sync engine over configured accounts. It loads every provider SDK, so the CLI
 * imports it only for commands that sync.
 */
import type { AccountConfigBase } from '../../../shared/config';
import { createTriageWatcher, type TriageWatcher } from '../analytics/triage-watcher';
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
  return createEngineWithTriage(store, accounts, emit, log).engine;
}

/**
 * The sync engine plus the triage watcher it calls after each commit (derived signals, then alert
 * rules), for hosts that also re-evaluate alert rules the moment the user edits them.
 */
export function createEngineWithTriage(
  store: FleetStore,
  accounts: readonly AccountConfigBase[],
  emit?: (event: AppEvent) => void,
  log?: Logger,
): { engine: SyncEngine; triage: TriageWatcher } {
  const triage = createTriageWatcher({ store, ...(emit ? { emit } : {}), ...(log ? { log } : {}) });
  const engine = new SyncEngine({
    store,
    accounts: accounts.map((config) => ({ config, connector: createConnector(config) })),
    ...(emit ? { emit } : {}),
    ...(log ? { log } : {}),
    afterCommit: triage.afterCommit,
  });
  return { engine, triage };
}

/** JSON lines on stderr at info level and above (per-run debug lines would drown the useful ones). */
export function stderrLogger(): Logger {
  const logger = jsonLineLogger((line) => process.stderr.write(line));
  return { ...logger, debug: () => undefined };
}
