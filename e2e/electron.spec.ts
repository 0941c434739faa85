/**
 * The pane through the Electron shell. Where Electron's binary was never downloaded (offline
 * installs, this project's CI) the project is skipped with the reason printed.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { electronBinary } from '../scripts/electron-binary.js';
import { PanePage } from './pane-checks';

const binary = electronBinary();
if (binary.path === null) {
  console.log(`[e2e electron] skipped: ${binary.reason}. The same pane ran in Chromium against serve mode.`);
}

test('the desktop window shows the demo fleet on one pane and drills down', async () => {
  test.skip(binary.path === null, binary.path === null ? `Electron binary not installed: ${binary.reason}` : '');
  const dataDir = await mkdtemp(join(tmpdir(), 'fleetpane-electron-'));
  const app = await electron.launch({
    executablePath: binary.path ?? undefined,
    args: [join(import.meta.dirname, '..', 'out', 'main', 'index.js')],
    env: { ...process.env, FLEETPANE_DATA_DIR: dataDir },
  });
  try {
    const page = await app.firstWindow();
    const pane = new PanePage(page);
    await pane.ready();
    await expect(page.getByTestId('demo-badge')).toBeVisible();
    await expect(page.locator('[data-testid^="cloud-card-"]')).toHaveCount(4);
    const total = Number(await page.getByTestId('total-gpus-total').textContent());
    expect(total).toBeGreaterThan(1500);
    await pane.cloudCard('azure').click();
    await expect(page.getByTestId('resource-row').first()).toBeVisible();
    // The renderer has no Node: the bridge is the only thing the preload exposes.
    expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((globalThis as { fleetpane?: object }).fleetpane ?? {}).sort())).toEqual(['invoke', 'onEvent']);
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
