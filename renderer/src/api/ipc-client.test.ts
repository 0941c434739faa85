import { describe, expect, it, vi } from 'vitest';
import { ApiError, type ApiReply, type AppEvent } from '../../../shared/contract';
import type { FleetpaneBridge } from '../../../shared/bridge';
import { overview } from '../testing/fixtures';
import { createIpcClient } from './ipc-client';

function bridgeReplying(reply: unknown): FleetpaneBridge & { invoke: ReturnType<typeof vi.fn> } {
  return { invoke: vi.fn(async () => reply as ApiReply), onEvent: vi.fn(() => () => undefined) };
}

describe('createIpcClient', () => {
  it('sends the channel and request over the bridge and returns validated data', async () => {
    const bridge = bridgeReplying({ ok: true, data: overview() });
    const client = createIpcClient(bridge);
    const result = await client['fleet:overview']({ asOf: '2026-11-25T14:05:00Z' });
    expect(bridge.invoke).toHaveBeenCalledWith('fleet:overview', { asOf: '2026-11-25T14:05:00Z' });
    expect(result.totals.gpus.total).toBe(48);
  });

  it('refuses when the reply is an error: throws ApiError with its code and message', async () => {
    const client = createIpcClient(bridgeReplying({ ok: false, error: { code: 'not-found', message: 'no such machine' } }));
    const error = await client['fleet:resource']({ account: 'a', id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'not-found', message: 'no such machine' });
  });

  it('refuses replies that break the contract', async () => {
    const client = createIpcClient(bridgeReplying({ ok: true, data: { accounts: [{ name: 1 }] } }));
    await expect(client['accounts:list']({})).rejects.toMatchObject({ code: 'internal', message: expect.stringMatching(/accounts:list/) });
    const garbage = createIpcClient(bridgeReplying('nope'));
    await expect(garbage['accounts:list']({})).rejects.toThrow(/malformed reply/);
  });

  it('wraps a bridge that throws (e.g. an unknown channel refused by the preload) as ApiError', async () => {
    const bridge: FleetpaneBridge = { invoke: vi.fn(async () => Promise.reject(new Error('unknown channel'))), onEvent: () => () => undefined };
    await expect(createIpcClient(bridge)['app:info']({})).rejects.toMatchObject({ name: 'ApiError', message: expect.stringMatching(/unknown channel/) });
  });

  it('passes on only events that match the contract', () => {
    let push: (e: AppEvent) => void = () => undefined;
    const unsubscribe = vi.fn();
    const bridge: FleetpaneBridge = {
      invoke: vi.fn(),
      onEvent: (l) => {
        push = l;
        return unsubscribe;
      },
    };
    const seen: AppEvent[] = [];
    const off = createIpcClient(bridge).onEvent((e) => seen.push(e));
    push({ type: 'data-changed', account: 'a', streams: ['costs'] });
    push({ type: 'nonsense' } as unknown as AppEvent);
    expect(seen).toEqual([{ type: 'data-changed', account: 'a', streams: ['costs'] }]);
    off();
    expect(unsubscribe).toHaveBeenCalled();
  });

  it('imports dropped files by their paths from the bridge, and refuses a file without one', async () => {
    const summary = { account: 'billing', rows: 1, replacedRows: 0, files: [{ file: '/data/a.csv', focusVersion: '1.0', rows: 1, billingPeriods: [], emptyCellsReadAsNull: {} }] };
    const bridge = { ...bridgeReplying({ ok: true, data: summary }), pathForFile: (f: { name: string }) => (f.name === 'memory.csv' ? '' : `/data/${f.name}`) };
    const client = createIpcClient(bridge);
    expect(await client.importFocusFiles('billing', [new File(['x'], 'a.csv')])).toEqual(summary);
    expect(bridge.invoke).toHaveBeenCalledWith('spend:import-focus', { account: 'billing', files: ['/data/a.csv'] });
    const error = await client.importFocusFiles('billing', [new File(['x'], 'memory.csv')]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'bad-request', message: expect.stringContaining('memory.csv: this file has no path on disk') });
  });
});
