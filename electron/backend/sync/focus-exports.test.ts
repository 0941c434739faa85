import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FocusExportFiles } from '../providers/types';
import { FocusImportError, type FocusImportOptions, type FocusImportResult } from '../store/focus/index';
import { SyncEngine } from './engine';
import { FakeConnector, accountConfig, batchesOf, costRow } from './testing/fake-connector';
import { FakeStore } from './testing/fake-store';

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);

/** A connector whose spend comes as FOCUS export files, recording which periods were disposed. */
function exportingAccount(periods: { billingPeriod: string; files: string[] }[]) {
  const disposed: string[] = [];
  // costs() would write rows; with focusExports the engine must not call it.
  const connector = Object.assign(new FakeConnector('aws-prod', 'demo', { costs: (req) => batchesOf([costRow(req.from, '9.99')]) }), {
    async *focusExports(): AsyncIterable<FocusExportFiles> {
      for (const p of periods) yield { ...p, dispose: async () => void disposed.push(p.billingPeriod) };
    },
  });
  return { account: { config: accountConfig('aws-prod', 'demo'), connector }, disposed };
}

class RefusingStore extends FakeStore {
  override async importFocus(files: readonly string[], account: string, _p?: unknown, _o?: FocusImportOptions): Promise<FocusImportResult> {
    void account;
    throw new FocusImportError(files[1] ?? '(none)', 'cannot be read as Parquet (not a Parquet file, or damaged)');
  }
}

beforeEach(() => vi.useFakeTimers({ now: NOW }));
afterEach(() => vi.useRealTimers());

describe('costs of a connector with FOCUS exports', () => {
  it('hands every period\'s files to the store\'s FOCUS importer in one import with the run, then deletes them', async () => {
    const { account, disposed } = exportingAccount([
      { billingPeriod: '2026-10', files: ['/tmp/x/0/a-00001.parquet', '/tmp/x/1/a-00002.parquet'] },
      { billingPeriod: '2026-11', files: ['/tmp/y/0/a-00001.csv.gz'] },
    ]);
    const store = new FakeStore();
    const engine = new SyncEngine({ store, accounts: [account], random: () => 0.5 });
    const pending = engine.syncOnce();
    await vi.runAllTimersAsync();
    const summary = await pending;
    expect(summary.accounts[0]?.streams.costs.status).toBe('ok');
    expect(store.focusImports).toEqual([{ account: 'aws-prod', files: ['/tmp/x/0/a-00001.parquet', '/tmp/x/1/a-00002.parquet', '/tmp/y/0/a-00001.csv.gz'] }]);
    expect(account.connector.calls.costs).toEqual([]);
    expect(store.costRows.get('aws-prod')).toBeUndefined();
    expect(store.runs.filter((r) => r.stream === 'costs').map((r) => r.status)).toEqual(['ok']);
    expect(disposed).toEqual(['2026-10', '2026-11']);
  });

  it('records a refused file as malformed, naming the file and its billing period, and still deletes the downloads', async () => {
    const { account, disposed } = exportingAccount([{ billingPeriod: '2026-10', files: ['/tmp/x/0/a-00001.parquet', '/tmp/x/1/a-00002.parquet'] }]);
    const store = new RefusingStore();
    const engine = new SyncEngine({ store, accounts: [account], random: () => 0.5 });
    const pending = engine.syncOnce();
    await vi.runAllTimersAsync();
    const costs = (await pending).accounts[0]?.streams.costs;
    expect(costs?.status).toBe('error');
    expect(costs?.error?.kind).toBe('malformed');
    expect(costs?.error?.message).toContain('billing period 2026-10');
    expect(costs?.error?.message).toContain('a-00002.parquet');
    expect(costs?.error?.message).not.toContain('/tmp/x');
    expect(costs?.attempts).toBe(1);
    expect(disposed).toEqual(['2026-10']);
  });
});
