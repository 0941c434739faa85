/**
 * A tiny fan-out for backend events: the sync engine emits, serve mode's SSE clients and the Electron
 * shell's windows listen. Listener failures never reach the emitter.
 */
import type { AppEvent } from '../../../shared/contract';

/** Something events can be subscribed to. */
export interface EventSource {
  subscribe(listener: (event: AppEvent) => void): () => void;
}

export interface EventHub extends EventSource {
  emit(event: AppEvent): void;
  /** Number of current listeners (for tests and diagnostics). */
  readonly size: number;
}

/** Creates an event hub; `emit` is safe to pass to the sync engine as its `emit` option. */
export function createEventHub(onListenerError: (error: unknown) => void = () => {}): EventHub {
  const listeners = new Set<(event: AppEvent) => void>();
  return {
    emit(event) {
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch (error) {
          onListenerError(error);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    get size() {
      return listeners.size;
    },
  };
}
