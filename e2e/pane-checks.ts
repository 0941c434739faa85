/**
 * The checks both e2e projects run (Chromium against serve mode, Electron where its binary exists),
 * written against the pane's test ids as a page object.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { GPU_STATES } from '../shared/domain';
import { formatMoney, formatPercent } from '../shared/format';
import type { CoverageCounts, Overview } from '../shared/overview';

const COVERAGE_FIELDS: readonly (keyof CoverageCounts)[] = ['gpusWithoutMetrics', 'machinesWithoutPrice', 'gpusUnplaced'];

/** The one pane, as a user sees it. */
export class PanePage {
  constructor(readonly page: Page) {}

  /** Waits until the overview has rendered (not the loading skeleton). */
  async ready(): Promise<void> {
    await expect(this.page.getByTestId('as-of')).toBeVisible();
    await expect(this.page.getByTestId('overview-loading')).toHaveCount(0);
  }

  /** The ISO instant the pane's numbers describe. */
  async asOf(): Promise<string> {
    const value = await this.page.getByTestId('as-of').getAttribute('data-as-of');
    if (!value) throw new Error('the pane shows no as-of instant');
    return value;
  }

  /** The card of an overview entry, by its key (a cloud id, or `other:<site or account>`). */
  cloudCard(key: string): Locator {
    return this.page.getByTestId(`cloud-card-${key}`);
  }
}

/** Asserts that every number on the pane equals the overview object. */
export async function expectPaneMatches(page: Page, overview: Overview): Promise<void> {
  const cards = page.locator('[data-testid^="cloud-card-"]');
  await expect(cards).toHaveCount(overview.clouds.length);
  for (const cloud of overview.clouds) {
    const card = page.getByTestId(`cloud-card-${cloud.key}`);
    await expect(card.getByTestId('gpus-total')).toHaveText(String(cloud.gpus.total));
    for (const state of GPU_STATES) {
      await expect(card.getByTestId(`gpus-${state}`), `${cloud.provider} ${state}`).toHaveText(String(cloud.gpus[state]));
    }
    await expect(card.getByTestId('util-avg1h')).toHaveText(formatPercent(cloud.utilisation.avg1h));
    await expect(card.getByTestId('util-avg24h')).toHaveText(formatPercent(cloud.utilisation.avg24h));
    await expect(card.getByTestId('util-p95_24h')).toHaveText(formatPercent(cloud.utilisation.p95_24h));
    for (const spend of cloud.spend) {
      const pairs: [string, string][] = [
        ['billed', spend.billedMonthToDate],
        ['runrate', spend.runRateToday],
        ['forecast', spend.forecastMonth],
        ['idle', spend.idleWasteToday],
      ];
      for (const [kind, amount] of pairs) {
        const cell = card.getByTestId(`spend-${kind}-${spend.currency}`);
        await expect(cell, `${cloud.provider} ${kind}`).toHaveAttribute('data-amount', amount);
        await expect(cell).toContainText(formatMoney(amount, spend.currency));
      }
    }
    await expect(card.getByTestId('incidents-active')).toHaveText(String(cloud.incidents.active));
    if (cloud.incidents.planned.length > 0) {
      await expect(card.getByTestId('incidents-planned')).toHaveText(String(cloud.incidents.planned.length));
    } else {
      await expect(card.getByTestId('cloud-planned')).toHaveCount(0);
    }
    // What the card cannot measure, price or place: a line per non-zero count, none for a zero.
    for (const field of COVERAGE_FIELDS) {
      const line = card.getByTestId(`coverage-${field}`);
      if (cloud.coverage[field] === 0) await expect(line, `${cloud.key} ${field}`).toHaveCount(0);
      else await expect(line, `${cloud.key} ${field}`).toHaveAttribute('data-count', String(cloud.coverage[field]));
    }
    for (const stream of ['inventory', 'metrics', 'costs', 'incidents'] as const) {
      await expect(card.getByTestId(`freshness-${stream}`)).toHaveAttribute('data-stale', String(cloud.freshness[stream].stale));
    }
  }
  await expect(page.getByTestId('total-gpus-total')).toHaveText(String(overview.totals.gpus.total));
  for (const state of GPU_STATES) {
    await expect(page.getByTestId(`total-gpus-${state}`)).toHaveText(String(overview.totals.gpus[state]));
  }
  await expect(page.getByTestId('total-incidents-active')).toHaveText(String(overview.totals.incidents.active));
  const planned = page.getByTestId('maintenance-planned').getByTestId('planned-maintenance');
  await expect(planned).toHaveCount(Math.min(overview.maintenancePlanned.length, 20));
  for (const [i, m] of overview.maintenancePlanned.slice(0, 20).entries()) {
    await expect(planned.nth(i)).toHaveAttribute('data-incident-id', m.id);
  }
  for (const field of COVERAGE_FIELDS) {
    await expect(page.getByTestId(`total-coverage-${field}`)).toHaveText(String(overview.totals.coverage[field]));
  }
}
