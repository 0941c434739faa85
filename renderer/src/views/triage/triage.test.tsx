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
    const active = await screen.findByTestId('triage-active');
    const rows = within(active).getAllByTestId('triage-incident');
    expect(rows.map((r) => r.getAttribute('data-incident-id'))).toEqual(['service-health:EASTUS-1', 'derived:signal:xid:cw:node-7@1', 'resource-health:vm-z']);
    expect(rows.map((r) => within(r).getByTestId('triage-gpus').textContent)).toEqual(['24 GPUs', '8 GPUs', '1 GPU']);
    expect(rows.map((r) => within(r).getByTestId('triage-at-risk').textContent)).toEqual(['$294.96/h', '$38.24/h', '£3.10/h']);
    expect(within(rows[0]!).getByTestId('triage-recent-changes').textContent).toContain('mitigation in progress');
    expect(within(rows[1]!).queryByTestId('triage-recent-changes')).toBeNull();
    expect(rows[1]!.textContent).toContain('acknowledged');
    expect(rows[1]!.textContent).toContain('2 notes');
    expect(within(rows[0]!).getByTestId('triage-incident-link').getAttribute('href')).toBe(`#/incident/${encodeURIComponent('service-health:EASTUS-1')}`);
    expect(screen.getByTestId('triage-active-count').textContent).toBe('3');
    expect(screen.getByTestId('triage-total-gpus').textContent).toBe('33');
    expect(screen.getByTestId('triage-page').getAttribute('data-as-of')).toBe(TRIAGE_AS_OF);
    // Elsewhere is listed apart; a failing sync is a data problem, not an incident.
    expect(within(screen.getByTestId('triage-elsewhere')).getAllByTestId('triage-incident')).toHaveLength(1);
    expect(screen.getByTestId('triage-data-problems').textContent).toContain('gcp-prod metrics: 4 failed syncs in a row');
    expect(screen.getByTestId('triage-planned').textContent).toContain('No planned maintenance.');
  });

  it('lists planned maintenance apart with its window, outside the active count', async () => {
    const planned = triageIncident({
      id: 'maintenance:usc1', source: 'maintenance', severity: 'maintenance', title: 'Host upgrades in us-central1', regions: ['us-central1'],
      status: 'scheduled', startedAt: '2026-11-28T07:14:00.000Z', endedAt: '2026-11-28T11:14:00.000Z', affectedGpus: 0, atRiskPerHour: [],
    });
    renderWithApi(<TriagePage params={DEFAULT_PARAMS} readOnly={false} />, { 'triage:list': () => ({ ...triageList(), planned: [planned] }), ...noAlerts });
    const section = await screen.findByTestId('triage-planned');
    const item = within(section).getByTestId('planned-maintenance');
    expect(item.getAttribute('data-incident-id')).toBe('maintenance:usc1');
    expect(within(item).getByTestId('planned-window').textContent).toBe('2026-11-28 07:14 – 11:14 UTC');
    expect(screen.getByTestId('triage-active-count').textContent).toBe('3');
    expect(within(screen.getByTestId('triage-active')).queryByText(/Host upgrades/)).toBeNull();
  });
});

function renderIncident(page: IncidentPage, handlers: Parameters<typeof renderWithApi>[1] = {}, readOnly = false) {
  return renderWithApi(<IncidentPageView id={page.incident.id} params={DEFAULT_PARAMS} readOnly={readOnly} />, { 'triage:incident': () => page, ...handlers });
}

describe('IncidentPageView', () => {
  it('shows the blast radius, the timeline with the provider updates and notes, and the affected machines', async () => {
    const page = incidentPage();
    renderIncident(page);
    await screen.findByTestId('incident-page');
    expect(screen.getByTestId('incident-page-gpus').textContent).toBe('24');
    expect(screen.getByTestId('incident-page-at-risk').textContent).toBe('$294.96/h');
    const timeline = screen.getByTestId('incident-timeline');
    expect(within(timeline).getAllByRole('listitem').map((li) => li.getAttribute('data-kind'))).toEqual(['started', 'update', 'update', 'note', 'update']);
    expect(timeline.textContent).toContain('A storage scale unit is unhealthy.');
    // One chart marker per provider update.
    expect(screen.getByTestId('incident-timeline-chart').getAttribute('data-markers')).toBe('3');
    const rows = within(screen.getByTestId('incident-affected')).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['vm-a', 'vm-b']);
    expect(rows[0]!.textContent).toContain('8 unhealthy');
    expect(screen.getByTestId('incident-notes').textContent).toContain('Draining eastus jobs to westus3');
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
    await screen.findByTestId('incident-page');
    expect(screen.getByTestId('incident-page-ack').textContent).toBe('no');
    fireEvent.click(screen.getByTestId('incident-ack'));
    await waitFor(() => expect(screen.getByTestId('incident-page-ack').textContent).toContain('kim'));
    expect(acknowledge).toHaveBeenCalledWith({ id: 'service-health:EASTUS-1', acknowledged: true });
    expect(screen.getByTestId('incident-ack').textContent).toBe('Clear acknowledgement');

    const submit = screen.getByTestId('incident-note-submit') as HTMLButtonElement;
    expect(submit.disabled).toBe(true);
    fireEvent.change(screen.getByTestId('incident-note-input'), { target: { value: '  Paged the Azure TAM  ' } });
    fireEvent.click(submit);
    await waitFor(() => expect(screen.getByTestId('incident-notes').textContent).toContain('Paged the Azure TAM'));
    expect(addNote).toHaveBeenCalledWith({ id: 'service-health:EASTUS-1', body: 'Paged the Azure TAM' });
    await waitFor(() => expect((screen.getByTestId('incident-note-input') as HTMLTextAreaElement).value).toBe(''));
  });

  it('shows why a refused acknowledgement was refused (serve without --allow-triage)', async () => {
    const refusal = 'triage:acknowledge is not available: serve mode is read-only; start `fleetpane serve --allow-triage`';
    renderIncident(incidentPage(), {
      'triage:acknowledge': () => {
        throw new ApiError('read-only', refusal);
      },
    });
    await screen.findByTestId('incident-page');
    fireEvent.click(screen.getByTestId('incident-ack'));
    expect((await screen.findByTestId('incident-action-status')).textContent).toContain('--allow-triage');
    expect(screen.getByTestId('incident-page-ack').textContent).toBe('no');
  });

  it('turns the actions off on a read-only backend', async () => {
    renderIncident(incidentPage(), {}, true);
    await screen.findByTestId('incident-page');
    expect((screen.getByTestId('incident-ack') as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByTestId('incident-note-input') as HTMLTextAreaElement).disabled).toBe(true);
  });

  it('copies the Markdown summary the backend snapshot also carries', async () => {
    const page = incidentPage({ acknowledged: { at: TRIAGE_AS_OF, by: 'sam' } } satisfies Partial<TriageIncident>);
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } });
    renderIncident(page);
    await screen.findByTestId('incident-page');
    fireEvent.click(screen.getByTestId('incident-copy-markdown'));
    const expected = incidentMarkdown(page);
    expect(writeText).toHaveBeenCalledWith(expected);
    expect((screen.getByTestId('incident-markdown') as HTMLTextAreaElement).value).toBe(expected);
    expect(expected).toContain('**Blast radius**: 24 GPUs on 2 machines, $294.96/h at risk');
    expect(expected).toContain('**Acknowledged**: sam');
    expect(await screen.findByTestId('incident-action-status')).toHaveProperty('textContent', 'Markdown summary copied');
  });
});

describe('SnapshotPage', () => {
  const open = (text: string, name = 'incident.fleetpane.json') => {
    const input = screen.getByTestId('snapshot-file');
    fireEvent.change(input, { target: { files: [new File([text], name, { type: 'application/json' })] } });
  };

  it('opens a snapshot file read-only, from the file alone', async () => {
    const { client } = renderWithApi(<SnapshotPage />, {});
    open(snapshotFileText());
    expect((await screen.findByTestId('snapshot-banner')).textContent).toContain('(DEMO fleet)');
    expect(screen.getByTestId('incident-page').getAttribute('data-incident-id')).toBe('service-health:EASTUS-1');
    expect(screen.getByTestId('incident-page-gpus').textContent).toBe('24');
    expect(within(screen.getByTestId('incident-timeline')).getAllByRole('listitem')).toHaveLength(5);
    // No live actions, and not one request to the backend.
    expect(screen.queryByTestId('incident-ack')).toBeNull();
    expect(client.calls).toEqual([]);
  });

  it('refuses a file that is not a snapshot, or of an unknown version, and says why', async () => {
    renderWithApi(<SnapshotPage />, {});
    open('not json');
    expect((await screen.findByTestId('snapshot-error')).textContent).toContain('not JSON');
    open(JSON.stringify({ ...JSON.parse(snapshotFileText()), version: 2 }));
    await waitFor(() => expect(screen.getByTestId('snapshot-error').textContent).toContain('version'));
    expect(screen.queryByTestId('incident-page')).toBeNull();
  });
});
