/**
 * A vitest hook for tests that want a fresh store per test. Kept apart from test-support.ts because
 * test-child.ts (a plain Node child process) imports that file and must not load vitest.
 */
import { afterEach, beforeEach } from 'vitest';
import { openStore, type OpenStoreOptions } from '../index';
import { tempDataDir } from '../test-support';
import type { FleetStore } from '../types';

/** What each test gets: the open store and the temp data dir it lives in. */
export interface TempStore {
  store: FleetStore;
  dir: string;
}

/**
 * Opens a store in a new temp data dir before each test and hands it to `opened` (which may seed it);
 * closes it and removes the dir after each test.
 */
export function useTempStore(options: OpenStoreOptions, opened: (temp: TempStore) => void | Promise<void>): void {
  let current: { store: FleetStore; cleanup: () => Promise<void> } | undefined;
  beforeEach(async () => {
    const { dir, cleanup } = await tempDataDir();
    const store = await openStore(dir, options);
    current = { store, cleanup };
    await opened({ store, dir });
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.store.close();
    await done?.cleanup();
  });
}
