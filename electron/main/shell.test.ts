import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTrustedRendererUrl } from './trusted-sender';
import { DEFAULT_WINDOW_STATE, fitToDisplays, loadWindowState, saveWindowState } from './window-state';

describe('isTrustedRendererUrl', () => {
  const dir = join(tmpdir(), 'fleetpane-app', 'out', 'renderer');
  const built = { kind: 'file', dir } as const;

  it('accepts pages of the built renderer only', () => {
    expect(isTrustedRendererUrl(pathToFileURL(join(dir, 'index.html')).href, built)).toBe(true);
    expect(isTrustedRendererUrl(`${pathToFileURL(join(dir, 'index.html')).href}#/incidents`, built)).toBe(true);
    expect(isTrustedRendererUrl(pathToFileURL(join(dir, '..', 'main', 'index.js')).href, built)).toBe(false);
    expect(isTrustedRendererUrl(pathToFileURL(`${dir}-evil/index.html`).href, built)).toBe(false);
    expect(isTrustedRendererUrl('https://example.com/index.html', built)).toBe(false);
    expect(isTrustedRendererUrl('', built)).toBe(false);
    expect(isTrustedRendererUrl(undefined, built)).toBe(false);
    expect(isTrustedRendererUrl('file://remote-host/share/index.html', built)).toBe(false);
  });

  it('accepts the dev server origin in development', () => {
    const dev = { kind: 'dev', url: 'http://localhost:5173/' } as const;
    expect(isTrustedRendererUrl('http://localhost:5173/#/fleet', dev)).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5174/', dev)).toBe(false);
    expect(isTrustedRendererUrl('http://localhost.evil.com:5173/', dev)).toBe(false);
  });
});

describe('window state', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetpane-window-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through the file and falls back on a bad one', async () => {
    const file = join(dir, 'window-state.json');
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    saveWindowState(file, { x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(loadWindowState(file)).toEqual({ x: 10, y: 20, width: 1200, height: 800, maximized: true });
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ width: 1200 });
    await writeFile(file, '{"width": 5}');
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    await writeFile(file, 'not json');
    expect(loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('drops a position that is no longer on any display', () => {
    const display = { x: 0, y: 0, width: 1920, height: 1080 };
    const onScreen = { x: 100, y: 100, width: 1200, height: 800, maximized: false };
    expect(fitToDisplays(onScreen, [display])).toEqual(onScreen);
    const offScreen = { x: 3000, y: 100, width: 1200, height: 800, maximized: false };
    expect(fitToDisplays(offScreen, [display])).toEqual({ width: 1200, height: 800, maximized: false });
    expect(fitToDisplays(offScreen, [display, { x: 1920, y: 0, width: 2560, height: 1440 }])).toEqual(offScreen);
  });
});
