import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FocusImportError } from '../store/index';
import type { FleetStore, RunStart } from '../store/types';
import { useTempStore } from '../store/testing/use-temp-store';

const SAMPLE = fileURLToPath(new URL('./testing/fixtures/focus_1.0_sample_aws.csv', import.meta.url));
const fixedNow = () => new Date('2024-10-02T00:00:00Z');
const run = (id: string): RunStart => ({ id, account: 'aws-prod', stream: 'costs', startedAt: fixedNow(), attempt: 1 });

/** The sample cut into two files of one billing period, as an export writes a large period in parts. */
async function parts(dir: string): Promise<[string, string]> {
  const [header, ...lines] = (await readFile(SAMPLE, 'utf8')).trimEnd().split('\n');
  const half = Math.floor(lines.length / 2);
  const a = join(dir, 'export-00001.csv');
  const b = join(dir, 'export-00002.csv');
  await writeFile(a, [header, ...lines.slice(0, half)].join('\n') + '\n');
  await writeFile(b, [header, ...lines.slice(half)].join('\n') + '\n');
  return [a, b];
}

describe('FOCUS import of a connector\'s export (sync)', () => {
  let store: FleetStore;
  let dir: string;

  useTempStore({ now: fixedNow }, (temp) => {
    ({ store, dir } = temp);
  });

  it('imports the parts of one billing period together, and a re-delivery replaces them instead of doubling', async () => {
    const files = await parts(dir);
    // By hand, two files of one period are refused (they would replace each other).
    await expect(store.importFocus(files, 'aws-prod')).rejects.toThrow(FocusImportError);
    const first = await store.importFocus(files, 'aws-prod', undefined, { sync: { run: run('r1'), cursor: 1 } });
    const again = await store.importFocus(files, 'aws-prod', undefined, { sync: { run: run('r2'), cursor: 2 } });
    expect(again.rows).toBe(first.rows);
    expect(again.replacedRows).toBe(first.rows);
    expect((await store.costAccounts()).find((a) => a.name === 'aws-prod')?.rows).toBe(first.rows);
    const runs = await store.syncRuns('aws-prod', 10);
    expect(runs.filter((r) => r.stream === 'costs').map((r) => [r.status, r.rows])).toEqual([['ok', first.rows], ['ok', first.rows]]);
  });

  it('records an export with no billing period yet as a successful sync, writing nothing', async () => {
    const result = await store.importFocus([], 'aws-prod', undefined, { sync: { run: run('r0'), cursor: 1 } });
    expect(result.rows).toBe(0);
    expect((await store.syncRuns('aws-prod', 10)).map((r) => r.status)).toEqual(['ok']);
    await expect(store.importFocus([], 'aws-prod')).rejects.toThrow(/no files given/);
  });
});
