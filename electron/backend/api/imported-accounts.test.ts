/**
 * Imported accounts over a real store: cost rows under a name with no configured account are listed
 * (rows, providers, period) and removed with every cost row and import record, through the
 * account-removal path; configured accounts and their cost rows are left alone.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppEvent } from '../../../shared/contract';
import { dispatch } from './dispatch';
import { createApi } from './index';
import { openStore } from '../store/index';
import { account, tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';

const SAMPLE = fileURLToPath(new URL('../reports/testing/fixtures/focus_1.0_sample_oracle.csv', import.meta.url));

let store: FleetStore | null = null;
let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await store?.close();
  await cleanup?.();
  store = null;
  cleanup = null;
});

describe('imported accounts', () => {
  it('are listed with their cost rows and removed with them, after the name is confirmed', async () => {
    const data = await tempDataDir();
    cleanup = data.cleanup;
    const s = await openStore(data.dir);
    store = s;
    await s.upsertAccounts([account('oci-prod', { provider: 'oci' })]);
    await s.importFocus([SAMPLE], 'oci-prod');
    const imported = await s.importFocus([SAMPLE], 'finance-import');
    const events: AppEvent[] = [];
    // No accounts service: the store's account table names the configured accounts.
    const handlers = createApi({
      store: s,
      mode: 'desktop',
      version: '0.0.0-test',
      demo: () => false,
      emitSpendEvent: (e) => events.push(e),
    });

    const listed = await dispatch(handlers, 'accounts:imported', {}, { validateResponse: true });
    expect(listed).toEqual({
      ok: true,
      data: { accounts: [{ name: 'finance-import', providers: ['Oracle'], rows: imported.rows, from: expect.any(String), to: expect.any(String) }] },
    });

    const unconfirmed = await dispatch(handlers, 'accounts:remove-imported', { name: 'finance-import', confirm: 'finance' });
    expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^confirm: /) } });
    const configured = await dispatch(handlers, 'accounts:remove-imported', { name: 'oci-prod', confirm: 'oci-prod' });
    expect(configured).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^name: .*configured/) } });
    const markup = await dispatch(handlers, 'accounts:remove-imported', { name: '<b>x</b>', confirm: '<b>x</b>' });
    expect(markup).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(JSON.stringify(markup)).not.toContain('<b>');

    const removed = await dispatch(handlers, 'accounts:remove-imported', { name: 'finance-import', confirm: 'finance-import' }, { validateResponse: true });
    // Its cost rows and its import record(s).
    expect(removed).toMatchObject({ ok: true, data: { name: 'finance-import', deletedRows: expect.any(Number) } });
    expect((removed as { data: { deletedRows: number } }).data.deletedRows).toBeGreaterThanOrEqual(imported.rows);
    expect(events).toContainEqual({ type: 'data-changed', account: 'finance-import', streams: ['costs'] });
    expect(await dispatch(handlers, 'accounts:imported', {})).toEqual({ ok: true, data: { accounts: [] } });
    expect((await s.costAccounts()).map((a) => a.name)).toEqual(['oci-prod']);
  });
});
