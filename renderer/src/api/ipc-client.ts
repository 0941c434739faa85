/** The desktop transport: the preload's window.fleetpane bridge over Electron IPC. */
import { ApiError, AppEvent } from '../../../shared/contract';
import type { FocusImportSummary } from '../../../shared/contract-spend';
import type { FleetpaneBridge } from '../../../shared/bridge';
import { asApiError, buildApiClient, type FleetpaneClient } from './transport';

/** Builds the typed client over the preload bridge; every reply is unwrapped and schema-checked. */
export function createIpcClient(bridge: FleetpaneBridge): FleetpaneClient {
  const api = buildApiClient(async (channel, request) => {
    try {
      return await bridge.invoke(channel, request);
    } catch (error) {
      throw asApiError(error, `${channel}: the desktop bridge refused the request`);
    }
  });
  return Object.freeze({
    ...api,
    async importFocusFiles(account: string, files: readonly File[]): Promise<FocusImportSummary> {
      const paths = files.map((file) => {
        const path = bridge.pathForFile?.(file) ?? '';
        if (path === '') throw new ApiError('bad-request', `${file.name}: this file has no path on disk; save it to a folder first, then drop it from there`);
        return path;
      });
      return api['spend:import-focus']({ account, files: paths });
    },
    onEvent(listener: (event: AppEvent) => void): () => void {
      return bridge.onEvent((raw) => {
        // The preload validates too; parsing here keeps the renderer honest if it ever does not.
        const event = AppEvent.safeParse(raw);
        if (event.success) listener(event.data);
      });
    },
  });
}
