import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('grants up to its limit and hands permits to waiters in order', async () => {
    const semaphore = new Semaphore(2);
    const first = await semaphore.acquire();
    const second = await semaphore.acquire();
    const order: string[] = [];
    const third = semaphore.acquire().then((release) => (order.push('third'), release));
    const fourth = semaphore.acquire().then((release) => (order.push('fourth'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(semaphore.inUse).toBe(2);
    first();
    first(); // releasing twice must not free a second permit
    (await third)();
    second();
    (await fourth)();
    expect(order).toEqual(['third', 'fourth']);
    expect(semaphore.inUse).toBe(0);
  });

  it('serves a waiter asking to go first before every plain waiter, and the first ones in order', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const order: string[] = [];
    const take = (name: string, first = false) =>
      semaphore.acquire(undefined, { first }).then((release) => {
        order.push(name);
        release();
      });
    const all = [take('backfill 1'), take('backfill 2'), take('page 1', true), take('backfill 3'), take('page 2', true)];
    held();
    await Promise.all(all);
    expect(order).toEqual(['page 1', 'page 2', 'backfill 1', 'backfill 2', 'backfill 3']);
    expect(semaphore.inUse).toBe(0);
  });

  it('holds permits back for first holders: a machine page does not wait for a backfill holding every plain one', async () => {
    const semaphore = new Semaphore(2, 1);
    const backfill = [await semaphore.acquire(), await semaphore.acquire()];
    const order: string[] = [];
    const waitingBackfill = semaphore.acquire().then((release) => (order.push('backfill 3'), release));
    // At once, past the plain waiter, on the held-back permit.
    const page = await semaphore.acquire(undefined, { first: true });
    expect(semaphore.inUse).toBe(3);
    // The held-back permit is taken: the next page waits, and gets it back before any plain waiter.
    const page2 = semaphore.acquire(undefined, { first: true }).then((release) => (order.push('page 2'), release));
    await Promise.resolve();
    expect(order).toEqual([]);
    page();
    const releasePage2 = await page2;
    expect(order).toEqual(['page 2']);
    // Given back with only a plain waiter left, it is not handed to it.
    releasePage2();
    await Promise.resolve();
    expect(order).toEqual(['page 2']);
    expect(semaphore.inUse).toBe(2);
    backfill[0]!();
    (await waitingBackfill)();
    backfill[1]!();
    expect(order).toEqual(['page 2', 'backfill 3']);
    expect(semaphore.inUse).toBe(0);
    // A plain permit freed goes to a first waiter ahead of the plain ones, as without a reserve.
    const held = [await semaphore.acquire(), await semaphore.acquire(), await semaphore.acquire(undefined, { first: true })];
    const next: string[] = [];
    const plain = semaphore.acquire().then((release) => (next.push('plain'), release));
    const first = semaphore.acquire(undefined, { first: true }).then((release) => (next.push('first'), release));
    held[0]!();
    (await first)();
    held[1]!();
    (await plain)();
    held[2]!();
    expect(next).toEqual(['first', 'plain']);
    expect(semaphore.inUse).toBe(0);
    expect(() => new Semaphore(1, -1)).toThrow(RangeError);
  });

  it('drops a waiter whose signal aborts', async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    held();
    expect(semaphore.inUse).toBe(0);
    const again = await semaphore.acquire();
    expect(semaphore.inUse).toBe(1);
    again();
  });

  it('run holds a permit for the body and releases it however the body ends', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(async () => { expect(semaphore.inUse).toBe(1); return 7; })).resolves.toBe(7);
    await expect(semaphore.run(async () => { throw new Error('query failed'); })).rejects.toThrow('query failed');
    expect(semaphore.inUse).toBe(0);
  });

  it('tryAcquire takes a free permit at once, and none (never queueing) when all are held', async () => {
    const semaphore = new Semaphore(1);
    const release = semaphore.tryAcquire();
    expect(release).not.toBeNull();
    expect(semaphore.inUse).toBe(1);
    expect(semaphore.tryAcquire()).toBeNull();
    const waiting = semaphore.acquire();
    release!();
    // The permit went to the waiter, not back to the pool a tryAcquire could take it from.
    expect(semaphore.tryAcquire()).toBeNull();
    (await waiting)();
    expect(semaphore.inUse).toBe(0);
  });
});
