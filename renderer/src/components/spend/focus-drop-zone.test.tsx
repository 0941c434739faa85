import { describe, expect, it } from 'vitest';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { ApiError } from '../../../../shared/contract';
import type { FocusImportSummary } from '../../../../shared/contract-spend';
import { renderWithApi } from '../../testing/render';
import { FocusDropZone } from './focus-drop-zone';

const summary = (account: string, files: string[]): FocusImportSummary => ({
  account,
  rows: 425,
  replacedRows: 25,
  files: files.map((file) => ({ file, focusVersion: '1.0', rows: 425, billingPeriods: ['2024-09-01T00:00:00.000Z'], emptyCellsReadAsNull: {} })),
});

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const csv = (name: string) => new File(['BilledCost\n1\n'], name, { type: 'text/csv' });

describe('FocusDropZone', () => {
  it('takes dropped FOCUS files, refuses others by name, and shows progress from events until done', async () => {
    const reply = deferred<FocusImportSummary>();
    const { client } = renderWithApi(<FocusDropZone />, { 'spend:import-focus': () => reply.promise });

    fireEvent.drop(screen.getByTestId('import-drop-zone'), { dataTransfer: { files: [csv('aws.csv'), csv('notes.txt'), csv('oci.csv.gz')] } });
    expect(screen.getByTestId('import-selected').textContent).toBe('2 files: aws.csv, oci.csv.gz');
    expect(screen.getByRole('alert').textContent).toContain('notes.txt');

    fireEvent.change(screen.getByLabelText('Account name'), { target: { value: ' billing ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    await waitFor(() => expect(client.calls.map((c) => c.channel)).toContain('spend:import-focus'));
    expect(client.calls.find((c) => c.channel === 'spend:import-focus')?.request).toEqual({ account: 'billing', files: ['aws.csv', 'oci.csv.gz'] });
    expect(screen.getByRole('button', { name: /^Import/ })).toHaveProperty('disabled', true);

    act(() => {
      client.emit({ type: 'focus-import-progress', account: 'billing', file: 'aws.csv', phase: 'reading', rows: 100, totalRows: 400 });
      // Another account's import does not move this form's bars.
      client.emit({ type: 'focus-import-progress', account: 'other', file: 'oci.csv.gz', phase: 'done', rows: 9, totalRows: 9 });
    });
    const aws = within(screen.getByRole('list', { name: 'Import progress' })).getAllByRole('listitem').find((li) => li.dataset.file === 'aws.csv');
    expect(aws?.dataset.phase).toBe('reading');
    const bar = within(aws as HTMLElement).getByRole('progressbar', { name: 'Import of aws.csv' }) as HTMLProgressElement;
    expect(bar.value).toBe(100);
    expect(bar.max).toBe(400);
    expect(aws?.textContent).toContain('reading, 100 of 400 rows');
    const oci = within(screen.getByRole('list', { name: 'Import progress' })).getAllByRole('listitem').find((li) => li.dataset.file === 'oci.csv.gz');
    expect(oci?.dataset.phase).toBe('sending');

    act(() => client.emit({ type: 'focus-import-progress', account: 'billing', file: 'aws.csv', phase: 'done', rows: 400, totalRows: 400 }));
    expect(within(screen.getByRole('list', { name: 'Import progress' })).getAllByRole('listitem').find((li) => li.dataset.file === 'aws.csv')?.dataset.phase).toBe('done');

    await act(async () => reply.resolve(summary('billing', ['aws.csv', 'oci.csv.gz'])));
    expect((await screen.findByRole('status')).textContent).toBe('Imported 425 rows into billing, replacing 25 rows of the same billing periods.');
  });

  it('imports picked files and shows the refusal message naming file, row and column', async () => {
    renderWithApi(<FocusDropZone />, {
      'spend:import-focus': () => {
        throw new ApiError('bad-request', 'bad.csv: row 3, column BilledCost: the value is not a FOCUS Decimal');
      },
    });
    fireEvent.change(screen.getByLabelText('FOCUS files'), { target: { files: [csv('bad.csv')] } });
    fireEvent.change(screen.getByLabelText('Account name'), { target: { value: 'billing' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByRole('alert')).textContent).toContain('bad.csv: row 3, column BilledCost');
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('shows the empty cells read as null as a note per file, not as an error', async () => {
    const result = summary('billing', ['focus-1.2.csv']);
    result.files = result.files.map((f) => ({ ...f, emptyCellsReadAsNull: { ResourceId: 3, Tags: 3, RegionId: 2 } }));
    renderWithApi(<FocusDropZone />, { 'spend:import-focus': () => Promise.resolve(result) });
    fireEvent.change(screen.getByLabelText('FOCUS files'), { target: { files: [csv('focus-1.2.csv')] } });
    fireEvent.change(screen.getByLabelText('Account name'), { target: { value: 'billing' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    expect((await screen.findByRole('list', { name: 'Conformance notes' })).textContent).toBe('focus-1.2.csv: empty cells read as null: ResourceId 3, Tags 3, RegionId 2');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('keeps Import off until a file is chosen', () => {
    renderWithApi(<FocusDropZone />, {});
    expect(screen.getByRole('button', { name: /^Import/ })).toHaveProperty('disabled', true);
  });
});
