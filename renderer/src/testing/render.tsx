/** Renders UI under a fresh QueryClient (retries off) bound to a fake client. */
import type { ReactElement } from 'react';
import { render, type RenderResult } from '@testing-library/react';
import { QueryClient } from '@tanstack/react-query';
import { ApiProvider } from '../api/api-provider';
import { createFakeClient, type FakeClient, type FakeHandlers } from './fake-client';

export interface RenderWithApi extends RenderResult {
  client: FakeClient;
  queryClient: QueryClient;
}

/** One QueryClient per test, as TanStack's testing guide recommends. */
export function renderWithApi(ui: ReactElement, handlers: FakeHandlers): RenderWithApi {
  const client = createFakeClient(handlers);
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity, refetchInterval: false }, mutations: { retry: false } },
  });
  const result = render(
    <ApiProvider client={client} queryClient={queryClient}>
      {ui}
    </ApiProvider>,
  );
  return { ...result, client, queryClient };
}
