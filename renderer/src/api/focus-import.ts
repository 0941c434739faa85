/**
 * FOCUS import of dropped or picked files: the mutation over the client's importFocusFiles, and the
 * live progress per file from focus-import-progress events.
 */
import { useEffect, useRef, useState } from 'react';
import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { AppEvent } from '../../../shared/contract';
import type { FocusImportSummary } from '../../../shared/contract-spend';
import { spendKeys } from './spend-queries';
import type { FleetpaneClient } from './transport';

const clients = new WeakMap<QueryClient, FleetpaneClient>();

/** Makes `client` the one useFocusImport uses on `queryClient` (ApiProvider does this). */
export function bindFleetpaneClient(queryClient: QueryClient, client: FleetpaneClient): void {
  clients.set(queryClient, client);
}

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
  const queryClient = useQueryClient();
  const client = clients.get(queryClient);
  if (client === undefined) throw new Error('No FleetpaneClient bound to this QueryClient: wrap the app in <ApiProvider>.');
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

  const mutation = useMutation({
    mutationFn: ({ account, files }: { account: string; files: readonly File[] }) => client.importFocusFiles(account, files),
    onMutate: ({ account, files }) => {
      running.current = account;
      setProgress(files.map((f) => ({ file: f.name, phase: 'sending', rows: 0, totalRows: 0 })));
    },
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: spendKeys.all }),
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
