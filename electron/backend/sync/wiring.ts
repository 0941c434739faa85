/**
 * The sync engine over configured accounts, with the provider registry behind it and the triage
 * watcher after each commit. It loads every provider SDK, so the runtime imports it only when there
 * are accounts to sync (a reader such as `fleetpane overview` never pays for the SDKs).
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
  clock?: Clock,
): { engine: SyncEngine; triage: TriageWatcher } {
  const triage = createTriageWatcher({ store, ...(emit ? { emit } : {}), ...(log ? { log } : {}), ...(clock ? { clock } : {}) });
  const engine = new SyncEngine({
    store,
    accounts: accounts.map((config) => ({ config, connector: createConnector(config) })),
    ...(emit ? { emit } : {}),
    ...(log ? { log } : {}),
    ...(clock ? { clock } : {}),
    afterCommit: triage.afterCommit,
  });
  return { engine, triage };
}
