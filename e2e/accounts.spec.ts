/**
 * The accounts screen in Chromium against its own writable `fleetpane serve --manage-accounts` on a
 * temp data dir, with a fake home folder whose kubeconfig points at the loopback Kubernetes API
 * emulator: discover, switch on, test connection (success and failure), sync, the demo switching off
 * and back on, a malformed hand-typed field named, export, remove after a confirm.
 */
import { expect, test, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServeProcess, stopProcess } from '../electron/backend/cli/testing/fleetpane-process';
import { buildFleet, fleetNodes, fleetPods } from '../electron/backend/providers/kubernetes/testing/fleet';
import { startK8sEmulator, type K8sEmulator } from '../electron/backend/providers/kubernetes/testing/k8s-emulator';

let emu: K8sEmulator;
let serve: ChildProcess;
let url: string;
let root: string;
let configFile: string;
// Four generated nodes plus the fleet's MIG nodes.
const fleet = buildFleet(Date.now(), 4);

test.beforeAll(async () => {
  emu = await startK8sEmulator(fleetNodes(fleet), fleetPods(fleet));
  root = mkdtempSync(join(tmpdir(), 'fleetpane-accounts-e2e-'));
  const home = join(root, 'home');
  mkdirSync(home, { recursive: true });
  configFile = join(root, 'config.json');
  writeFileSync(configFile, JSON.stringify({ accounts: [{ name: 'demo', provider: 'demo' }] }));
  // Discovery looks only at the fake home: no Azure, gcloud or OCI login, one kubeconfig.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    USERPROFILE: home,
    AZURE_CONFIG_DIR: join(home, '.azure'),
    CLOUDSDK_CONFIG: join(home, '.config', 'gcloud'),
    OCI_CONFIG_FILE: join(home, '.oci', 'config'),
    KUBECONFIG: emu.kubeconfigPath,
    PATH: '/usr/bin:/bin',
  };
  delete env.GOOGLE_APPLICATION_CREDENTIALS;
  const started = await startServeProcess(['--config', configFile, '--manage-accounts', '--data-dir', join(root, 'data'), '--port', '0'], env);
  serve = started.child;
  url = started.url.toString();
});

test.afterAll(async () => {
  if (serve) await stopProcess(serve);
  await emu?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const row = (page: Page, name: string) => page.locator(`[data-testid="account-row"][data-account="${name}"]`);

test('discover, switch on, test, sync, demo off and on, remove', async ({ page }) => {
  await page.goto(`${url}#/accounts`);
  await expect(page.getByTestId('accounts-page')).toBeVisible();
  await expect(page.getByTestId('demo-switch')).toBeChecked();
  await expect(row(page, 'demo')).toBeVisible();
  // The demo's first sync lands just after serve starts and grows its card (streams, machines not
  // measured); a click while the card grows lands where the button was a moment before.
  await expect(row(page, 'demo')).toHaveAttribute('data-health', 'fresh', { timeout: 30_000 });
  await expect(row(page, 'demo').getByTestId('unmeasured')).toBeVisible();

  // Discovery: both kubeconfig contexts; the exec one says which command it runs; the others say what to do.
  await page.getByTestId('discover').click();
  const emuFound = page.locator('[data-testid="discovered"][data-account="k8s-emu"]');
  await expect(emuFound).toBeVisible();
  await expect(page.locator('[data-testid="discovered"][data-account="k8s-cloud-sso"]')).toContainText('cloud-login');
  await expect(page.getByTestId('discovery-problem').filter({ hasText: 'az login' })).toHaveCount(1);
  await expect(page.getByTestId('discovery-problem').filter({ hasText: 'gcloud auth application-default login' })).toHaveCount(1);

  // Switch on the working context and the exec one.
  await emuFound.getByTestId('discovered-switch').click();
  await expect(row(page, 'k8s-emu')).toBeVisible();
  await page.locator('[data-testid="discovered"][data-account="k8s-cloud-sso"]').getByTestId('discovered-switch').click();
  await expect(row(page, 'k8s-cloud-sso')).toBeVisible();

  // Test connection: success names what it read; failure shows the error in full.
  await row(page, 'k8s-emu').getByTestId('test-connection').click();
  await expect(row(page, 'k8s-emu').getByTestId('test-result')).toHaveAttribute('data-ok', 'true');
  await expect(row(page, 'k8s-emu').getByTestId('test-message')).toContainText(`${fleet.nodes.length} GPU machines`);
  await row(page, 'k8s-cloud-sso').getByTestId('test-connection').click();
  await expect(row(page, 'k8s-cloud-sso').getByTestId('test-result')).toHaveAttribute('data-ok', 'false');

  // Sync now: inventory becomes fresh, and the first real sync switches the demo fleet off.
  await row(page, 'k8s-emu').getByTestId('sync-now').click();
  const inventory = row(page, 'k8s-emu').locator('[data-testid="stream-row"][data-stream="inventory"]');
  await expect(inventory.getByTestId('freshness')).toHaveText('fresh', { timeout: 30_000 });
  await expect(page.getByTestId('demo-switch')).not.toBeChecked({ timeout: 30_000 });
  // ... and it can be switched back on.
  await page.getByTestId('demo-switch').click();
  await expect(page.getByTestId('demo-switch')).toBeChecked();

  // A malformed hand-typed field is refused with the field named.
  await page.getByTestId('add-provider').selectOption('kubernetes');
  await page.getByTestId('add-entry').fill(JSON.stringify({ name: 'k8s-typed', provider: 'kubernetes', prometheus: { url: 'not a url' } }));
  await expect(page.locator('[data-testid="field-issue"][data-path="prometheus.url"]')).toBeVisible();
  await expect(page.getByTestId('add-save')).toBeDisabled();

  // The config file and the screen agree: the file holds what the screen shows.
  const file = JSON.parse(readFileSync(configFile, 'utf8')) as { accounts: { name: string; enabled?: boolean }[] };
  expect(file.accounts.map((a) => a.name).sort()).toEqual(['demo', 'k8s-cloud-sso', 'k8s-emu']);
  await page.getByTestId('export').click();
  await expect(page.getByTestId('config-text')).toHaveValue(/"k8s-emu"/);

  // Remove asks first, then the account and its data are gone.
  await row(page, 'k8s-cloud-sso').getByTestId('remove').click();
  await expect(row(page, 'k8s-cloud-sso').getByTestId('remove-confirm-button')).toBeDisabled();
  await row(page, 'k8s-cloud-sso').getByTestId('remove-confirm-name').fill('k8s-cloud-sso');
  await row(page, 'k8s-cloud-sso').getByTestId('remove-confirm-button').click();
  await expect(row(page, 'k8s-cloud-sso')).toHaveCount(0);
  const after = JSON.parse(readFileSync(configFile, 'utf8')) as { accounts: { name: string }[] };
  expect(after.accounts.map((a) => a.name).sort()).toEqual(['demo', 'k8s-emu']);
});
