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
    // The connector's unmeasured and unplaced machines join the one list of machines behind the coverage counts.
    const machines = screen.getAllByTestId('coverage-machine').map((li) => li.textContent ?? '');
    expect(machines.find((t) => t.startsWith('gpu-7'))).toMatch(/^gpu-7 \(us-ashburn-1, gpu-prod\): enable the Oracle Cloud Agent plugin .*\(no metrics\)$/i);
    expect(machines.find((t) => t.startsWith('gpu-mig'))).toMatch(/^gpu-mig \(us-ord\): 12 MIG devices of profile 1g\.10gb.*\(unplaced\)$/i);
    expect(screen.getByTestId('api-calls').textContent).toContain('API calls since start: 16');
    expect(screen.queryByTestId('diagnostics-none')).toBeNull();
  });

  it('says plainly when every list is empty', () => {
    render(<AccountDiagnostics diagnostics={{ budget: [], access: [], unmeasured: [], calls: [] }} />);
    expect(screen.getByText('API budget: this connector reports none.')).toBeTruthy();
    expect(screen.getByText('Access: every scope read so far was readable.')).toBeTruthy();
    expect(screen.queryByTestId('unmeasured')).toBeNull();
  });

  it('has a clear empty state when the connector reports no diagnostics', () => {
    render(<AccountDiagnostics diagnostics={null} />);
    expect(screen.getByTestId('diagnostics-none').textContent).toMatch(/this connector reports none/);
    expect(screen.queryByTestId('diagnostics')).toBeNull();
  });
});

describe('AccountDiagnostics: what the pane cannot measure, price or place', () => {
  const coverage = [
    {
      account: 'azure-prod',
      cloudKey: 'azure',
      resourceId: 'vm-silent',
      name: 'gpu-pool-3',
      region: 'eastus',
      instanceType: 'Standard_ND96isr_H100_v5',
      gpuCount: 8,
      powerState: 'running' as const,
      gaps: [{ kind: 'metrics' as const, reason: 'no GPU sample in the last 30 minutes', gpus: 8, source: 'store' as const }],
    },
    {
      account: 'azure-prod',
      cloudKey: 'azure',
      resourceId: 'vm-unpriced',
      name: 'gpu-odd',
      region: 'westus3',
      instanceType: 'Standard_NC40ads_H100_v5',
      gpuCount: 1,
      powerState: 'running' as const,
      gaps: [
        { kind: 'price' as const, reason: 'no hourly price for Standard_NC40ads_H100_v5 in westus3', gpus: 1, source: 'store' as const },
        { kind: 'placement' as const, reason: 'physical GPU count unknown (MIG)', gpus: 1, source: 'connector' as const },
      ],
    },
  ];

  it('lists every machine with its reasons, merged with the connector’s unmeasured list', () => {
    render(
      <AccountDiagnostics
        diagnostics={{
          ...diagnostics,
          unmeasured: [{ resourceId: 'vm-silent', name: 'gpu-pool-3', region: 'eastus', scope: 'rg', reason: 'Azure Monitor has no GPU metric for this size' }],
          unplaced: [],
        }}
        coverage={coverage}
      />,
    );
    const group = screen.getByRole('group', { name: /GPU machines not measured, priced or placed \(2\)/ });
    const items = within(group).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('gpu-pool-3 (eastus): no GPU sample in the last 30 minutes (no metrics, 8 GPUs)');
    expect(items[0]!.textContent).toContain('Azure Monitor has no GPU metric for this size (no metrics)');
    expect(items[1]!.textContent).toContain('no hourly price for Standard_NC40ads_H100_v5 in westus3 (no price, 1 GPU)');
    expect(items[1]!.textContent).toContain('physical GPU count unknown (MIG) (unplaced, 1 GPU)');
  });

  it('lists the reasons even when the connector reports no diagnostics', () => {
    render(<AccountDiagnostics diagnostics={null} coverage={coverage.slice(0, 1)} />);
    expect(screen.getByTestId('diagnostics-none')).toBeTruthy();
    expect(screen.getByRole('group', { name: /not measured, priced or placed \(1\)/ }).textContent).toContain('gpu-pool-3');
  });

  it('says so plainly when everything is measured, priced and placed', () => {
    render(<AccountDiagnostics diagnostics={{ budget: [], access: [], unmeasured: [], calls: [] }} coverage={[]} />);
    expect(screen.getByText('Coverage: every GPU machine of this account is measured, priced and placed.')).toBeTruthy();
    expect(screen.queryByText(/no unmeasured GPUs to show/)).toBeNull();
  });
});
