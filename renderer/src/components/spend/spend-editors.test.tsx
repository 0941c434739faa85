import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { BudgetStatus, ReportDefinition } from '../../../../shared/contract-spend';
import { renderWithApi } from '../../testing/render';
import { BudgetsPanel } from './budget-editor';
import { SavedReportsPanel } from './report-definition-editor';

const teamBudget: BudgetStatus = {
  id: 'b-ml',
  name: 'ML team',
  scope: { kind: 'tag', key: 'team', value: 'ml' },
  currency: 'USD',
  monthlyAmount: '5000.00',
  billedMonthToDate: '1200.00',
  burnRatePerDay: '100.00',
  forecastMonth: '3000.00',
  forecastPercent: '60.00',
  overBudget: false,
};

const nightly: ReportDefinition = {
  id: 'r-1',
  name: 'Finance monthly',
  period: { kind: 'previous-month' },
  groupBy: ['cloud', 'tag:team'],
  filter: { clouds: ['azure'], accounts: [], regions: [], services: [], gpuModels: [], tags: {} },
  formats: ['xlsx'],
  schedule: 'monthly',
  folder: '/srv/reports',
  lastRunAt: '2026-11-01T00:05:00Z',
  lastError: null,
};

/** Types into the field a user finds by its label (errors shown inside a label follow its name). */
const type = (label: string | RegExp, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });
const button = (name: string) => screen.getByRole('button', { name });
const invalid = (label: string | RegExp) => screen.getByLabelText(label).getAttribute('aria-invalid') === 'true';

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('BudgetsPanel', () => {
  it('validates a new cloud budget as you type and saves what the Budget schema accepts', async () => {
    const save = vi.fn((b: unknown) => ({ id: (b as { id: string }).id }));
    renderWithApi(<BudgetsPanel budgets={[]} />, { 'spend:budget-save': save });
    fireEvent.click(button('New budget…'));
    type(/^Name/, 'Azure GPUs');
    type(/^Monthly amount/, '12,5x');
    expect(screen.getByText('expected a decimal number as text')).toBeTruthy();
    expect(invalid(/^Monthly amount/)).toBe(true);
    expect(button('Save budget')).toHaveProperty('disabled', true);
    type(/^Currency/, 'us');
    expect(screen.getByText('expected an ISO 4217 currency code')).toBeTruthy();
    type(/^Currency/, 'usd');
    type(/^Monthly amount/, '12,500.50');
    expect(screen.queryByText('expected a decimal number as text')).toBeNull();
    expect(screen.queryByText('expected an ISO 4217 currency code')).toBeNull();
    fireEvent.change(screen.getByLabelText('Cloud'), { target: { value: 'gcp' } });
    fireEvent.click(button('Save budget'));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    expect(save.mock.calls[0]?.[0]).toMatchObject({ name: 'Azure GPUs', scope: { kind: 'cloud', cloud: 'gcp' }, currency: 'USD', monthlyAmount: '12500.50' });
    await waitFor(() => expect(screen.queryByRole('form', { name: 'New budget' })).toBeNull());
  });

  it('edits a tag budget in place (same id) and refuses an empty tag value', async () => {
    const save = vi.fn(() => ({ id: 'b-ml' }));
    renderWithApi(<BudgetsPanel budgets={[teamBudget]} />, { 'spend:budget-save': save, 'spend:budgets': () => ({ budgets: [] }) });
    fireEvent.click(button('Edit budget ML team'));
    expect(screen.getByRole('form', { name: 'Edit budget ML team' })).toBeTruthy();
    expect(screen.getByLabelText(/^Tag value/)).toHaveProperty('value', 'ml');
    type(/^Tag value/, ' ');
    expect(invalid(/^Tag value/)).toBe(true);
    type(/^Tag value/, 'research');
    expect(invalid(/^Tag value/)).toBe(false);
    type(/^Monthly amount/, '6000');
    fireEvent.click(button('Save budget'));
    await waitFor(() => expect(save).toHaveBeenCalledWith({ id: 'b-ml', name: 'ML team', scope: { kind: 'tag', key: 'team', value: 'research' }, currency: 'USD', monthlyAmount: '6000' }));
  });

  it('deletes a budget after a confirm, and not without one', async () => {
    const remove = vi.fn(() => ({ deleted: true }));
    renderWithApi(<BudgetsPanel budgets={[teamBudget]} />, { 'spend:budget-delete': remove, 'spend:budgets': () => ({ budgets: [] }) });
    vi.stubGlobal('confirm', vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true));
    fireEvent.click(button('Delete budget ML team'));
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(button('Delete budget ML team'));
    await waitFor(() => expect(remove).toHaveBeenCalledWith({ id: 'b-ml' }));
  });

  it('shows the backend refusal of a read-only serve', async () => {
    renderWithApi(<BudgetsPanel budgets={[]} />, {
      'spend:budget-save': () => {
        throw new Error('spend:budget-save is not available: serve mode is read-only; start `fleetpane serve --manage-spend`');
      },
    });
    fireEvent.click(button('New budget…'));
    type(/^Name/, 'x');
    type(/^Monthly amount/, '1');
    fireEvent.click(button('Save budget'));
    expect((await screen.findByRole('alert')).textContent).toContain('--manage-spend');
  });
});

describe('SavedReportsPanel', () => {
  it('lists saved reports with their schedule and last run', async () => {
    renderWithApi(<SavedReportsPanel groupKeys={['cloud', 'service']} />, { 'reports:list': () => ({ reports: [nightly] }) });
    const item = await screen.findByRole('listitem');
    expect(item.textContent).toContain('Finance monthly');
    expect(item.textContent).toContain('previous month by Cloud, Tag team · xlsx · monthly into /srv/reports · last run 2026-11-01 00:05 UTC');
  });

  it('checks the schedule folder, days and group-by as you type, and saves a valid definition', async () => {
    const save = vi.fn((d: unknown) => ({ id: (d as { id: string }).id }));
    renderWithApi(<SavedReportsPanel groupKeys={['cloud', 'service', 'gpu-model']} />, { 'reports:list': () => ({ reports: [] }), 'reports:save': save });
    fireEvent.click(await screen.findByRole('button', { name: 'New saved report…' }));
    type(/^Name/, 'GPU by model');
    fireEvent.change(screen.getByLabelText('Schedule'), { target: { value: 'weekly' } });
    expect(screen.getByText('a scheduled report needs a folder to write into')).toBeTruthy();
    expect(invalid(/^Folder on the backend host/)).toBe(true);
    fireEvent.change(screen.getByLabelText('Period'), { target: { value: 'last-days' } });
    type(/^Days/, '0');
    expect(invalid(/^Days/)).toBe(true);
    type(/^Days/, '14');
    expect(invalid(/^Days/)).toBe(false);
    fireEvent.click(screen.getByLabelText('Cloud'));
    expect(screen.getByTestId('report-error-group-by')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('GPU model'));
    fireEvent.click(screen.getByLabelText('CSV'));
    expect(screen.getByTestId('report-error-formats')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('PDF'));
    type(/^Folder on the backend host/, '/srv/reports/gpu');
    expect(screen.queryByText('a scheduled report needs a folder to write into')).toBeNull();
    fireEvent.click(button('Save report'));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    expect(save.mock.calls[0]?.[0]).toMatchObject({
      name: 'GPU by model',
      period: { kind: 'last-days', days: 14 },
      groupBy: ['gpu-model'],
      formats: ['pdf'],
      schedule: 'weekly',
      folder: '/srv/reports/gpu',
    });
  });

  it('edits a saved report keeping its filter and id, and deletes after a confirm', async () => {
    const save = vi.fn(() => ({ id: 'r-1' }));
    const remove = vi.fn(() => ({ deleted: true }));
    renderWithApi(<SavedReportsPanel groupKeys={['cloud']} />, { 'reports:list': () => ({ reports: [nightly] }), 'reports:save': save, 'reports:delete': remove });
    fireEvent.click(await screen.findByRole('button', { name: 'Edit saved report Finance monthly' }));
    fireEvent.change(screen.getByLabelText('Schedule'), { target: { value: 'daily' } });
    fireEvent.click(button('Save report'));
    await waitFor(() => expect(save).toHaveBeenCalledWith({ ...nightly, schedule: 'daily' }));
    vi.stubGlobal('confirm', vi.fn(() => true));
    fireEvent.click(button('Delete saved report Finance monthly'));
    await waitFor(() => expect(remove).toHaveBeenCalledWith({ id: 'r-1' }));
  });
});
