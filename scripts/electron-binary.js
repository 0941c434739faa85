// Finds the Electron executable the way node_modules/electron does, without its lazy download:
// in Electron 45, require('electron') from Node starts a download when the binary is missing,
// which offline only prints a stack trace. Used by `npm start` and the Electron e2e project.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** The Electron executable's path, or null with the reason it is missing. */
export function electronBinary() {
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { path: null, reason: 'the electron package is not installed (run npm install)' };
  }
  const pathFile = join(packageDir, 'path.txt');
  const executable = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = join(override, executable || 'electron');
    return existsSync(candidate)
      ? { path: candidate, reason: null }
      : { path: null, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${candidate}` };
  }
  if (!executable) {
    return { path: null, reason: "Electron's binary was never downloaded (its installer needs network access)" };
  }
  const candidate = join(packageDir, 'dist', executable);
  return existsSync(candidate)
    ? { path: candidate, reason: null }
    : { path: null, reason: "Electron's binary is missing from node_modules/electron/dist" };
}
