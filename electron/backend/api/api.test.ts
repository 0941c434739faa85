import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ApiError, CHANNEL_IDS, channels, type ApiHandlers } from '../../../shared/contract';
import { Overview } from '../../../shared/overview';
import { createApi, dispatch } from './index';
import { createFakeStore } from './testing/fake-store';
import type { AccountsService } from '../accounts/accounts-service';

const fixedNow = () => new Date('2026-11-25T12:00:00.000Z');

function api(overrides: Partial<Parameters<typeof createApi>[0]> = {}) {
  const store = createFakeStore();
  const handlers = createApi({ store, mode: 'desktop', version: '1.2.3', demo: () => true, now: fixedNow, ...overrides });
  return { store, handlers };
}

describe('contract', () => {
  it('every channel has a request schema, a response schema and a handler', () => {
    const { handlers } = api();
    expect(CHANNEL_IDS.length).toBeGreaterThan(0);
    for (const id of CHANNEL_IDS) {
      expect(channels[id].request, id).toBeInstanceOf(z.ZodType);
      expect(channels[id].response, id).toBeInstanceOf(z.ZodType);
      expect(typeof handlers[id], id).toBe('function');
    }
    expect(Object.keys(handlers).sort()).toEqual([...CHANNEL_IDS].sort());
  });

  it('every channel answers with a reply its response schema accepts (fake store)', async () => {
    const { handlers } = api({ engine: { syncNow: () => ['demo'] } });
    const requests: Record<string, unknown> = {
      'fleet:utilisation-series': { range: '24h' },
      'fleet:resource': { account: 'demo', id: 'vm-1' },
      'incidents:get': { id: 'status:1' },
      'spend:report': { from: '2026-11-01', to: '2026-11-25' },
      'spend:gpu-hour-prices': { from: '2026-11-01', to: '2026-11-25' },
      'spend:budget-save': { id: 'b1', name: 'Azure', scope: { kind: 'cloud', cloud: 'azure' }, currency: 'USD', monthlyAmount: '1000' },
      'spend:budget-delete': { id: 'b1' },
      'spend:export': { query: { from: '2026-11-01', to: '2026-11-25' }, format: 'csv' },
      'spend:import-focus': { account: 'focus', files: ['focus.csv'] },
      'reports:save': { id: 'r1', name: 'Monthly', period: { kind: 'previous-month' }, groupBy: ['cloud'], filter: {}, formats: ['csv'] },
      'reports:delete': { id: 'r1' },
      'triage:incident': { id: 'status:1' },
      'triage:acknowledge': { id: 'status:1' },
      'triage:add-note': { id: 'status:1', body: 'looking' },
      'triage:snapshot': { id: 'status:1' },
      'alerts:set-settings': { rules: [], quietHours: { enabled: true, start: '22:00', end: '07:00' } },
    };
    for (const id of CHANNEL_IDS) {
      const reply = await dispatch(handlers, id, requests[id] ?? {}, { validateResponse: true });
      // Without an accounts service (a store served as-is) accounts are listed, never changed.
      const accountRequests: Record<string, unknown> = {
        'accounts:validate': { entry: {} },
        'accounts:save': { entry: {} },
        'accounts:set-enabled': { name: 'demo', enabled: false },
        'accounts:remove': { name: 'demo', confirm: 'demo' },
        'accounts:set-demo': { enabled: false },
        'accounts:import': { text: '{}' },
      };
      if (id in accountRequests) {
        const refused = await dispatch(handlers, id, accountRequests[id], { validateResponse: true });
        expect(refused, id).toMatchObject({ ok: false, error: { code: 'read-only' } });
        continue;
      }
      // Imported accounts need no config: listed as a read; removing one the store lacks is not-found.
      if (id === 'accounts:remove-imported') {
        const missing = await dispatch(handlers, id, { name: 'nothing-here', confirm: 'nothing-here' }, { validateResponse: true });
        expect(missing, id).toMatchObject({ ok: false, error: { code: 'not-found' } });
        continue;
      }
      if (id.startsWith('accounts:') && id !== 'accounts:list' && id !== 'accounts:state' && id !== 'accounts:imported') {
        expect(reply, id).toMatchObject({ ok: false, error: { code: 'read-only' } });
        continue;
      }
      expect(reply, id).toMatchObject({ ok: true });
    }
  });
});

describe('dispatch', () => {
  it('refuses unknown channels, including prototype keys', async () => {
    const { handlers } = api();
    for (const name of ['fleet:nope', 'constructor', '__proto__', 'toString']) {
      const reply = await dispatch(handlers, name, {});
      expect(reply).toEqual({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('unknown channel') } });
    }
  });

  it('refuses a malformed request and names the field', async () => {
    const { handlers, store } = api();
    const reply = await dispatch(handlers, 'fleet:utilisation-series', { range: '2y' });
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.code).toBe('bad-request');
    expect(reply.error.message).toContain('range');
    expect(store.calls).toEqual([]);

    const nested = await dispatch(handlers, 'fleet:overview', { filter: { clouds: ['mars'] } });
    expect(nested.ok ? '' : nested.error.message).toContain('filter.clouds.0');

    const notObject = await dispatch(handlers, 'sync:runs', 'limit=5');
    expect(notObject).toMatchObject({ ok: false, error: { code: 'bad-request' } });
  });

  it('applies request defaults before the handler runs', async () => {
    const { handlers, store } = api();
    await dispatch(handlers, 'fleet:utilisation-series', { range: '1h' });
    expect(store.calls[0]?.args).toEqual([fixedNow(), '1h', { clouds: [], regions: [], gpuModels: [] }, 'cloud']);
    await dispatch(handlers, 'sync:runs', {});
    expect(store.calls[1]).toEqual({ method: 'syncRuns', args: [undefined, 50] });
  });

  it('passes asOf through as a Date', async () => {
    const { handlers, store } = api();
    const reply = await dispatch(handlers, 'fleet:overview', { asOf: '2026-11-01T00:00:00Z' });
    expect(reply.ok).toBe(true);
    if (reply.ok) expect(Overview.parse(reply.data).asOf).toBe('2026-11-01T00:00:00.000Z');
    expect(store.calls[0]?.args[0]).toEqual(new Date('2026-11-01T00:00:00Z'));
  });

  it('maps ApiError to its code and message', async () => {
    const { handlers } = api();
    const reply = await dispatch(handlers, 'fleet:resource', { account: 'demo', id: 'missing' });
    expect(reply).toEqual({ ok: false, error: { code: 'not-found', message: 'no GPU machine "missing" in account "demo"' } });
  });

  it('hides unexpected errors behind a reference and logs them in full', async () => {
    const { handlers } = api();
    const log = vi.fn();
    const failing: ApiHandlers = {
      ...handlers,
      'accounts:list': async () => {
        throw new Error('connect failed: password=hunter2 at /secret/path');
      },
    };
    const reply = await dispatch(failing, 'accounts:list', {}, { log });
    expect(reply.ok).toBe(false);
    const text = JSON.stringify(reply);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('/secret/path');
    expect(text).toMatch(/internal error in accounts:list \(ref [0-9a-f]{8}\)/);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('hunter2'));
  });

  it('refuses a response that breaks the contract', async () => {
    const { handlers } = api();
    const log = vi.fn();
    const broken = { ...handlers, 'sync:runs': async () => ({ runs: 'none' }) } as unknown as ApiHandlers;
    const reply = await dispatch(broken, 'sync:runs', {}, { validateResponse: true, log });
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(log).toHaveBeenCalledWith(expect.stringContaining('runs'));
    const unchecked = await dispatch(broken, 'sync:runs', {}, { validateResponse: false, log });
    expect(unchecked).toEqual({ ok: true, data: { runs: 'none' } });
  });
});

describe('handlers', () => {
  it('app:info reports mode, demo and read-only', async () => {
    const desktop = api();
    expect(await desktop.handlers['app:info']({})).toMatchObject({ version: '1.2.3', mode: 'desktop', demo: true, readOnly: false });
    const serve = api({ mode: 'serve', demo: () => false });
    expect(await serve.handlers['app:info']({})).toMatchObject({ version: '1.2.3', mode: 'serve', demo: false, readOnly: true });
  });

  it('app:info says which writes are allowed: the desktop all, serve only what its flags allow', async () => {
    const managing = { canManage: () => true } as unknown as AccountsService;
    const notManaging = { canManage: () => false } as unknown as AccountsService;
    const writesOf = async (overrides: Parameters<typeof api>[0]) => (await api(overrides).handlers['app:info']({})).writes;
    expect(await writesOf({ accounts: managing })).toEqual({ triage: true, spend: true, accounts: true });
    // Without an accounts service the accounts channels refuse, so the screen must not offer them.
    expect(await writesOf({})).toEqual({ triage: true, spend: true, accounts: false });
    expect(await writesOf({ mode: 'serve', accounts: notManaging })).toEqual({ triage: false, spend: false, accounts: false });
    expect(await writesOf({ mode: 'serve', allowTriage: true })).toEqual({ triage: true, spend: false, accounts: false });
    expect(await writesOf({ mode: 'serve', allowSpendEdits: true, accounts: managing })).toEqual({ triage: false, spend: true, accounts: true });
    // A read-only store refuses every write, desktop included.
    const readOnlyStore = createFakeStore({ readOnly: true });
    expect(await writesOf({ store: readOnlyStore, accounts: managing })).toEqual({ triage: false, spend: false, accounts: false });
  });

  it('serve refuses acknowledgements, notes and alert-rule edits unless started with --allow-triage; the desktop accepts them', async () => {
    const writes: Record<string, unknown> = {
      'triage:acknowledge': { id: 'status:1' },
      'triage:add-note': { id: 'status:1', body: 'looking' },
      'alerts:set-settings': { rules: [], quietHours: { enabled: false, start: '22:00', end: '07:00' } },
    };
    const changed = vi.fn();
    const serve = api({ mode: 'serve', onAlertSettingsChanged: changed });
    const allowed = api({ mode: 'serve', allowTriage: true, onAlertSettingsChanged: changed });
    const desktop = api({ onAlertSettingsChanged: changed });
    for (const [channel, request] of Object.entries(writes)) {
      const refused = await dispatch(serve.handlers, channel, request);
      expect(refused, channel).toMatchObject({ ok: false, error: { code: 'read-only', message: expect.stringContaining('--allow-triage') } });
      expect(await dispatch(allowed.handlers, channel, request), channel).toMatchObject({ ok: true });
      expect(await dispatch(desktop.handlers, channel, request), channel).toMatchObject({ ok: true });
    }
    expect(serve.store.calls.map((c) => c.method)).not.toContain('acknowledgeIncident');
    // Reads stay open, and --allow-triage opens nothing else (budgets stay refused).
    expect(await dispatch(serve.handlers, 'triage:list', {})).toMatchObject({ ok: true });
    expect(await dispatch(allowed.handlers, 'spend:budget-delete', { id: 'b1' })).toMatchObject({ ok: false, error: { code: 'read-only' } });
    // Saved rules are re-evaluated at once: once by the allowed serve, once by the desktop.
    expect(changed).toHaveBeenCalledTimes(2);
  });

  it('sync:now asks the engine and names the accounts it started', async () => {
    const syncNow = vi.fn((account?: string) => {
      if (account !== undefined && account !== 'demo') throw new ApiError('not-found', `no account named "${account}"`);
      return ['demo'];
    });
    const { handlers } = api({ engine: { syncNow } });
    expect(await dispatch(handlers, 'sync:now', {})).toEqual({ ok: true, data: { started: ['demo'] } });
    expect(syncNow).toHaveBeenLastCalledWith(undefined);
    expect(await dispatch(handlers, 'sync:now', { account: 'demo' })).toEqual({ ok: true, data: { started: ['demo'] } });
    expect(syncNow).toHaveBeenLastCalledWith('demo');
    expect(await dispatch(handlers, 'sync:now', { account: 'other' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('sync:now without an engine says the backend does not sync', async () => {
    const { handlers } = api();
    const error = await handlers['sync:now']({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'read-only' });
  });
});
