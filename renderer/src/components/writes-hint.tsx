/** A short line saying why an area's controls are off and which serve flag turns them on. */
import type { ReactNode } from 'react';
import { WRITE_FLAGS, useWrites, type WriteArea } from '../api/writes';

/** Renders nothing when the area's writes are allowed. */
export function WritesHint({ area, what }: { area: WriteArea; what: string }): ReactNode {
  const writes = useWrites();
  if (writes.allowed(area)) return null;
  return (
    <p className="writes-hint" data-testid={`writes-hint-${area}`} role="note">
      <span className="badge badge--small badge--warn">read-only</span>{' '}
      {writes.mode === 'serve' ? (
        <>
          To {what}, start <code>{WRITE_FLAGS[area]}</code>.
        </>
      ) : (
        <>The store is open read-only here, so you cannot {what}.</>
      )}
    </p>
  );
}
