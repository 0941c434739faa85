/**
 * Where the project's files are for the `fleetpane` command: it runs from source
 * (electron/backend/cli) or from its build (out/main), so paths are found from the root, not from
 * how deep the running module happens to sit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Fleetpane's package.json as the command found it. */
export interface ProjectPackage {
  /** The folder holding it: the project root. */
  dir: string;
  /** Its version, when it names one. */
  version: string | null;
}

/** Looked up once per process (undefined until then): the walk reads files, and commands ask at start-up. */
let found: ProjectPackage | null | undefined;

/** The nearest package.json at or above this module that is Fleetpane's; null when none is. */
export function projectPackage(): ProjectPackage | null {
  if (found === undefined) found = findPackage(dirname(fileURLToPath(import.meta.url)));
  return found;
}

function findPackage(from: string): ProjectPackage | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
        if (manifest.name === 'fleetpane') return { dir, version: typeof manifest.version === 'string' ? manifest.version : null };
      } catch {
        // Not ours (or unreadable): keep looking above it.
      }
    }
    if (dirname(dir) === dir) return null;
  }
}
