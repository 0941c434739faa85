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
}

/** Serve mode: POST {API_PREFIX}{channel} with the JSON request body, answered with an ApiReply. */
export const EVENTS_PATH = '/api/events';
/** Serve mode: the cookie set after a request that carried the token in its query string. */
export const SESSION_COOKIE = 'fleetpane_session';
