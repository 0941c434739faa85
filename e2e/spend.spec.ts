import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess } from '../electron/backend/cli/testing/fleetpane-process';
import { fleetpane, startServe } from './fleet-cli';

const ORACLE_FOCUS = fileURLToPath(new URL('../electron/backend/reports/testing/fixtures/focus_1.0_sample_oracle.csv', import.meta.url));

const url = (): string => {
  const value = process.env.E2E_URL;
  if (!value) throw new Error('global setup did not start serve mode');
  return value;
};
const dataDir = (): string => process.env.E2E_DATA_DIR ?? '';

async function openSpend(page: Page): Promise<{ from: string; to: string }> {
  await page.goto(url());
  await page.getByTestId('nav-spend').click();
  const totals = page.getByTestId('spend-totals');
  await expect(totals).toBeVisible();
  return { from: (await totals.getAttribute('data-from')) ?? '', to: (await totals.getAttribute('data-to')) ?? '' };
}

/** `fleetpane report --format csv` for the same period, as text. */
async function cliCsv(from: string, to: string, groupBy: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fleetpane-e2e-report-'));
  try {
    const out = join(dir, 'report.csv');
    await fleetpane(['report', '--data-dir', dataDir(), '--from', from, '--to', to, '--group-by', groupBy, '--format', 'csv', '--out', out]);
    return await readFile(out, 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the spend view shows the billed totals and per-cloud rows of fleetpane report', async ({ page }) => {
  const { from, to } = await openSpend(page);
  const csv = (await cliCsv(from, to, 'cloud')).trim().split('\r\n').map((line) => line.split(','));
  const total = csv.find((r) => r[0] === 'Total' && r[1] === 'USD');
  expect(total).toBeDefined();
  await expect(page.getByTestId('spend-total-billed-USD')).toHaveAttribute('data-amount', total?.[2] ?? '');
  const rows = csv.slice(1).filter((r) => r[0] !== 'Total');
  expect(rows.length).toBeGreaterThan(1);
  for (const [cloud, , billed] of rows) {
    await expect(page.locator(`[data-testid="spend-group-row"][data-key="${cloud}"]`)).toHaveAttribute('data-amount', billed ?? '');
  }
  // This month: billed and run-rate side by side, each labelled.
  await expect(page.getByTestId('spend-month-billed-USD')).toBeVisible();
  await expect(page.getByTestId('spend-month-runrate-USD')).toBeVisible();
  await expect(page.getByTestId('daily-bars-USD')).toBeVisible();
});

test('the Export dialog saves the same CSV as the CLI, and a PDF', async ({ page }) => {
  const { from, to } = await openSpend(page);
  await page.getByTestId('spend-group-by').selectOption('service');
  await expect(page.getByTestId('spend-breakdown')).toContainText('By service');
  await page.getByTestId('open-export').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();

  const csvDownload = page.waitForEvent('download');
  await page.getByTestId('export-submit').click();
  const csvFile = await csvDownload;
  expect(csvFile.suggestedFilename()).toBe(`fleetpane-spend-${from}-to-${to}.csv`);
  const saved = await readFile((await csvFile.path()) ?? '', 'utf8');
  expect(saved).toBe(await cliCsv(from, to, 'service'));

  await page.getByTestId('export-format-pdf').check();
  await page.getByTestId('export-title').fill('Spend e2e');
  const pdfDownload = page.waitForEvent('download', { timeout: 60_000 });
  await page.getByTestId('export-submit').click();
  const pdf = await readFile((await (await pdfDownload).path()) ?? '');
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
});

test('the spend view passes the accessibility check', async ({ page }) => {
  await openSpend(page);
  const spend = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  expect(spend.violations.map((v) => `spend: ${v.id} (${v.nodes.length})`)).toEqual([]);
});

test.describe('FOCUS import from the spend screen on a writable serve (--manage-spend)', () => {
  let serve: ChildProcess | undefined;
  let serveUrl = '';
  let root = '';

  test.beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'fleetpane-e2e-import-'));
    const started = await startServe(['--manage-spend', '--data-dir', join(root, 'data'), '--port', '0']);
    serve = started.child;
    serveUrl = started.url;
  });

  test.afterAll(async () => {
    if (serve) await stopProcess(serve);
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('a file picked in the browser is uploaded, imported with progress, shown by account, and a re-import replaces it', async ({ page }) => {
    await page.goto(serveUrl);
    await page.getByTestId('nav-spend').click();
    await page.getByTestId('import-account').fill('oracle-billing');
    await page.getByTestId('import-file-input').setInputFiles(ORACLE_FOCUS);
    await expect(page.getByTestId('import-selected')).toHaveText('1 file: focus_1.0_sample_oracle.csv');
    await page.getByTestId('import-submit').click();
    await expect(page.getByTestId('import-done')).toContainText('into oracle-billing');
    await expect(page.locator('[data-testid="import-progress-file"][data-file="focus_1.0_sample_oracle.csv"]')).toHaveAttribute('data-phase', 'done');

    await page.getByTestId('spend-period').selectOption('custom');
    await page.getByTestId('spend-from').fill('2024-09-01');
    await page.getByTestId('spend-to').fill('2024-10-31');
    await page.getByTestId('spend-group-by').selectOption('account');
    await expect(page.locator('[data-testid="spend-group-row"][data-key="oracle-billing"]')).toBeVisible();
    const billed = await page.getByTestId('spend-total-billed-USD').getAttribute('data-amount');

    // Same billing periods again: replaced, never doubled.
    await page.getByTestId('import-submit').click();
    await expect(page.getByTestId('import-done')).toContainText('replacing');
    await expect(page.getByTestId('spend-total-billed-USD')).toHaveAttribute('data-amount', billed ?? '');
  });
});
