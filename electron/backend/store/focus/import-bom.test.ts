import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../../shared/contract-spend';
import type { FleetStore } from '../types';
import { useTempStore } from '../testing/use-temp-store';

const SAMPLE = fileURLToPath(new URL('../../reports/testing/fixtures/focus_1.0_sample_oracle.csv', import.meta.url));
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const query = CostReportQuery.parse({ from: '2024-09-01', to: '2024-09-30', groupBy: ['account'] });

// Excel and some billing portals save CSV as "UTF-8 with BOM": the first header name must still be found.
describe('FOCUS CSV saved with a UTF-8 byte order mark', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it('imports it as the same file without the mark, its first column recognised', async () => {
    // The first header cell (AvailabilityZone) is the one a mark would hide: row 1 leaves it empty,
    // so it is counted as an empty FOCUS cell only if the column is found by its name.
    const [header, first, ...rest] = (await readFile(SAMPLE, 'utf8')).split('\n');
    const text = [header, first?.replace(/^"[^"]*"/, '""'), ...rest].join('\n');
    const plain = join(dir, 'plain.csv');
    const bom = join(dir, 'bom.csv');
    await writeFile(plain, text);
    await writeFile(bom, `\uFEFF${text}`);
    const unmarked = await store.importFocus([plain], 'plain');
    const marked = await store.importFocus([bom], 'bom');
    expect(unmarked.files[0]?.emptyCellsReadAsNull.AvailabilityZone).toBe(1);
    expect(marked.rows).toBe(unmarked.rows);
    expect(marked.files[0]?.emptyCellsReadAsNull).toEqual(unmarked.files[0]?.emptyCellsReadAsNull);
    const billed = new Map((await store.costReport(query)).groups.map((g) => [g.keys[0], g.billed]));
    expect(billed.get('bom')).toBe(billed.get('plain'));
  });
});
