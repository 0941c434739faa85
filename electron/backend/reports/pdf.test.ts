import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CostReportQuery } from '../../../shared/contract-spend';
import { roundDecimal } from '../../../shared/format';
import { openStore } from '../store/index';
import { tempDataDir } from '../store/test-support';
import type { FleetStore } from '../store/types';
import { cliPdfPrinter } from '../cli/chromium-printer';
import { renderReport } from './render';

const FIXTURES = fileURLToPath(new URL('./testing/fixtures/', import.meta.url));
const RENDERER_DIR = fileURLToPath(new URL('../../../out/renderer', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = [
  existsSync(join(RENDERER_DIR, 'index.html')) ? null : 'the built renderer (npm run build)',
  existsSync(CHROMIUM) ? null : `Chromium at ${CHROMIUM}`,
  hasTool('pdftoppm') ? null : 'pdftoppm (poppler-utils)',
].filter((m): m is string => m !== null);

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (missing.length > 0) console.warn(`skipping the PDF report test: needs ${missing.join(', ')}`);

describe.skipIf(missing.length > 0)('PDF cost report printed by Chromium from the renderer', () => {
  let store: FleetStore;
  let cleanup: () => Promise<void>;
  let out: string;

  beforeAll(async () => {
    const temp = await tempDataDir();
    cleanup = temp.cleanup;
    store = await openStore(temp.dir, { now: () => new Date('2024-10-02T00:00:00Z') });
    for (const p of ['aws', 'microsoft', 'oracle']) await store.importFocus([join(FIXTURES, `focus_1.0_sample_${p}.csv`)], `focus-${p}`);
    out = await mkdtemp(join(tmpdir(), 'fleetpane-pdf-'));
  });
  afterAll(async () => {
    await store.close();
    await cleanup();
    await rm(out, { recursive: true, force: true });
  });

  it('renders pages with the title, the totals and the groupings', async () => {
    const query = CostReportQuery.parse({ title: 'September GPU fleet spend', from: '2024-09-01', to: '2024-09-30', groupBy: ['cloud', 'service'] });
    const printer = cliPdfPrinter({ rendererDir: RENDERER_DIR, executablePath: CHROMIUM })({ store, version: 'test' });
    const rendered = await renderReport(store, query, 'pdf', printer);
    expect(rendered.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(out, rendered.fileName);
    await writeFile(file, rendered.bytes);

    execFileSync('pdftoppm', ['-png', '-r', '40', file, join(out, 'page')]);
    const pages = (await readdir(out)).filter((f) => f.startsWith('page') && f.endsWith('.png'));
    expect(pages.length).toBeGreaterThanOrEqual(1);

    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/Title:\s+September GPU fleet spend/);
    expect(Number(/Pages:\s+(\d+)/.exec(info)?.[1])).toBe(pages.length);
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('September GPU fleet spend');
    const report = await store.costReport(query);
    const usd = report.totals.find((t) => t.currency === 'USD');
    // The page shows the exact billed total rounded to cents, and every grouping.
    expect(text).toContain(`$${roundDecimal(usd?.billed ?? "", 2)}`);
    expect(text).toContain('By cloud');
    expect(text).toContain('By service');
  });
});
