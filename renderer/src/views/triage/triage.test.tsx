import { describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { IncidentPage, TriageIncident } from '../../../../shared/contract-triage';
import { ApiError } from '../../../../shared/contract';
import { incidentMarkdown } from '../../../../shared/incident-markdown';
import { DEFAULT_PARAMS } from '../../routing/route';
import { renderWithApi } from '../../testing/render';
import { incidentPage, snapshotFileText, triageIncident, triageList, TRIAGE_AS_OF } from '../../testing/triage-fixtures';
import { IncidentPageView } from './incident-page';
import { SnapshotPage } from './snapshot-page';
import { TriagePage } from './triage-page';

const noAlerts = {
  'alerts:list': () => ({ alerts: [], firing: 0 }),
  'alerts:settings': () => ({ rules: [], quietHours: { enabled: false, start: '22:00', end: '07:00' } }),
} as const;

describe('TriagePage', () => {
  it('lists active incidents largest blast radius first, with GPUs, dollars per hour, the last hour and the totals', async () => {
    renderWithApi(<TriagePage params={DEFAULT_PARAMS} readOnly={false} />, { 'triage:list': () => triageList(), ...noAlerts });
    const active = await screen.findByRole('region', { name: 'Active incidents, largest blast radius first' });
    // Each incident is a list item named by its title (the last-hour lines inside it are not named).
    const rows = within(active).getAllByRole('listitem', { name: /./ });
    expect(rows.map((r) => r.getAttribute('aria-label'))).toEqual(['Virtual Machines degraded in East US', 'XID errors on node-7 (GPU 2)', 'vm-z unavailable']);
    expect(rows.map((r) => within(r).getByTestId('triage-gpus').textContent)).toEqual(['24 GPUs', '8 GPUs', '1 GPU']);
    expect(rows.map((r) => within(r).getByTestId('triage-at-risk').textContent)).toEqual(['$294.96/h', '$38.24/h', '£3.10/h']);
    expect(within(rows[0]!).getByRole('list', { name: 'Last hour' }).textContent).toContain('mitigation in progress');
    expect(within(rows[1]!).queryByRole('list', { name: 'Last hour' })).toBeNull();
    expect(rows[1]!.textContent).toContain('acknowledged');
    expect(rows[1]!.textContent).toContain('2 notes');
    expect(within(rows[0]!).getByRole('link', { name: 'Virtual Machines degraded in East US' }).getAttribute('href')).toBe(`#/incident/${encodeURIComponent('service-health:EASTUS-1')}`);
    expect(screen.getByTestId('triage-active-count').textContent).toBe('3');
    expect(screen.getByTestId('triage-total-gpus').textContent).toBe('33');
    expect(screen.getByTestId('triage-page').getAttribute('data-as-of')).toBe(TRIAGE_AS_OF);
    // Elsewhere is listed apart; a failing sync is a data problem, not an incident.
    expect(within(screen.getByRole('region', { name: 'Provider incidents elsewhere (not counted)' })).getAllByRole('listitem', { name: /./ })).toHaveLength(1);
    expect(screen.getByRole('region', { name: 'Data problems' }).textContent).toContain('gcp-prod metrics: 4 failed syncs in a row');
    expect(screen.getByRole('region', { name: 'Planned maintenance (not counted)' }).textContent).toContain('No planned maintenance.');
  });

  it('lists planned maintenance apart with its window, outside the active count', async () => {
    const planned = triageIncident({
      id: 'maintenance:usc1', source: 'maintenance', severity: 'maintenance', title: 'Host upgrades in us-central1', regions: ['us-central1'],
      status: 'scheduled', startedAt: '2026-11-28T07:14:00.000Z', endedAt: '2026-11-28T11:14:00.000Z', affectedGpus: 0, atRiskPerHour: [],
    });
    renderWithApi(<TriagePage params={DEFAULT_PARAMS} readOnly={false} />, { 'triage:list': () => ({ ...triageList(), planned: [planned] }), ...noAlerts });
    const section = await screen.findByRole('region', { name: 'Planned maintenance (not counted)' });
    const item = within(section).getByTestId('planned-maintenance');
    expect(item.getAttribute('data-incident-id')).toBe('maintenance:usc1');
    expect(within(item).getByTestId('planned-window').textContent).toBe('2026-11-28 07:14 – 11:14 UTC');
    expect(screen.getByTestId('triage-active-count').textContent).toBe('3');
    expect(within(screen.getByRole('region', { name: 'Active incidents, largest blast radius first' })).queryByText(/Host upgrades/)).toBeNull();
  });
});

function renderIncident(page: IncidentPage, handlers: Parameters<typeof renderWithApi>[1] = {}, readOnly = false) {
  return renderWithApi(<IncidentPageView id={page.incident.id} params={DEFAULT_PARAMS} readOnly={readOnly} />, { 'triage:incident': () => page, ...handlers });
}

describe('IncidentPageView', () => {
  it('shows the blast radius, the timeline with the provider updates and notes, and the affected machines', async () => {
    const page = incidentPage();
    renderIncident(page);
    await screen.findByRole('article', { name: 'Virtual Machines degraded in East US' });
    expect(screen.getByTestId('incident-page-gpus').textContent).toBe('24');
    expect(screen.getByTestId('incident-page-at-risk').textContent).toBe('$294.96/h');
    const timeline = screen.getByRole('list', { name: 'Timeline' });
    expect(within(timeline).getAllByRole('listitem').map((li) => li.getAttribute('data-kind'))).toEqual(['started', 'update', 'update', 'note', 'update']);
    expect(timeline.textContent).toContain('A storage scale unit is unhealthy.');
    // One chart marker per provider update.
    expect(screen.getByTestId('incident-timeline-chart').getAttribute('data-markers')).toBe('3');
    const rows = within(screen.getByRole('table', { name: /Affected/ })).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['vm-a', 'vm-b']);
    expect(rows[0]!.textContent).toContain('8 unhealthy');
    expect(screen.getByRole('list', { name: 'Notes' }).textContent).toContain('Draining eastus jobs to westus3');
  });

  it('acknowledges and adds a note through the API, then shows the stored result', async () => {
    let current = incidentPage();
    const acknowledge = vi.fn((req: { id: string; acknowledged?: boolean }) => {
      current = { ...current, incident: { ...current.incident, acknowledged: req.acknowledged !== false ? { at: TRIAGE_AS_OF, by: 'kim' } : null } };
      return { acknowledged: current.incident.acknowledged };
    });
    const addNote = vi.fn((req: { id: string; body: string }) => {
      const note = { id: 'n2', incidentId: req.id, at: TRIAGE_AS_OF, author: 'kim', body: req.body };
      current = { ...current, notes: [...current.notes, note] };
      return { note };
    });
    renderWithApi(<IncidentPageView id={current.incident.id} params={DEFAULT_PARAMS} readOnly={false} />, {
      'triage:incident': () => current,
      'triage:acknowledge': acknowledge,
      'triage:add-note': addNote,
    });
    await screen.findByRole('article', { name: 'Virtual Machines degraded in East US' });
    expect(screen.getByTestId('incident-page-ack').textContent).toBe('no');
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge' }));
    await waitFor(() => expect(screen.getByTestId('incident-page-ack').textContent).toContain('kim'));
    expect(acknowledge).toHaveBeenCalledWith({ id: 'service-health:EASTUS-1', acknowledged: true });
    expect(screen.getByRole('button', { name: 'Clear acknowledgement' })).toBeTruthy();
    expect(screen.getByRole('status').textContent).toBe('Acknowledged');

    const submit = screen.getByRole('button', { name: 'Add note' });
    expect(submit).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByLabelText('Add a note'), { target: { value: '  Paged the Azure TAM  ' } });
    fireEvent.click(submit);
    await waitFor(() => expect(screen.getByRole('list', { name: 'Notes' }).textContent).toContain('Paged the Azure TAM'));
    expect(addNote).toHaveBeenCalledWith({ id: 'service-health:EASTUS-1', body: 'Paged the Azure TAM' });
    await waitFor(() => expect(screen.getByLabelText('Add a note')).toHaveProperty('value', ''));
  });

  it('shows why a refused acknowledgement was refused (serve without --allow-triage)', async () => {
    const refusal = 'triage:acknowledge is not available: serve mode is read-only; start `fleetpane serve --allow-triage`';
    renderIncident(incidentPage(), {
      'triage:acknowledge': () => {
        throw new ApiError('read-only', refusal);
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Acknowledge' }));
    expect((await screen.findByRole('status')).textContent).toContain('--allow-triage');
    expect(screen.getByTestId('incident-page-ack').textContent).toBe('no');
  });

  it('turns the actions off on a read-only backend', async () => {
    renderIncident(incidentPage(), {}, true);
    expect(await screen.findByRole('button', { name: 'Acknowledge' })).toHaveProperty('disabled', true);
    expect(screen.getByLabelText('Add a note')).toHaveProperty('disabled', true);
  });

  it('copies the Markdown summary the backend snapshot also carries', async () => {
    const page = incidentPage({ acknowledged: { at: TRIAGE_AS_OF, by: 'sam' } } satisfies Partial<TriageIncident>);
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } });
    renderIncident(page);
    fireEvent.click(await screen.findByRole('button', { name: 'Copy Markdown summary' }));
    const expected = incidentMarkdown(page);
    expect(writeText).toHaveBeenCalledWith(expected);
    expect(screen.getByRole('textbox', { name: 'Markdown summary' })).toHaveProperty('value', expected);
    expect(expected).toContain('**Blast radius**: 24 GPUs on 2 machines, $294.96/h at risk');
    expect(expected).toContain('**Acknowledged**: sam');
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Markdown summary copied');
  });
});

describe('SnapshotPage', () => {
  const open = (text: string, name = 'incident.fleetpane.json') => {
    const input = screen.getByLabelText('Open a snapshot file (.fleetpane.json)');
    fireEvent.change(input, { target: { files: [new File([text], name, { type: 'application/json' })] } });
  };

  it('opens a snapshot file read-only, from the file alone', async () => {
    const { client } = renderWithApi(<SnapshotPage />, {});
    open(snapshotFileText());
    expect((await screen.findByRole('note')).textContent).toContain('(DEMO fleet)');
    expect(screen.getByRole('article', { name: 'Virtual Machines degraded in East US' })).toBeTruthy();
    expect(screen.getByTestId('incident-page-gpus').textContent).toBe('24');
    expect(within(screen.getByRole('list', { name: 'Timeline' })).getAllByRole('listitem')).toHaveLength(5);
    // No live actions, and not one request to the backend.
    expect(screen.queryByRole('button', { name: 'Acknowledge' })).toBeNull();
    expect(client.calls).toEqual([]);
  });

  it('refuses a file that is not a snapshot, or of an unknown version, and says why', async () => {
    renderWithApi(<SnapshotPage />, {});
    open('not json');
    expect((await screen.findByRole('alert')).textContent).toContain('not JSON');
    open(JSON.stringify({ ...JSON.parse(snapshotFileText()), version: 2 }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toContain('version'));
    expect(screen.queryByRole('article')).toBeNull();
  });
});
