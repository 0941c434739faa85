/** The live incident page: the incident view plus acknowledge, notes, Markdown summary and snapshot. */
import { useState, type FormEvent, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { incidentMarkdown } from '../../../../shared/incident-markdown';
import { apiOf } from '../../api/queries';
import { incidentPageQuery, triageKeys } from '../../api/triage-queries';
import { ErrorState, LoadingSkeleton, errorMessage } from '../../components/status';
import { IncidentView } from '../../components/triage/incident-view';
import type { ViewParams } from '../../routing/route';
import { WritesHint } from '../../components/writes-hint';
import { offerDownload } from '../../lib/download';


export function IncidentPageView({ id, params, readOnly }: { id: string; params: ViewParams; readOnly: boolean }): ReactNode {
  const queryClient = useQueryClient();
  const query = useQuery(incidentPageQuery(id, params.asOf));
  const [note, setNote] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [markdown, setMarkdown] = useState<string | null>(null);
  const api = apiOf(queryClient);
  const refresh = () => queryClient.invalidateQueries({ queryKey: triageKeys.triage });

  if (query.isPending) return <LoadingSkeleton label="Loading the incident" testId="incident-loading" />;
  if (query.isError) return <ErrorState title="Could not load the incident" error={query.error} onRetry={() => void query.refetch()} />;
  const page = query.data;
  const acknowledged = page.incident.acknowledged !== null;

  const act = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await what();
      setMessage(done);
      await refresh();
    } catch (error) {
      setMessage(errorMessage(error));
    }
  };
  const onNote = (e: FormEvent): void => {
    e.preventDefault();
    const body = note.trim();
    if (body === '') return;
    void act(() => api['triage:add-note']({ id: page.incident.id, body }), 'Note added').then(() => setNote(''));
  };
  const onCopy = (): void => {
    const text = incidentMarkdown(page);
    setMarkdown(text);
    navigator.clipboard?.writeText(text).then(
      () => setMessage('Markdown summary copied'),
      () => setMessage('Copy the summary below'),
    );
  };
  const onSnapshot = (): void =>
    void act(async () => {
      const snapshot = await api['triage:snapshot']({ id: page.incident.id, asOf: params.asOf });
      const stamp = snapshot.savedAt.replaceAll(':', '').slice(0, 15);
      offerDownload(`incident-${page.incident.id.replaceAll(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60)}-${stamp}.fleetpane.json`, new Blob([JSON.stringify(snapshot, null, 2)], { type: 'application/json' }));
    }, 'Snapshot saved');

  const actions = (
    <div className="incident-actions">
      <div className="toolbar">
        <button
          type="button"
          className="button"
          data-testid="incident-ack"
          disabled={readOnly}
          onClick={() => void act(() => api['triage:acknowledge']({ id: page.incident.id, acknowledged: !acknowledged }), acknowledged ? 'Acknowledgement cleared' : 'Acknowledged')}
        >
          {acknowledged ? 'Clear acknowledgement' : 'Acknowledge'}
        </button>
        <button type="button" className="button button--quiet" data-testid="incident-copy-markdown" onClick={onCopy}>
          Copy Markdown summary
        </button>
        <button type="button" className="button button--quiet" data-testid="incident-snapshot" onClick={onSnapshot}>
          Save snapshot
        </button>
      </div>
      {readOnly ? <WritesHint area="triage" what="acknowledge incidents and add notes" /> : null}
      <form className="note-form" onSubmit={onNote}>
        <label htmlFor="incident-note">Add a note</label>
        <textarea id="incident-note" data-testid="incident-note-input" value={note} rows={2} disabled={readOnly} onChange={(e) => setNote(e.target.value)} />
        <button type="submit" className="button" data-testid="incident-note-submit" disabled={readOnly || note.trim() === ''}>
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
