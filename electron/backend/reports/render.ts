/**
 * One report in one format, as bytes with a file name: the CLI, the API's Export dialog and the
 * schedule all come through here, so the three write the same files.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CostReportQuery, ReportFormat } from '../../../shared/contract-spend';
import type { FleetStore } from '../store/types';
import { reportCsv } from './csv';
import type { PdfPrinter } from './pdf';

export interface RenderedReport {
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

const MIME: Readonly<Record<ReportFormat, string>> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
  focus: 'text/csv',
};

/** A file name for a report: fleetpane-spend-<from>-<to>[.focus].<ext>. */
export function reportFileName(query: CostReportQuery, format: ReportFormat, stem = 'fleetpane-spend'): string {
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '-');
  const ext = format === 'focus' ? 'focus.csv' : format;
  return `${safe}-${query.from}-to-${query.to}.${ext}`;
}

/** Renders `query` in `format`; PDF needs a printer. */
export async function renderReport(
  store: FleetStore,
  query: CostReportQuery,
  format: ReportFormat,
  printPdf?: PdfPrinter,
  stem?: string,
): Promise<RenderedReport> {
  const fileName = reportFileName(query, format, stem);
  let bytes: Buffer;
  switch (format) {
    case 'csv':
      bytes = Buffer.from(reportCsv(await store.costReport(query)), 'utf8');
      break;
    case 'xlsx':
      // exceljs is large: load it only when a workbook is asked for (keeps the CLI quick to start).
      bytes = await (await import('./xlsx')).reportXlsx(await store.costReport(query));
      break;
    case 'focus': {
      const dir = await mkdtemp(join(tmpdir(), 'fleetpane-focus-'));
      try {
        const file = join(dir, 'export.csv');
        await store.exportFocusCsv(query, file);
        bytes = await readFile(file);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      break;
    }
    case 'pdf':
      if (printPdf === undefined) throw new Error('PDF reports need a printer (Chromium or Electron) and none is available here');
      bytes = Buffer.from(await printPdf.print(query));
      break;
  }
  return { fileName, mimeType: MIME[format], bytes };
}
