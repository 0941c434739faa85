/** Keeps cached queries in step with the backend: refetch what an event says has changed. */
import { useEffect } from 'react';
import { useQueryClient, type QueryKey } from '@tanstack/react-query';
import { type AppEvent, EVENT_COALESCE_MS } from '../../../shared/contract';
import { keys } from './query-keys';

/** The query key prefixes an event makes stale; sync progress alone changes nothing shown. */
export function keysInvalidatedBy(event: AppEvent): QueryKey[] {
  switch (event.type) {
    case 'data-changed':
      // Freshness lives on accounts; every fleet view may change with any stream.
      return [keys.fleet.all(), keys.accounts.all(), ...(event.streams.includes('incidents') ? [keys.incidents.all()] : [])];
    case 'incident-opened':
    case 'incident-resolved':
      return [keys.incidents.all(), keys.fleet.all()];
    case 'focus-import-progress':
      return event.phase === 'done' ? [keys.fleet.all()] : [];
    case 'sync-progress':
      return event.phase === 'finished' || event.phase === 'failed' ? [keys.accounts.all()] : [];
    case 'alert-raised':
    case 'alerts-changed':
      return [keys.alerts.all()];
  }
}

/** Subscribes to backend events for the component's lifetime and invalidates affected queries. */
export function useAppEvents(subscribe: (listener: (event: AppEvent) => void) => () => void): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    const pending = new Map<string, QueryKey>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = (): void => {
      timer = null;
      const keys = [...pending.values()];
      pending.clear();
      for (const queryKey of keys) void queryClient.invalidateQueries({ queryKey });
    };
    const unsubscribe = subscribe((event) => {
      for (const key of keysInvalidatedBy(event)) pending.set(JSON.stringify(key), key);
      if (pending.size > 0 && timer === null) timer = setTimeout(flush, EVENT_COALESCE_MS);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [queryClient, subscribe]);
}
