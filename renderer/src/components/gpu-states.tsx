/** GPU counts by state, each labelled in words (colour only reinforces the label). */
import type { ReactNode } from 'react';
import type { GpuState } from '../../../shared/domain';
import type { GpuCounts } from '../../../shared/overview';

/** The order SREs read states in: what works, what burns money, what is broken, what is off. */
export const STATE_ORDER: readonly GpuState[] = ['busy', 'idle', 'unhealthy', 'unknown', 'stopped'];

export const STATE_LABELS: Readonly<Record<GpuState, string>> = {
  busy: 'Busy',
  idle: 'Idle',
  unhealthy: 'Unhealthy',
  unknown: 'Unknown',
  stopped: 'Stopped',
};

const STATE_GLYPHS: Readonly<Record<GpuState, string>> = {
  busy: '●',
  idle: '○',
  unhealthy: '✕',
  unknown: '?',
  stopped: '■',
};

/** A small state marker: glyph plus word, styled by state. */
export function StateTag({ state, count }: { state: GpuState; count?: number }): ReactNode {
  return (
    <span className={`state state--${state}`}>
      <span className="state__glyph" aria-hidden="true">
        {STATE_GLYPHS[state]}
      </span>
      {count !== undefined ? `${count} ` : ''}
      {STATE_LABELS[state].toLowerCase()}
    </span>
  );
}

/** A definition list of state counts; testids are `<prefix>-<state>` and `<prefix>-total`. */
export function GpuStateCounts({ counts, testIdPrefix }: { counts: GpuCounts; testIdPrefix: string }): ReactNode {
  return (
    <dl className="state-counts">
      <div className="state-counts__item state-counts__item--total">
        <dt>Total</dt>
        <dd data-testid={`${testIdPrefix}-total`}>{counts.total}</dd>
      </div>
      {STATE_ORDER.map((state) => (
        <div key={state} className={`state-counts__item state--${state}`}>
          <dt>
            <span className="state__glyph" aria-hidden="true">
              {STATE_GLYPHS[state]}
            </span>{' '}
            {STATE_LABELS[state]}
          </dt>
          <dd data-testid={`${testIdPrefix}-${state}`}>{counts[state]}</dd>
        </div>
      ))}
    </dl>
  );
}
