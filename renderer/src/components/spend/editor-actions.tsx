import type { ReactNode } from 'react';

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
  /** The save's failure in the user's words, or null. */
  error: string | null;
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
      {error !== null ? (
        <p role="alert" className="notice notice--error" data-testid={`${testId}-error`}>
          {error}
        </p>
      ) : null}
    </>
  );
}
