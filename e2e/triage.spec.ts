import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatMoney } from '../shared/format';
import { overviewFromCli, startServe } from './fleet-cli';

const url = (): string => {
  const value = process.env.E2E_URL;
  if (!value) throw new Error('global setup did not start serve mode');
  return value;
};
const dataDir = (): string => process.env.E2E_DATA_DIR ?? '';
/** The demo fleet's active Azure East US outage (providers/demo/incidents.ts). */
const AZURE_OUTAGE = 'service-health:DEMO-7KQ2-9TZ';

const withHash = (base: string, hash: string): string => `${base.replace(/#.*$/, '')}${hash}`;

test('a demo incident is on the triage view with the GPUs and dollars per hour of fleetpane overview --json, and its timeline renders', async ({ page }) => {
  await page.goto(withHash(url(), '#/triage'));
  const triage = page.getByTestId('triage-page');
  await expect(triage).toBeVisible();
  const asOf = await triage.getAttribute('data-as-of');
  expect(asOf).toBeTruthy();
  const overview = await overviewFromCli(dataDir(), asOf ?? undefined);

  // The overview's count and the triage view's count are the same number.
  await expect(page.getByTestId('triage-active-count')).toHaveText(String(overview.totals.incidents.active));
  await expect(page.getByTestId('triage-active').getByTestId('triage-incident')).toHaveCount(overview.totals.incidents.active);

  const brief = overview.clouds.flatMap((c) => c.incidents.list).find((i) => i.id === AZURE_OUTAGE);
  expect(brief, 'the demo Azure outage is active on the overview').toBeDefined();
  if (!brief) return;
  expect(brief.affectedGpus).toBeGreaterThan(0);
  const row = page.locator(`[data-testid="triage-incident"][data-incident-id="${AZURE_OUTAGE}"]`);
  await expect(row.getByTestId('triage-gpus')).toHaveText(`${brief.affectedGpus} GPUs`);
  await expect(row.getByTestId('triage-at-risk')).toHaveText(brief.atRiskPerHour.map((a) => `${formatMoney(a.amount, a.currency)}/h`).join(' + '));

  const axe = await new AxeBuilder({ page }).include('[data-testid="triage-page"]').analyze();
  expect(axe.violations.map((v) => v.id)).toEqual([]);

  await row.getByTestId('triage-incident-link').click();
  await expect(page.getByTestId('incident-page')).toHaveAttribute('data-incident-id', AZURE_OUTAGE);
  await expect(page.getByTestId('incident-page-gpus')).toHaveText(String(brief.affectedGpus));
  const chart = page.getByTestId('incident-timeline-chart');
  await expect(chart).toBeVisible();
  await expect(chart.locator('.recharts-line-curve').first()).toBeVisible();
  // Three provider updates in the demo outage: each on the timeline and as a chart marker.
  await expect(page.getByTestId('incident-timeline').locator('[data-kind="update"]')).toHaveCount(3);
  await expect(chart).toHaveAttribute('data-markers', '3');
});

test('serve without --allow-triage offers no acknowledging, and says which flag allows it', async ({ page }) => {
  await page.goto(withHash(url(), `#/incident/${encodeURIComponent(AZURE_OUTAGE)}`));
  await expect(page.getByTestId('incident-page')).toBeVisible();
  await expect(page.getByTestId('incident-page-ack')).toHaveText('no');
  await expect(page.getByTestId('incident-ack')).toBeDisabled();
  await expect(page.getByTestId('incident-note-input')).toBeDisabled();
  await expect(page.getByTestId('writes-hint-triage')).toContainText('--allow-triage');
  await page.reload();
  await expect(page.getByTestId('incident-page-ack')).toHaveText('no');
});

test('no accessibility violations on the triage view and an incident page, light and dark (axe, WCAG 2 AA)', async ({ page }) => {
  const check = async (where: string) => {
    const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
    expect(result.violations.map((v) => `${where}: ${v.id} (${v.nodes.length})`)).toEqual([]);
  };
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(withHash(url(), '#/triage'));
    await expect(page.getByTestId('triage-active').getByTestId('triage-incident').first()).toBeVisible();
    await check(`triage (${scheme})`);
    await page.goto(withHash(url(), `#/incident/${encodeURIComponent(AZURE_OUTAGE)}`));
    await expect(page.getByTestId('incident-timeline-chart')).toBeVisible();
    await check(`incident page (${scheme})`);
  }
});

test.describe('acknowledge and notes on a writable server (serve --allow-triage)', () => {
  let child: ChildProcess | null = null;
  let dir = '';
  test.afterEach(async () => {
    if (child) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      child = null;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('acknowledging and a note are kept in the store and shown after a reload', async ({ page }) => {
    dir = await mkdtemp(join(tmpdir(), 'fleetpane-e2e-triage-'));
    const served = await startServe(['--demo', '--allow-triage', '--data-dir', dir, '--port', '0']);
    child = served.child;
    await page.goto(served.url);
    await page.goto(withHash(page.url(), `#/incident/${encodeURIComponent(AZURE_OUTAGE)}`));
    // serve --demo syncs on start; the page retries until the incident is in the store.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('incident-page')).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 45_000 });

    await expect(page.getByTestId('incident-page-ack')).toHaveText('no');
    await page.getByTestId('incident-ack').click();
    await expect(page.getByTestId('incident-page-ack')).not.toHaveText('no');
    await page.getByTestId('incident-note-input').fill('Draining eastus training jobs to westus3');
    await page.getByTestId('incident-note-submit').click();
    await expect(page.getByTestId('incident-notes')).toContainText('Draining eastus training jobs to westus3');

    await page.getByTestId('incident-copy-markdown').click();
    await expect(page.getByTestId('incident-markdown')).toHaveValue(/Blast radius/);

    await page.reload();
    await expect(page.getByTestId('incident-notes')).toContainText('Draining eastus training jobs to westus3');
    await expect(page.getByTestId('incident-page-ack')).not.toHaveText('no');
    await expect(page.getByTestId('incident-timeline').locator('[data-kind="note"]')).toHaveCount(1);
  });
});
