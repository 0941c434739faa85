/** Gives the app its QueryClient bound to one FleetpaneClient, and follows backend events. */
import { useState, type ReactNode } from 'react';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { bindApiClient } from './queries';
import type { FleetpaneClient } from './transport';
import { bindFleetpaneClient } from './write-mutation';
import { useAppEvents } from './use-app-events';

/** A QueryClient with the defaults the pane wants (data is pushed by events, so no focus refetch). */
export function createAppQueryClient(client: FleetpaneClient): QueryClient {
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: { staleTime: 30_000, refetchOnWindowFocus: false, retry: 1 },
    },
  });
  bindApiClient(queryClient, client);
  bindFleetpaneClient(queryClient, client);
  return queryClient;
}

function EventFollower({ client }: { client: FleetpaneClient }): null {
  useAppEvents(client.onEvent);
  return null;
}

/** Provides queries over `client`; pass `queryClient` in tests to control retries and caching. */
export function ApiProvider({
  client,
  queryClient,
  children,
}: {
  client: FleetpaneClient;
  queryClient?: QueryClient;
  children: ReactNode;
}): ReactNode {
  const [qc] = useState(() => {
    if (queryClient === undefined) return createAppQueryClient(client);
    bindApiClient(queryClient, client);
    bindFleetpaneClient(queryClient, client);
    return queryClient;
  });
  return (
    <QueryClientProvider client={qc}>
      <EventFollower client={client} />
      {children}
    </QueryClientProvider>
  );
}
