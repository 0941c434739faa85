import { beforeEach, describe, expect, it, vi } from 'vitest';
import { CHANNEL_IDS, type ApiReply } from '../../shared/contract';

type Handler = (event: unknown, request: unknown) => Promise<ApiReply>;
const handlers = new Map<string, Handler>();

// The Electron binary is not needed: ipcMain is replaced by a table of handlers.
vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { registerIpc } = await import('./ipc');

const rendererDir = '/opt/fleetpane/out/renderer';
const ourPage = { senderFrame: { url: 'file:///opt/fleetpane/out/renderer/index.html', parent: null } };

describe('registerIpc', () => {
  const forward = vi.fn(async (_channel: string, request: unknown): Promise<ApiReply> => ({ ok: true, data: request }));
  const log = vi.fn();
  let unregister: () => void;

  beforeEach(() => {
    handlers.clear();
    forward.mockClear();
    log.mockClear();
    unregister = registerIpc({ kind: 'file', dir: rendererDir }, forward, log);
  });

  it('handles every contract channel, and removes them again', () => {
    expect([...handlers.keys()].sort()).toEqual([...CHANNEL_IDS].sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('forwards a valid request from our renderer, with defaults applied', async () => {
    const reply = await handlers.get('sync:runs')?.(ourPage, {});
    expect(reply).toEqual({ ok: true, data: { limit: 50 } });
    expect(forward).toHaveBeenCalledWith('sync:runs', { limit: 50 });
  });

  it('refuses other senders before anything reaches the backend', async () => {
    const senders = [
      { senderFrame: { url: 'https://evil.example/', parent: null } },
      { senderFrame: { url: ourPage.senderFrame.url, parent: {} } },
      { senderFrame: null },
    ];
    for (const sender of senders) {
      const reply = await handlers.get('fleet:overview')?.(sender, {});
      expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(forward).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(3);
  });

  it('refuses a malformed request and names the field', async () => {
    const reply = await handlers.get('fleet:utilisation-series')?.(ourPage, { range: 'forever' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringContaining('range') } });
    expect(forward).not.toHaveBeenCalled();
  });
});
