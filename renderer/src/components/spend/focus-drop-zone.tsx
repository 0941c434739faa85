/**
 * FOCUS import from the spend screen: drop files on the zone or pick them, name the account, import.
 * Progress per file follows the backend's focus-import-progress events (rows read, validated, written).
 */
import { useId, useState, type DragEvent, type ReactNode } from 'react';
import type { FocusImportSummary } from '../../../../shared/contract-spend';
import { emptyCellsNote } from '../../../../shared/focus-import-note';
import { useFocusImport, type FocusFileProgress } from '../../api/focus-import';
import { errorMessage } from '../status';

const FOCUS_FILE = /\.(csv|csv\.gz|parquet)$/i;

const PHASE_LABELS: Readonly<Record<FocusFileProgress['phase'], string>> = {
  sending: 'waiting',
  reading: 'reading',
  validated: 'validated',
  writing: 'writing',
  done: 'imported',
  failed: 'refused',
};

function FileProgress({ p }: { p: FocusFileProgress }): ReactNode {
  const rows = p.totalRows > 0 ? `${p.rows.toLocaleString('en-US')} of ${p.totalRows.toLocaleString('en-US')} rows` : '';
  // Reading, validating and writing are each one pass over the file's rows; the bar shows the pass.
  const done = p.phase === 'done' || p.phase === 'failed';
  return (
    <li data-testid="import-progress-file" data-file={p.file} data-phase={p.phase}>
      <span>{p.file}</span>{' '}
      {done ? null : (
        <progress
          aria-label={`Import of ${p.file}`}
          {...(p.totalRows > 0 ? { value: p.phase === 'reading' ? p.rows : p.totalRows, max: p.totalRows } : {})}
        />
      )}{' '}
      <span className="muted">
        {PHASE_LABELS[p.phase]}
        {rows ? `, ${rows}` : ''}
      </span>
    </li>
  );
}

/** The import form with its drop zone, file picker and progress. */
export function FocusDropZone(): ReactNode {
  const id = useId();
  const [account, setAccount] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [dragging, setDragging] = useState(false);
  const [refused, setRefused] = useState<string[]>([]);
  const importing = useFocusImport();

  const take = (list: FileList | null): void => {
    const all = [...(list ?? [])];
    setFiles(all.filter((f) => FOCUS_FILE.test(f.name)));
    setRefused(all.filter((f) => !FOCUS_FILE.test(f.name)).map((f) => f.name));
  };
  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    e.preventDefault();
    setDragging(false);
    take(e.dataTransfer.files);
  };

  return (
    <form
      className="focus-import"
      onSubmit={(e) => {
        e.preventDefault();
        if (files.length > 0 && account.trim() !== '') importing.start(account.trim(), files);
      }}
    >
      <label>
        Account name{' '}
        <input value={account} onChange={(e) => setAccount(e.target.value)} required maxLength={200} data-testid="import-account" />
      </label>
      <div
        className={`focus-drop${dragging ? ' focus-drop--over' : ''}`}
        data-testid="import-drop-zone"
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p id={`${id}-hint`}>Drop FOCUS files here (CSV, CSV.GZ or Parquet), or choose them:</p>
        <input
          type="file"
          multiple
          accept=".csv,.gz,.parquet"
          aria-label="FOCUS files"
          aria-describedby={`${id}-hint`}
          onChange={(e) => take(e.target.files)}
          data-testid="import-file-input"
        />
        {files.length > 0 ? (
          <p data-testid="import-selected">
            {files.length === 1 ? '1 file' : `${files.length} files`}: {files.map((f) => f.name).join(', ')}
          </p>
        ) : null}
        {refused.length > 0 ? (
          <p className="notice notice--error" role="alert">
            Not FOCUS files (CSV, CSV.GZ or Parquet): {refused.join(', ')}
          </p>
        ) : null}
      </div>
      <button type="submit" className="button" disabled={importing.pending || files.length === 0} data-testid="import-submit">
        {importing.pending ? 'Importing…' : 'Import'}
      </button>
      {importing.progress.length > 0 ? (
        <ul className="focus-import__progress" aria-label="Import progress" data-testid="import-progress">
          {importing.progress.map((p) => (
            <FileProgress key={p.file} p={p} />
          ))}
        </ul>
      ) : null}
      {importing.error ? (
        <p role="alert" className="notice notice--error" data-testid="import-error">
          {errorMessage(importing.error)}
        </p>
      ) : null}
      {importing.result && !importing.pending ? (
        <p role="status" data-testid="import-done">
          Imported {importing.result.rows.toLocaleString('en-US')} rows into {importing.result.account}
          {importing.result.replacedRows > 0 ? `, replacing ${importing.result.replacedRows.toLocaleString('en-US')} rows of the same billing periods` : ''}.
        </p>
      ) : null}
      {importing.result && !importing.pending ? <EmptyCellNotes files={importing.result.files} /> : null}
    </form>
  );
}

/** The conformance note per file: empty cells the importer read as null (not an error). */
function EmptyCellNotes({ files }: { files: FocusImportSummary['files'] }): ReactNode {
  const notes = files.flatMap((f) => {
    const note = emptyCellsNote(f.emptyCellsReadAsNull);
    // The desktop app answers with paths; the note names the file only.
    return note === null ? [] : [{ file: f.file.split(/[\\/]/).pop() ?? f.file, note }];
  });
  if (notes.length === 0) return null;
  return (
    <ul className="focus-import__notes" aria-label="Conformance notes" data-testid="import-notes">
      {notes.map((n) => (
        <li key={n.file}>
          {n.file}: {n.note}
        </li>
      ))}
    </ul>
  );
}
