/** Builders of the shared model for tests of the domain rules and of everything above them. */
import type { GpuResource, Incident } from '../../../../shared/domain';

/** A running Azure H100 VM with one GPU unless `over` says otherwise. */
export function resource(id: string, over: Partial<GpuResource> = {}): GpuResource {
  const gpuCount = over.gpuCount ?? 1;
  return {
    id,
    account: 'acct',
    cloud: 'azure',
    region: 'eastus',
    zone: null,
    name: id,
    kind: 'vm',
    instanceType: 'Standard_ND96isr_H100_v5',
    gpuModel: 'H100 80GB',
    gpuCount,
    gpuMemoryGiB: 80,
    powerState: 'running',
    health: 'ok',
    healthReason: null,
    hourlyPrice: '98.32',
    currency: 'USD',
    tags: {},
    gpuUuids: Array.from({ length: gpuCount }, (_, i) => `GPU-${id}-${i}`),
    demo: false,
    ...over,
  };
}

/** An open status-page incident in eastus unless `over` says otherwise. */
export function incident(id: string, over: Partial<Incident> = {}): Incident {
  return {
    id,
    account: 'acct',
    cloud: 'azure',
    source: 'status-page',
    severity: 'major',
    title: `Incident ${id}`,
    summary: '',
    status: 'investigating',
    regions: ['eastus'],
    services: [],
    resourceIds: [],
    startedAt: '2026-11-25T10:00:00Z',
    endedAt: null,
    updatedAt: '2026-11-25T10:00:00Z',
    url: null,
    updates: [],
    demo: false,
    ...over,
  };
}
