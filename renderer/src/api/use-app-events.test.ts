import { describe, expect, it } from 'vitest';
import { keysInvalidatedBy } from './use-app-events';

describe('keysInvalidatedBy', () => {
  it('refreshes fleet views and freshness on data-changed, incidents too when that stream changed', () => {
    expect(keysInvalidatedBy({ type: 'data-changed', account: 'a', streams: ['metrics'] })).toEqual([['fleet'], ['accounts']]);
    expect(keysInvalidatedBy({ type: 'data-changed', account: 'a', streams: ['incidents'] })).toContainEqual(['incidents']);
  });

  it('ignores sync progress until a run ends', () => {
    const progress = { type: 'sync-progress', account: 'a', stream: 'costs', rows: 10, error: null } as const;
    expect(keysInvalidatedBy({ ...progress, phase: 'batch' })).toEqual([]);
    expect(keysInvalidatedBy({ ...progress, phase: 'finished' })).toEqual([['accounts']]);
  });
});
