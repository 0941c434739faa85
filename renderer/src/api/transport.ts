/**
 * What both transports share: turning an ApiReply into data or an ApiError, checked against the
 * channel's response schema, and building the typed client from one generic call function.
 */
import {
  ApiError,
  ApiReply,
  CHANNEL_IDS,
  channels,
  type ApiClient,
  type AppEvent,
  type ChannelId,
  type ResponseOf,
} from '../../../shared/contract';
import { describeZodError } from '../../../shared/format';
import type { FocusImportSummary } from '../../../shared/contract-spend';

/** The typed client plus the backend's event stream; what the renderer holds. */
export type FleetpaneClient = ApiClient & {
  /** Subscribes to backend events; returns the unsubscribe function. */
  onEvent(listener: (event: AppEvent) => void): () => void;
  /**
   * Imports FOCUS files the user dropped or picked into `account`: by their paths on disk in the
   * desktop app (one import, all files or none), by uploading each file in serve mode (a browser
   * never learns a path). Progress arrives as focus-import-progress events.
   */
  importFocusFiles(account: string, files: readonly File[]): Promise<FocusImportSummary>;
};

/** Sends one request on a channel and resolves with the raw reply envelope (not yet trusted). */
export type RawCall = (channel: ChannelId, request: unknown) => Promise<unknown>;

/** Unwraps a reply envelope: data checked against the channel's schema, or the ApiError it carries. */
export function unwrapReply<C extends ChannelId>(channel: C, raw: unknown): ResponseOf<C> {
  const envelope = ApiReply.safeParse(raw);
  if (!envelope.success) {
    throw new ApiError('internal', describeZodError(envelope.error, `${channel}: malformed reply`));
  }
  if (!envelope.data.ok) {
    throw new ApiError(envelope.data.error.code, envelope.data.error.message);
  }
  const data = channels[channel].response.safeParse(envelope.data.data);
  if (!data.success) {
    throw new ApiError('internal', describeZodError(data.error, `${channel}: response does not match the contract`));
  }
  return data.data as ResponseOf<C>;
}

/** Builds an ApiClient with one method per contract channel on top of a raw call. */
export function buildApiClient(call: RawCall): ApiClient {
  const client: Partial<Record<ChannelId, (req: unknown) => Promise<unknown>>> = {};
  for (const channel of CHANNEL_IDS) {
    client[channel] = async (request: unknown) => unwrapReply(channel, await call(channel, request));
  }
  return Object.freeze(client) as ApiClient;
}

/** Wraps anything a transport throws that is not already an ApiError. */
export function asApiError(error: unknown, context: string): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError('internal', `${context}: ${message}`);
}

