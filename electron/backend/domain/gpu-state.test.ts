import { describe, expect, it } from 'vitest';
import { GPU_STATES } from '../../../shared/domain';
import { gpuState, gpuStateCaseSql, STATE_PRECEDENCE, type GpuStateFacts } from './gpu-state';

const running: GpuStateFacts = { powerState: 'running', health: 'ok', xidErrors: 0, fault: false, samples: 30, meanUtilisation: 50 };

describe('the state of a GPU', () => {
  it('follows the glossary order: stopped, unhealthy, unknown, busy, idle', () => {
    expect(STATE_PRECEDENCE).toEqual(['stopped', 'unhealthy', 'unknown', 'busy', 'idle']);
    expect(STATE_PRECEDENCE).toEqual(GPU_STATES);
  });

  it('takes the first state that applies', () => {
    expect(gpuState({ ...running, powerState: 'stopped', health: 'unavailable', samples: 0, meanUtilisation: null })).toBe('stopped');
    expect(gpuState({ ...running, health: 'degraded' })).toBe('unhealthy');
    expect(gpuState({ ...running, xidErrors: 1, samples: 0, meanUtilisation: null })).toBe('unhealthy');
    expect(gpuState({ ...running, fault: true })).toBe('unhealthy');
    expect(gpuState({ ...running, samples: 0, meanUtilisation: null })).toBe('unknown');
    expect(gpuState(running)).toBe('busy');
  });

  it('is busy from 5 % averaged over the window, idle below', () => {
    expect(gpuState({ ...running, meanUtilisation: 5 })).toBe('busy');
    expect(gpuState({ ...running, meanUtilisation: 4.999 })).toBe('idle');
    expect(gpuState({ ...running, meanUtilisation: 0 })).toBe('idle');
  });

  it('writes the same order as one SQL CASE', () => {
    const sql = gpuStateCaseSql({ powerState: 'p', health: 'h', xidErrors: 'x', fault: 'f', samples: 'n', meanUtilisation: 'u' });
    const order = [...sql.matchAll(/THEN '(\w+)'|ELSE '(\w+)'/g)].map((m) => m[1] ?? m[2]);
    expect(order).toEqual(STATE_PRECEDENCE);
  });
});
