/**
 * The renderer's one mutation pattern. Every call that is not a cached read (a write, a connection
 * test, an export) goes through useWriteMutation: it calls the transport bound to the QueryClient,
 * turns a failure into the message to show (errorMessage), refreshes the query keys it names once
 * the call ends, and, for writes, follows app:info's `writes`: a control whose write the backend
 * would refuse is off, with the serve flag that turns it on.
 */
import { useMutation, useQueryClient, type QueryClient, type QueryKey, type UseMutationResult } from '@tanstack/react-query';
import { ApiError } from '../../../shared/contract';
import { errorMessage } from '../lib/error-message';
import type { FleetpaneClient } from './transport';
import { WRITE_FLAGS, useWrites, type WriteArea } from './writes';

const clients = new WeakMap<QueryClient, FleetpaneClient>();

/** Makes `client` the transport every mutation on `queryClient` uses (ApiProvider does this). */
export function bindFleetpaneClient(queryClient: QueryClient, client: FleetpaneClient): void {
  clients.set(queryClient, client);
}

/** The FleetpaneClient bound to a QueryClient; throws if none was bound (a wiring bug). */
export function fleetpaneClientOf(queryClient: QueryClient): FleetpaneClient {
  const client = clients.get(queryClient);
  if (client === undefined) throw new Error('No FleetpaneClient bound to this QueryClient: wrap the app in <ApiProvider>.');
  return client;
}

export interface WriteMutationOptions<TData, TVars> {
  /** The write area app:info gates (triage, spend, accounts); omit for calls that change nothing. */
  area?: WriteArea;
  /** The transport call. */
  call: (client: FleetpaneClient, vars: TVars) => Promise<TData>;
  /**
   * Keys refreshed when the call ends, failed or not: a refused or half-done write (a sync that
   * failed on one stream) may still have changed what the backend holds, and the views show that.
   */
  invalidates?: readonly QueryKey[];
  onMutate?: (vars: TVars) => void;
  /** Runs after the refresh, so what it shows (a closed form, a status line) matches the data. */
  onSuccess?: (data: TData, vars: TVars) => void;
  onError?: (error: Error, vars: TVars) => void;
}

export type WriteMutation<TData, TVars> = UseMutationResult<TData, Error, TVars> & {
  /** The failure in the user's words, or null. */
  errorText: string | null;
  /** Whether the backend accepts this write; true for calls that change nothing. */
  allowed: boolean;
  /** Why the write is off (the serve flag that turns it on), or null when allowed. */
  refusal: string | null;
};

/** One mutation over the transport; see the file comment. */
export function useWriteMutation<TData, TVars = void>(options: WriteMutationOptions<TData, TVars>): WriteMutation<TData, TVars> {
  const queryClient = useQueryClient();
  const writes = useWrites();
  const { area, call, invalidates = [], onMutate, onSuccess, onError } = options;
  const allowed = area === undefined || writes.allowed(area);
  const refusal = allowed || area === undefined ? null : writes.mode === 'serve' ? `Needs ${WRITE_FLAGS[area]}` : 'The store is open read-only here';
  const refresh = async (): Promise<void> => {
    await Promise.all(invalidates.map((queryKey) => queryClient.invalidateQueries({ queryKey })));
  };
  const mutation = useMutation<TData, Error, TVars>({
    mutationFn: (vars) => {
      // A disabled control cannot fire, but a stale render could: refuse here as the backend would.
      if (refusal !== null) return Promise.reject(new ApiError('read-only', refusal));
      return call(fleetpaneClientOf(queryClient), vars);
    },
    ...(onMutate ? { onMutate } : {}),
    onSuccess: async (data, vars) => {
      await refresh();
      onSuccess?.(data, vars);
    },
    onError: async (error, vars) => {
      await refresh();
      onError?.(error, vars);
    },
  });
  return { ...mutation, errorText: mutation.isError ? errorMessage(mutation.error) : null, allowed, refusal };
}
