/**
 * A config with thousands of accounts (a generated list, most switched off) must not make the store's
 * memory grow with the account count: registering them, syncing and reading the overview all work
 * on DuckDB's default memory limit.
 */
import { describe, expect, it } from 'vitest';
import { DemoConfig } from '../providers/demo/config';
import { createDemoConnector } from '../providers/demo/index';
import type { SyncAccount } from './engine';
import { syncIntoStore } from './testing/sync-into-store';

const ACCOUNTS = 5_000;

describe('thousands of disabled accounts', () => {
  it('syncs and reads the overview with 5,000 accounts, all disabled', async () => {
    const accounts: SyncAccount[] = Array.from({ length: ACCOUNTS }, (_, i) => {
      const config = DemoConfig.parse({ name: `lab-${i}`, provider: 'demo', enabled: false });
      return { config, connector: createDemoConnector(config) };
    });
    const now = new Date('2026-11-25T12:00:00Z');
    const synced = await syncIntoStore(accounts, { now, dirPrefix: 'fleetpane-many-accounts-', triage: false });
    try {
      expect(synced.summary.ok).toBe(true);
      expect(synced.summary.accounts).toEqual([]);
      expect(synced.overview.totals.gpus.total).toBe(0);
      const listed = await synced.store.accounts(now);
      expect(listed.accounts).toHaveLength(ACCOUNTS);
      expect(listed.accounts.every((a) => !a.enabled)).toBe(true);
    } finally {
      await synced.close();
    }
  }, 60_000);
});
