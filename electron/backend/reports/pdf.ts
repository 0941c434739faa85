/**
 * PDF cost reports are printed from the renderer's own report page (#/report?q=...). Reports are
 * handed a PdfPrinter and never start a server, an API or a browser window themselves: serve and the
 * CLI create the Chromium printer below (playwright-core, the system's Chromium) over a page server
 * they start, the desktop app hands in Electron's printToPDF (electron/main/report-pdf.ts).
 */
import type { CostReportQuery } from '../../../shared/contract-spend';
import { reportHash } from './report-link';

export { reportHash } from './report-link';

/** Prints the report page of one query as PDF bytes. */
export interface PdfPrinter {
  print(query: CostReportQuery): Promise<Uint8Array>;
}

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

/** A served copy of the renderer for one print; `url` opens it (with its token) and the report's hash follows. */
export interface ReportPageServer {
  url: string;
  close(): Promise<void>;
}

export interface ChromiumPrinterOptions {
  /** Starts the server of the report page for one print (the entry that creates the printer owns it). */
  servePages: () => Promise<ReportPageServer>;
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
  return {
    async print(query) {
      if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
      else running += 1;
      try {
        return await printer.print(query);
      } finally {
        // Hand the slot to the next waiter directly, so a late caller cannot jump the queue.
        const next = waiting.shift();
        if (next) next();
        else running -= 1;
      }
    },
  };
}

/** A printer that opens the served report page in headless Chromium and prints it. */
export function chromiumPdfPrinter(options: ChromiumPrinterOptions): PdfPrinter {
  const chromiumPrinter: PdfPrinter = {
    async print(query) {
      const executablePath = options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
      const { existsSync } = await import('node:fs');
      if (!existsSync(executablePath)) throw new Error(`Chromium is needed to print PDF reports and was not found at ${executablePath}`);
      // Loaded on demand: only PDF printing needs a browser.
      const { chromium } = await import('playwright-core');
      const server = await options.servePages();
      try {
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
        }
      } finally {
        await server.close();
      }
    },
  };
  return queuedPrinter(chromiumPrinter, options.maxConcurrent ?? DEFAULT_PRINTS_AT_ONCE);
}
