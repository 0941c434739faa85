/**
 * Builds a bench child process's entry with Vite (an SSR build: the project's code bundled, packages
 * loaded from node_modules, as electron-vite builds the main process), so what it measures is the
 * backend as users run it: tsx's loader keeps every module it transformed, 70-80 MiB that no built
 * backend holds.
 */
import { join } from 'node:path';
import { build } from 'vite';

/** Builds bench/`entry` into out/`outName` (inside the project, so packages resolve from node_modules); returns the file to run. */
export async function buildBenchChild(entry: string, outName: string): Promise<string> {
  const root = join(import.meta.dirname, '..');
  const outDir = join(root, 'out', outName);
  const file = entry.replace(/\.ts$/, '.mjs');
  await build({
    configFile: false,
    root,
    logLevel: 'warn',
    build: {
      ssr: join(root, 'bench', entry),
      outDir,
      emptyOutDir: true,
      minify: false,
      target: 'node20',
      rollupOptions: { output: { format: 'es', entryFileNames: file } },
    },
  });
  return join(outDir, file);
}
