/** Picks the transport: the preload bridge in the desktop app, HTTP in serve mode. */
import type { FleetpaneBridge } from '../../../shared/bridge';
import { createHttpClient } from './http-client';
import { createIpcClient } from './ipc-client';
import type { FleetpaneClient } from './transport';

type WindowWithBridge = Window & { fleetpane?: FleetpaneBridge };

let singleton: FleetpaneClient | null = null;

/** The app's one client: IPC when window.fleetpane exists, else HTTP against this origin. */
export function getClient(): FleetpaneClient {
  if (singleton === null) {
    const bridge = (window as WindowWithBridge).fleetpane;
    singleton =
      bridge !== undefined
        ? createIpcClient(bridge)
        : createHttpClient('', globalThis.fetch, {
            token: readLaunchToken(window.location),
            onTokenUsed: () => stripLaunchToken(window.location, window.history),
          });
  }
  return singleton;
}

/** The `?token=` a serve-mode address was opened with, if any. */
export function readLaunchToken(location: Pick<Location, 'search'>): string | null {
  const token = new URLSearchParams(location.search).get('token');
  return token === null || token === '' ? null : token;
}

/** Removes `token` from the address bar so it is not bookmarked, shared or kept in history. */
export function stripLaunchToken(location: Pick<Location, 'pathname' | 'search' | 'hash'>, history: Pick<History, 'replaceState' | 'state'>): void {
  const params = new URLSearchParams(location.search);
  if (!params.has('token')) return;
  params.delete('token');
  const search = params.toString();
  history.replaceState(history.state, '', `${location.pathname}${search === '' ? '' : `?${search}`}${location.hash}`);
}
