/**
 * The machine table in Chromium on the bench fleet (every machine of every cloud, `#/machines`):
 * sort by columns, filter by text, and scroll from the top to the bottom, recording the longest
 * main-thread task (PerformanceObserver `longtask`) and the sort and filter round trips (click or
 * typing pause to the new rows on screen). Reference, same run, same serve process: the table as
 * it was before paging (`#/machines?rows=all`: every row fetched, validated and sorted in the page).
 */
import { performance } from 'node:perf_hooks';
import type { Browser, Page } from '@playwright/test';
import { launchChromium } from './chromium';
import { startServeProcess, stopProcess } from '../electron/backend/cli/testing/fleetpane-process';

/** A bench result as run.ts's record() takes it. */
export interface TableMeasure {
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean;
  reference?: { name: string; value: number; ratio: number };
}

/** The renderer waits this long after typing stops before asking (machine-table.tsx). */
const TYPING_PAUSE_MS = 200;
const SORTS = ['utilisation30m', 'hourlyPrice', 'states', 'gpuCount', 'coverage', 'region', 'name'] as const;
const TEXTS = ['eus', 'h100', 'a3-usc1-00', 'westeurope', 'zz-no-such-machine', ''];
const LONG_TASK_TARGET_MS = 50;
const ROUND_TRIP_TARGET_MS = 300;

interface PathResult {
  machines: number;
  /** Page open to first rows on screen. */
  openMs: number;
  sortMs: number[];
  filterMs: number[];
  scrollMs: number;
  /** Longest long task while sorting, filtering and scrolling (0: none over 50 ms). */
  longestTaskMs: number;
  longTasks: number;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/**
 * Installed in the page before the app (as text: functions passed from here would carry the
 * helpers tsx adds to named functions): keeps every long task, and `__settled()` resolves once the
 * table shows rows for what was asked (not busy, no row waiting) or says nothing matches.
 */
const IN_PAGE = `
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push(e.duration);
  }).observe({ type: 'longtask', buffered: true });
  window.__settled = () => new Promise((resolve) => {
    const check = () => {
      const table = document.querySelector('[data-testid="resource-table"]');
      const empty = document.querySelector('[data-testid="empty-state"]');
      const ready = (table !== null && table.getAttribute('aria-busy') !== 'true' && document.querySelector('[data-testid="pending-row"]') === null)
        || (table === null && empty !== null);
      if (ready) resolve(); else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  window.__timeSort = async (key) => {
    const button = document.querySelector('[data-testid="sort-' + key + '"]');
    if (button === null) throw new Error('no sort header ' + key);
    const t0 = performance.now();
    button.click();
    await window.__settled();
    return performance.now() - t0;
  };
`;

interface InPage {
  __longTasks: number[];
  __settled: () => Promise<void>;
  __timeSort: (key: string) => Promise<number>;
}

async function settled(page: Page): Promise<void> {
  await page.evaluate(() => (window as unknown as InPage).__settled());
}

async function openTable(browser: Browser, url: URL, hash: string): Promise<{ page: Page; openMs: number; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(IN_PAGE);
  const target = new URL(url);
  target.hash = hash;
  const t0 = performance.now();
  await page.goto(target.toString());
  await page.getByTestId('resource-row').first().waitFor({ timeout: 120_000 });
  await settled(page);
  const openMs = performance.now() - t0;
  // Loading the page is measured by the pane-interactive bench; from here on, only the table.
  await page.evaluate(() => {
    (window as unknown as InPage).__longTasks.length = 0;
  });
  return { page, openMs, close: () => context.close() };
}

/** Clicks a sort header in the page and times until the new order is on screen. */
async function timeSort(page: Page, key: string): Promise<number> {
  return page.evaluate((k) => (window as unknown as InPage).__timeSort(k), key);
}

/** Types a filter and times until its rows (or "no machines match") are on screen, less the typing pause. */
async function timeFilter(page: Page, text: string): Promise<number> {
  const box = page.getByTestId('machine-filter');
  const t0 = performance.now();
  await box.fill(text);
  const summary = page.getByTestId('resources-summary');
  if (text === '') await page.waitForFunction(() => !document.querySelector('[data-testid="resources-summary"]')?.textContent?.includes('matching'));
  else await summary.filter({ hasText: `matching “${text}”` }).waitFor();
  await settled(page);
  return performance.now() - t0 - TYPING_PAUSE_MS;
}

/** Scrolls the table from top to bottom a screen at a time, one step per frame, then waits for the last rows. */
async function scrollThrough(page: Page): Promise<number> {
  const t0 = performance.now();
  await page.evaluate(async () => {
    const region = document.querySelector<HTMLElement>('[data-testid="resource-table-scroll"]');
    if (region === null) throw new Error('no table to scroll');
    region.scrollTop = 0;
    while (region.scrollTop + region.clientHeight < region.scrollHeight - 1) {
      region.scrollTop += region.clientHeight;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
  });
  await settled(page);
  return performance.now() - t0;
}

async function longTasks(page: Page): Promise<number[]> {
  return page.evaluate(() => [...(window as unknown as InPage).__longTasks]);
}

async function measurePath(browser: Browser, url: URL, hash: string, withFilter: boolean): Promise<PathResult> {
  const { page, openMs, close } = await openTable(browser, url, hash);
  try {
    const summary = (await page.getByTestId('resources-summary').textContent()) ?? '';
    const machines = Number(summary.split(' ')[0]);
    const sortMs: number[] = [];
    for (const key of SORTS) sortMs.push(await timeSort(page, key));
    const afterSort = (await longTasks(page)).length;
    const filterMs: number[] = [];
    if (withFilter) for (const text of TEXTS) filterMs.push(await timeFilter(page, text));
    const afterFilter = (await longTasks(page)).length;
    const scrollMs = await scrollThrough(page);
    const tasks = await longTasks(page);
    // Where the long tasks fell, to tell a slow sort from a slow scroll.
    const phase = (list: number[]): string => `${list.length} (longest ${Math.max(0, ...list).toFixed(0)} ms)`;
    console.log(
      `  ${hash}: long tasks while sorting ${phase(tasks.slice(0, afterSort))}, filtering ${phase(tasks.slice(afterSort, afterFilter))}, ` +
        `scrolling ${phase(tasks.slice(afterFilter))}`,
    );
    return { machines, openMs, sortMs, filterMs, scrollMs, longestTaskMs: Math.max(0, ...tasks), longTasks: tasks.length };
  } finally {
    await close();
  }
}

/** Serves the store in `dataDir`, drives both tables in Chromium, and returns the measures to record. */
export async function benchMachineTable(dataDir: string): Promise<TableMeasure[]> {
  const { child, url } = await startServeProcess(['--data-dir', dataDir, '--port', '0']);
  try {
    const browser = await launchChromium();
    try {
      const paged = await measurePath(browser, url, '#/machines', true);
      const whole = await measurePath(browser, url, '#/machines?rows=all', false);
      console.log(
        `  machine table: ${paged.machines.toLocaleString()} machines; paged: open ${paged.openMs.toFixed(0)} ms, scroll ${paged.scrollMs.toFixed(0)} ms, ` +
          `${paged.longTasks} long tasks; whole fleet: open ${whole.openMs.toFixed(0)} ms, scroll ${whole.scrollMs.toFixed(0)} ms, ${whole.longTasks} long tasks`,
      );
      const sortP95 = percentile(paged.sortMs, 95);
      const wholeSortP95 = percentile(whole.sortMs, 95);
      const filterP95 = percentile(paged.filterMs, 95);
      const ratio = (a: number, b: number): number => (b === 0 ? (a === 0 ? 1 : Infinity) : a / b);
      return [
        {
          name: `machine table (${paged.machines} machines): longest long task while sorting, filtering, scrolling`,
          value: paged.longestTaskMs,
          unit: 'ms',
          target: `none over ${LONG_TASK_TARGET_MS} (0 = none)`,
          met: paged.longestTaskMs <= LONG_TASK_TARGET_MS,
          reference: { name: 'whole fleet in the page (old path), longest long task ms', value: whole.longestTaskMs, ratio: ratio(paged.longestTaskMs, whole.longestTaskMs) },
        },
        {
          name: 'machine table: sort round trip p95 (click to rows on screen)',
          value: sortP95,
          unit: 'ms',
          target: `<= ${ROUND_TRIP_TARGET_MS}`,
          met: sortP95 <= ROUND_TRIP_TARGET_MS,
          reference: { name: 'whole fleet sorted in the page (old path) p95 ms', value: wholeSortP95, ratio: ratio(sortP95, wholeSortP95) },
        },
        {
          name: `machine table: filter round trip p95 (typing pause of ${TYPING_PAUSE_MS} ms excluded)`,
          value: filterP95,
          unit: 'ms',
          target: `<= ${ROUND_TRIP_TARGET_MS}`,
          met: filterP95 <= ROUND_TRIP_TARGET_MS,
        },
        {
          name: 'machine table: open to first rows',
          value: paged.openMs,
          unit: 'ms',
          target: 'informational',
          met: true,
          reference: { name: 'whole fleet (old path) ms', value: whole.openMs, ratio: ratio(paged.openMs, whole.openMs) },
        },
      ];
    } finally {
      await browser.close();
    }
  } finally {
    await stopProcess(child);
  }
}
