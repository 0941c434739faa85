import { describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { CloudOverview } from '../../../shared/overview';
import { azureCloud, gcpCloud, GENERATED_AT, hourlySeries } from '../testing/fixtures';
import { CloudCard } from './cloud-card';

function renderCard(cloud = azureCloud(), onOpen = vi.fn()) {
  CloudOverview.parse(cloud);
  render(<CloudCard cloud={cloud} nowIso={GENERATED_AT} href="#/cloud/azure" onOpen={onOpen} trend={hourlySeries(cloud.provider, cloud.label, [10, 20, null, 40])} />);
  return { card: screen.getByRole('article', { name: cloud.label }), onOpen };
}

describe('CloudCard', () => {
  it('shows GPU counts by state as plain integers', () => {
    const { card } = renderCard();
    const q = within(card);
    expect(q.getByTestId('gpus-total').textContent).toBe('40');
    expect(q.getByTestId('gpus-busy').textContent).toBe('24');
    expect(q.getByTestId('gpus-idle').textContent).toBe('8');
    expect(q.getByTestId('gpus-unhealthy').textContent).toBe('3');
    expect(q.getByTestId('gpus-unknown').textContent).toBe('1');
    expect(q.getByTestId('gpus-stopped').textContent).toBe('4');
    expect(within(q.getByRole('table', { name: 'GPUs by model' })).getByRole('rowheader', { name: 'NVIDIA A100 80GB' })).toBeTruthy();
  });

  it('formats exact decimal spend per currency and labels billed versus run-rate', () => {
    const { card } = renderCard();
    const q = within(card);
    expect(q.getByTestId('spend-billed-USD').textContent).toBe('$1,234,567.89');
    expect(q.getByTestId('spend-runrate-USD').textContent).toBe('$4,100.50');
    expect(q.getByTestId('spend-forecast-USD').textContent).toBe('$1,500,000.00');
    expect(q.getByTestId('spend-idle-USD').textContent).toBe('$310.13');
    expect(q.getByTestId('spend-billed-USD').closest('div')?.textContent).toMatch(/billed/);
    expect(q.getByTestId('spend-runrate-USD').closest('div')?.textContent).toMatch(/run-rate/);
  });

  it('marks stale streams as stale in words and never as current', () => {
    const { card } = renderCard();
    const q = within(card);
    const costs = q.getByTestId('freshness-costs');
    expect(costs.getAttribute('data-stale')).toBe('true');
    expect(costs.textContent).toMatch(/stale/);
    expect(costs.textContent).toMatch(/18 h ago/);
    const never = q.getByTestId('freshness-incidents');
    expect(never.getAttribute('data-stale')).toBe('true');
    expect(never.textContent).toMatch(/never synced.*stale/);
    const metrics = q.getByTestId('freshness-metrics');
    expect(metrics.getAttribute('data-stale')).toBe('false');
    expect(metrics.textContent).not.toMatch(/stale/);
    expect(metrics.textContent).toMatch(/1 min ago/);
  });

  it('renders utilisation with one decimal, and an em dash where nothing is measured', () => {
    const { card } = renderCard();
    expect(within(card).getByTestId('util-avg1h').textContent).toBe('61.3%');
    expect(within(card).getByTestId('util-p95_24h').textContent).toBe('97.5%');
    const gcp = gcpCloud();
    render(<CloudCard cloud={gcp} nowIso={GENERATED_AT} href="#/cloud/gcp" onOpen={vi.fn()} />);
    const g = within(screen.getByRole('article', { name: 'Google Cloud' }));
    expect(g.getByTestId('util-avg1h').textContent).toBe('—');
    expect(g.getByTestId('util-avg24h').textContent).toBe('—');
    expect(g.getByTestId('util-p95_24h').textContent).toBe('—');
  });

  it('lists active incidents with region, affected GPUs and money at risk', () => {
    const { card } = renderCard();
    const q = within(card);
    expect(q.getByTestId('incidents-active').textContent).toBe('1');
    const item = q.getByTestId('incident');
    expect(item.textContent).toMatch(/Virtual Machines degraded in East US/);
    expect(within(item).getByTestId('incident-regions').textContent).toBe('eastus');
    expect(within(item).getByTestId('incident-gpus').textContent).toBe('16 GPUs affected');
    expect(within(item).getByTestId('incident-at-risk').textContent).toBe('$65.56/h at risk');
  });

  it('lists planned maintenance apart, with its window, and does not count it', () => {
    const { card } = renderCard();
    const q = within(card);
    expect(q.getByTestId('incidents-active').textContent).toBe('1');
    expect(q.getByTestId('incidents-planned').textContent).toBe('1');
    const planned = within(q.getByTestId('cloud-planned')).getByTestId('planned-maintenance');
    expect(planned.textContent).toMatch(/host OS update in East US/);
    expect(planned.textContent).toMatch(/starts in 41 h/);
    const window = within(planned).getByTestId('planned-window');
    expect(window.textContent).toBe('2026-11-27 07:14 – 11:14 UTC');
    expect(window.getAttribute('title')).toMatch(/2026-11-27 07:14 – 11:14 UTC/);
    expect(q.getAllByTestId('incident')).toHaveLength(1);
  });

  it('shows no planned section when nothing is planned', () => {
    const { card } = renderCard(gcpCloud());
    expect(within(card).queryByTestId('cloud-planned')).toBeNull();
  });

  it('is one stretched link: the card is not focusable or clickable, its heading link opens the cloud', () => {
    const { card, onOpen } = renderCard();
    expect(card.hasAttribute('tabindex')).toBe(false);
    const link = within(card).getByRole('link', { name: 'Microsoft Azure' });
    expect(link.getAttribute('href')).toBe('#/cloud/azure');
    expect(link.classList.contains('stretched-link')).toBe(true);
    // Tab reaches the card's link once; the only other stops are the links inside it (status pages).
    const stops = [...card.querySelectorAll<HTMLElement>('a[href], button, input, select, textarea, [tabindex]')];
    expect(stops.filter((el) => el === link || el.classList.contains('stretched-link'))).toEqual([link]);
    expect(stops.every((el) => el.tagName === 'A')).toBe(true);
    // A plain click goes through the app's navigation; a modified one is left to the browser.
    fireEvent.click(link, { button: 0, ctrlKey: true });
    expect(onOpen).not.toHaveBeenCalled();
    fireEvent.click(link, { button: 0 });
    expect(onOpen).toHaveBeenCalledTimes(1);
  });

  it('says how many GPUs it cannot measure, price or place, and where the reasons are', () => {
    const cloud = azureCloud({ coverage: { gpusWithoutMetrics: 183, machinesWithoutPrice: 5, gpusUnplaced: 8 } });
    render(<CloudCard cloud={cloud} nowIso={GENERATED_AT} href="#/cloud/azure" reasonsHref="#/accounts" onOpen={vi.fn()} />);
    const card = within(screen.getByRole('article', { name: 'Microsoft Azure' }));
    const lines = card.getByRole('list', { name: /Not measured, priced or placed/ });
    expect(within(lines).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      '183 GPUs without metrics',
      '5 machines without a list price',
      '8 GPUs unplaced',
    ]);
    expect(card.getByRole('link', { name: 'Reasons per machine on the Accounts screen' }).getAttribute('href')).toBe('#/accounts');
  });

  it('shows only the non-zero coverage lines, and none when nothing is missing', () => {
    const { card } = renderCard(azureCloud({ coverage: { gpusWithoutMetrics: 0, machinesWithoutPrice: 1, gpusUnplaced: 0 } }));
    const lines = within(card).getByRole('list', { name: /Not measured, priced or placed/ });
    expect(within(lines).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['1 machine without a list price']);
    cleanup();
    const { card: full } = renderCard(azureCloud({ coverage: { gpusWithoutMetrics: 0, machinesWithoutPrice: 0, gpusUnplaced: 0 } }));
    expect(within(full).queryByRole('list', { name: /Not measured/ })).toBeNull();
  });

  it('names an on-premises cluster after its site, as its own card', () => {
    const lab = azureCloud({ key: 'other:Frankfurt lab', provider: 'other', label: 'Frankfurt lab', accounts: ['k8s-fra'] });
    render(<CloudCard cloud={lab} nowIso={GENERATED_AT} href="#/cloud/other%3AFrankfurt%20lab" onOpen={vi.fn()} />);
    const card = screen.getByRole('article', { name: 'Frankfurt lab' });
    expect(within(card).getByRole('link', { name: 'Frankfurt lab' }).getAttribute('href')).toBe('#/cloud/other%3AFrankfurt%20lab');
    expect(card.getAttribute('data-testid')).toBe('cloud-card-other:Frankfurt lab');
  });
});
