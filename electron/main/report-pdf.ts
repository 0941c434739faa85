/**
 * PDF cost reports in the desktop app: a hidden window loads the renderer's own report route, waits
 * until the page says it is ready and prints it with webContents.printToPDF. The backend host cannot
 * print (it has no windows), so main answers spend:export for format pdf itself.
 */
import { BrowserWindow } from 'electron';
import type { ApiReply, ChannelId } from '../../shared/contract';
import { CostReportQuery } from '../../shared/contract-spend';
import { reportHash } from '../backend/reports/report-link';
import type { PdfPrinter } from '../backend/reports/pdf';
import { reportFileName } from '../backend/reports/render';
import type { ForwardRequest } from './ipc';

export interface ReportPdfOptions {
  rendererDir: string;
  devServerUrl: string | undefined;
  /** The same webPreferences as the main window (preload, sandbox, isolation). */
  webPreferences: Electron.WebPreferences;
  timeoutMs?: number;
}

async function waitForReport(window: BrowserWindow, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = (await window.webContents.executeJavaScript(
      `(() => { const e = document.querySelector('[data-report-error]'); if (e) return 'error:' + e.getAttribute('data-report-error');
         return document.querySelector('[data-report-ready="true"]') ? 'ready' : 'wait'; })()`,
    )) as string;
    if (state === 'ready') return;
    if (state.startsWith('error:')) throw new Error(state.slice(6));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the report page did not finish loading');
}

/** Prints one report to PDF bytes in a hidden window. */
export async function printReportPdf(query: CostReportQuery, options: ReportPdfOptions): Promise<Buffer> {
  const window = new BrowserWindow({ show: false, width: 1100, height: 1400, webPreferences: options.webPreferences });
  try {
    const hash = reportHash(query).slice(1);
    if (options.devServerUrl) await window.loadURL(`${options.devServerUrl}#${hash}`);
    else await window.loadFile(`${options.rendererDir}/index.html`, { hash });
    await waitForReport(window, options.timeoutMs ?? 30_000);
    return await window.webContents.printToPDF({ pageSize: 'A4', printBackground: true });
  } finally {
    window.destroy();
  }
}

/** Electron's printer, handed to the backend host's runtime for scheduled reports (over host-pdf.ts). */
export function electronPdfPrinter(options: ReportPdfOptions): PdfPrinter {
  return { print: (query) => printReportPdf(query, options) };
}

/** Wraps the backend forwarder so spend:export with format pdf is printed here. */
export function withPdfExport(forward: ForwardRequest, options: ReportPdfOptions): ForwardRequest {
  return async (channel: ChannelId, request: unknown): Promise<ApiReply> => {
    if (channel !== 'spend:export') return forward(channel, request);
    const req = request as { query: unknown; format: string };
    if (req.format !== 'pdf') return forward(channel, request);
    try {
      const query = CostReportQuery.parse(req.query);
      const bytes = await printReportPdf(query, options);
      return { ok: true, data: { fileName: reportFileName(query, 'pdf'), mimeType: 'application/pdf', base64: bytes.toString('base64') } };
    } catch (error) {
      return { ok: false, error: { code: 'internal', message: `could not print the report: ${error instanceof Error ? error.message : String(error)}` } };
    }
  };
}
