/**
 * PDF printing across the host boundary: the backend host has no windows, so its report schedule
 * asks main (print-pdf) and main prints with printToPDF and answers (print-pdf-reply). Both halves
 * are plain functions over the typed messages of host-protocol.ts, without Electron.
 */
import type { CostReportQuery } from '../../shared/contract-spend';
import type { PdfPrinter } from '../backend/reports/pdf';
import type { FromHost, ToHost } from './host-protocol';

type PrintPdfRequest = Extract<FromHost, { kind: 'print-pdf' }>;
type PrintPdfReply = Extract<ToHost, { kind: 'print-pdf-reply' }>;

/** A generous bound: Chromium start, the report's queries and rendering, printing. */
export const HOST_PDF_TIMEOUT_MS = 120_000;

export interface HostPdfPrinter {
  /** What the report schedule calls: resolves with the PDF bytes main printed. */
  printPdf: PdfPrinter;
  /** Feed every print-pdf-reply from main here. */
  onReply(message: PrintPdfReply): void;
  /** Fails the prints still waiting (the host is stopping). */
  cancelAll(reason: string): void;
}

/** Host side: sends print-pdf requests to main with ids and settles them from the replies. */
export function createHostPdfPrinter(send: (message: PrintPdfRequest) => void, timeoutMs = HOST_PDF_TIMEOUT_MS): HostPdfPrinter {
  const waits = new Map<number, { resolve: (pdf: Uint8Array) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  return {
    printPdf: {
      print: (query: CostReportQuery) =>
        new Promise<Uint8Array>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waits.delete(id);
          reject(new Error(`the desktop did not print the PDF within ${Math.round(timeoutMs / 1000)} s`));
        }, timeoutMs);
        waits.set(id, { resolve, reject, timer });
        send({ kind: 'print-pdf', id, query });
        }),
    },
    onReply(message) {
      const wait = waits.get(message.id);
      if (wait === undefined) return;
      waits.delete(message.id);
      clearTimeout(wait.timer);
      if (message.result.ok) wait.resolve(Buffer.from(message.result.base64, 'base64'));
      else wait.reject(new Error(message.result.message));
    },
    cancelAll(reason) {
      for (const [id, wait] of waits) {
        clearTimeout(wait.timer);
        wait.reject(new Error(reason));
        waits.delete(id);
      }
    },
  };
}

/** Main side: prints the requested report and builds the reply; a failure becomes its one-line reason. */
export async function answerPrintPdf(message: PrintPdfRequest, print: PdfPrinter): Promise<PrintPdfReply> {
  try {
    const pdf = await print.print(message.query);
    return { kind: 'print-pdf-reply', id: message.id, result: { ok: true, base64: Buffer.from(pdf).toString('base64') } };
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? 'error') : String(error);
    return { kind: 'print-pdf-reply', id: message.id, result: { ok: false, message: `could not print the report: ${reason}` } };
  }
}
