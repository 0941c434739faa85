/**
 * Serve mode's FOCUS upload: a browser cannot name a file on disk, so it sends the bytes of one file.
 * They are streamed (size-limited) into a private temp folder inside the data dir, imported with the
 * same importer and progress events as `spend:import-focus`, and deleted whatever happens.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { AccountConfigBase } from '../../../shared/config';
import { ApiError, type ApiReply } from '../../../shared/contract';
import type { FocusImportSummary } from '../../../shared/contract-spend';

/** Largest FOCUS file serve accepts by default: 1 GiB (about 3 million rows of a provider export). */
export const DEFAULT_FOCUS_UPLOAD_BYTES = 1024 ** 3;

/** Where uploads go and how they are imported; absent on a read-only serve. */
export interface FocusUploadTarget {
  /** Folder for the private temp files; inside the data dir so it is on the store's disk and owner. */
  tempDir: string;
  /** Bodies above this are refused (413) and nothing is imported. */
  maxBytes: number;
  /** Imports one file already on disk into `account` (throws ApiError on a refused file). */
  importFile(path: string, account: string): Promise<FocusImportSummary>;
}

/** An upload's answer: an ApiReply, plus an HTTP status when it is not the error code's usual one. */
export interface UploadAnswer {
  reply: ApiReply;
  status?: number;
}

const FOCUS_NAME = /\.(csv|csv\.gz|parquet)$/i;

/** The file name kept for messages and the reader: its base name, with only safe characters. */
export function uploadFileName(raw: string | null): string | null {
  if (raw === null) return null;
  const base = raw.split(/[\\/]/).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '').slice(-200);
  return FOCUS_NAME.test(safe) ? safe : null;
}

/** Receives one upload (the caller has checked auth, Host and Origin) and imports it. */
export async function receiveFocusUpload(req: IncomingMessage, url: URL, target: FocusUploadTarget): Promise<UploadAnswer> {
  const account = (url.searchParams.get('account') ?? '').trim();
  // The name every account in a config has (1-64 letters, digits, dot, dash, underscore): markup or
  // a name the accounts screen cannot address would otherwise live on in the store.
  if (!AccountConfigBase.shape.name.safeParse(account).success) {
    return refuse('bad-request', 'account: give an account name of 1-64 letters, digits, dot, dash or underscore, starting with a letter or digit, as ?account=');
  }
  const name = uploadFileName(url.searchParams.get('file'));
  if (name === null) return refuse('bad-request', 'give the file name as ?file=, ending in .csv, .csv.gz or .parquet');
  // application/octet-stream cannot be sent cross-site without a CORS preflight, which we never grant.
  if (!/^application\/octet-stream\b/i.test(req.headers['content-type'] ?? '')) {
    return refuse('bad-request', 'send the file as Content-Type: application/octet-stream', 415);
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > target.maxBytes) return tooLarge(name, target.maxBytes);

  await mkdir(target.tempDir, { recursive: true, mode: 0o700 });
  const folder = await mkdtemp(join(target.tempDir, 'focus-'));
  try {
    const path = join(folder, name);
    const size = await saveBody(req, path, target.maxBytes);
    if (size === 'too-large') return tooLarge(name, target.maxBytes);
    if (size === 0) return refuse('bad-request', `${name}: the upload is empty (no header, no rows); nothing was imported`);
    const summary = await target.importFile(path, account);
    // The temp folder is ours alone: answer with the name the user gave.
    return { reply: { ok: true, data: { ...summary, files: summary.files.map((f) => ({ ...f, file: name })) } } };
  } catch (error) {
    if (error instanceof ApiError) return refuse(error.code, error.message);
    throw error;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Streams the body into `path` (owner-only). Over the limit it stops writing but keeps draining the
 * request, so the client still reads the 413 instead of a reset connection.
 */
function saveBody(req: IncomingMessage, path: string, maxBytes: number): Promise<number | 'too-large'> {
  return new Promise((resolveSave, rejectSave) => {
    const out = createWriteStream(path, { mode: 0o600 });
    let size = 0;
    let over = false;
    out.on('error', rejectSave);
    req.on('error', rejectSave);
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        out.destroy();
        resolveSave('too-large');
        return;
      }
      if (!out.write(chunk)) {
        req.pause();
        out.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      if (!over) out.end(() => resolveSave(size));
    });
  });
}

function tooLarge(name: string, maxBytes: number): UploadAnswer {
  return refuse('bad-request', `${name}: the upload is over ${maxBytes} bytes; import it with \`fleetpane import-focus\` on the serving host`, 413);
}

function refuse(code: ApiError['code'], message: string, status?: number): UploadAnswer {
  return { reply: { ok: false, error: { code, message } }, ...(status === undefined ? {} : { status }) };
}
