/**
 * Wiring shared by the CLI and the desktop backend host: the provider registry behind the config
 * validator, the store opener, and the sync engine over configured accounts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountConfigBase } from '../../../shared/config';
import type { AppEvent } from '../../../shared/contract';
import { createConnector, parseAccountConfig } from '../providers/registry';
import { openStore, STORE_FILE } from '../store/index';
import type { FleetStore } from '../store/types';
import { SyncEngine } from '../sync/engine';
import { jsonLineLogger, type Logger } from '../sync/logger';
import { CliError, EXIT_LOCKED, EXIT_USAGE } from './errors';
import type { ParseAccount } from './config-file';

/** Validates an account with its provider's own schema, through the registry. */
export const parseAccount: ParseAccount = (account) => parseAccountConfig(account);

/** Opens the store; a data dir held by another process becomes a one-line CliError (exit 3). */
export async function openStoreForCli(dataDir: string, options: { readOnly?: boolean; now?: () => Date } = {}): Promise<FleetStore> {
  // A reader cannot create the store; say what to do instead of DuckDB's IO error.
  if (options.readOnly && !existsSync(join(dataDir, STORE_FILE))) {
    throw new CliError(`no Fleetpane store in ${dataDir} yet: run fleetpane sync --config FILE --data-dir ${dataDir} first`, EXIT_USAGE);
  }
  try {
    return await openStore(dataDir, options);
  } catch (error) {
    if (error instanceof Error && error.name === 'StoreLockedError') throw new CliError(error.message, EXIT_LOCKED);
    throw error;
  }
}

/** A sync engine over the given (already validated) accounts. */
export function createEngine(
  store: FleetStore,
  accounts: readonly AccountConfigBase[],
  emit?: (event: AppEvent) => void,
  log?: Logger,
): SyncEngine {
  return new SyncEngine({
    store,
    accounts: accounts.map((config) => ({ config, connector: createConnector(config) })),
    ...(emit ? { emit } : {}),
    ...(log ? { log } : {}),
  });
}

/** The version in package.json (the CLI runs from source, so it reads the file beside it). */
export function packageVersion(): string {
  try {
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    const version = (JSON.parse(text) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** JSON lines on stderr at info level and above (per-run debug lines would drown the useful ones). */
export function stderrLogger(): Logger {
  const logger = jsonLineLogger((line) => process.stderr.write(line));
  return { ...logger, debug: () => undefined };
}
