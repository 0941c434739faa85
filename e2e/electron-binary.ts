/**
 * Finds the Electron executable the way node_modules/electron does, without its lazy download
 * (requiring 'electron' from Node would try to fetch the binary).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The Electron executable path, or null with the reason it is missing. */
export function findElectronBinary(): { path: string } | { path: null; reason: string } {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = join(override, relative ?? 'electron');
    return existsSync(candidate) ? { path: candidate } : { path: null, reason: `ELECTRON_OVERRIDE_DIST_PATH has no binary at ${candidate}` };
  }
  if (!relative) {
    return { path: null, reason: "Electron's binary was never downloaded (its installer needs network access)" };
  }
  const full = join(pkgDir, 'dist', relative);
  return existsSync(full) ? { path: full } : { path: null, reason: `Electron's binary is missing from ${join('node_modules', 'electron', 'dist')}` };
}
