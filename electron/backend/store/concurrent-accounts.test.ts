/**
 * Several accounts committing their inventories at once (serve and the desktop sync accounts in
 * parallel): every new GPU must get its own gpu_id, and no write may fail on a key conflict.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { join } from 'node:path';
import { openStore, STORE_FILE } from './index';
import type { FleetStore } from './types';
import { account, batchesOf, resource, run, tempDataDir } from './test-support';

const ACCOUNTS = ['gcp-a', 'gcp-b', 'gcp-c', 'azure-d', 'oci-e'];
const MACHINES = 30;
const GPUS_PER_MACHINE = 8;

describe('concurrent inventory writes of several accounts', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: FleetStore;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDataDir());
    store = await openStore(dir);
    await store.upsertAccounts(ACCOUNTS.map((name) => account(name)));
  });
  afterEach(async () => {
    await store.close();
    await cleanup();
  });

  it('stores every GPU of 5 accounts written at once, each with a distinct gpu_id', async () => {
    const inventory = (name: string) =>
      Array.from({ length: MACHINES }, (_, i) => resource(`${name}-vm-${i}`, { account: name, gpuCount: GPUS_PER_MACHINE }));
    // Twice, so the second round also races against GPUs the first one numbered.
    for (let round = 0; round < 2; round++) {
      const written = await Promise.all(
        ACCOUNTS.map((name) => store.writeInventory(run(name, 'inventory'), batchesOf(inventory(name).slice(0, MACHINES - round)))),
      );
      expect(written).toEqual(ACCOUNTS.map(() => MACHINES - round));
    }
    await store.close();
    const instance = await DuckDBInstance.create(join(dir, STORE_FILE));
    const conn = await instance.connect();
    const counted = (await conn.runAndReadAll('SELECT count(*)::INTEGER, count(DISTINCT gpu_id)::INTEGER, count(DISTINCT account)::INTEGER FROM gpu')).getRowsJS();
    conn.closeSync();
    instance.closeSync();
    store = await openStore(dir);
    expect(counted[0]).toEqual([ACCOUNTS.length * MACHINES * GPUS_PER_MACHINE, ACCOUNTS.length * MACHINES * GPUS_PER_MACHINE, ACCOUNTS.length]);
  });
});
