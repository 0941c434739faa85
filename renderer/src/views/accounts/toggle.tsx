/** A checkbox shown as a labelled on/off switch. */
import type { ReactNode } from 'react';

export interface ToggleProps {
  testId: string;
  label: ReactNode;
  checked: boolean;
  disabled: boolean;
  onChange: (on: boolean) => void;
  /** The switch's name when the visible label alone does not say what it switches. */
  ariaLabel?: string;
  /** Why the switch is off (shown on hover), e.g. the serve flag that allows the write. */
  title?: string | undefined;
}

export function Toggle({ testId, label, checked, disabled, onChange, ariaLabel, title }: ToggleProps): ReactNode {
  return (
    <label className="toggle" title={title}>
      <input type="checkbox" role="switch" className="toggle__input" data-testid={testId} aria-label={ariaLabel} checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} />
      <span className="toggle__track" aria-hidden="true" />
      <span className="toggle__label">{label}</span>
    </label>
  );
}
