/**
 * Serve mode: the backend headless over node:http. The built renderer, POST /api/<channel> and an
 * SSE event stream, on loopback by default, every request authenticated with the start token.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { EVENTS_PATH, FOCUS_UPLOAD_PATH } from '../../../shared/bridge';
import {
  API_PREFIX,
  channels,
  channelWrites,
  EVENT_CHANNEL,
  type ApiErrorCode,
  type ApiHandlers,
  type ApiReply,
  type AppEvent,
  type ChannelId,
} from '../../../shared/contract';
import { dispatch, isChannelId, serveRefusal, type EventSource, type ServeWrites } from '../api/index';
import { describeJsonError } from '../../../shared/redact';
import { safeErrorText } from '../sync/safe-error';
import { createAuthenticator, generateToken } from './auth';
import { receiveFocusUpload, type FocusUploadTarget } from './focus-upload';
import { createReadCoalescer } from './read-coalescer';
import { SECURITY_HEADERS } from './security-headers';
import { lookupStatic, openStatic } from './static-files';

export { generateToken, secretsEqual } from './auth';
export { CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from './security-headers';
export { DEFAULT_FOCUS_UPLOAD_BYTES, DEFAULT_FOCUS_UPLOAD_ROWS, type FocusUploadTarget } from './focus-upload';

export const DEFAULT_HOST = '127.0.0.1';
/** Largest JSON body an API request may have; requests are small filters. */
export const MAX_BODY_BYTES = 1024 * 1024;
const HEARTBEAT_MS = 15_000;
/** Refused requests logged per minute; the rest are counted in one line, so a flood cannot fill the disk. */
export const REFUSAL_LOG_PER_MINUTE = 10;
/** Characters of a refused request's path that reach the log. */
const LOGGED_PATH_CHARS = 120;
/**
 * Reads whose answer depends only on the request, the store and the minute: identical ones asked at
 * the same time are computed once (read-coalescer.ts). Writes, sync:now and reads that ask a machine's
 * metrics source are never shared.
 */
const SHARED_READS: ReadonlySet<ChannelId> = new Set<ChannelId>([
  'fleet:overview',
  'fleet:utilisation-series',
  'fleet:filter-options',
  'fleet:resources',
  'fleet:machines',
  'fleet:coverage',
  'incidents:list',
  'accounts:list',
]);

export interface StartServerOptions {
  api: ApiHandlers;
  /** The store folder being served (named in the start line so the operator sees which one). */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The access token; 32 random bytes (base64url) when not given. */
  token?: string;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  events: EventSource;
  /** One line per notable event (start, refused requests). Defaults to stderr. */
  log?: (line: string) => void;
  heartbeatMs?: number;
  maxBodyBytes?: number;
  /** `serve --manage-spend`: where FOCUS uploads from the spend screen go; absent: the upload route is refused. */
  focusUpload?: FocusUploadTarget;
  /**
   * The kinds of write serve's flags opened; pass what the api got. Write channels of other kinds are
   * refused before their body is read (absent: every write is refused, the API is read-only).
   */
  serveWrites?: ServeWrites;
}

export interface RunningServer {
  /** The URL to open, with the token: http://127.0.0.1:PORT/?token=... */
  url: string;
  origin: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const STATUS_OF: Readonly<Record<ApiErrorCode, number>> = {
  'bad-request': 400,
  'not-found': 404,
  unauthorized: 401,
  forbidden: 403,
  'read-only': 403,
  internal: 500,
};

/** Starts serve mode and resolves once it listens. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? DEFAULT_HOST;
  const token = options.token ?? generateToken();
  const write = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  // Every line serve writes passes the error-text redaction (a handler's message may quote a file).
  const log = (line: string) => write(safeErrorText(line));
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const auth = createAuthenticator(token);
  const logRefusal = refusalLogger(log);
  const sseClients = new Set<ServerResponse>();
  const reads = createReadCoalescer();
  // One subscription while any session streams events: each event is serialised once and the same
  // text is written to every stream (Node buffers it for a slow reader, so none is dropped). An event
  // that may follow a change to the store also ends the sharing of reads started before it; reads
  // are shared only while this subscription can say so.
  let unsubscribeEvents: (() => void) | null = null;
  const broadcast = (event: AppEvent): void => {
    if (mayFollowChange(event)) reads.invalidate();
    const text = `event: ${EVENT_CHANNEL}\ndata: ${JSON.stringify(event)}\n\n`;
    for (const client of sseClients) {
      try {
        client.write(text);
      } catch {
        // A stream that broke mid-write is dropped by its own close handler; the others still get it.
      }
    }
  };
  const addStream = (res: ServerResponse): void => {
    sseClients.add(res);
    unsubscribeEvents ??= options.events.subscribe(broadcast);
  };
  const dropStream = (res: ServerResponse): void => {
    if (!sseClients.delete(res) || sseClients.size > 0) return;
    unsubscribeEvents?.();
    unsubscribeEvents = null;
    reads.invalidate();
  };
  let allowedHosts = new Set<string>();
  const wildcard = host === '0.0.0.0' || host === '::';

  const hostAllowed = (header: string | undefined): boolean => {
    if (header === undefined) return false;
    const name = header.toLowerCase();
    if (allowedHosts.has(name)) return true;
    // Bound to every interface: accept IP literals (any address of this machine), never names,
    // because a name is what a DNS-rebinding page would send.
    if (wildcard) {
      const bare = name.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      return isIP(bare) !== 0;
    }
    return false;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`fleetpane serve: request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) sendJson(res, 500, failure('internal', 'internal error'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    if (!hostAllowed(req.headers.host)) {
      logRefusal(`fleetpane serve: refused ${String(req.method).slice(0, 10)} with Host "${String(req.headers.host).slice(0, 100)}" (not ${[...allowedHosts][0]})`);
      sendJson(res, 403, failure('forbidden', 'unexpected Host header'));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://fleetpane.invalid');
    const result = auth.check(req, url);
    if (!result.ok) {
      logRefusal(`fleetpane serve: 401 ${String(req.method).slice(0, 10)} ${clip(url.pathname, LOGGED_PATH_CHARS)}: ${result.reason} (open the URL printed at start, or send Authorization: Bearer <token>)`);
      sendJson(res, 401, failure('unauthorized', `${result.reason}: open the URL with ?token= printed by fleetpane serve`));
      return;
    }
    if (result.via === 'query') {
      res.setHeader('Set-Cookie', auth.sessionCookie());
      if (req.method === 'GET' && !url.pathname.startsWith(API_PREFIX)) {
        // Take the secret out of the address bar and history once the cookie is set.
        url.searchParams.delete('token');
        const rest = url.searchParams.toString();
        res.writeHead(303, { Location: url.pathname + (rest ? `?${rest}` : ''), 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
    }

    if (url.pathname === EVENTS_PATH) return serveEvents(req, res);
    if (url.pathname === FOCUS_UPLOAD_PATH) return serveFocusUpload(req, res, url);
    if (url.pathname.startsWith(API_PREFIX)) return serveApi(req, res, url.pathname.slice(API_PREFIX.length));
    return serveStatic(req, res, url.pathname);
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, channel: string): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      sendJson(res, 405, failure('bad-request', 'API routes take POST with a JSON body'));
      return;
    }
    if (!isChannelId(channel)) {
      sendJson(res, 404, failure('not-found', `unknown channel "${channel.slice(0, 80)}"`));
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !hostAllowed(origin.replace(/^https?:\/\//, ''))) {
      sendJson(res, 403, failure('forbidden', 'cross-origin request refused'));
      return;
    }
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendJson(res, 415, failure('bad-request', 'send the request as Content-Type: application/json'));
      return;
    }
    const refusal = serveRefusal(channel, options.serveWrites);
    if (refusal !== null) {
      sendJson(res, 403, failure('read-only', refusal));
      return;
    }
    const body = await readBody(req, maxBodyBytes);
    if (body === 'too-large') {
      sendJson(res, 413, failure('bad-request', `request body over ${maxBodyBytes} bytes`));
      req.resume();
      return;
    }
    let parsed: unknown;
    try {
      parsed = body.length === 0 ? {} : JSON.parse(body);
    } catch {
      sendJson(res, 400, failure('bad-request', `request body is ${describeJsonError(body)}`));
      return;
    }
    const answer = async (): Promise<{ status: number; text: string }> => {
      const reply = await dispatch(options.api, channel, parsed, { log });
      return { status: reply.ok ? 200 : STATUS_OF[reply.error.code], text: JSON.stringify(reply) };
    };
    if (unsubscribeEvents !== null && SHARED_READS.has(channel)) {
      const key = sharedReadKey(channel, parsed);
      if (key !== null) {
        // An error reply is shared with those who asked with it, never kept for later requests.
        const shared = await reads.run(key, answer, (reply) => reply.status === 200);
        sendJsonText(res, shared.status, shared.text);
        return;
      }
    }
    // A write (or sync:now) may change what every read answers, from its start to its end.
    const writes = channelWrites(channel) !== null || channel === 'sync:now';
    if (writes) reads.invalidate();
    try {
      const own = await answer();
      sendJsonText(res, own.status, own.text);
    } finally {
      if (writes) reads.invalidate();
    }
  }

  async function serveFocusUpload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const refuse = (status: number, reply: ApiReply): void => {
      sendJson(res, status, reply);
      req.resume();
    };
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return refuse(405, failure('bad-request', 'the FOCUS upload takes POST with the file as the body'));
    }
    const origin = req.headers.origin;
    if (origin !== undefined && !hostAllowed(origin.replace(/^https?:\/\//, ''))) return refuse(403, failure('forbidden', 'cross-origin request refused'));
    if (options.focusUpload === undefined) {
      return refuse(403, failure('read-only', 'FOCUS import is not available: serve mode is read-only; start `fleetpane serve --manage-spend` to import from the spend screen'));
    }
    reads.invalidate();
    const answer = await receiveFocusUpload(req, url, options.focusUpload).finally(() => reads.invalidate());
    if (!answer.reply.ok) log(`fleetpane serve: FOCUS upload refused: ${answer.reply.error.message}`);
    const status = answer.status ?? (answer.reply.ok ? 200 : STATUS_OF[answer.reply.error.code]);
    if (answer.reply.ok) sendJson(res, status, answer.reply);
    else refuse(status, answer.reply);
  }

  function serveEvents(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      sendJson(res, 405, failure('bad-request', 'the event stream takes GET'));
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    addStream(res);
    // Comments keep proxies and idle timeouts from closing a quiet stream.
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
    const stop = () => {
      clearInterval(heartbeat);
      dropStream(res);
    };
    req.on('close', stop);
    res.on('error', stop);
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, failure('bad-request', 'method not allowed'));
      return;
    }
    const found = await lookupStatic(options.rendererDir, pathname);
    if (found.kind === 'forbidden') {
      sendJson(res, 403, failure('forbidden', 'path refused'));
      return;
    }
    if (found.kind === 'missing') {
      if (pathname === '/' || pathname === '/index.html') {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('The Fleetpane renderer is not built. Run `npm run build`, then reload. The API is up at /api/.\n');
        return;
      }
      sendJson(res, 404, failure('not-found', 'no such file'));
      return;
    }
    res.writeHead(200, {
      'Content-Type': found.contentType,
      'Content-Length': String(found.size),
      'Cache-Control': found.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    openStatic(found.path)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('serve mode: no TCP address after listen');
  const port = address.port;
  const hostInUrl = isIP(host) === 6 ? `[${host}]` : host;
  const connectHost = wildcard ? (host === '::' ? '[::1]' : '127.0.0.1') : hostInUrl;
  allowedHosts = new Set([`${hostInUrl}:${port}`.toLowerCase(), `${connectHost}:${port}`]);
  if (host === '127.0.0.1' || host === '::1' || host === 'localhost' || wildcard) {
    for (const loop of ['127.0.0.1', 'localhost', '[::1]']) allowedHosts.add(`${loop}:${port}`);
  }
  const origin = `http://${connectHost}:${port}`;
  const url = `${origin}/?token=${encodeURIComponent(token)}`;
  log(`fleetpane serve: data ${options.dataDir}, listening on ${origin}`);

  return {
    url,
    origin,
    host,
    port,
    token,
    close: () =>
      new Promise<void>((resolveClose) => {
        for (const client of [...sseClients]) {
          client.end();
          dropStream(client);
        }
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
}

/**
 * Whether the store may have changed before `event` was emitted. A sync's `started` and `batch`
 * progress come before its transaction commits (readers cannot see its rows yet), and a metrics sync
 * sends dozens of them: ending the sharing of reads on each made every session compute its own
 * overview throughout a sync (issue 16). Every other event may follow a commit.
 */
export function mayFollowChange(event: AppEvent): boolean {
  return !(event.type === 'sync-progress' && (event.phase === 'started' || event.phase === 'batch'));
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/**
 * Logs refused requests at most REFUSAL_LOG_PER_MINUTE times a minute; the lines it held back are
 * counted in one line when the next minute starts.
 */
function refusalLogger(log: (line: string) => void, now: () => number = Date.now): (line: string) => void {
  let windowStart = 0;
  let written = 0;
  let held = 0;
  return (line) => {
    const at = now();
    if (at - windowStart >= 60_000) {
      if (held > 0) log(`fleetpane serve: ${held} more refused request${held === 1 ? '' : 's'} in the last minute, not logged one by one`);
      windowStart = at;
      written = 0;
      held = 0;
    }
    if (written < REFUSAL_LOG_PER_MINUTE) {
      written += 1;
      log(line);
    } else {
      held += 1;
    }
  };
}

function failure(code: ApiErrorCode, message: string): ApiReply {
  return { ok: false, error: { code, message } };
}

/**
 * The key of a shareable read: the channel, the request as its schema reads it (so key order does
 * not matter) and the minute, since a request without asOf asks about now. Null when the
 * request does not parse: dispatch answers that one on its own.
 */
function sharedReadKey(channel: ChannelId, body: unknown): string | null {
  const parsed = channels[channel].request.safeParse(body);
  if (!parsed.success) return null;
  return `${channel}\u0000${Math.floor(Date.now() / 60_000)}\u0000${JSON.stringify(parsed.data)}`;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendJsonText(res, status, JSON.stringify(body));
}

/** Sends JSON already serialised (a shared read's answer is serialised once for all who asked). */
function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large'> {
  return new Promise((resolveBody, rejectBody) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (declared > limit) {
      resolveBody('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        resolveBody('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolveBody(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', rejectBody);
  });
}
