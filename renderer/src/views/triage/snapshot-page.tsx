/** Opens an incident snapshot file read-only: rendered from the file, never from the store. */
import { useState, type ChangeEvent, type ReactNode } from 'react';
import { IncidentSnapshot } from '../../../../shared/contract-triage';
import { describeZodError } from '../../../../shared/format';
import { IncidentView } from '../../components/triage/incident-view';
import { formatUtcDateTime } from '../../lib/time';

/** Parses a snapshot file's text; the error says what is wrong with it. */
export function readSnapshot(text: string): { snapshot: IncidentSnapshot } | { error: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { error: 'This file is not JSON: not a Fleetpane incident snapshot.' };
  }
  const parsed = IncidentSnapshot.safeParse(json);
  return parsed.success ? { snapshot: parsed.data } : { error: describeZodError(parsed.error, 'Not a Fleetpane incident snapshot this version can open') };
}

export function SnapshotPage(): ReactNode {
  const [state, setState] = useState<{ snapshot: IncidentSnapshot } | { error: string } | null>(null);
  const onFile = (e: ChangeEvent<HTMLInputElement>): void => {
    const file = e.target.files?.[0];
    if (!file) return;
    void file.text().then((text) => setState(readSnapshot(text)));
  };
  return (
    <div className="snapshot" data-testid="snapshot-page">
      <section className="card">
        <h2 className="card__title">Incident snapshot</h2>
        <label htmlFor="snapshot-file">Open a snapshot file (.fleetpane.json)</label>{' '}
        <input id="snapshot-file" type="file" accept=".json,application/json" data-testid="snapshot-file" onChange={onFile} />
        {state && 'error' in state ? (
          <p className="notice notice--error" role="alert" data-testid="snapshot-error">
            {state.error}
          </p>
        ) : null}
      </section>
      {state && 'snapshot' in state ? (
        <>
          <p className="notice" role="note" data-testid="snapshot-banner">
            Read-only snapshot saved {formatUtcDateTime(state.snapshot.savedAt)} by Fleetpane {state.snapshot.savedBy}
            {state.snapshot.demo ? ' (DEMO fleet)' : ''}. It shows the incident as it was then, not the store.
          </p>
          <IncidentView page={state.snapshot.page} />
          <section className="card" aria-label="Spend at that moment">
            <h3 className="card__title">Fleet spend at that moment</h3>
            <ul>
              {state.snapshot.spend.map((s) => (
                <li key={s.currency}>
                  {s.currency}: billed month to date {s.billedMonthToDate}, run-rate today {s.runRateToday}, forecast {s.forecastMonth}
                </li>
              ))}
            </ul>
          </section>
        </>
      ) : null}
    </div>
  );
}
