/**
 * The preload: exposes one frozen FleetpaneBridge as window.fleetpane and nothing else. Sandboxed,
 * so it is bundled to CommonJS (index.cjs).
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { FleetpaneBridge, PickedFile } from '../../shared/bridge';
import { CHANNEL_IDS, EVENT_CHANNEL, type ApiReply, type AppEvent } from '../../shared/contract';

const allowed = new Set<string>(CHANNEL_IDS);

const bridge: FleetpaneBridge = Object.freeze({
  invoke(channel: string, request: unknown): Promise<ApiReply> {
    if (typeof channel !== 'string' || !allowed.has(channel)) {
      return Promise.resolve({ ok: false, error: { code: 'bad-request', message: `unknown channel "${String(channel)}"` } });
    }
    return ipcRenderer.invoke(channel, request) as Promise<ApiReply>;
  },
  onEvent(listener: (event: AppEvent) => void): () => void {
    if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
    // The IPC event object (with its sender) never reaches the page; only the payload does.
    const handler = (_event: IpcRendererEvent, payload: AppEvent) => listener(payload);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, handler);
    };
  },
  pathForFile(file: PickedFile): string {
    // Only a real File (from a drop or a file input) has a path; anything else is refused here.
    if (!(file instanceof File)) throw new TypeError('pathForFile needs a File from a drop or a file input');
    return webUtils.getPathForFile(file);
  },
});

contextBridge.exposeInMainWorld('fleetpane', bridge);
