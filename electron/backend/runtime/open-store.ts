/** Opening the store for the CLI and the backend host, with its failures as one-line CliErrors. */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, STORE_FILE } from '../store/index';
import type { FleetStore } from '../store/types';
import { CliError, EXIT_LOCKED, EXIT_USAGE } from './errors';

/**
 * Checks the data dir is a folder (creating it owner-only when `create` and absent): a path that
 * names a file is bad input, said in one line, not a mkdir or DuckDB IO error.
 */
export function prepareDataDir(dataDir: string, create: boolean): void {
  let isFolder: boolean;
  try {
    isFolder = statSync(dataDir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new CliError(`data dir ${dataDir} is inside a file, not a folder`, EXIT_USAGE);
    if (code !== 'ENOENT') throw new CliError(`data dir ${dataDir} cannot be read (${code ?? 'error'})`, EXIT_USAGE);
    if (!create) return;
    try {
      // Owner-only: the store holds the fleet's inventory and spend.
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    } catch (mkdirError) {
      const why = (mkdirError as NodeJS.ErrnoException).code ?? 'error';
      throw new CliError(`data dir ${dataDir} cannot be created (${why}${why === 'ENOTDIR' || why === 'EEXIST' ? ': a file is in the way' : ''})`, EXIT_USAGE);
    }
    return;
  }
  if (!isFolder) throw new CliError(`data dir ${dataDir} is a file, not a folder: give a folder for the store`, EXIT_USAGE);
}

/**
 * Opens the store; a data dir held by another process becomes a one-line CliError (exit 3), a file
 * that is not a readable Fleetpane store (damaged, another program's, newer) is bad input (exit 2).
 */
export async function openStoreForCli(dataDir: string, options: { readOnly?: boolean; now?: () => Date } = {}): Promise<FleetStore> {
  prepareDataDir(dataDir, !options.readOnly);
  // A reader cannot create the store; say what to do instead of DuckDB's IO error.
  if (options.readOnly && !existsSync(join(dataDir, STORE_FILE))) {
    throw new CliError(`no Fleetpane store in ${dataDir} yet: run fleetpane sync --config FILE --data-dir ${dataDir} first`, EXIT_USAGE);
  }
  try {
    return await openStore(dataDir, options);
  } catch (error) {
    if (error instanceof Error && error.name === 'StoreLockedError') throw new CliError(error.message, EXIT_LOCKED);
    if (error instanceof Error && error.name === 'StoreCorruptError') {
      throw new CliError(`store file ${join(dataDir, STORE_FILE)} is damaged or not a Fleetpane store: move it aside and sync again`, EXIT_USAGE);
    }
    if (error instanceof Error && error.name === 'StoreVersionError') throw new CliError(`store in ${dataDir}: ${error.message}`, EXIT_USAGE);
    throw error;
  }
}
