/**
 * Where the project's files are for the `fleetpane` command: it runs from source
 * (electron/backend/cli) or from its build (out/main), so paths are found from the root, not from
 * how deep the running module happens to sit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Roots found, by the URL they were looked for from: the walk reads files, and callers ask at start-up. */
const found = new Map<string, string | null>();

/** The nearest folder at or above `fromUrl`'s that holds Fleetpane's package.json; null when none does. */
export function projectRoot(fromUrl: string = import.meta.url): string | null {
  if (!found.has(fromUrl)) found.set(fromUrl, findRoot(fromUrl));
  return found.get(fromUrl) ?? null;
}

function findRoot(fromUrl: string): string | null {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'fleetpane') return dir;
      } catch {
        // Not ours (or unreadable): keep looking above it.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}
