/**
 * The sync engine over configured accounts, with the provider registry behind it and the triage
 * watcher after each commit. Building the accounts' connectors loads their providers' SDKs (only
 * those), and the runtime imports this only when there are accounts to sync.
 */
import type { AccountConfigBase } from '../../../shared/config';
import type { AppEvent } from '../../../shared/contract';
import { createTriageWatcher, type TriageWatcher } from '../analytics/triage-watcher';
import { createConnector, parseAccountConfig } from '../providers/registry';
import type { FleetStore } from '../store/types';
import type { Clock } from './clock';
import { SyncEngine } from './engine';
import type { Logger } from './logger';

/** Validates an account with its provider's own schema, through the registry. */
export const parseAccount = (account: AccountConfigBase): AccountConfigBase => parseAccountConfig(account);

/** A sync engine over the given (already validated) accounts. */
export async function createEngine(
  store: FleetStore,
  accounts: readonly AccountConfigBase[],
  emit?: (event: AppEvent) => void,
  log?: Logger,
): Promise<SyncEngine> {
  return (await createEngineWithTriage(store, accounts, emit, log)).engine;
}

/**
 * The sync engine plus the triage watcher it calls after each commit (derived signals, then alert
 * rules), for hosts that also re-evaluate alert rules the moment the user edits them.
 */
export async function createEngineWithTriage(
  store: FleetStore,
  accounts: readonly AccountConfigBase[],
  emit?: (event: AppEvent) => void,
  log?: Logger,
  clock?: Clock,
): Promise<{ engine: SyncEngine; triage: TriageWatcher }> {
  const triage = createTriageWatcher({ store, ...(emit ? { emit } : {}), ...(log ? { log } : {}), ...(clock ? { clock } : {}) });
  const engine = new SyncEngine({
    store,
    accounts: await Promise.all(accounts.map(async (config) => ({ config, connector: await createConnector(config) }))),
    ...(emit ? { emit } : {}),
    ...(log ? { log } : {}),
    ...(clock ? { clock } : {}),
    afterCommit: triage.afterCommit,
  });
  return { engine, triage };
}
