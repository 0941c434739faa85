/**
 * Where Fleetpane keeps its data when no --data-dir is given. The CLI and the Electron shell both use
 * this, so `fleetpane serve` on a desktop reads the same store the app writes.
 */
import { homedir } from 'node:os';
import { join, win32, posix } from 'node:path';

/** The folder name under the OS's per-user application data folder. */
export const APP_FOLDER = 'Fleetpane';

/** The config file looked up in the user data folder when no --config is given. */
export const DEFAULT_CONFIG_FILE = 'config.json';

export interface PlatformEnv {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
}

/**
 * The per-user data folder: %APPDATA%\Fleetpane on Windows, ~/Library/Application Support/Fleetpane
 * on macOS, $XDG_CONFIG_HOME/Fleetpane or ~/.config/Fleetpane elsewhere (the same folder Electron's
 * app.getPath('userData') gives for productName Fleetpane).
 */
export function userDataDir(
  { platform, env, home }: PlatformEnv = { platform: process.platform, env: process.env, home: homedir() },
): string {
  if (platform === 'win32') {
    const appData = env.APPDATA && env.APPDATA.length > 0 ? env.APPDATA : win32.join(home, 'AppData', 'Roaming');
    return win32.join(appData, APP_FOLDER);
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', APP_FOLDER);
  const xdg = env.XDG_CONFIG_HOME;
  // XDG says a relative XDG_CONFIG_HOME is invalid and must be ignored.
  const base = xdg && xdg.startsWith('/') ? xdg : posix.join(home, '.config');
  return posix.join(base, APP_FOLDER);
}

/** The config file in the user data folder (used when --config is absent). */
export function defaultConfigPath(dataDir: string = userDataDir()): string {
  return join(dataDir, DEFAULT_CONFIG_FILE);
}
