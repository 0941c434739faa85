/** Provider-neutral retry helpers: an abortable wait and the jittered backoff delay the connectors share. */

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Longest wait between two attempts, whatever the server asks. */
export const MAX_RETRY_WAIT_MS = 60_000;

/**
 * How long to wait before the next attempt: the server's Retry-After when it sent one, otherwise our
 * own delay jittered by +-25% (so many accounts do not retry in step); never more than a minute.
 */
export function retryWaitMs(delayMs: number, serverMs: number | null, random: () => number = Math.random): number {
  return Math.min(MAX_RETRY_WAIT_MS, serverMs ?? delayMs * (0.75 + random() * 0.5));
}
