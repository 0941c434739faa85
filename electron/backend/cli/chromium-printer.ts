/**
 * The Chromium PDF printer of serve and `fleetpane report`: for each print it serves the built
 * renderer and a read-only API over the runtime's store on a private loopback port, and Chromium
 * prints the report page from there. The runtime is handed the printer (reports never start a
 * server); this entry-side module is the one that knows about the server.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApi, createEventHub } from '../api/index';
import { chromiumPdfPrinter, type PdfPrinter } from '../reports/pdf';
import type { PrinterParts } from '../runtime/index';
import { startServer } from '../server/index';
import { projectPackage } from './project-root';

/** The built renderer (electron-vite writes it to out/renderer at the project root); asked only by commands that serve or print it. */
export function rendererDir(): string {
  return join(projectPackage()?.dir ?? process.cwd(), 'out', 'renderer');
}

export interface CliPrinterOptions {
  rendererDir?: string;
  executablePath?: string;
}

/** What the runtime calls with its store: a Chromium printer over a private page server. */
export function cliPdfPrinter(options: CliPrinterOptions = {}): (parts: PrinterParts) => PdfPrinter {
  return ({ store, version }) =>
    chromiumPdfPrinter({
      ...(options.executablePath ? { executablePath: options.executablePath } : {}),
      async servePages() {
        const pages = options.rendererDir ?? rendererDir();
        if (!existsSync(join(pages, 'index.html'))) {
          throw new Error(`the renderer is not built (no ${join(pages, 'index.html')}): run npm run build first`);
        }
        // Read-only and of its own: the page only reads, and the token never leaves this process.
        const api = createApi({ store, mode: 'serve', version, demo: () => false });
        const server = await startServer({ api, dataDir: '(report)', port: 0, rendererDir: pages, events: createEventHub(), log: () => undefined });
        return { url: server.url, close: () => server.close() };
      },
    });
}
