import { describe, expect, it } from 'vitest';
import { RequestBudget } from './budget';

describe('request budget per account and region', () => {
  it('waits for a token when a scope is empty, and a throttled scope slows only itself', async () => {
    let clock = 0;
    const waits: number[] = [];
    const b = new RequestBudget({ capacity: 2, refillPerSecond: 4, now: () => clock, sleep: async (ms) => { waits.push(ms); clock += ms; } });
    const signal = new AbortController().signal;
    await b.take('a', signal);
    await b.take('a', signal);
    expect(waits).toEqual([]);
    await b.take('a', signal);
    expect(waits).toEqual([250]);
    b.throttled('a');
    await b.take('a', signal);
    // Half the pace after throttling: a token every 500 ms.
    expect(waits).toEqual([250, 500]);
    await b.take('b', signal);
    await b.take('b', signal);
    expect(waits).toHaveLength(2);
    const state = b.state();
    expect(state.map((s) => [s.scope, s.pacedRequests, s.refillPerSecond])).toEqual([['a', 2, 2], ['b', 0, 4]]);
    expect(state[1]?.remaining).toBe(0);
    b.succeeded('a');
    expect(b.state()[0]?.refillPerSecond).toBeCloseTo(2.4);
  });
});
