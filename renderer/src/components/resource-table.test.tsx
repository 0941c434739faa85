import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ResourceRow } from '../../../shared/contract';
import { resourceRow } from '../testing/fixtures';
import { ResourceTable, sortResources } from './resource-table';

const rows = [
  resourceRow({ id: 'a', name: 'gpu-a', utilisation30m: 42.5, hourlyPrice: '98.32' }),
  resourceRow({ id: 'b', name: 'gpu-b', utilisation30m: null, hourlyPrice: null }),
  resourceRow({ id: 'c', name: 'gpu-c', utilisation30m: 3.1, hourlyPrice: '12.00' }),
  resourceRow({ id: 'd', name: 'gpu-d', utilisation30m: 97, hourlyPrice: '100.5' }),
].map((r) => ResourceRow.parse(r));

function names(): string[] {
  return screen.getAllByTestId('resource-row').map((r) => r.getAttribute('data-resource-id') ?? '');
}

describe('ResourceTable', () => {
  it('sorts by utilisation when its header is clicked, highest first, then toggles; unmeasured stays last', () => {
    render(<ResourceTable rows={rows} caption="Azure GPU machines" hrefFor={(r) => `#/r/${r.id}`} onOpen={vi.fn()} />);
    expect(names()).toEqual(['a', 'b', 'c', 'd']);
    const header = screen.getByTestId('sort-utilisation30m');
    fireEvent.click(header);
    expect(names()).toEqual(['d', 'a', 'c', 'b']);
    expect(header.closest('th')?.getAttribute('aria-sort')).toBe('descending');
    fireEvent.click(header);
    expect(names()).toEqual(['c', 'a', 'd', 'b']);
    expect(header.closest('th')?.getAttribute('aria-sort')).toBe('ascending');
    expect(screen.getByTestId('sort-name').closest('th')?.getAttribute('aria-sort')).toBe('none');
  });

  it('sorts headers from the keyboard and shows utilisation with one decimal', async () => {
    const user = userEvent.setup();
    render(<ResourceTable rows={rows} caption="Azure GPU machines" hrefFor={(r) => `#/r/${r.id}`} onOpen={vi.fn()} />);
    const price = screen.getByTestId('sort-hourlyPrice');
    expect(price.tagName).toBe('BUTTON');
    price.focus();
    await user.keyboard('{Enter}');
    expect(names()).toEqual(['d', 'a', 'c', 'b']);
    await user.keyboard(' ');
    expect(names()).toEqual(['c', 'a', 'd', 'b']);
    await user.keyboard('{Enter}');
    const first = screen.getAllByTestId('resource-row')[0] as HTMLElement;
    expect(within(first).getByTestId('row-util').textContent).toBe('97.0%');
    expect(within(screen.getAllByTestId('resource-row')[3] as HTMLElement).getByTestId('row-util').textContent).toBe('—');
  });

  it('says per machine what it cannot measure, price or place, and why', () => {
    const gaps = [
      resourceRow({ id: 'silent', name: 'gpu-silent', utilisation30m: null, coverageGaps: [{ kind: 'metrics', reason: 'no GPU sample in the last 30 minutes', gpus: 8, source: 'store' }] }),
      resourceRow({
        id: 'odd',
        name: 'gpu-odd',
        hourlyPrice: null,
        coverageGaps: [
          { kind: 'price', reason: 'no hourly price for NDm_A100 in eastus', gpus: 8, source: 'store' },
          { kind: 'placement', reason: 'physical GPU count unknown', gpus: 8, source: 'connector' },
        ],
      }),
      resourceRow({ id: 'fine', name: 'gpu-fine' }),
    ].map((r) => ResourceRow.parse(r));
    render(<ResourceTable rows={gaps} caption="Azure GPU machines" hrefFor={() => '#'} onOpen={vi.fn()} />);
    const table = screen.getByRole('table');
    expect(within(table).getByRole('columnheader', { name: /Not measured, priced or placed/ })).toBeTruthy();
    const row = (name: string) => within(table).getByRole('rowheader', { name }).closest('tr')!;
    expect(within(row('gpu-silent')).getByTestId('row-coverage').textContent).toContain('no metrics: no GPU sample in the last 30 minutes');
    expect(within(row('gpu-odd')).getByTestId('row-coverage').textContent).toContain(
      'no price: no hourly price for NDm_A100 in eastus; unplaced: physical GPU count unknown',
    );
    expect(within(row('gpu-fine')).getByTestId('row-coverage').textContent).toBe('—');
    fireEvent.click(within(table).getByRole('button', { name: /Not measured, priced or placed/ }));
    expect(names()[0]).toBe('odd');
  });

  it('links every row to its machine with a link that covers the row', () => {
    const onOpen = vi.fn();
    render(<ResourceTable rows={rows} caption="Azure GPU machines" hrefFor={(r) => `#/r/${r.id}`} onOpen={onOpen} />);
    const link = screen.getByRole('link', { name: 'gpu-c' });
    expect(link.getAttribute('href')).toBe('#/r/c');
    expect(link.classList.contains('stretched-link')).toBe(true);
    // The row itself has no handler: a click on it is a click on the stretched link (CSS).
    expect(link.closest('tr')?.onclick).toBeNull();
    fireEvent.click(link, { button: 0 });
    expect(onOpen).toHaveBeenCalledWith(expect.objectContaining({ id: 'c' }));
  });

  it('renders only a window of rows for a large fleet', () => {
    const many = Array.from({ length: 5000 }, (_, i) => resourceRow({ id: `vm-${i}`, name: `gpu-${String(i).padStart(5, '0')}` }));
    render(<ResourceTable rows={many} caption="Big fleet" hrefFor={(r) => `#/r/${r.id}`} onOpen={vi.fn()} />);
    const rendered = screen.getAllByTestId('resource-row').length;
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(100);
    expect(screen.getByTestId('resource-table').getAttribute('aria-rowcount')).toBe('5001');
  });
});

describe('sortResources', () => {
  it('orders health worst first and breaks ties by name', () => {
    const sorted = sortResources(
      [resourceRow({ id: '1', name: 'b', health: 'ok' }), resourceRow({ id: '2', name: 'a', health: 'ok' }), resourceRow({ id: '3', name: 'c', health: 'unavailable' })],
      { key: 'health', direction: 'ascending' },
    );
    expect(sorted.map((r) => r.id)).toEqual(['3', '2', '1']);
  });
});
