/** Serves the built renderer from one folder, and nothing outside it. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export type StaticLookup =
  | { kind: 'file'; path: string; size: number; contentType: string; immutable: boolean }
  | { kind: 'forbidden' }
  | { kind: 'missing' };

/**
 * Maps a URL path to a file under `root`. Paths that decode to something outside root (`..`,
 * encoded slashes, NUL) are forbidden; paths without an extension fall back to index.html so the
 * renderer's client-side routes load.
 */
export async function lookupStatic(root: string, urlPath: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return { kind: 'forbidden' };
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').includes('..')) return { kind: 'forbidden' };
  const base = resolve(root);
  const relative = decoded === '/' ? '/index.html' : decoded;
  const target = resolve(base, `.${relative}`);
  if (target !== base && !target.startsWith(base + sep)) return { kind: 'forbidden' };

  const found = await fileAt(target);
  if (found !== null) return found;
  if (extname(relative) === '') {
    const index = await fileAt(resolve(base, 'index.html'));
    if (index !== null) return index;
  }
  return { kind: 'missing' };
}

async function fileAt(path: string): Promise<StaticLookup | null> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return null;
    const ext = extname(path).toLowerCase();
    return {
      kind: 'file',
      path,
      size: info.size,
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
      // Vite puts content hashes in asset names, so those can be cached for good.
      immutable: path.includes(`${sep}assets${sep}`),
    };
  } catch {
    return null;
  }
}

/** Opens a stream of a file found by lookupStatic. */
export function openStatic(path: string) {
  return createReadStream(path);
}
