import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore, STORE_FILE, StoreCorruptError } from './index';
import { account, tempDataDir } from './test-support';

describe('opening a store file that is cut short', () => {
  it('is reported as a damaged store, not as an IO error', async () => {
    const { dir, cleanup } = await tempDataDir();
    try {
      const store = await openStore(dir);
      await store.upsertAccounts([account('lab')]);
      await store.close();
      const file = join(dir, STORE_FILE);
      const bytes = await readFile(file);
      await writeFile(file, bytes.subarray(0, Math.min(300_000, Math.floor(bytes.length / 2))));
      await expect(openStore(dir, { readOnly: true })).rejects.toBeInstanceOf(StoreCorruptError);
    } finally {
      await cleanup();
    }
  });
});
