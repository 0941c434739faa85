/**
 * The same pane checks through the Electron shell. Where Electron's binary was never downloaded
 * (offline installs, this project's CI) the project is skipped with the reason printed.
 */
import { _electron as electron, expect, test } from '@playwright/test';
import { join } from 'node:path';
import { findElectronBinary } from './electron-binary';
import { overviewFromCli } from './fleet-cli';
import { expectPaneMatches, PanePage } from './pane-checks';

const binary = findElectronBinary();
if (binary.path === null) {
  console.log(`[e2e electron] skipped: ${binary.reason}. The same specs ran in Chromium against serve mode.`);
}

test('the desktop window shows the demo fleet with the numbers of fleetpane overview --json', async () => {
  test.skip(binary.path === null, binary.path === null ? `Electron binary not installed: ${binary.reason}` : '');
  const dataDir = process.env.E2E_DATA_DIR ?? '';
  const app = await electron.launch({
    executablePath: binary.path ?? undefined,
    args: [join(import.meta.dirname, '..', 'out', 'main', 'index.js'), '--data-dir', dataDir, '--no-sync'],
  });
  const page = await app.firstWindow();
  const pane = new PanePage(page);
  await pane.ready();
  const overview = await overviewFromCli(dataDir, await pane.asOf());
  await expectPaneMatches(page, overview);
  await app.close();
});
