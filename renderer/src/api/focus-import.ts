/**
 * FOCUS import of dropped or picked files: the mutation over the client's importFocusFiles, and the
 * live progress per file from focus-import-progress events.
 */
import { useEffect, useRef, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { AppEvent } from '../../../shared/contract';
import type { FocusImportSummary } from '../../../shared/contract-spend';
import { keys } from './query-keys';
import { fleetpaneClientOf, useWriteMutation } from './write-mutation';

export type FocusProgressEvent = Extract<AppEvent, { type: 'focus-import-progress' }>;

/** One file's latest progress. */
export interface FocusFileProgress {
  file: string;
  phase: FocusProgressEvent['phase'] | 'sending';
  rows: number;
  totalRows: number;
}

export interface FocusImport {
  start(account: string, files: readonly File[]): void;
  pending: boolean;
  error: Error | null;
  result: FocusImportSummary | null;
  /** Progress of each file of the running (or last) import, in the order given. */
  progress: FocusFileProgress[];
}

/** Runs FOCUS imports and follows their progress events. */
export function useFocusImport(): FocusImport {
  const client = fleetpaneClientOf(useQueryClient());
  const [progress, setProgress] = useState<FocusFileProgress[]>([]);
  const running = useRef<string | null>(null);

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type !== 'focus-import-progress' || event.account !== running.current) return;
        setProgress((list) =>
          list.map((p) => (sameFile(p.file, event.file) ? { file: p.file, phase: event.phase, rows: event.rows, totalRows: event.totalRows } : p)),
        );
      }),
    [client],
  );

  const mutation = useWriteMutation({
    area: 'spend',
    call: (c, { account, files }: { account: string; files: readonly File[] }) => c.importFocusFiles(account, files),
    onMutate: ({ account, files }) => {
      running.current = account;
      setProgress(files.map((f) => ({ file: f.name, phase: 'sending', rows: 0, totalRows: 0 })));
    },
    invalidates: [keys.spend.all()],
  });

  return {
    start: (account, files) => mutation.mutate({ account, files }),
    pending: mutation.isPending,
    error: mutation.error,
    result: mutation.data ?? null,
    progress,
  };
}

/** Serve mode names an upload by its safe base name (odd characters become '_'). */
function sameFile(picked: string, reported: string): boolean {
  return picked === reported || picked.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') === reported;
}
