/**
 * Syncs the demo fleet into a fresh data dir with the real CLI, then starts serve mode on it.
 * Tests read E2E_URL and E2E_DATA_DIR; teardown stops the server and removes the data dir.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetpane, startServe } from './fleet-cli';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fleetpane-e2e-'));
  const config = join(dataDir, 'demo.json');
  await writeFile(config, JSON.stringify({ accounts: [{ name: 'demo', provider: 'demo' }] }));
  await fleetpane(['sync', '--config', config, '--data-dir', dataDir, '--json']);
  // No --config: serve shows the store as synced, so the CLI can read the same store beside it.
  const { url, child } = await startServe(['--data-dir', dataDir, '--port', '0']);
  process.env.E2E_URL = url;
  process.env.E2E_DATA_DIR = dataDir;
  return async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  };
}
