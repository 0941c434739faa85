/** PDF exports queue: six at once once started six Chromiums (1.2 GB); now at most two print at a time. */
import { describe, expect, it } from 'vitest';
import type { CostReportQuery } from '../../../shared/contract-spend';
import { DEFAULT_PRINTS_AT_ONCE, queuedPrinter } from './pdf';

const query = {} as CostReportQuery;

describe('queued PDF printing', () => {
  it('runs six concurrent exports two at a time, in order, and every caller gets its own PDF', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    let next = 0;
    const printer = queuedPrinter({
      print: async () => {
        const id = next++;
        started.push(id);
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        return Buffer.from(`pdf ${id}`);
      },
    });
    const pdfs = await Promise.all(Array.from({ length: 6 }, () => printer.print(query)));
    expect(DEFAULT_PRINTS_AT_ONCE).toBe(2);
    expect(most).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(pdfs.map(String)).toEqual(['pdf 0', 'pdf 1', 'pdf 2', 'pdf 3', 'pdf 4', 'pdf 5']);
  });

  it('frees the slot when a print fails, so one bad report does not stall the queue', async () => {
    let calls = 0;
    const printer = queuedPrinter({
      print: async () => {
        calls += 1;
        if (calls === 1) throw new Error('the report page failed');
        return Buffer.from('ok');
      },
    }, 1);
    const results = await Promise.allSettled([printer.print(query), printer.print(query), printer.print(query)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  });
});
