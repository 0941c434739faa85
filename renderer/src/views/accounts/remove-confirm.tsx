/** The type-the-name confirmation before an account and its stored data are removed. */
import { useState, type ReactNode } from 'react';

export interface RemoveConfirmProps {
  name: string;
  /** What removing deletes, after "Removing <name> deletes ...". */
  deletes: string;
  /** The confirm button's words. */
  action: string;
  pending: boolean;
  /** The removal's failure in the user's words, or null. */
  error: string | null;
  /** Called with the name as typed (the backend checks it again). */
  onConfirm(typed: string): void;
  onCancel(): void;
}

/** Asks for the account's name before removal; the button stays off until it matches. */
export function RemoveConfirm({ name, deletes, action, pending, error, onConfirm, onCancel }: RemoveConfirmProps): ReactNode {
  const [typed, setTyped] = useState('');
  return (
    <div role="group" aria-label={`Remove ${name}`} className="confirm notice notice--error" data-testid="remove-confirm">
      <p>
        Removing <strong>{name}</strong> deletes {deletes}. Type its name to confirm.
      </p>
      <div className="toolbar">
        <input aria-label="Account name to confirm" className="text-input" data-testid="remove-confirm-name" value={typed} onChange={(e) => setTyped(e.target.value)} />
        <button type="button" className="button button--danger" data-testid="remove-confirm-button" disabled={typed !== name || pending} onClick={() => onConfirm(typed)}>
          {action}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error !== null ? <p role="alert">{error}</p> : null}
    </div>
  );
}
