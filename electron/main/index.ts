/**
 * The Electron shell: lifecycle, the one window, menu, tray and IPC. Thin by design: every read and
 * write of data happens in the backend host (a utility process), reached through backend-client.
 */
import { app, BrowserWindow, dialog, safeStorage, screen, session, shell, type WebContents } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_CHANNEL, type AppEvent } from '../../shared/contract';
import { Overview } from '../../shared/overview';
import { userDataDir } from '../backend/paths';
import { CONTENT_SECURITY_POLICY } from '../backend/server/security-headers';
import { startBackend, type BackendClient } from './backend-client';
import { registerIpc } from './ipc';
import { electronPdfPrinter, withPdfExport } from './report-pdf';
import { answerCipher } from './secret-cipher';
import { installAppMenu } from './menu';
import { createTray, type FleetTray } from './tray';
import { handleAlertEvent } from './alert-notifier';
import type { RendererOrigin } from './trusted-sender';
import { fitToDisplays, loadWindowState, saveWindowState, type WindowState } from './window-state';

const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = join(here, '..', 'renderer');
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const origin: RendererOrigin = devServerUrl ? { kind: 'dev', url: devServerUrl } : { kind: 'file', dir: rendererDir };
const log = (line: string) => process.stderr.write(`${line}\n`);

// The same folder the CLI defaults to, also in development (where Electron would name it after
// package.json's lower-case "name" instead of the product name).
app.setPath('userData', userDataDir());

let mainWindow: BrowserWindow | null = null;
let backend: BackendClient | null = null;
let tray: FleetTray | null = null;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  // Another Fleetpane owns the store; it gets focus (second-instance below) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
  app.whenReady().then(start, (error: unknown) => fatal(String(error)));
  app.on('window-all-closed', () => {
    // The tray keeps the app (and its syncs) running; quitting is explicit.
    if (tray === null) app.quit();
  });
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => {
    if (quitting || backend === null) return;
    event.preventDefault();
    quitting = true;
    const stopping = backend;
    backend = null;
    void stopping.stop().finally(() => app.quit());
  });
}

/** No navigation, no new windows, no webviews, no permissions: the app shows our renderer only. */
function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (url !== contents.getURL()) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Incident source links open in the user's browser; nothing opens inside the app.
    if (/^https:\/\//i.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
}

function installSessionPolicy(): void {
  const ses = session.defaultSession;
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

async function start(): Promise<void> {
  installSessionPolicy();
  const userDataFolder = app.getPath('userData');
  backend = startBackend(join(here, 'backend-host.js'), {
    userDataFolder,
    configFile: process.env.FLEETPANE_CONFIG ?? null,
    dataDir: process.env.FLEETPANE_DATA_DIR ?? null,
    version: app.getVersion(),
  }, (op, text) => answerCipher(safeStorage, process.platform, op, text),
  // Scheduled PDF reports: the host asks, main prints in a hidden window as for spend:export.
  electronPdfPrinter({ rendererDir, devServerUrl, webPreferences: windowPreferences() }));
  const client = backend;
  registerIpc(
    origin,
    withPdfExport((channel, request) => client.request(channel, request), { rendererDir, devServerUrl, webPreferences: windowPreferences() }),
    log,
  );
  client.onEvent((event) => forwardEvent(event));

  let ready: Awaited<BackendClient['ready']>;
  try {
    ready = await client.ready;
  } catch (error) {
    fatal(error instanceof Error ? error.message : String(error));
    return;
  }
  const syncNow = () => void client.request('sync:now', {});
  installAppMenu({ syncNow, openDataFolder: () => void shell.openPath(ready.dataDir) });
  tray = createTray({ show: showWindow, syncNow, quit: () => app.quit() });
  createWindow(ready.demo);
  void refreshIncidentCount();
}

function windowStateFile(): string {
  return join(app.getPath('userData'), 'window-state.json');
}

/** The web preferences of every window (the main one and the hidden one that prints reports). */
function windowPreferences(): Electron.WebPreferences {
  return {
    preload: join(here, '..', 'preload', 'index.cjs'),
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

function createWindow(demo: boolean): void {
  const saved = fitToDisplays(loadWindowState(windowStateFile()), screen.getAllDisplays().map((d) => d.workArea));
  const window = new BrowserWindow({
    ...(saved.x !== undefined && saved.y !== undefined ? { x: saved.x, y: saved.y } : {}),
    width: saved.width,
    height: saved.height,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: demo ? 'Fleetpane (demo fleet)' : 'Fleetpane',
    webPreferences: windowPreferences(),
  });
  mainWindow = window;
  if (saved.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  let saveTimer: NodeJS.Timeout | null = null;
  const rememberBounds = () => {
    if (saveTimer) clearTimeout(saveTimer);
    saveTimer = setTimeout(() => persistBounds(window), 500);
  };
  window.on('resize', rememberBounds);
  window.on('move', rememberBounds);
  window.on('close', () => {
    if (saveTimer) clearTimeout(saveTimer);
    persistBounds(window);
  });
  window.on('closed', () => {
    mainWindow = null;
  });

  if (devServerUrl) void window.loadURL(devServerUrl);
  else void window.loadFile(join(rendererDir, 'index.html'));
}

function persistBounds(window: BrowserWindow): void {
  if (window.isDestroyed()) return;
  const bounds = window.getNormalBounds();
  const state: WindowState = { ...bounds, maximized: window.isMaximized() };
  try {
    saveWindowState(windowStateFile(), state);
  } catch (error) {
    log(`window state not saved: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function showWindow(): void {
  if (mainWindow === null) {
    if (backend !== null) void backend.ready.then((r) => createWindow(r.demo), () => undefined);
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

let countTimer: NodeJS.Timeout | null = null;

function forwardEvent(event: AppEvent): void {
  if (mainWindow !== null && !mainWindow.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNEL, event);
  handleAlertEvent(event, {
    openRoute: (hash) => {
      showWindow();
      void mainWindow?.webContents.executeJavaScript(`window.location.hash = ${JSON.stringify(hash)}`).catch(() => undefined);
    },
    setFiringAlerts: (firing) => tray?.setFiringAlerts(firing),
  });
  if (event.type !== 'sync-progress') {
    // Coalesce bursts of data-changed events into one overview query.
    if (countTimer) clearTimeout(countTimer);
    countTimer = setTimeout(() => void refreshIncidentCount(), 1_000);
  }
}

async function refreshIncidentCount(): Promise<void> {
  if (backend === null || tray === null) return;
  const reply = await backend.request('fleet:overview', {});
  if (!reply.ok) return;
  const overview = Overview.safeParse(reply.data);
  tray.setActiveIncidents(overview.success ? overview.data.totals.incidents.active : null);
}

function fatal(message: string): void {
  dialog.showErrorBox('Fleetpane cannot start', message);
  quitting = true;
  app.exit(1);
}
