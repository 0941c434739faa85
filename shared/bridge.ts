/**
 * What the preload exposes as `window.fleetpane`, and what serve mode speaks over HTTP.
 * The renderer builds its typed ApiClient on top of either.
 */
import type { ApiReply, AppEvent, ChannelId } from './contract';

/** The one frozen object the preload puts on window. */
export interface FleetpaneBridge {
  /** Sends a request on a contract channel; unknown channel ids are refused before they leave. */
  invoke(channel: ChannelId, request: unknown): Promise<ApiReply>;
  /** Subscribes to backend events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /**
   * The path on disk of a file the user dropped or picked (Electron's webUtils.getPathForFile), so a
   * FOCUS import can name it on `spend:import-focus`; '' when the file has no path (made in memory).
   * Only the desktop preload has it: a browser never learns a file's path.
   */
  pathForFile?(file: PickedFile): string;
}

/** The part of a DOM File the bridge signature names (shared/ has no DOM types). */
export interface PickedFile {
  readonly name: string;
  readonly size: number;
}

/** Serve mode: POST {API_PREFIX}{channel} with the JSON request body, answered with an ApiReply. */
export const EVENTS_PATH = '/api/events';
/**
 * Serve mode: the prefix of the session cookie set after a request that carried the token in its
 * query string. Each serve process adds its own random instance id (cookies do not isolate ports),
 * and the renderer never reads the cookie: it is HttpOnly and sent by the browser alone.
 */
export const SESSION_COOKIE_PREFIX = 'fleetpane_session_';
/**
 * Serve mode: POST the raw bytes of one FOCUS file here, with `?account=NAME&file=FILE-NAME`, to import
 * it (answered with an ApiReply of FocusImportSummary). Refused unless serve was started with
 * --manage-spend; the body is size-limited and lands in a private temp file that is deleted after.
 */
export const FOCUS_UPLOAD_PATH = '/api/upload/focus';
