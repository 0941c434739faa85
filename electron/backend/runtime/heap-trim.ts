/**
 * Keeps a long-running collector's JS heap near what it really holds. V8 sizes its heap limit from
 * the machine's memory (about 4 GB on a 24 GB host) and collects lazily below it, so after a sync of
 * a 10,000-GPU fleet serve kept about 870 MiB of heap, most of it garbage, for as long as it ran
 * (with --max-old-space-size=320 the same sync peaked at 261 MiB). The limit can only be set when the
 * process starts, so instead, when the heap has grown by more than a slack since the last collection,
 * a full collection runs on the next turn of the event loop. Jest's --logHeapUsage exposes gc() the
 * same way.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AppEvent } from '../../../shared/contract';

/**
 * Growth of the heap since the last collection that triggers the next one. At 128 MiB a collector of
 * 10,000 GPUs under 50 sessions still peaked with 123-140 MiB of heap, at 504-543 MiB of RSS; at 32 MiB
 * with 61-69 MiB, at 457-490 MiB (API p95 24 against 28-32 ms; at 100,000 GPUs 864 against 911 MiB).
 */
export const HEAP_SLACK_BYTES = 32 * 2 ** 20;

export interface HeapTrimOptions {
  slackBytes?: number;
  /** A full garbage collection (default: V8's, exposed at runtime). */
  collect?: () => void;
  /** Bytes of heap in use now. */
  heapUsed?: () => number;
}

export interface HeapTrim {
  /** Called with every backend event: a sync's batches are where the heap grows. */
  onEvent(event: AppEvent): void;
  /** Collections run so far (for tests and diagnostics). */
  readonly collections: number;
}

/** V8's gc(), exposed after start-up (no --expose-gc flag needed on the command line). */
export function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as unknown;
  if (typeof gc !== 'function') throw new Error('V8 did not expose gc() after --expose-gc');
  return gc as () => void;
}

/** Creates the trim; nothing runs until an event finds the heap grown past the slack. */
export function createHeapTrim(options: HeapTrimOptions = {}): HeapTrim {
  const slack = options.slackBytes ?? HEAP_SLACK_BYTES;
  const heapUsed = options.heapUsed ?? (() => getHeapStatistics().used_heap_size);
  let collect = options.collect;
  let baseline = heapUsed();
  let pending = false;
  let collections = 0;
  return {
    onEvent(event) {
      // Only sync events: they come with the batches that grow the heap, and nothing else needs it.
      if (event.type !== 'sync-progress' && event.type !== 'data-changed') return;
      // The slack, or the heap that survived the last collection if that is more: at 100,000 GPUs about
      // 60-100 MiB survive, and a full collection (a pause of 60-125 ms) every 32 MiB of growth was
      // most of the event loop's stalls during a sync, two a second.
      if (pending || heapUsed() - baseline < Math.max(slack, baseline)) return;
      pending = true;
      // Not inside the emitter: the batch that grew the heap is still referenced on its stack.
      setImmediate(() => {
        pending = false;
        collect ??= exposedGc();
        collect();
        collections += 1;
        baseline = heapUsed();
      });
    },
    get collections() {
      return collections;
    },
  };
}
