import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { overviewFromCli } from './fleet-cli';
import { expectPaneMatches, PanePage } from './pane-checks';

const url = (): string => {
  const value = process.env.E2E_URL;
  if (!value) throw new Error('global setup did not start serve mode');
  return value;
};
const dataDir = (): string => process.env.E2E_DATA_DIR ?? '';
const artifacts = join(import.meta.dirname, 'artifacts');

test('the pane shows the demo fleet, with the numbers of fleetpane overview --json', async ({ page }, testInfo) => {
  const pane = new PanePage(page);
  await page.goto(url());
  await pane.ready();
  await expect(page.getByTestId('demo-badge')).toHaveText(/demo fleet/i);

  const asOf = await pane.asOf();
  const overview = await overviewFromCli(dataDir(), asOf);
  expect(overview.demo).toBe(true);
  expect(overview.clouds.map((c) => c.provider).sort()).toEqual(['azure', 'coreweave', 'gcp', 'oci']);
  expect(overview.totals.gpus.total).toBeGreaterThan(1500);
  // The demo fleet has a pool that went silent: its GPUs are counted as without metrics, never as zero.
  expect(overview.totals.coverage.gpusWithoutMetrics).toBeGreaterThan(0);
  expect(overview.clouds.reduce((n, c) => n + c.coverage.gpusWithoutMetrics, 0)).toBe(overview.totals.coverage.gpusWithoutMetrics);
  await expectPaneMatches(page, overview);

  // The demo's maintenance announced three days ahead: listed under Planned, not counted as active.
  const maintenanceId = 'maintenance:DEMO-gcp-usc1-a3-host';
  const gcp = overview.clouds.find((c) => c.provider === 'gcp');
  expect(gcp?.incidents.planned.map((i) => i.id)).toEqual([maintenanceId]);
  expect(overview.clouds.flatMap((c) => c.incidents.list).map((i) => i.id)).not.toContain(maintenanceId);
  expect(overview.incidentsElsewhere.map((i) => i.id)).not.toContain(maintenanceId);
  const planned = page.getByTestId('maintenance-planned').locator(`[data-incident-id="${maintenanceId}"]`);
  await expect(planned).toBeVisible();
  await expect(planned.getByTestId('planned-window')).toContainText('07:14 – 11:14 UTC');
  await expect(pane.cloudCard('gcp').getByTestId('cloud-planned').locator(`[data-incident-id="${maintenanceId}"]`)).toBeVisible();
  await expect(page.locator(`[data-testid="incident"][data-incident-id="${maintenanceId}"]`)).toHaveCount(0);

  await expect(page.getByTestId('fleet-utilisation-chart')).toHaveAttribute('data-series-count', String(overview.clouds.length));
  await mkdir(artifacts, { recursive: true });
  const shot = join(artifacts, 'pane.png');
  await page.screenshot({ path: shot, fullPage: true });
  await testInfo.attach('pane', { path: shot, contentType: 'image/png' });
});

test('the accounts screen lists the silent machines behind the cards\' coverage numbers', async ({ page }) => {
  const pane = new PanePage(page);
  await page.goto(url());
  await pane.ready();
  const card = page.locator('[data-testid^="cloud-card-"]', { has: page.getByTestId('coverage-gpusWithoutMetrics') }).first();
  await card.getByRole('link', { name: 'Reasons per machine on the Accounts screen' }).click();
  await expect(page.getByTestId('accounts-page')).toBeVisible();
  await expect(page.getByText(/no GPU sample in the last 30 minutes/).first()).toBeVisible();
});

test('a cloud filter narrows the pane to that cloud', async ({ page }) => {
  const pane = new PanePage(page);
  await page.goto(url());
  await pane.ready();
  await page.getByTestId('filter-cloud').selectOption('gcp');
  await expect(page.locator('[data-testid^="cloud-card-"]')).toHaveCount(1);
  await expect(pane.cloudCard('gcp')).toBeVisible();
  const gcpTotal = await pane.cloudCard('gcp').getByTestId('gpus-total').textContent();
  await expect(page.getByTestId('total-gpus-total')).toHaveText(gcpTotal ?? '');
  await page.getByTestId('filter-clear').click();
  await expect(page.locator('[data-testid^="cloud-card-"]')).toHaveCount(4);
});

test('drill-down: cloud, then a sortable table of its machines, then one machine with per-GPU charts', async ({ page }) => {
  const pane = new PanePage(page);
  await page.goto(url());
  await pane.ready();
  const expectedGpus = Number(await pane.cloudCard('azure').getByTestId('gpus-total').textContent());

  // The card's heading link covers the card; the keyboard reaches the card as that one link.
  await pane.cloudCard('azure').getByRole('heading', { level: 3 }).getByRole('link').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('cloud-page')).toHaveAttribute('data-cloud', 'azure');
  await expect(page.getByTestId('resource-row').first()).toBeVisible();
  await expect(page.getByTestId('resources-summary')).toContainText(String(expectedGpus));

  await page.getByTestId('sort-utilisation30m').click();
  const header = page.locator('th', { has: page.getByTestId('sort-utilisation30m') });
  const direction = await header.getAttribute('aria-sort');
  expect(['ascending', 'descending']).toContain(direction);
  // The backend sorts: wait for the window in the new order before reading it.
  await expect(page.getByTestId('resource-table')).toHaveAttribute('aria-busy', 'false');
  await expect(page.getByTestId('pending-row')).toHaveCount(0);
  const values = (await page.getByTestId('row-util').allTextContents())
    .map((text) => Number.parseFloat(text))
    .filter((n) => !Number.isNaN(n));
  expect(values.length).toBeGreaterThan(3);
  const sorted = [...values].sort((a, b) => (direction === 'ascending' ? a - b : b - a));
  expect(values).toEqual(sorted);

  const first = page.getByTestId('resource-row').first();
  await first.getByRole('link').first().click();
  await expect(page.getByTestId('resource-page')).toBeVisible();
  await expect(page.getByTestId('gpu-utilisation-chart')).toBeVisible();
  expect(await page.getByTestId('gpu-row').count()).toBeGreaterThan(0);

  await page.goBack();
  await expect(page.getByTestId('cloud-page')).toBeVisible();
});

test('no accessibility violations on the pane, a cloud page and a machine page (axe, WCAG 2 AA)', async ({ page }) => {
  const pane = new PanePage(page);
  const check = async (where: string) => {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(result.violations.map((v) => `${where}: ${v.id} (${v.nodes.length})`)).toEqual([]);
  };
  await page.goto(url());
  await pane.ready();
  await check('pane');
  await pane.cloudCard('oci').click();
  await expect(page.getByTestId('resource-row').first()).toBeVisible();
  await check('cloud page');
  await page.getByTestId('resource-row').first().getByRole('link').first().click();
  await expect(page.getByTestId('gpu-utilisation-chart')).toBeVisible();
  await check('machine page');
});

test('the theme follows the OS: dark scheme gives a dark page', async ({ page }) => {
  const pane = new PanePage(page);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(url());
  await pane.ready();
  const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.emulateMedia({ colorScheme: 'light' });
  const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const luminance = (rgb: string) => (rgb.match(/\d+/g) ?? []).slice(0, 3).map(Number).reduce((a, b) => a + b, 0);
  expect(luminance(dark)).toBeLessThan(luminance(light));
});

test('serve mode refuses API requests without the token', async ({ playwright }) => {
  const origin = new URL(url()).origin;
  const anonymous = await playwright.request.newContext();
  const response = await anonymous.post(`${origin}/api/fleet:overview`, { data: {} });
  expect(response.status()).toBe(401);
  await anonymous.dispose();
});
