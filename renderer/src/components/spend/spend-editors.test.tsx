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

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('BudgetsPanel', () => {
  it('validates a new cloud budget as you type and saves what the Budget schema accepts', async () => {
    const save = vi.fn((b: unknown) => ({ id: (b as { id: string }).id }));
    renderWithApi(<BudgetsPanel budgets={[]} />, { 'spend:budget-save': save });
    fireEvent.click(screen.getByTestId('budget-new'));
    type('budget-name', 'Azure GPUs');
    type('budget-amount', '12,5x');
    expect(screen.getByTestId('budget-error-monthlyAmount').textContent).toBe('expected a decimal number as text');
    expect((screen.getByTestId('budget-save') as HTMLButtonElement).disabled).toBe(true);
    type('budget-currency', 'us');
    expect(screen.getByTestId('budget-error-currency').textContent).toBe('expected an ISO 4217 currency code');
    type('budget-currency', 'usd');
    type('budget-amount', '12,500.50');
    expect(screen.queryByTestId('budget-error-monthlyAmount')).toBeNull();
    expect(screen.queryByTestId('budget-error-currency')).toBeNull();
    fireEvent.change(screen.getByTestId('budget-cloud'), { target: { value: 'gcp' } });
    fireEvent.click(screen.getByTestId('budget-save'));
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    expect(save.mock.calls[0]?.[0]).toMatchObject({ name: 'Azure GPUs', scope: { kind: 'cloud', cloud: 'gcp' }, currency: 'USD', monthlyAmount: '12500.50' });
    await waitFor(() => expect(screen.queryByTestId('budget-form')).toBeNull());
  });

  it('edits a tag budget in place (same id) and refuses an empty tag value', async () => {
    const save = vi.fn(() => ({ id: 'b-ml' }));
    renderWithApi(<BudgetsPanel budgets={[teamBudget]} />, { 'spend:budget-save': save, 'spend:budgets': () => ({ budgets: [] }) });
    fireEvent.click(screen.getByTestId('budget-edit-b-ml'));
    expect((screen.getByTestId('budget-tag-value') as HTMLInputElement).value).toBe('ml');
    type('budget-tag-value', ' ');
    expect(screen.getByTestId('budget-error-scope-value')).toBeTruthy();
    type('budget-tag-value', 'research');
    type('budget-amount', '6000');
    fireEvent.click(screen.getByTestId('budget-save'));
    await waitFor(() => expect(save).toHaveBeenCalledWith({ id: 'b-ml', name: 'ML team', scope: { kind: 'tag', key: 'team', value: 'research' }, currency: 'USD', monthlyAmount: '6000' }));
  });

  it('deletes a budget after a confirm, and not without one', async () => {
    const remove = vi.fn(() => ({ deleted: true }));
    renderWithApi(<BudgetsPanel budgets={[teamBudget]} />, { 'spend:budget-delete': remove, 'spend:budgets': () => ({ budgets: [] }) });
    vi.stubGlobal('confirm', vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true));
    fireEvent.click(screen.getByTestId('budget-delete-b-ml'));
    expect(remove).not.toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('budget-delete-b-ml'));
    await waitFor(() => expect(remove).toHaveBeenCalledWith({ id: 'b-ml' }));
  });

  it('shows the backend refusal of a read-only serve', async () => {
    renderWithApi(<BudgetsPanel budgets={[]} />, {
      'spend:budget-save': () => {
        throw new Error('spend:budget-save is not available: serve mode is read-only; start `fleetpane serve --manage-spend`');
      },
    });
    fireEvent.click(screen.getByTestId('budget-new'));
    type('budget-name', 'x');
    type('budget-amount', '1');
    fireEvent.click(screen.getByTestId('budget-save'));
    expect((await screen.findByTestId('budget-save-error')).textContent).toContain('--manage-spend');
  });
});

describe('SavedReportsPanel', () => {
  it('lists saved reports with their schedule and last run', async () => {
    renderWithApi(<SavedReportsPanel groupKeys={['cloud', 'service']} />, { 'reports:list': () => ({ reports: [nightly] }) });
    const item = await screen.findByTestId('saved-report-r-1');
    expect(item.textContent).toContain('previous month by Cloud, Tag team · xlsx · monthly into /srv/reports · last run 2026-11-01 00:05 UTC');
  });

  it('checks the schedule folder, days and group-by as you type, and saves a valid definition', async () => {
    const save = vi.fn((d: unknown) => ({ id: (d as { id: string }).id }));
    renderWithApi(<SavedReportsPanel groupKeys={['cloud', 'service', 'gpu-model']} />, { 'reports:list': () => ({ reports: [] }), 'reports:save': save });
    fireEvent.click(await screen.findByTestId('report-new'));
    type('report-name', 'GPU by model');
    fireEvent.change(screen.getByTestId('report-schedule'), { target: { value: 'weekly' } });
    expect(screen.getByTestId('report-error-folder').textContent).toBe('a scheduled report needs a folder to write into');
    fireEvent.change(screen.getByTestId('report-period'), { target: { value: 'last-days' } });
    type('report-days', '0');
    expect(screen.getByTestId('report-error-days')).toBeTruthy();
    type('report-days', '14');
    expect(screen.queryByTestId('report-error-days')).toBeNull();
    fireEvent.click(screen.getByLabelText('Cloud'));
    expect(screen.getByTestId('report-error-group-by')).toBeTruthy();
    fireEvent.click(screen.getByLabelText('GPU model'));
    fireEvent.click(screen.getByTestId('report-format-csv'));
    expect(screen.getByTestId('report-error-formats')).toBeTruthy();
    fireEvent.click(screen.getByTestId('report-format-pdf'));
    type('report-folder', '/srv/reports/gpu');
    expect(screen.queryByTestId('report-error-folder')).toBeNull();
    fireEvent.click(screen.getByTestId('report-save'));
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
    fireEvent.click(await screen.findByTestId('report-edit-r-1'));
    fireEvent.change(screen.getByTestId('report-schedule'), { target: { value: 'daily' } });
    fireEvent.click(screen.getByTestId('report-save'));
    await waitFor(() => expect(save).toHaveBeenCalledWith({ ...nightly, schedule: 'daily' }));
    vi.stubGlobal('confirm', vi.fn(() => true));
    fireEvent.click(screen.getByTestId('report-delete-r-1'));
    await waitFor(() => expect(remove).toHaveBeenCalledWith({ id: 'r-1' }));
  });
});
