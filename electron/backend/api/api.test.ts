import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  ApiError,
  CHANGE_VERBS,
  CHANNEL_IDS,
  channelNamesHostPaths,
  channels,
  channelWrites,
  SERVE_WRITE_FLAGS,
  WRITE_CHANNELS,
  WRITE_KINDS,
  type ApiHandlers,
  type ChannelDefinition,
} from '../../../shared/contract';
import { Overview } from '../../../shared/overview';
import { createApi, dispatch, serveRefusal } from './index';
import { createFakeStore } from './testing/fake-store';
import { managingAccounts, WRITE_REQUESTS, writeChannels } from './testing/write-requests';
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

  it('every channel declares what it writes: one kind of write, or nothing for a read', () => {
    for (const id of CHANNEL_IDS) {
      const definition: ChannelDefinition = channels[id];
      expect(Object.keys(definition).filter((key) => !['request', 'response', 'writes', 'hostPaths'].includes(key)), id).toEqual([]);
      if (definition.writes !== undefined) expect(WRITE_KINDS, id).toContain(definition.writes);
      // Naming files on the host is only refused for what writes; a read naming host files would slip through.
      if (definition.hostPaths === true) expect(definition.writes, id).toBeDefined();
    }
    // The declarations, read back as serve's policy sees them: a change here is a change of what serve's flags open.
    expect(WRITE_CHANNELS).toEqual({
      accounts: ['accounts:save', 'accounts:set-enabled', 'accounts:remove', 'accounts:set-demo', 'accounts:import'],
      triage: ['triage:acknowledge', 'triage:add-note', 'alerts:set-settings'],
      spend: ['spend:budget-save', 'spend:budget-delete', 'spend:import-focus', 'reports:save', 'reports:delete', 'accounts:remove-imported'],
    });
    expect(CHANNEL_IDS.filter(channelNamesHostPaths)).toEqual(['spend:import-focus']);
  });

  it('no channel named like a change is left undeclared', () => {
    const undeclared = CHANNEL_IDS.filter((id) => {
      const words = (id.split(':')[1] ?? '').split('-');
      return words.some((word) => CHANGE_VERBS.includes(word)) && channelWrites(id) === null;
    });
    expect(undeclared).toEqual([]);
  });

  it('serve refuses each write channel without its flag, naming the flag, and allows it with it', async () => {
    for (const { channel, kind } of writeChannels()) {
      const request = WRITE_REQUESTS[channel];
      expect(request, `${channel}: give it a request in testing/write-requests.ts`).toBeDefined();
      const others = Object.fromEntries(WRITE_KINDS.filter((k) => k !== kind).map((k) => [k, true]));
      const closed = api({ mode: 'serve', accounts: managingAccounts(), serveWrites: others });
      const refused = await dispatch(closed.handlers, channel, request);
      expect(serveRefusal(channel, others), channel).not.toBeNull();
      const hint = channelNamesHostPaths(channel) ? 'serving host' : SERVE_WRITE_FLAGS[kind].flag;
      expect(refused, channel).toMatchObject({ ok: false, error: { code: 'read-only', message: expect.stringContaining(hint) } });
      expect(closed.store.calls, channel).toEqual([]);

      const open = api({ mode: 'serve', accounts: managingAccounts(), serveWrites: { [kind]: true } });
      const reply = await dispatch(open.handlers, channel, request);
      if (channelNamesHostPaths(channel)) {
        // Paths on the serving host stay refused whatever the flags: the browser uploads the file instead.
        expect(reply, channel).toMatchObject({ ok: false, error: { code: 'read-only' } });
        continue;
      }
      expect(serveRefusal(channel, { [kind]: true }), channel).toBeNull();
      // Allowed: the handler runs (removing an imported account the store lacks is not-found, not refused).
      expect(reply.ok || reply.error.code !== 'read-only', `${channel}: ${JSON.stringify(reply)}`).toBe(true);
    }
    // Reads are never refused, with or without flags.
    for (const id of CHANNEL_IDS.filter((c) => channelWrites(c) === null)) expect(serveRefusal(id), id).toBeNull();
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

  it('asks the store for one machine window with the defaults, and refuses windows it must not serve', async () => {
    const { handlers, store } = api();
    const reply = await dispatch(handlers, 'fleet:machines', { cloudKey: 'azure', text: 'gpu-a' }, { validateResponse: true });
    expect(reply.ok).toBe(true);
    expect(store.calls[0]).toEqual({
      method: 'machineWindow',
      args: [
        fixedNow(),
        { filter: { clouds: [], regions: [], gpuModels: [] }, cloudKey: 'azure', text: 'gpu-a', sort: { key: 'name', direction: 'ascending' }, offset: 0, limit: 200 },
      ],
    });
    for (const [request, field] of [
      [{ limit: 5000 }, 'limit'],
      [{ offset: -1 }, 'offset'],
      [{ sort: { key: 'spend', direction: 'ascending' } }, 'sort.key'],
      [{ text: 'x'.repeat(201) }, 'text'],
    ] as const) {
      const refused = await dispatch(handlers, 'fleet:machines', request);
      expect(refused.ok ? '' : refused.error.message, field).toContain(field);
    }
    expect(store.calls).toHaveLength(1);
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
    // Serve opens the accounts screen only with its flag, whatever the service could do.
    expect(await writesOf({ mode: 'serve', accounts: managing })).toEqual({ triage: false, spend: false, accounts: false });
    expect(await writesOf({ mode: 'serve', serveWrites: { triage: true } })).toEqual({ triage: true, spend: false, accounts: false });
    expect(await writesOf({ mode: 'serve', serveWrites: { spend: true, accounts: true }, accounts: managing })).toEqual({ triage: false, spend: true, accounts: true });
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
    const allowed = api({ mode: 'serve', serveWrites: { triage: true }, onAlertSettingsChanged: changed });
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
