/**
 * A connector stream read ahead into a bounded buffer. The sync engine starts the next metrics chunk's
 * queries once the previous chunk's stream has ended, while the store still writes that chunk, so the
 * source is not left idle at every chunk boundary; the buffer's cap keeps memory bounded.
 */
import { TurnBudget } from '../store/event-loop-turns';

/** Batches of a stream, read ahead of their consumer until `maxItems` items (batch lengths summed) are buffered. */
export class ReadAhead<B extends { readonly length: number }> implements AsyncIterable<B> {
  readonly #queue: B[] = [];
  readonly #iterator: AsyncIterator<B>;
  readonly #maxItems: number;
  readonly #stop: AbortController;
  #buffered = 0;
  #peak = 0;
  #done = false;
  #failure: { error: unknown } | null = null;
  #taken = false;
  #wakeConsumer: (() => void) | null = null;
  #wakePump: (() => void) | null = null;
  readonly #pumped: Promise<void>;

  /**
   * Starts reading `source` at once. `stop` is aborted by cancel(); the source should listen to it
   * (so a request in flight ends). At most `maxItems` items wait in the buffer, plus the one batch
   * that crossed the cap.
   */
  constructor(
    source: AsyncIterable<B>,
    maxItems: number,
    stop: AbortController,
    sourceEnded: () => void = () => undefined,
    private readonly turns: TurnBudget = new TurnBudget(),
  ) {
    if (!Number.isInteger(maxItems) || maxItems < 1) throw new RangeError('read-ahead maxItems must be a positive integer');
    this.#iterator = source[Symbol.asyncIterator]();
    this.#maxItems = maxItems;
    this.#stop = stop;
    this.#pumped = this.#pump().finally(sourceEnded);
  }

  /** Items waiting in the buffer now, and the most that ever waited (tests hold the bound). */
  get buffered(): { now: number; peak: number } {
    return { now: this.#buffered, peak: this.#peak };
  }

  async #pump(): Promise<void> {
    try {
      for (;;) {
        while (this.#buffered >= this.#maxItems && !this.#stop.signal.aborted) {
          await new Promise<void>((resolve) => (this.#wakePump = resolve));
        }
        if (this.#stop.signal.aborted) {
          await this.#iterator.return?.();
          return;
        }
        const next = await this.#iterator.next();
        if (next.done) return;
        this.#queue.push(next.value);
        this.#buffered += next.value.length;
        this.#peak = Math.max(this.#peak, this.#buffered);
        this.#wake('consumer');
        // A source with its data at hand (a metrics answer already folded) yields batch after batch in
        // promise callbacks alone: filling the buffer at 250,000 samples held the event loop for
        // 100-300 ms at a time during a first backfill of 100,000 GPUs.
        await this.turns.maybeTurn();
      }
    } catch (error) {
      // Kept for the consumer, which meets it where the stream failed (after the batches before it).
      this.#failure = { error };
    } finally {
      this.#done = true;
      this.#wake('consumer');
    }
  }

  #wake(who: 'consumer' | 'pump'): void {
    const wake = who === 'consumer' ? this.#wakeConsumer : this.#wakePump;
    if (who === 'consumer') this.#wakeConsumer = null;
    else this.#wakePump = null;
    wake?.();
  }

  /** The batches in order; the source's error where it failed. Can be iterated once. */
  async *[Symbol.asyncIterator](): AsyncGenerator<B> {
    if (this.#taken) throw new Error('a read-ahead stream can be read once');
    this.#taken = true;
    let finished = false;
    try {
      for (;;) {
        const batch = this.#queue.shift();
        if (batch !== undefined) {
          this.#buffered -= batch.length;
          this.#wake('pump');
          yield batch;
          continue;
        }
        if (this.#done) {
          finished = true;
          if (this.#failure !== null) throw this.#failure.error;
          return;
        }
        await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      }
    } finally {
      // A consumer that stops early (its write failed) stops the source too; not awaited, so a source
      // that ignores its signal cannot hold up the write's failure.
      if (!finished) void this.cancel();
    }
  }

  /** Stops reading the source and drops what is buffered; resolves when the source has stopped. */
  async cancel(): Promise<void> {
    this.#stop.abort();
    this.#queue.length = 0;
    this.#buffered = 0;
    this.#wake('pump');
    await this.#pumped;
  }
}
