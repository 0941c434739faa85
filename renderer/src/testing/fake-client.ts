/** A FleetpaneClient for component tests: per-channel handlers, events pushed by the test. */
import { ApiError, CHANNEL_IDS, type AppEvent, type ChannelId, type RequestOf, type ResponseOf } from '../../../shared/contract';
import type { FleetpaneClient } from '../api/transport';

export type FakeHandlers = { [C in ChannelId]?: (req: RequestOf<C>) => Promise<ResponseOf<C>> | ResponseOf<C> };

export interface FakeClient extends FleetpaneClient {
  /** Delivers an event to every subscriber. */
  emit(event: AppEvent): void;
  /** Requests received, in order. */
  calls: { channel: ChannelId; request: unknown }[];
}

/** Channels without a handler reject with ApiError('not-found'), so a missing fixture shows up. */
export function createFakeClient(handlers: FakeHandlers): FakeClient {
  const listeners = new Set<(event: AppEvent) => void>();
  const calls: { channel: ChannelId; request: unknown }[] = [];
  const client: Record<string, unknown> = {
    calls,
    emit: (event: AppEvent) => {
      for (const l of listeners) l(event);
    },
    onEvent: (listener: (event: AppEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    // Files travel as their names to the spend:import-focus handler, as the desktop sends paths.
    importFocusFiles: async (account: string, files: readonly File[]) => (client['spend:import-focus'] as (req: unknown) => Promise<unknown>)({ account, files: files.map((f) => f.name) }),
  };
  for (const channel of CHANNEL_IDS) {
    client[channel] = async (request: unknown) => {
      calls.push({ channel, request });
      const handler = handlers[channel] as ((req: unknown) => unknown) | undefined;
      if (handler === undefined) throw new ApiError('not-found', `no fake handler for ${channel}`);
      return handler(request);
    };
  }
  return client as unknown as FakeClient;
}
