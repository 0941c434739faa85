/**
 * The Export dialog: the current period, grouping and filter in CSV, XLSX, PDF or FOCUS CSV. The
 * backend renders the file (the same code as `fleetpane report`); the browser saves it.
 */
import { useRef, useState, type ReactNode } from 'react';
import type { CostReportQuery, ReportFormat } from '../../../../shared/contract-spend';
import { useWriteMutation } from '../../api/write-mutation';
import { offerDownload } from '../../lib/download';

const FORMATS: readonly { format: ReportFormat; label: string }[] = [
  { format: 'csv', label: 'CSV' },
  { format: 'xlsx', label: 'Excel (XLSX)' },
  { format: 'pdf', label: 'PDF' },
  { format: 'focus', label: 'FOCUS CSV' },
];

function saveFile(fileName: string, mimeType: string, base64: string): void {
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  offerDownload(fileName, new Blob([bytes], { type: mimeType }));
}

/** A button that opens the dialog for `query`. */
export function ExportDialog({ query }: { query: CostReportQuery }): ReactNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const [format, setFormat] = useState<ReportFormat>('csv');
  const [title, setTitle] = useState('');
  // An export reads; it changes nothing, so no write area and nothing to refresh.
  const exporting = useWriteMutation({
    call: (api) => api['spend:export']({ query: { ...query, ...(title.trim() ? { title: title.trim() } : {}) }, format }),
    onSuccess: (file) => saveFile(file.fileName, file.mimeType, file.base64),
  });
  return (
    <>
      <button type="button" className="button" data-testid="open-export" onClick={() => dialog.current?.showModal()}>
        Export…
      </button>
      <dialog ref={dialog} className="export-dialog" aria-labelledby="export-heading" data-testid="export-dialog">
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            exporting.mutate();
          }}
        >
          <h2 id="export-heading">Export cost report</h2>
          <p className="muted">
            Charges from {query.from} to {query.to}, grouped by {query.groupBy.join(', ')}. Billed and estimated amounts stay apart; currencies are never
            converted.
          </p>
          <fieldset>
            <legend>Format</legend>
            {FORMATS.map((f) => (
              <label key={f.format}>
                <input type="radio" name="format" value={f.format} checked={format === f.format} onChange={() => setFormat(f.format)} data-testid={`export-format-${f.format}`} />{' '}
                {f.label}
              </label>
            ))}
          </fieldset>
          <label>
            Title (optional){' '}
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} data-testid="export-title" />
          </label>
          {exporting.errorText !== null ? (
            <p role="alert" className="notice notice--error" data-testid="export-error">
              {exporting.errorText}
            </p>
          ) : null}
          {exporting.isSuccess ? (
            <p role="status" data-testid="export-done">
              Saved {exporting.data.fileName}
            </p>
          ) : null}
          <div className="export-dialog__actions">
            <button type="button" className="button button--quiet" onClick={() => dialog.current?.close()}>
              Close
            </button>
            <button type="submit" className="button" disabled={exporting.isPending} data-testid="export-submit">
              {exporting.isPending ? 'Exporting…' : 'Export'}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
