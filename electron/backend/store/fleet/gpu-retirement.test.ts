/**
 * gpu_retirement (schema v13): per account, whether any GPU row belongs to a machine that left the
 * inventory. The inventory write keeps it; v13 fills it from the tables of an existing store.
 */
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE } from '../index';
import { account, batchesOf, reapplyMigration, resource, run, tempDataDir } from '../test-support';

describe('which accounts keep GPUs of machines that left the inventory', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDataDir()));
  afterEach(async () => cleanup());

  /** gpu_retirement's rows by account, read from the closed store's file. */
  const retirement = async (): Promise<unknown[][]> => {
    const instance = await DuckDBInstance.create(join(dir, STORE_FILE), { access_mode: 'READ_ONLY' });
    const conn = await instance.connect();
    try {
      return (await conn.runAndReadAll('SELECT account, retired FROM gpu_retirement ORDER BY account')).getRowsJS();
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  };

  it('follow each inventory write, machines leaving and coming back, and v13 fills them the same', async () => {
    let store = await openStore(dir, { cacheOverview: false });
    await store.upsertAccounts([account('acct'), account('steady')]);
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('a-1', { gpuCount: 2 }), resource('a-2')]));
    await store.writeInventory(run('steady', 'inventory'), batchesOf([resource('s-1', { account: 'steady' })]));
    await store.close();
    expect(await retirement()).toEqual([['acct', false], ['steady', false]]);

    store = await openStore(dir, { cacheOverview: false });
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('a-2')]));
    await store.close();
    expect(await retirement()).toEqual([['acct', true], ['steady', false]]);
    // What v13 finds in the same tables, as a v12 store.
    expect(await reapplyMigration(dir, 13, 'DROP TABLE gpu_retirement')).toEqual([13]);
    expect(await retirement()).toEqual([['acct', true], ['steady', false]]);

    store = await openStore(dir, { cacheOverview: false });
    await store.writeInventory(run('acct', 'inventory'), batchesOf([resource('a-1', { gpuCount: 2 }), resource('a-2')]));
    await store.removeAccount('steady');
    await store.close();
    expect(await retirement()).toEqual([['acct', false]]);
  });
});
