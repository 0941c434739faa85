import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetpane } from './fleet-cli';

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
