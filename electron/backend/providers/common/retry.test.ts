import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_RETRY_WAIT_MS, retryWaitMs, sleep } from './retry';

describe('sleep', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves after the wait', async () => {
    vi.useFakeTimers();
    let done = false;
    const p = sleep(1_000, new AbortController().signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await p;
    expect(done).toBe(true);
  });

  it('rejects with the abort reason, at once or mid-wait', async () => {
    const pre = new AbortController();
    pre.abort(new Error('cancelled before'));
    await expect(sleep(10, pre.signal)).rejects.toThrow('cancelled before');

    vi.useFakeTimers();
    const mid = new AbortController();
    const p = sleep(60_000, mid.signal);
    mid.abort(new Error('cancelled during'));
    await expect(p).rejects.toThrow('cancelled during');
  });

  it('waits without a signal', async () => {
    vi.useFakeTimers();
    const p = sleep(5);
    await vi.advanceTimersByTimeAsync(5);
    await expect(p).resolves.toBeUndefined();
  });
});

describe('retryWaitMs', () => {
  it('honours the server, capped at a minute', () => {
    expect(retryWaitMs(1_000, 7_000)).toBe(7_000);
    expect(retryWaitMs(1_000, 600_000)).toBe(MAX_RETRY_WAIT_MS);
  });

  it('jitters our own delay within +-25%', () => {
    expect(retryWaitMs(2_000, null, () => 0)).toBe(1_500);
    expect(retryWaitMs(2_000, null, () => 0.5)).toBe(2_000);
    expect(retryWaitMs(2_000, null, () => 1)).toBe(2_500);
    expect(retryWaitMs(100_000, null, () => 0.5)).toBe(MAX_RETRY_WAIT_MS);
  });
});
