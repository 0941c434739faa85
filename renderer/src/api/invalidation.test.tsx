/**
 * What a write and a server event refresh: the queries under the keys they name, and no others.
 * Queries and invalidations both take their keys from query-keys.ts, so this is where a key that
 * drifted apart would show.
 */
import { describe, expect, it } from 'vitest';
import type { ReactNode } from 'react';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { useQuery } from '@tanstack/react-query';
import { type ChannelId, EVENT_COALESCE_MS, type ResponseOf } from '../../../shared/contract';
import { renderWithApi } from '../testing/render';
import type { FakeClient, FakeHandlers } from '../testing/fake-client';
import { accountsQuery, overviewQuery } from './queries';
import { keys } from './query-keys';
import { budgetsQuery } from './spend-queries';
import { alertsQuery } from './triage-queries';
import { useWriteMutation } from './write-mutation';

const NO_FILTER = { clouds: [], regions: [], gpuModels: [] };

/** Four views from four branches of the key tree, and a budget delete that names keys.spend.budgets. */
function Views(): ReactNode {
  useQuery(overviewQuery(NO_FILTER));
  useQuery(budgetsQuery());
  useQuery(alertsQuery());
  useQuery(accountsQuery());
  const remove = useWriteMutation({
    area: 'spend',
    call: (api, id: string) => api['spend:budget-delete']({ id }),
    invalidates: [keys.spend.budgets.all()],
  });
  return (
    <div>
      <button type="button" disabled={!remove.allowed} title={remove.refusal ?? undefined} onClick={() => remove.mutate('gpu-budget')}>
        Delete budget
      </button>
      {remove.isSuccess ? <p role="status">Deleted</p> : null}
      {remove.errorText !== null ? <p role="alert">{remove.errorText}</p> : null}
    </div>
  );
}


function handlers(writes = { triage: true, spend: true, accounts: true }): FakeHandlers {
  return {
    // The views only hold the data; its shape does not matter here.
    'fleet:overview': () => ({}) as ResponseOf<'fleet:overview'>,
    'spend:budgets': () => ({ budgets: [] }),
    'alerts:list': () => ({ alerts: [] }) as unknown as ResponseOf<'alerts:list'>,
    'accounts:list': () => ({ accounts: [] }),
    'spend:budget-delete': () => ({}) as ResponseOf<'spend:budget-delete'>,
    'app:info': () => ({ version: '1.0.0', mode: 'serve', demo: false, readOnly: false, writes }),
  };
}

const READS: readonly ChannelId[] = ['fleet:overview', 'spend:budgets', 'alerts:list', 'accounts:list'];

function countReads(client: FakeClient): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(READS.map((c) => [c, 0]));
  for (const { channel } of client.calls) if (channel in counts) counts[channel] = (counts[channel] ?? 0) + 1;
  return counts;
}

async function renderViews(writes?: { triage: boolean; spend: boolean; accounts: boolean }) {
  const result = renderWithApi(<Views />, handlers(writes));
  await waitFor(() => expect(countReads(result.client)).toEqual({ 'fleet:overview': 1, 'spend:budgets': 1, 'alerts:list': 1, 'accounts:list': 1 }));
  return result;
}

/** Lets the coalesced event flush and the refetches settle. */
async function afterEvents(): Promise<void> {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, EVENT_COALESCE_MS + 50));
  });
}

describe('invalidation through the key tree', () => {
  it('a budget delete refetches the budgets and nothing else', async () => {
    const { client } = await renderViews();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Delete budget' })).toHaveProperty('disabled', false));
    fireEvent.click(screen.getByRole('button', { name: 'Delete budget' }));
    await screen.findByRole('status');
    expect(client.calls.filter((c) => c.channel === 'spend:budget-delete')).toEqual([{ channel: 'spend:budget-delete', request: { id: 'gpu-budget' } }]);
    expect(countReads(client)).toEqual({ 'fleet:overview': 1, 'spend:budgets': 2, 'alerts:list': 1, 'accounts:list': 1 });
  });

  it('a data-changed event refetches fleet views (spend included) and accounts, not alerts', async () => {
    const { client } = await renderViews();
    act(() => client.emit({ type: 'data-changed', account: 'azure-prod', streams: ['costs'] }));
    await afterEvents();
    await waitFor(() => expect(countReads(client)).toEqual({ 'fleet:overview': 2, 'spend:budgets': 2, 'alerts:list': 1, 'accounts:list': 2 }));
  });

  it('an alerts-changed event refetches the alerts only, once for a burst', async () => {
    const { client } = await renderViews();
    act(() => {
      client.emit({ type: 'alerts-changed', firing: 1 });
      client.emit({ type: 'alerts-changed', firing: 2 });
    });
    await afterEvents();
    await waitFor(() => expect(countReads(client)).toEqual({ 'fleet:overview': 1, 'spend:budgets': 1, 'alerts:list': 2, 'accounts:list': 1 }));
  });

  it('a write the backend refuses is off, names the serve flag, and is never sent', async () => {
    const { client } = await renderViews({ triage: true, spend: false, accounts: true });
    const button = screen.getByRole('button', { name: 'Delete budget' });
    await waitFor(() => expect(button).toHaveProperty('disabled', true));
    expect(button.getAttribute('title')).toBe('Needs fleetpane serve --manage-spend');
    expect(client.calls.some((c) => c.channel === 'spend:budget-delete')).toBe(false);
  });
});
