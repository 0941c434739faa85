/**
 * IPC registration: one ipcMain.handle per contract channel (a loop over CHANNEL_IDS, so no channel
 * is forgotten). Each handler checks the sender is our renderer's main frame and validates the
 * request before it crosses into the backend process.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { CHANNEL_IDS, channels, type ApiReply, type ChannelId } from '../../shared/contract';
import { describeZodError } from '../../shared/format';
import { isTrustedRendererUrl, type RendererOrigin } from './trusted-sender';

/** Forwards a validated request to the backend. */
export type ForwardRequest = (channel: ChannelId, request: unknown) => Promise<ApiReply>;

function senderTrusted(event: IpcMainInvokeEvent, origin: RendererOrigin): boolean {
  const frame = event.senderFrame;
  // Only the top frame of our page: an iframe (there should be none) never speaks for the app.
  if (frame === null || frame.parent !== null) return false;
  return isTrustedRendererUrl(frame.url, origin);
}

/** Registers every channel; returns a function that removes them again. */
export function registerIpc(origin: RendererOrigin, forward: ForwardRequest, log: (line: string) => void): () => void {
  for (const channel of CHANNEL_IDS) {
    ipcMain.handle(channel, async (event, raw: unknown): Promise<ApiReply> => {
      if (!senderTrusted(event, origin)) {
        log(`ipc: refused ${channel} from ${event.senderFrame?.url ?? 'an unknown frame'}`);
        return { ok: false, error: { code: 'forbidden', message: 'this page may not call the Fleetpane API' } };
      }
      const parsed = channels[channel].request.safeParse(raw === undefined ? {} : raw);
      if (!parsed.success) {
        return { ok: false, error: { code: 'bad-request', message: describeZodError(parsed.error, `${channel} request`) } };
      }
      // Only the validated value crosses into the backend, which validates it again in dispatch.
      return forward(channel, parsed.data);
    });
  }
  return () => {
    for (const channel of CHANNEL_IDS) ipcMain.removeHandler(channel);
  };
}
