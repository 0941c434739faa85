/** Whether an IPC message comes from our own renderer (not a navigated-away or injected frame). */
import { fileURLToPath } from 'node:url';
import { relative, isAbsolute, resolve } from 'node:path';

/** Where the renderer is loaded from: the built files, or the Vite dev server in development. */
export type RendererOrigin = { kind: 'file'; dir: string } | { kind: 'dev'; url: string };

/** True when `frameUrl` is a page of our renderer. */
export function isTrustedRendererUrl(frameUrl: string | undefined, origin: RendererOrigin): boolean {
  if (frameUrl === undefined || frameUrl.length === 0) return false;
  let url: URL;
  try {
    url = new URL(frameUrl);
  } catch {
    return false;
  }
  if (origin.kind === 'dev') {
    try {
      return url.origin === new URL(origin.url).origin;
    } catch {
      return false;
    }
  }
  if (url.protocol !== 'file:' || (url.host !== '' && url.host !== 'localhost')) return false;
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch {
    return false;
  }
  const rel = relative(resolve(origin.dir), path);
  return rel.length > 0 && !rel.startsWith('..') && !isAbsolute(rel);
}
