/** The serve-mode transport: POST /api/<channel> with JSON, events over server-sent events. */
import { API_PREFIX, ApiError, AppEvent, EVENT_CHANNEL, type ChannelId } from '../../../shared/contract';
import { EVENTS_PATH, FOCUS_UPLOAD_PATH } from '../../../shared/bridge';
import type { FocusImportSummary } from '../../../shared/contract-spend';
import { asApiError, buildApiClient, unwrapReply, type FleetpaneClient } from './transport';

/** The part of EventSource the client uses, so tests can pass a fake stream. */
export interface EventStreamLike {
  addEventListener(type: string, listener: (event: MessageEvent) => void): void;
  close(): void;
}

export interface HttpClientOptions {
  /** The launch token from `?token=`: sent until the server has answered with success (it then sets the session cookie). */
  token?: string | null;
  /** Called once, after the first request that carried the token was answered: strip it from the address bar. */
  onTokenUsed?: () => void;
  /** Opens the server-sent event stream; EventSource by default. */
  openEventStream?: (url: string) => EventStreamLike;
}

/** Builds the typed client over HTTP; every reply is unwrapped and schema-checked. */
export function createHttpClient(
  baseUrl: string,
  fetchFn: typeof fetch = globalThis.fetch,
  options: HttpClientOptions = {},
): FleetpaneClient {
  // window.fetch throws "Illegal invocation" when called detached from window.
  const doFetch: typeof fetch = fetchFn === globalThis.fetch ? fetchFn.bind(globalThis) : fetchFn;
  const base = baseUrl.replace(/\/+$/, '');
  let token = options.token ?? null;
  let tokenReported = false;

  const withToken = (path: string): string =>
    token === null ? `${base}${path}` : `${base}${path}?token=${encodeURIComponent(token)}`;

  /** Sends one request and returns its JSON body (not yet trusted); `label` names it in errors. */
  const send = async (path: string, query: URLSearchParams, init: RequestInit, label: string): Promise<unknown> => {
    const sentToken = token !== null;
    if (token !== null) query.set('token', token);
    const search = query.toString();
    let response: Response;
    try {
      response = await doFetch(`${base}${path}${search === '' ? '' : `?${search}`}`, { ...init, credentials: 'same-origin' });
    } catch (error) {
      throw asApiError(error, `${label}: cannot reach the Fleetpane server`);
    }
    if (sentToken) {
      if (response.ok) token = null;
      if (!tokenReported) {
        tokenReported = true;
        options.onTokenUsed?.();
      }
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      if (response.status === 401 || response.status === 403) {
        throw new ApiError('unauthorized', 'Not signed in: open the address with ?token= that `fleetpane serve` printed.');
      }
      throw new ApiError('internal', `${label}: the server answered HTTP ${response.status} without a reply`);
    }
    return body;
  };

  const call = (channel: ChannelId, request: unknown): Promise<unknown> =>
    send(
      `${API_PREFIX}${channel}`,
      new URLSearchParams(),
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(request ?? {}) },
      channel,
    );

  /** One upload per file: each is its own import; a refused file stops the rest. */
  const importFocusFiles = async (account: string, files: readonly File[]): Promise<FocusImportSummary> => {
    const done: FocusImportSummary[] = [];
    for (const file of files) {
      const raw = await send(
        FOCUS_UPLOAD_PATH,
        new URLSearchParams({ account, file: file.name }),
        { method: 'POST', headers: { 'content-type': 'application/octet-stream', accept: 'application/json' }, body: file },
        `upload of ${file.name}`,
      );
      try {
        done.push(unwrapReply('spend:import-focus', raw));
      } catch (error) {
        if (done.length === 0 || !(error instanceof ApiError)) throw error;
        const before = done.flatMap((d) => d.files.map((f) => f.file)).join(', ');
        throw new ApiError(error.code, `${error.message} (already imported before it: ${before})`);
      }
    }
    return {
      account,
      rows: done.reduce((n, d) => n + d.rows, 0),
      replacedRows: done.reduce((n, d) => n + d.replacedRows, 0),
      files: done.flatMap((d) => d.files),
    };
  };

  const api = buildApiClient(call);

  // One shared stream for all subscribers, opened on first use and closed with the last.
  const listeners = new Set<(event: AppEvent) => void>();
  let stream: EventStreamLike | null = null;
  const openStream =
    options.openEventStream ?? ((url: string): EventStreamLike => new EventSource(url, { withCredentials: true }));
  const dispatch = (message: MessageEvent): void => {
    let payload: unknown;
    try {
      payload = JSON.parse(String(message.data));
    } catch {
      return;
    }
    const event = AppEvent.safeParse(payload);
    if (!event.success) return;
    for (const listener of listeners) listener(event.data);
  };

  return Object.freeze({
    ...api,
    importFocusFiles,
    onEvent(listener: (event: AppEvent) => void): () => void {
      listeners.add(listener);
      if (stream === null) {
        stream = openStream(withToken(EVENTS_PATH));
        stream.addEventListener(EVENT_CHANNEL, dispatch);
        stream.addEventListener('message', dispatch);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && stream !== null) {
          stream.close();
          stream = null;
        }
      };
    },
  });
}
