/**
 * FOCUS CSV files for import tests: a sample fixture's lines, edited by the test, written back out.
 * Each sample row is one line (the samples hold no quoted line breaks), so lines are data rows.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path of a FOCUS 1.0 sample fixture (testing/fixtures). */
export function focusSample(provider: 'aws' | 'microsoft' | 'oracle'): string {
  return fileURLToPath(new URL(`./fixtures/focus_1.0_sample_${provider}.csv`, import.meta.url));
}

/** A CSV's header line and its data lines, in file order. */
export async function csvLines(file: string): Promise<{ header: string; lines: string[] }> {
  const [header = '', ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
  return { header, lines };
}

/** Writes `header` and `lines` as the CSV `dir/name` (newline-terminated); returns its path. */
export async function writeCsv(dir: string, name: string, header: string, lines: readonly string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${[header, ...lines].join('\n')}\n`);
  return file;
}
