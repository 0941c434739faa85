/**
 * A vitest hook for tests that want a fresh store per test. Kept apart from test-support.ts because
 * test-child.ts (a plain Node child process) imports that file and must not load vitest.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach } from 'vitest';
import { openStore, type OpenStoreOptions } from '../index';
import { oneGpuStoreFile, tempDataDir } from '../test-support';
import type { FleetStore } from '../types';

/** What each test gets: the open store and the temp data dir it lives in. */
export interface TempStore {
  /** The open store; whileClosed replaces it with the one it opens again. */
  store: FleetStore;
  dir: string;
  /**
   * Closes the store, runs `body` while nothing holds the file (to query or change it directly), and
   * opens the store again with the same options, whether or not `body` threw.
   */
  whileClosed<T>(body: () => Promise<T>): Promise<T>;
}

/**
 * Opens a store in a new temp data dir before each test and hands it to `opened` (which may seed it);
 * closes it (or the one whileClosed opened last) and removes the dir after each test.
 */
export function useTempStore(options: OpenStoreOptions, opened: (temp: TempStore) => void | Promise<void>): void {
  let current: { temp: TempStore; cleanup: () => Promise<void> } | undefined;
  beforeEach(async () => {
    const { dir, cleanup } = await tempDataDir();
    const temp: TempStore = {
      store: await openStore(dir, options),
      dir,
      async whileClosed(body) {
        await temp.store.close();
        try {
          return await body();
        } finally {
          temp.store = await openStore(dir, options);
        }
      },
    };
    current = { temp, cleanup };
    await opened(temp);
  });
  afterEach(async () => {
    const done = current;
    current = undefined;
    await done?.temp.store.close();
    await done?.cleanup();
  });
}

/** A one-GPU store file opened directly (oneGpuStoreFile) before each test, removed after each. */
export function useOneGpuStoreFile(nowMs: number): { readonly conn: DuckDBConnection; readonly gpuId: number } {
  let current: Awaited<ReturnType<typeof oneGpuStoreFile>> | undefined;
  beforeEach(async () => {
    current = await oneGpuStoreFile(nowMs);
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const open = (): Awaited<ReturnType<typeof oneGpuStoreFile>> => {
    if (current === undefined) throw new Error('the store file is open only inside a test');
    return current;
  };
  return {
    get conn() {
      return open().conn;
    },
    get gpuId() {
      return open().gpuId;
    },
  };
}
