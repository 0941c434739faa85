/**
 * PDF cost reports printed by Chromium from the renderer's own report page (#/report?q=...). Serve
 * mode and the CLI start a private loopback server over the same store, open the page in headless
 * Chromium (playwright-core, the system's Chromium) and print it; the desktop app prints the same
 * page with Electron's printToPDF instead (electron/main).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CostReportQuery } from '../../../shared/contract-spend';
import type { FleetStore } from '../store/types';
import { reportHash } from './report-link';

export { reportHash } from './report-link';

/** Prints one report as PDF bytes. */
export type PdfPrinter = (query: CostReportQuery) => Promise<Buffer>;


/** Chromium flags that work headless in CI (see playwright.config.ts). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface ChromiumPrinterOptions {
  store: FleetStore;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  version: string;
  executablePath?: string;
  /** How long the page may take to load its data. */
  timeoutMs?: number;
  /** Reports printed at once; the rest wait their turn (each print is one Chromium, ~200 MB). */
  maxConcurrent?: number;
}

/** Chromiums one printer runs at once by default. */
export const DEFAULT_PRINTS_AT_ONCE = 2;

/**
 * Runs at most `max` prints of `printer` at once, in the order they were asked for. Six exports at
 * once started six Chromiums (1.2 GB); now they queue.
 */
export function queuedPrinter(printer: PdfPrinter, max: number = DEFAULT_PRINTS_AT_ONCE): PdfPrinter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (query) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await printer(query);
    } finally {
      // Hand the slot to the next waiter directly, so a late caller cannot jump the queue.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}

/** A printer that serves the renderer over `store` on loopback and prints with headless Chromium. */
export function chromiumPdfPrinter(options: ChromiumPrinterOptions): PdfPrinter {
  return queuedPrinter(async (query) => {
    if (!existsSync(join(options.rendererDir, 'index.html'))) {
      throw new Error(`the renderer is not built (no ${join(options.rendererDir, 'index.html')}): run npm run build first`);
    }
    const executablePath = options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
    if (!existsSync(executablePath)) throw new Error(`Chromium is needed to print PDF reports and was not found at ${executablePath}`);
    // Loaded on demand: the API imports this module, and only PDF printing needs a server and a browser.
    const [{ createApi, createEventHub }, { startServer }, { chromium }] = await Promise.all([
      import('../api/index'),
      import('../server/index'),
      import('playwright-core'),
    ]);
    const api = createApi({ store: options.store, mode: 'serve', version: options.version, demo: () => false });
    const server = await startServer({ api, dataDir: '(report)', port: 0, rendererDir: options.rendererDir, events: createEventHub(), log: () => undefined });
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1100, height: 1400 }, colorScheme: 'light' });
      await page.goto(`${server.url}${reportHash(query)}`);
      await page.waitForSelector('[data-report-ready="true"], [data-report-error]', { timeout: options.timeoutMs ?? 30_000 });
      const failed = page.locator('[data-report-error]');
      const error = (await failed.count()) > 0 ? await failed.first().getAttribute('data-report-error') : null;
      if (error) throw new Error(`the report page failed: ${error}`);
      await page.emulateMedia({ media: 'print' });
      return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
    } finally {
      await browser.close();
      await server.close();
    }
  }, options.maxConcurrent ?? DEFAULT_PRINTS_AT_ONCE);
}
