import type { ReactNode } from 'react';
import { errorMessage } from '../status';

/** Cancel and Save for a spend editor form, with the save's refusal shown under them. */
export function EditorActions({
  onClose,
  saving,
  disabled,
  label,
  testId,
  error,
}: {
  onClose: () => void;
  saving: boolean;
  disabled: boolean;
  label: string;
  testId: string;
  error: unknown;
}): ReactNode {
  return (
    <>
      <div className="spend-editor__actions">
        <button type="button" className="button button--quiet" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" className="button" disabled={saving || disabled} data-testid={testId}>
          {saving ? 'Saving…' : label}
        </button>
      </div>
      {error ? (
        <p role="alert" className="notice notice--error" data-testid={`${testId}-error`}>
          {errorMessage(error)}
        </p>
      ) : null}
    </>
  );
}
