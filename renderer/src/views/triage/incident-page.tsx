/** The live incident page: the incident view plus acknowledge, notes, Markdown summary and snapshot. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useQuery } from '@tanstack/react-query';
import { incidentMarkdown } from '../../../../shared/incident-markdown';
import { keys } from '../../api/query-keys';
import { incidentPageQuery } from '../../api/triage-queries';
import { useWriteMutation } from '../../api/write-mutation';
import { ErrorState, LoadingSkeleton, errorMessage } from '../../components/status';
import { IncidentView } from '../../components/triage/incident-view';
import type { ViewParams } from '../../routing/route';
import { WritesHint } from '../../components/writes-hint';
import { offerDownload } from '../../lib/download';


export function IncidentPageView({ id, params, readOnly }: { id: string; params: ViewParams; readOnly: boolean }): ReactNode {
  const query = useQuery(incidentPageQuery(id, params.asOf));
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [markdown, setMarkdown] = useState<string | null>(null);
  // One status line for every action: what the last one did, or why it was refused.
  const report = { onError: (error: Error) => setMessage(errorMessage(error)) };
  const acknowledge = useWriteMutation({
    area: 'triage',
    call: (api, acknowledged: boolean) => api['triage:acknowledge']({ id, acknowledged }),
    invalidates: [keys.triage.all()],
    onSuccess: (_, acknowledged) => setMessage(acknowledged ? 'Acknowledged' : 'Acknowledgement cleared'),
    ...report,
  });
  const addNote = useWriteMutation({
    area: 'triage',
    call: (api, body: string) => api['triage:add-note']({ id, body }),
    invalidates: [keys.triage.all()],
    onSuccess: () => {
      setMessage('Note added');
      setNote('');
    },
    ...report,
  });
  // A snapshot reads; the file is offered for download and nothing changes.
  const snapshot = useWriteMutation({
    call: (api) => api['triage:snapshot']({ id, asOf: params.asOf }),
    onSuccess: (saved) => {
      const stamp = saved.savedAt.replaceAll(':', '').slice(0, 15);
      offerDownload(`incident-${id.replaceAll(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}-${stamp}.fleetpane.json`, new Blob([JSON.stringify(saved, null, 2)], { type: 'application/json' }));
      setMessage('Snapshot saved');
    },
    ...report,
  });

  if (query.isPending) return <LoadingSkeleton label="Loading the incident" testId="incident-loading" />;
  if (query.isError) return <ErrorState title="Could not load the incident" error={query.error} onRetry={() => void query.refetch()} />;
  const page = query.data;
  const acknowledged = page.incident.acknowledged !== null;

  const onNote = (e: FormEvent): void => {
    e.preventDefault();
    const body = note.trim();
    if (body === '') return;
    addNote.mutate(body);
  };
  const onCopy = (): void => {
    const text = incidentMarkdown(page);
    setMarkdown(text);
    navigator.clipboard?.writeText(text).then(
      () => setMessage('Markdown summary copied'),
      () => setMessage('Copy the summary below'),
    );
  };

  const actions = (
    <div className="incident-actions">
      <div className="toolbar">
        <button
          type="button"
          className="button"
          data-testid="incident-ack"
          disabled={readOnly || !acknowledge.allowed || acknowledge.isPending}
          onClick={() => acknowledge.mutate(!acknowledged)}
        >
          {acknowledged ? 'Clear acknowledgement' : 'Acknowledge'}
        </button>
        <button type="button" className="button button--quiet" data-testid="incident-copy-markdown" onClick={onCopy}>
          Copy Markdown summary
        </button>
        <button type="button" className="button button--quiet" data-testid="incident-snapshot" disabled={snapshot.isPending} onClick={() => snapshot.mutate()}>
          Save snapshot
        </button>
      </div>
      {readOnly ? <WritesHint area="triage" what="acknowledge incidents and add notes" /> : null}
      <form className="note-form" onSubmit={onNote}>
        <label htmlFor="incident-note">Add a note</label>
        <textarea id="incident-note" data-testid="incident-note-input" value={note} rows={2} disabled={readOnly} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" className="button" data-testid="incident-note-submit" disabled={readOnly || !addNote.allowed || addNote.isPending || note.trim() === ''}>
          Add note
        </button>
      </form>
      {message ? (
        <p role="status" data-testid="incident-action-status">
          {message}
        </p>
      ) : null}
      {markdown ? (
        <textarea className="markdown-summary" aria-label="Markdown summary" data-testid="incident-markdown" readOnly rows={8} value={markdown} />
      ) : null}
    </div>
  );
  return <IncidentView page={page} actions={actions} />;
}
