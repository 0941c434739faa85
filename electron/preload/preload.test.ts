import { describe, expect, it, vi } from 'vitest';
import type { FleetpaneBridge } from '../../shared/bridge';
import { EVENT_CHANNEL, type AppEvent } from '../../shared/contract';

const exposed = new Map<string, unknown>();
const listeners = new Map<string, Set<(event: unknown, payload: unknown) => void>>();
const invoke = vi.fn(async (_channel: string, _request: unknown) => ({ ok: true, data: {} }));

const getPathForFile = vi.fn((file: File) => `/home/sre/billing/${file.name}`);

vi.mock('electron', () => ({
  webUtils: { getPathForFile },
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke,
    on: (channel: string, listener: (event: unknown, payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener: (channel: string, listener: (event: unknown, payload: unknown) => void) => listeners.get(channel)?.delete(listener),
  },
}));

await import('./index');
const bridge = exposed.get('fleetpane') as FleetpaneBridge;

describe('preload bridge', () => {
  it('exposes one frozen object as window.fleetpane', () => {
    expect([...exposed.keys()]).toEqual(['fleetpane']);
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'onEvent', 'pathForFile']);
  });

  it('sends contract channels and refuses any other id before it leaves', async () => {
    await bridge.invoke('fleet:overview', {});
    expect(invoke).toHaveBeenCalledWith('fleet:overview', {});
    invoke.mockClear();
    const reply = await bridge.invoke('shell:exec' as never, { cmd: 'rm -rf /' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(invoke).not.toHaveBeenCalled();
  });

  it('delivers events without the IPC event object and unsubscribes', () => {
    const received: unknown[] = [];
    const stop = bridge.onEvent((event) => received.push(event));
    const event: AppEvent = { type: 'data-changed', account: 'demo', streams: ['costs'] };
    for (const listener of listeners.get(EVENT_CHANNEL) ?? []) listener({ sender: 'secret' }, event);
    expect(received).toEqual([event]);
    stop();
    expect(listeners.get(EVENT_CHANNEL)?.size).toBe(0);
  });

  it('gives the path of a dropped File through webUtils and refuses anything else', () => {
    expect(bridge.pathForFile?.(new File(['a'], 'focus.csv'))).toBe('/home/sre/billing/focus.csv');
    expect(() => bridge.pathForFile?.({ name: 'x.csv', size: 1 })).toThrow(/needs a File/);
    expect(getPathForFile).toHaveBeenCalledTimes(1);
  });
});
