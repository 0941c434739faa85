/**
 * Serve mode's FOCUS upload: a browser cannot name a file on disk, so it sends the bytes of one file.
 * They are streamed into a private temp folder inside the data dir (a .csv.gz is decompressed on the
 * way, so its real size is known and capped while it arrives), imported with the same importer and
 * progress events as `spend:import-focus`, and the folder is deleted as soon as the answer is known.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { PassThrough, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ApiError, type ApiReply } from '../../../shared/contract';
import type { FocusImportSummary } from '../../../shared/contract-spend';
import { FocusTooLargeApiError } from '../api/spend-handlers';

/** Most bytes of one upload by default, as sent and, for .csv.gz, once decompressed: 1 GiB. */
export const DEFAULT_FOCUS_UPLOAD_BYTES = 1024 ** 3;
/** Most cost rows (CSV lines after the header) of one upload by default; bigger files: `fleetpane import-focus`. */
export const DEFAULT_FOCUS_UPLOAD_ROWS = 2_000_000;

/** Where uploads go and how they are imported; absent on a read-only serve. */
export interface FocusUploadTarget {
  /** Folder for the private temp files; inside the data dir so it is on the store's disk and owner. */
  tempDir: string;
  /** Bodies above this, or CSV above this once decompressed, are refused (413) and nothing is imported. */
  maxBytes: number;
  /** CSV uploads with more lines than this after the header are refused (413) and nothing is imported. */
  maxRows: number;
  /**
   * Imports one file already on disk into `account` with the row limit (a Parquet file's rows are
   * only known to the importer); throws ApiError on a refused file, FocusTooLargeApiError past the limit.
   */
  importFile(path: string, account: string, limits: { maxRows: number }): Promise<FocusImportSummary>;
  /**
   * Why `account` may not receive an upload ("account: ..."), or null: it is configured, already
   * imported, or a new imported account (api/imported-accounts.ts), so the accounts screen can remove it.
   */
  accountRefusal(account: string): Promise<string | null>;
}

/** An upload's answer: an ApiReply, plus an HTTP status when it is not the error code's usual one. */
export interface UploadAnswer {
  reply: ApiReply;
  status?: number;
}

const FOCUS_NAME = /\.(csv|csv\.gz|parquet)$/i;
const GZIP_NAME = /\.gz$/i;

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
  // Before any byte is written: markup, or a name the accounts screen could not list and remove,
  // would otherwise live on in the store. The refusal quotes only names that passed the name rule.
  const refusal = await target.accountRefusal(account);
  if (refusal !== null) return refuse('bad-request', refusal);
  const name = uploadFileName(url.searchParams.get('file'));
  if (name === null) return refuse('bad-request', 'give the file name as ?file=, ending in .csv, .csv.gz or .parquet');
  // application/octet-stream cannot be sent cross-site without a CORS preflight, which we never grant.
  if (!/^application\/octet-stream\b/i.test(req.headers['content-type'] ?? '')) {
    return refuse('bad-request', 'send the file as Content-Type: application/octet-stream', 415);
  }
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > target.maxBytes) return tooLarge(name, { limit: 'bytes', max: target.maxBytes });

  await mkdir(target.tempDir, { recursive: true, mode: 0o700 });
  const folder = await mkdtemp(join(target.tempDir, 'focus-'));
  // A gzip is stored decompressed: the importer then reads plain CSV, already counted here.
  const gzip = GZIP_NAME.test(name);
  const stored = gzip ? name.replace(GZIP_NAME, '') : name;
  try {
    const saved = await saveBody(req, join(folder, stored), target, gzip);
    if (saved.kind === 'over') return tooLarge(name, saved);
    if (saved.kind === 'bad-gzip') return refuse('bad-request', `${name}: is not a complete gzip file (cut short or damaged); nothing was imported`);
    if (saved.kind === 'aborted') return refuse('bad-request', `${name}: the upload was cut off before its end; nothing was imported`);
    if (saved.bytes === 0) return refuse('bad-request', `${name}: the upload is empty (no header, no rows); nothing was imported`);
    const summary = await target.importFile(join(folder, stored), account, { maxRows: target.maxRows });
    // The temp folder is ours alone: answer with the name the user gave.
    return { reply: { ok: true, data: { ...summary, files: summary.files.map((f) => ({ ...f, file: name })) } } };
  } catch (error) {
    if (error instanceof ApiError) {
      const message = error.message.startsWith(`${stored}:`) ? `${name}${error.message.slice(stored.length)}` : error.message;
      return refuse(error.code, message, error instanceof FocusTooLargeApiError ? 413 : undefined);
    }
    throw error;
  } finally {
    // At once, whatever the outcome: a refused upload must not hold disk until serve stops.
    await rm(folder, { recursive: true, force: true });
  }
}

type Limit = { limit: 'bytes'; max: number } | { limit: 'decompressed-bytes'; max: number } | { limit: 'rows'; max: number };
type Saved = { kind: 'saved'; bytes: number } | ({ kind: 'over' } & Limit) | { kind: 'bad-gzip' } | { kind: 'aborted' };

class OverLimit extends Error {
  constructor(readonly over: Limit) {
    super(`upload over its ${over.limit} limit`);
  }
}

const NEWLINE = 0x0a;

/** Counts bytes (and, for CSV, lines) passing through; fails as soon as one passes its limit. */
class Counter extends Transform {
  bytes = 0;
  private lines = 0;
  constructor(
    private readonly bytesLimit: Limit & { limit: 'bytes' | 'decompressed-bytes' },
    private readonly maxRows: number | null,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.bytesLimit.max) return done(new OverLimit(this.bytesLimit));
    if (this.maxRows !== null) {
      for (let i = chunk.indexOf(NEWLINE); i !== -1; i = chunk.indexOf(NEWLINE, i + 1)) this.lines++;
      // The header is one line; a quoted cell with a line break counts twice, which only errs on the safe side.
      if (this.lines - 1 > this.maxRows) return done(new OverLimit({ limit: 'rows', max: this.maxRows }));
    }
    done(null, chunk);
  }
}

/**
 * Streams the body into `path` (owner-only), decompressing a gzip on the way, and stops at the first
 * limit passed. The request is then drained, not reset, so the client still reads the 413.
 */
async function saveBody(req: IncomingMessage, path: string, target: FocusUploadTarget, gzip: boolean): Promise<Saved> {
  const body = new PassThrough();
  const sent = new Counter({ limit: 'bytes', max: target.maxBytes }, null);
  const csv = /\.csv$/i.test(path);
  const content = new Counter({ limit: gzip ? 'decompressed-bytes' : 'bytes', max: target.maxBytes }, csv ? target.maxRows : null);
  const onAborted = (): void => {
    if (!req.complete) body.destroy(new Error('upload aborted'));
  };
  req.on('close', onAborted);
  req.on('error', onAborted);
  req.pipe(body);
  try {
    const out = createWriteStream(path, { mode: 0o600 });
    await (gzip ? pipeline(body, sent, createGunzip(), content, out) : pipeline(body, sent, content, out));
    return { kind: 'saved', bytes: content.bytes };
  } catch (error) {
    req.unpipe(body);
    if (!req.complete) req.resume();
    if (error instanceof OverLimit) return { kind: 'over', ...error.over };
    if (gzip && isZlibError(error)) return { kind: 'bad-gzip' };
    if (!req.complete) return { kind: 'aborted' };
    throw error;
  } finally {
    req.off('close', onAborted);
    req.off('error', onAborted);
  }
}

function isZlibError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^Z_/.test(code);
}

function tooLarge(name: string, over: Limit): UploadAnswer {
  const what =
    over.limit === 'rows'
      ? `holds more than ${over.max} cost rows (the upload limit)`
      : over.limit === 'decompressed-bytes'
        ? `decompresses to more than ${over.max} bytes (the upload limit)`
        : `is over ${over.max} bytes (the upload limit)`;
  return refuse(
    'bad-request',
    `${name}: the upload ${what}; nothing was imported. Raise it with \`fleetpane serve --upload-max-bytes/--upload-max-rows\`, or import it with \`fleetpane import-focus\` on the serving host`,
    413,
  );
}

function refuse(code: ApiError['code'], message: string, status?: number): UploadAnswer {
  return { reply: { ok: false, error: { code, message } }, ...(status === undefined ? {} : { status }) };
}
