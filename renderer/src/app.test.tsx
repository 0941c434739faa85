import { describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ApiError, EVENT_COALESCE_MS } from '../../shared/contract';
import { App } from './app';
import { AS_OF, azureCloud, gcpCloud, hourlySeries, overview, machinesHandler, resourceRow } from './testing/fixtures';
import type { FakeHandlers } from './testing/fake-client';
import { renderWithApi } from './testing/render';

const filterOptions = { clouds: ['azure', 'gcp'] as const, regions: [{ cloud: 'azure' as const, region: 'eastus' }], gpuModels: ['NVIDIA H100 80GB'] };
const series = { asOf: AS_OF, stepMs: 3600_000, series: [hourlySeries('azure', 'Microsoft Azure', [40, 50, 60]), hourlySeries('gcp', 'Google Cloud', [null, null, 5])] };

function handlers(overrides: FakeHandlers = {}): FakeHandlers {
  return {
    'fleet:overview': () => overview(),
    'fleet:utilisation-series': () => series,
    'fleet:filter-options': () => ({ ...filterOptions, clouds: [...filterOptions.clouds] }),
    'accounts:list': () => ({ accounts: [] }),
    ...overrides,
  };
}

describe('App: the one pane', () => {
  it('shows loading, then every cloud card, totals and the as-of instant', async () => {
    renderWithApi(<App />, handlers());
    expect(screen.getByRole('status').textContent).toBe('Loading the fleet overview');
    await screen.findByRole('article', { name: 'Microsoft Azure' });
    expect(screen.getByRole('article', { name: 'Google Cloud' })).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Fleetpane');
    const asOf = screen.getByTestId('as-of');
    expect(asOf.getAttribute('data-as-of')).toBe(AS_OF);
    expect(asOf.textContent).toBe('as of 14:05 UTC');
    expect(screen.getByTestId('total-gpus-total').textContent).toBe('48');
    expect(screen.getByTestId('total-incidents-active').textContent).toBe('1');
    expect(screen.getByTestId('total-spend-billed-EUR').textContent).toBe('€10.00');
    expect(screen.queryByTestId('demo-badge')).toBeNull();
    const elsewhere = screen.getByRole('region', { name: 'Elsewhere, not counted' });
    expect(within(elsewhere).getByText(/Cloud TPU errors in asia-east1/)).toBeTruthy();
    const planned = screen.getByRole('region', { name: 'Planned maintenance, not counted' });
    expect(within(planned).getByTestId('planned-maintenance').getAttribute('data-incident-id')).toBe('azure-maint-1');
    expect(within(planned).getByTestId('planned-window').textContent).toBe('2026-11-27 07:14 – 11:14 UTC');
  });

  it('shows the DEMO FLEET badge when the overview is demo data', async () => {
    renderWithApi(<App />, handlers({ 'fleet:overview': () => overview([azureCloud(), gcpCloud()], true) }));
    expect((await screen.findByTestId('demo-badge')).textContent).toBe('DEMO FLEET');
  });

  it('shows the DEMO FLEET badge when any one cloud is demo data', async () => {
    renderWithApi(<App />, handlers({ 'fleet:overview': () => overview([azureCloud({ demo: true }), gcpCloud()], false) }));
    expect(await screen.findByTestId('demo-badge')).toBeTruthy();
  });

  it('explains how to configure accounts when there are none', async () => {
    renderWithApi(<App />, handlers({ 'fleet:overview': () => overview([]) }));
    const empty = await screen.findByTestId('empty-state');
    expect(empty.getAttribute('data-reason')).toBe('no-accounts');
    expect(empty.textContent).toMatch(/fleetpane sync --config FILE/);
    expect(empty.textContent).toMatch(/"provider": "demo"/);
  });

  it('says the accounts have no GPUs when accounts exist but no cloud has any', async () => {
    const account = {
      name: 'prod-azure',
      provider: 'azure' as const,
      enabled: true,
      demo: false,
      clouds: ['azure' as const],
      freshness: {
        account: 'prod-azure',
        provider: 'azure' as const,
        streams: Object.fromEntries(
          ['inventory', 'metrics', 'costs', 'incidents'].map((s) => [s, { lastSuccessAt: null, intervalMs: 60_000, stale: true, lastError: null }]),
        ) as never,
      },
    };
    renderWithApi(<App />, handlers({ 'fleet:overview': () => overview([]), 'accounts:list': () => ({ accounts: [account] }) }));
    expect((await screen.findByTestId('empty-state')).getAttribute('data-reason')).toBe('no-gpus');
  });

  it('shows the ApiError message and retries on request', async () => {
    let fail = true;
    const { client } = renderWithApi(
      <App />,
      handlers({
        'fleet:overview': () => {
          if (fail) throw new ApiError('unauthorized', 'Session expired: reopen the link');
          return overview();
        },
      }),
    );
    const error = await screen.findByRole('alert');
    expect(within(error).getByText(/Session expired: reopen the link/)).toBeTruthy();
    fail = false;
    fireEvent.click(within(error).getByRole('button', { name: 'Retry' }));
    await screen.findByRole('article', { name: 'Microsoft Azure' });
    expect(client.calls.filter((c) => c.channel === 'fleet:overview').length).toBeGreaterThanOrEqual(2);
  });

  it('applies filters to every query', async () => {
    const { client } = renderWithApi(<App />, handlers());
    await screen.findByRole('article', { name: 'Microsoft Azure' });
    const region = screen.getByRole('combobox', { name: 'Region' });
    await waitFor(() => expect(within(region).queryByRole('option', { name: 'eastus' })).toBeTruthy());
    fireEvent.change(region, { target: { value: 'eastus' } });
    await waitFor(() => {
      const regions = client.calls
        .filter((c) => c.channel === 'fleet:overview' || c.channel === 'fleet:utilisation-series')
        .map((c) => (c.request as { filter?: { regions: string[] } }).filter?.regions);
      expect(regions.filter((r) => r?.[0] === 'eastus').length).toBeGreaterThanOrEqual(2);
    });
    expect(window.location.hash).toBe('#/?region=eastus');
  });

  it('refetches the overview when the backend says data changed', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const { client } = renderWithApi(<App />, handlers());
      await screen.findByRole('article', { name: 'Microsoft Azure' });
      const before = client.calls.filter((c) => c.channel === 'fleet:overview').length;
      act(() => client.emit({ type: 'data-changed', account: 'prod-azure', streams: ['metrics'] }));
      act(() => client.emit({ type: 'data-changed', account: 'prod-azure', streams: ['inventory'] }));
      await act(async () => {
        await vi.advanceTimersByTimeAsync(EVENT_COALESCE_MS + 10);
      });
      await waitFor(() => expect(client.calls.filter((c) => c.channel === 'fleet:overview').length).toBe(before + 1));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('App: drill-down', () => {
  it("opens a cloud from its card's link, shows its machines, and goes back with Escape", async () => {
    const { client } = renderWithApi(
      <App />,
      handlers({ 'fleet:machines': machinesHandler([resourceRow(), resourceRow({ id: 'vm-b', name: 'gpu-b' })]) }),
    );
    const card = await screen.findByRole('article', { name: 'Microsoft Azure' });
    // The link stretches over the card: a click anywhere on it is a click on this link.
    fireEvent.click(within(card).getByRole('link', { name: 'Microsoft Azure' }), { button: 0 });
    await waitFor(() => expect(window.location.hash).toBe('#/cloud/azure'));
    expect(await screen.findByRole('region', { name: 'Microsoft Azure: GPU machines' })).toBeTruthy();
    await screen.findAllByTestId('resource-row');
    const req = client.calls.find((c) => c.channel === 'fleet:machines')?.request as { filter: { clouds: string[] }; cloudKey: string };
    expect(req.filter.clouds).toEqual(['azure']);
    expect(req.cloudKey).toBe('azure');
    const link = within(screen.getAllByTestId('resource-row')[0] as HTMLElement).getByRole('link');
    expect(link.getAttribute('href')).toBe(`#/resource/prod-azure/${encodeURIComponent(resourceRow().id)}`);
    fireEvent.keyDown(document.body, { key: 'Escape' });
    await screen.findByRole('article', { name: 'Microsoft Azure' });
  });

  it('gives each on-premises cluster its own card and a drill-down with only its machines', async () => {
    const lab = (key: string, label: string, account: string) =>
      azureCloud({ key, provider: 'other', label, accounts: [account], incidents: { active: 0, list: [], planned: [] } });
    const { client } = renderWithApi(
      <App />,
      handlers({
        'fleet:overview': () => overview([azureCloud(), lab('other:Frankfurt lab', 'Frankfurt lab', 'k8s-fra'), lab('other:k8s-ams', 'k8s-ams', 'k8s-ams')]),
        'fleet:machines': machinesHandler([
          resourceRow({ id: 'n1', name: 'fra-node-1', account: 'k8s-fra', cloud: 'other', cloudKey: 'other:Frankfurt lab' }),
          resourceRow({ id: 'n1', name: 'ams-node-1', account: 'k8s-ams', cloud: 'other', cloudKey: 'other:k8s-ams' }),
        ]),
      }),
    );
    const fra = await screen.findByRole('article', { name: 'Frankfurt lab' });
    expect(screen.getByRole('article', { name: 'k8s-ams' })).toBeTruthy();
    fireEvent.click(within(fra).getByRole('link', { name: 'Frankfurt lab' }), { button: 0 });
    await waitFor(() => expect(window.location.hash).toBe(`#/cloud/${encodeURIComponent('other:Frankfurt lab')}`));
    const rows = await screen.findAllByTestId('resource-row');
    expect(rows.map((r) => within(r).getByRole('link').textContent)).toEqual(['fra-node-1']);
    // The backend answers only the entry's machines: the request names it.
    const req = client.calls.find((c) => c.channel === 'fleet:machines')?.request as { filter: { clouds: string[] }; cloudKey: string };
    expect(req.filter.clouds).toEqual(['other']);
    expect(req.cloudKey).toBe('other:Frankfurt lab');
    expect(screen.getByRole('heading', { name: 'Frankfurt lab: GPU machines' })).toBeTruthy();
    fireEvent.keyDown(document.body, { key: 'Escape' });
    await screen.findByRole('article', { name: 'k8s-ams' });
  });

  it('lists the machines of every cloud from the header, asking the backend for no one entry', async () => {
    const { client } = renderWithApi(
      <App />,
      handlers({
        'fleet:machines': machinesHandler([resourceRow(), resourceRow({ id: 'g1', name: 'a3-node-1', cloud: 'gcp', cloudKey: 'gcp', region: 'us-central1' })]),
      }),
    );
    await screen.findByRole('article', { name: 'Microsoft Azure' });
    fireEvent.click(screen.getByRole('link', { name: 'Machines' }), { button: 0 });
    await waitFor(() => expect(window.location.hash).toBe('#/machines'));
    const table = await screen.findByRole('region', { name: 'GPU machines of every cloud' });
    await waitFor(() => expect(within(table).getAllByRole('rowheader').map((h) => h.textContent)).toEqual(['gpu-a', 'a3-node-1']));
    const req = client.calls.find((c) => c.channel === 'fleet:machines')?.request as { filter: { clouds: string[] }; cloudKey?: string };
    expect(req.filter.clouds).toEqual([]);
    expect(req.cloudKey).toBeUndefined();
  });

  it('opens a resource deep link with per-GPU state', async () => {
    const row = resourceRow();
    window.location.hash = `#/resource/prod-azure/${encodeURIComponent(row.id)}`;
    renderWithApi(
      <App />,
      handlers({
        'fleet:resource': (req) => {
          expect(req).toMatchObject({ account: 'prod-azure', id: row.id, range: '24h' });
          return {
            asOf: AS_OF,
            stepMs: 3600_000,
            resource: {
              ...row,
              kind: 'vm',
              gpuMemoryGiB: 80,
              healthReason: null,
              tags: {},
              gpuUuids: [null, null],
              gpuCount: 2,
            },
            gpus: [
              { index: 0, uuid: 'GPU-0', state: 'busy', utilisation30m: 88, xidErrors30m: 0, lastSampleAt: AS_OF },
              { index: 1, uuid: null, state: 'unhealthy', utilisation30m: null, xidErrors30m: 3, lastSampleAt: null },
            ],
            series: [hourlySeries('0', 'GPU 0', [80, 90]), hourlySeries('1', 'GPU 1', [null, null])],
            incidents: [],
          };
        },
      }),
    );
    const page = await screen.findByTestId('resource-page');
    expect(within(page).getByRole('heading', { level: 2 }).textContent).toMatch(/gpu-a/);
    const rows = within(page).getAllByTestId('gpu-row');
    expect(rows.map((r) => r.getAttribute('data-gpu-state'))).toEqual(['busy', 'unhealthy']);
    expect(rows[1]?.textContent).toMatch(/—/);
    expect(within(page).getByTestId('gpu-utilisation-chart').getAttribute('data-series-count')).toBe('2');
    await waitFor(() => expect(within(screen.getByRole('navigation', { name: 'Breadcrumb' })).getByText('Microsoft Azure')).toBeTruthy());
  });
});
