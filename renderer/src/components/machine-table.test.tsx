import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ApiError, type RequestOf, type ResourceRow } from '../../../shared/contract';
import { renderWithApi } from '../testing/render';
import { machinesHandler, resourceRow } from '../testing/fixtures';
import { FULL_ROWS_PER_TASK, MachineTable, planSlots, WINDOW_ROWS } from './machine-table';

const ALL = { clouds: [], regions: [], gpuModels: [] };

/** A fleet of `n` machines named gpu-00000.. in the backend's order. */
function fleet(n: number): ResourceRow[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `gpu-${String(i).padStart(5, '0')}`;
    return resourceRow({ id: `vm-${name}`, name, gpuCount: 8 });
  });
}

function table(props: Partial<Parameters<typeof MachineTable>[0]> = {}) {
  return <MachineTable caption="Microsoft Azure GPU machines" filter={ALL} cloudKey="azure" hrefFor={(r) => `#/r/${r.id}`} onOpen={vi.fn()} {...props} />;
}

const machineCalls = (calls: { channel: string; request: unknown }[]): RequestOf<'fleet:machines'>[] =>
  calls.filter((c) => c.channel === 'fleet:machines').map((c) => c.request as RequestOf<'fleet:machines'>);

describe('MachineTable', () => {
  it('shows loading, then the first window of rows and the count of every machine', async () => {
    let answer: (() => void) | undefined;
    const rows = fleet(1234);
    const { client } = renderWithApi(table(), {
      'fleet:machines': (req) =>
        new Promise((resolve) => {
          answer = () => resolve(machinesHandler(rows)(req));
        }),
    });
    expect(screen.getByRole('status')).toHaveProperty('textContent', expect.stringContaining('Loading Microsoft Azure GPU machines'));
    await waitFor(() => expect(answer).toBeDefined());
    answer!();
    const region = await screen.findByRole('region', { name: 'Microsoft Azure GPU machines' });
    expect(within(region).getAllByRole('row').length).toBeLessThan(60);
    expect(within(region).getByRole('table').getAttribute('aria-rowcount')).toBe('1235');
    expect(screen.getByTestId('resources-summary').textContent).toBe('1234 machines, 9872 GPUs');
    expect(machineCalls(client.calls)).toEqual([
      { filter: ALL, cloudKey: 'azure', text: '', sort: { key: 'name', direction: 'ascending' }, offset: 0, limit: WINDOW_ROWS, asOf: undefined },
    ]);
  });

  it('asks the backend to sort when a header is pressed, and shows the order with aria-sort', async () => {
    const { client } = renderWithApi(table(), { 'fleet:machines': machinesHandler(fleet(30)) });
    await screen.findAllByRole('rowheader');
    const util = screen.getByRole('button', { name: /Util 30m/ });
    fireEvent.click(util);
    await waitFor(() => expect(machineCalls(client.calls).at(-1)?.sort).toEqual({ key: 'utilisation30m', direction: 'descending' }));
    expect(util.closest('th')?.getAttribute('aria-sort')).toBe('descending');
    expect(screen.getByRole('button', { name: /Name/ }).closest('th')?.getAttribute('aria-sort')).toBe('none');
    fireEvent.click(util);
    await waitFor(() => expect(machineCalls(client.calls).at(-1)?.sort).toEqual({ key: 'utilisation30m', direction: 'ascending' }));
    expect(util.closest('th')?.getAttribute('aria-sort')).toBe('ascending');
    expect(machineCalls(client.calls).every((c) => c.offset === 0)).toBe(true);
  });

  it('keeps the rows on screen, marked busy, while the backend sorts, then shows its order', async () => {
    const rows = fleet(30);
    let release: (() => void) | undefined;
    renderWithApi(table(), {
      'fleet:machines': (req) => {
        const answer = machinesHandler(req.sort?.direction === 'descending' ? [...rows].reverse() : rows)(req);
        if (req.sort?.key !== 'name' || req.sort.direction !== 'descending') return answer;
        return new Promise((resolve) => {
          release = () => resolve(answer);
        });
      },
    });
    await screen.findAllByRole('rowheader');
    fireEvent.click(screen.getByRole('button', { name: /Name/ }));
    await waitFor(() => expect(release).toBeDefined());
    expect(screen.getByRole('table').getAttribute('aria-busy')).toBe('true');
    expect(screen.queryByTestId('pending-row')).toBeNull();
    expect(screen.getAllByRole('rowheader')[0]?.textContent).toBe('gpu-00000');
    release!();
    await waitFor(() => expect(screen.getAllByRole('rowheader')[0]?.textContent).toBe('gpu-00029'));
    expect(screen.getByRole('table').getAttribute('aria-busy')).toBe('false');
  });

  it('filters by the text typed, once typing settles, and says when nothing matches', async () => {
    const user = userEvent.setup();
    const { client } = renderWithApi(table(), { 'fleet:machines': machinesHandler(fleet(30)) });
    await screen.findAllByRole('rowheader');
    const box = screen.getByRole('searchbox', { name: 'Filter Microsoft Azure GPU machines' });
    await user.type(box, 'gpu-0001');
    await waitFor(() => expect(screen.getByTestId('resources-summary').textContent).toBe('10 machines, 80 GPUs matching “gpu-0001”'));
    // One request for what was typed, not one per key.
    expect(machineCalls(client.calls).map((c) => c.text)).toEqual(['', 'gpu-0001']);
    expect(screen.getAllByRole('rowheader').map((h) => h.textContent)).toEqual(fleet(20).slice(10).map((r) => r.name));

    await user.clear(box);
    await user.type(box, 'nothing-like-this');
    expect(await screen.findByText('No machines match “nothing-like-this”.')).toBeTruthy();
    expect(screen.queryByRole('table')).toBeNull();
    await user.click(screen.getByRole('button', { name: 'Clear the search' }));
    await screen.findAllByRole('rowheader');
    expect(box).toHaveProperty('value', '');
  });

  it('never shows a machine twice while a filter\'s answer replaces the rows on screen', async () => {
    const user = userEvent.setup();
    const errors = vi.spyOn(console, 'error');
    renderWithApi(table(), { 'fleet:machines': machinesHandler(fleet(30)) });
    await screen.findAllByRole('rowheader');
    // Every state the table's body goes through: machine ids shown more than once in one state.
    const twice: string[][] = [];
    const tbody = screen.getByRole('table').querySelector('tbody')!;
    const observer = new MutationObserver(() => {
      const ids = [...tbody.querySelectorAll('tr[data-resource-id]')].map((r) => r.getAttribute('data-resource-id') ?? '');
      const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
      if (repeated.length > 0) twice.push(repeated);
    });
    observer.observe(tbody, { childList: true, subtree: true });
    // gpu-00010..19 are rows 0-9 of the answer, and rows 10-19 of what was on screen.
    await user.type(screen.getByRole('searchbox'), 'gpu-0001');
    await waitFor(() => expect(screen.getAllByRole('rowheader').map((h) => h.textContent)).toEqual(fleet(20).slice(10).map((r) => r.name)));
    observer.disconnect();
    expect(twice).toEqual([]);
    expect(errors.mock.calls.filter((c) => String(c[0]).includes('same key'))).toEqual([]);
    errors.mockRestore();
  });

  it('says so when the fleet filter leaves no machines, with a way to clear it', async () => {
    const onClearFilters = vi.fn();
    renderWithApi(table({ filter: { ...ALL, regions: ['mars-1'] }, onClearFilters }), { 'fleet:machines': machinesHandler([]) });
    expect(await screen.findByText('No GPUs match these filters.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(onClearFilters).toHaveBeenCalled();
  });

  it('shows what failed and asks again on Retry', async () => {
    let fail = true;
    const rows = fleet(3);
    renderWithApi(table(), {
      'fleet:machines': (req) => {
        if (fail) throw new ApiError('internal', 'the store is busy');
        return machinesHandler(rows)(req);
      },
    });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not load Microsoft Azure GPU machines.');
    expect(alert.textContent).toContain('the store is busy');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findAllByRole('rowheader')).toHaveLength(3);
  });

  it('moves through rows from the keyboard, fetching the windows it reaches', async () => {
    const rows = fleet(1000);
    const { client } = renderWithApi(table(), { 'fleet:machines': machinesHandler(rows) });
    const region = await screen.findByRole('region', { name: 'Microsoft Azure GPU machines' });
    // happy-dom moves scrollTop but sends no scroll event: send it, as a browser does.
    const press = (key: string): void => {
      fireEvent.keyDown(document.activeElement!, { key });
      fireEvent.scroll(region);
    };
    const focused = (): string | null | undefined => document.activeElement?.textContent;
    screen.getByRole('link', { name: 'gpu-00000' }).focus();
    press('ArrowDown');
    await waitFor(() => expect(focused()).toBe('gpu-00001'));
    press('End');
    await waitFor(() => expect(focused()).toBe('gpu-00999'));
    expect(machineCalls(client.calls).map((c) => c.offset)).toContain(900);
    press('PageUp');
    await waitFor(() => expect(focused()).toMatch(/^gpu-009[89]\d$/));
    expect(Number(focused()?.slice(4))).toBeLessThan(999);
    press('Home');
    await waitFor(() => expect(focused()).toBe('gpu-00000'));
    press('ArrowUp');
    expect(focused()).toBe('gpu-00000');
    // Never the whole fleet at once.
    expect(machineCalls(client.calls).every((c) => c.limit === WINDOW_ROWS)).toBe(true);
  });
});

describe('planSlots', () => {
  const rows = fleet(20);
  const window = (from: number, to: number) => rows.slice(from, to).map((row, i) => ({ index: from + i, row }));
  const fullNames = (slots: ReturnType<typeof planSlots>) => slots.filter((s) => s.full).map((s) => s.row?.name);
  const key = (i: number) => `${rows[i]!.account}:${rows[i]!.id}`;

  it('mounts at most the budget of new rows in full, top down, and never a row still loading', () => {
    const slots = planSlots([...window(0, 10), { index: 10, row: undefined }], new Set(), null, 6);
    expect(fullNames(slots)).toEqual(rows.slice(0, 6).map((r) => r.name));
    expect(slots.find((s) => s.index === 10)?.full).toBe(false);
  });

  it('keeps rows already full without spending the budget on them', () => {
    const wasFull = new Set([3, 4, 5, 6, 7, 8].map(key));
    const slots = planSlots(window(3, 13), wasFull, null, 2);
    expect(fullNames(slots)).toEqual(rows.slice(3, 11).map((r) => r.name));
  });

  it('gives the keyboard\'s active row its cells first', () => {
    const slots = planSlots(window(0, 10), new Set(), 9, 1);
    expect(fullNames(slots)).toEqual(['gpu-00009']);
  });
});

describe('MachineTable while scrolling', () => {
  it('keeps the rows still on screen as they are when the window moves a few rows', async () => {
    renderWithApi(table(), { 'fleet:machines': machinesHandler(fleet(1000)) });
    const region = await screen.findByRole('region', { name: 'Microsoft Azure GPU machines' });
    await waitFor(() => expect(screen.queryByTestId('skim-row')).toBeNull());
    const before = screen.getByRole('link', { name: 'gpu-00012' }).closest('tr');
    region.scrollTop = 10 * 40;
    fireEvent.scroll(region);
    await waitFor(() => expect(screen.queryByRole('link', { name: 'gpu-00005' })).toBeNull());
    expect(screen.getByRole('link', { name: 'gpu-00012' }).closest('tr')).toBe(before);
  });

  it('after a jump across the fleet, mounts the new screen a budget of full rows at a time, skimming the rest', async () => {
    renderWithApi(table(), { 'fleet:machines': machinesHandler(fleet(1000)) });
    const region = await screen.findByRole('region', { name: 'Microsoft Azure GPU machines' });
    await waitFor(() => expect(screen.queryByTestId('skim-row')).toBeNull());
    // Full rows each commit adds to the table, and whether skim rows (name only) stood in meanwhile.
    const added: number[] = [];
    let skimmed = false;
    const observer = new MutationObserver((records) => {
      let full = 0;
      for (const r of records) {
        for (const node of r.addedNodes) {
          if (!(node instanceof HTMLElement)) continue;
          if (node.dataset.testid === 'resource-row') full += 1;
          if (node.dataset.testid === 'skim-row') skimmed = true;
        }
      }
      if (full > 0) added.push(full);
    });
    observer.observe(region, { childList: true, subtree: true });
    region.scrollTop = 500 * 40;
    fireEvent.scroll(region);
    await waitFor(() => expect(screen.getByRole('link', { name: 'gpu-00500' })).toBeTruthy());
    await waitFor(() => expect(screen.queryByTestId('skim-row')).toBeNull());
    observer.disconnect();
    expect(skimmed).toBe(true);
    expect(Math.max(...added)).toBeLessThanOrEqual(FULL_ROWS_PER_TASK);
    expect(added.reduce((a, b) => a + b, 0)).toBeGreaterThan(FULL_ROWS_PER_TASK);
    expect(screen.getByRole('table').getAttribute('aria-busy')).toBe('false');
  });
});
