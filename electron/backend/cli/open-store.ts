/** Opening the store for the CLI and the backend host, with its failures as one-line CliErrors. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, STORE_FILE } from '../store/index';
import type { FleetStore } from '../store/types';
import { CliError, EXIT_LOCKED, EXIT_USAGE } from './errors';

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
