import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import { ConnectorDiagnostics } from '../../../../shared/connector-diagnostics';
import { AccountDiagnostics } from './account-diagnostics';

const diagnostics = ConnectorDiagnostics.parse({
  budget: [{ scope: 'ARM reads, subscription 1234', remaining: 11_950, observedAt: '2026-11-25T12:00:00.000Z', pacedRequests: 2 }],
  access: [
    {
      scope: 'compartment research (eu-frankfurt-1)',
      operation: 'ListInstances',
      status: 'denied',
      message: 'NotAuthorizedOrNotFound (404)',
      fix: 'Allow group <your-group> to read instance-family in compartment research',
      at: '2026-11-25T12:00:00.000Z',
    },
  ],
  unmeasured: [{ resourceId: 'ocid1.instance.oc1..x', name: 'gpu-7', region: 'us-ashburn-1', scope: 'gpu-prod', reason: 'enable the Oracle Cloud Agent plugin "Compute HPC GPU Monitoring"' }],
  unplaced: [{ resourceId: 'k8s-node:gpu-mig', name: 'gpu-mig', region: 'us-ord', scope: '', reason: '12 MIG devices of profile 1g.10gb (MIG strategy single): counted as at least 2 GPUs' }],
  calls: [
    { operation: 'ListInstances', calls: 12 },
    { operation: 'SummarizeMetricsData', calls: 4 },
  ],
});

describe('AccountDiagnostics', () => {
  it('shows budget, access problems with their fix, unmeasured machines and calls', () => {
    render(<AccountDiagnostics diagnostics={diagnostics} />);
    expect(screen.getByTestId('api-budget').textContent).toContain('ARM reads, subscription 1234: 11950 remaining');
    expect(screen.getByTestId('api-budget').textContent).toContain('2 requests paced');
    const problem = screen.getByTestId('access-problem');
    expect(problem.textContent).toContain('compartment research (eu-frankfurt-1)');
    expect(problem.textContent).toContain('access denied');
    expect(within(problem).getByText('Allow group <your-group> to read instance-family in compartment research').tagName).toBe('CODE');
    expect(screen.getByTestId('unmeasured').textContent).toContain('gpu-7 (us-ashburn-1, gpu-prod): enable the Oracle Cloud Agent plugin');
    expect(screen.getByTestId('unplaced').textContent).toContain('gpu-mig (us-ord): 12 MIG devices of profile 1g.10gb');
    expect(screen.getByTestId('api-calls').textContent).toContain('API calls since start: 16');
    expect(screen.queryByTestId('diagnostics-none')).toBeNull();
  });

  it('says plainly when every list is empty', () => {
    render(<AccountDiagnostics diagnostics={{ budget: [], access: [], unmeasured: [], calls: [] }} />);
    expect(screen.getByText('API budget: this connector reports none.')).toBeTruthy();
    expect(screen.getByText('Access: every scope read so far was readable.')).toBeTruthy();
    expect(screen.queryByTestId('unmeasured')).toBeNull();
    expect(screen.queryByTestId('unplaced')).toBeNull();
  });

  it('has a clear empty state when the connector reports no diagnostics', () => {
    render(<AccountDiagnostics diagnostics={null} />);
    expect(screen.getByTestId('diagnostics-none').textContent).toMatch(/this connector reports none/);
    expect(screen.queryByTestId('diagnostics')).toBeNull();
  });
});
