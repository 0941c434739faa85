import { afterEach, describe, expect, it, vi } from 'vitest';
import { CostReportQuery } from '../../shared/contract-spend';
import { answerPrintPdf, createHostPdfPrinter } from './host-pdf';
import { FromHost, ToHost } from './host-protocol';

const query = CostReportQuery.parse({ from: '2026-10-01', to: '2026-10-31', groupBy: ['cloud'], title: 'October' });
const pdfBytes = Buffer.from('%PDF-1.7\n\u00ff\u0000binary');

/** Wires the two halves through the real schemas, as the utility process boundary would. */
function connect(print: (q: CostReportQuery) => Promise<Buffer>, timeoutMs?: number) {
  const sent: unknown[] = [];
  const printer = createHostPdfPrinter((message) => {
    const request = FromHost.parse(JSON.parse(JSON.stringify(message)));
    sent.push(request);
    if (request.kind !== 'print-pdf') throw new Error('expected print-pdf');
    void answerPrintPdf(request, { print }).then((reply) => {
      const back = ToHost.parse(JSON.parse(JSON.stringify(reply)));
      if (back.kind === 'print-pdf-reply') printer.onReply(back);
    });
  }, timeoutMs);
  return { printer, sent };
}

afterEach(() => vi.useRealTimers());

describe('scheduled PDF printing across the host protocol', () => {
  it('sends the query to main and resolves with the exact bytes main printed', async () => {
    const print = vi.fn(async (_query: CostReportQuery) => pdfBytes);
    const { printer, sent } = connect(print);
    const [a, b] = await Promise.all([printer.printPdf.print(query), printer.printPdf.print({ ...query, title: 'Second' })]);
    expect(Buffer.from(a).equals(pdfBytes)).toBe(true);
    expect(Buffer.from(b).equals(pdfBytes)).toBe(true);
    expect(print.mock.calls.map(([q]) => q.title)).toEqual(['October', 'Second']);
    expect(sent.map((m) => (m as { id: number }).id)).toEqual([1, 2]);
  });

  it('turns a failed print into a rejection with main\'s one-line reason', async () => {
    const { printer } = connect(async () => {
      throw new Error('the report page did not finish loading\nstack...');
    });
    await expect(printer.printPdf.print(query)).rejects.toThrow('could not print the report: the report page did not finish loading');
  });

  it('rejects a print main never answers, ignores late or unknown replies, and cancels waiting prints', async () => {
    vi.useFakeTimers();
    const printer = createHostPdfPrinter(() => undefined, 1_000);
    const lost = printer.printPdf.print(query);
    const expectLost = expect(lost).rejects.toThrow('the desktop did not print the PDF within 1 s');
    await vi.advanceTimersByTimeAsync(1_001);
    await expectLost;
    printer.onReply({ kind: 'print-pdf-reply', id: 1, result: { ok: true, base64: '' } });
    printer.onReply({ kind: 'print-pdf-reply', id: 99, result: { ok: false, message: 'x' } });
    const waiting = printer.printPdf.print(query);
    printer.cancelAll('the backend is stopping');
    await expect(waiting).rejects.toThrow('the backend is stopping');
  });

  it('refuses a print-pdf message whose query is not a valid report query', () => {
    expect(FromHost.safeParse({ kind: 'print-pdf', id: 1, query: { from: 'yesterday', to: '2026-10-31' } }).success).toBe(false);
    expect(ToHost.safeParse({ kind: 'print-pdf-reply', id: 1, result: { ok: true } }).success).toBe(false);
  });
});
