/**
 * A scriptable Connector for tests: each stream is a function of its request; the fake counts calls
 * and how many streams are being read at once, and builds valid domain objects on request.
 */
import type { AccountConfigBase, MetricsStorage } from '../../../../shared/config';
import type { GpuSampleBatch } from '../../domain/sample-columns';
import { AccountConfigBase as AccountConfigSchema } from '../../../../shared/config';
import type { CloudId, FocusCostRow, GpuResource, GpuSample, Incident, ProviderId, StreamId } from '../../../../shared/domain';
import type { Connector, CostsRequest, IncidentsRequest, MetricsRequest, StreamContext } from '../../providers/types';
import { EMPTY_FOCUS_COLUMNS } from '../../providers/common/focus';

export interface FakeStreams {
  inventory?: (ctx: StreamContext) => AsyncIterable<GpuResource[]>;
  metrics?: (req: MetricsRequest) => AsyncIterable<GpuSampleBatch>;
  costs?: (req: CostsRequest) => AsyncIterable<FocusCostRow[]>;
  incidents?: (req: IncidentsRequest) => AsyncIterable<Incident[]>;
}

/** Yields the given batches, in order. */
export async function* batchesOf<T>(...batches: T[][]): AsyncGenerator<T[]> {
  for (const batch of batches) yield batch;
}

/** Waits until `signal` aborts, then throws its reason (a connector blocked on a slow request). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fail = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

export class FakeConnector implements Connector {
  readonly clouds: readonly CloudId[];
  /** How the store keeps this account's samples; a test sets "rollups" to see the engine follow. */
  metricsStorage?: MetricsStorage;
  /** Every request, per stream, in call order. */
  readonly calls: { inventory: StreamContext[]; metrics: MetricsRequest[]; costs: CostsRequest[]; incidents: IncidentsRequest[] } = {
    inventory: [],
    metrics: [],
    costs: [],
    incidents: [],
  };
  /** Streams being iterated right now, and the most ever at once. */
  inFlight = 0;
  maxInFlight = 0;
  /** Stream names in the order their iteration began. */
  readonly started: StreamId[] = [];

  constructor(
    readonly account: string,
    readonly provider: ProviderId,
    private readonly streams: FakeStreams = {},
    clouds: readonly CloudId[] = ['other'],
  ) {
    this.clouds = clouds;
  }

  inventory(ctx: StreamContext): AsyncIterable<GpuResource[]> {
    this.calls.inventory.push(ctx);
    return this.counted('inventory', this.streams.inventory?.(ctx) ?? batchesOf([resource(this.account, 'gpu-vm-1')]));
  }

  metrics(req: MetricsRequest): AsyncIterable<GpuSampleBatch> {
    this.calls.metrics.push(req);
    return this.counted('metrics', this.streams.metrics?.(req) ?? batchesOf<GpuSample>());
  }

  costs(req: CostsRequest): AsyncIterable<FocusCostRow[]> {
    this.calls.costs.push(req);
    return this.counted('costs', this.streams.costs?.(req) ?? batchesOf<FocusCostRow>());
  }

  incidents(req: IncidentsRequest): AsyncIterable<Incident[]> {
    this.calls.incidents.push(req);
    return this.counted('incidents', this.streams.incidents?.(req) ?? batchesOf<Incident>());
  }

  private async *counted<T>(stream: StreamId, source: AsyncIterable<T>): AsyncGenerator<T> {
    this.started.push(stream);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      yield* source;
    } finally {
      this.inFlight -= 1;
    }
  }
}

/** A parsed account config with the shared defaults. */
export function accountConfig(name: string, provider: ProviderId = 'demo', overrides: Partial<AccountConfigBase> = {}): AccountConfigBase {
  return AccountConfigSchema.parse({ name, provider, ...overrides });
}

/** A valid running one-GPU resource. */
export function resource(account: string, id: string, overrides: Partial<GpuResource> = {}): GpuResource {
  return {
    id,
    account,
    cloud: 'other',
    region: 'test-region-1',
    zone: null,
    name: id,
    kind: 'vm',
    instanceType: 'test.gpu.1',
    gpuModel: 'H100 80GB',
    gpuCount: 1,
    gpuMemoryGiB: 80,
    powerState: 'running',
    health: 'ok',
    healthReason: null,
    hourlyPrice: '2.5000',
    currency: 'USD',
    tags: {},
    gpuUuids: [null],
    demo: false,
    ...overrides,
  };
}

/** A valid sample of GPU 0 of `resourceId` at `ts`. */
export function sample(resourceId: string, ts: number, overrides: Partial<GpuSample> = {}): GpuSample {
  return {
    resourceId,
    gpuIndex: 0,
    ts,
    utilisation: 50,
    utilSource: 'dev',
    memoryUsedMiB: 1024,
    powerWatts: 300,
    temperatureC: 60,
    xidErrors: 0,
    ...overrides,
  };
}

/** A valid FOCUS row for one hour starting at `chargeStart` (epoch ms). */
export function costRow(chargeStart: number, billedCost = '1.25', overrides: Partial<FocusCostRow> = {}): FocusCostRow {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const day = Math.floor(chargeStart / 86_400_000) * 86_400_000;
  return {
    ...EMPTY_FOCUS_COLUMNS,
    BillingAccountId: 'billing-1',
    BillingCurrency: 'USD',
    BilledCost: billedCost,
    EffectiveCost: billedCost,
    BillingPeriodStart: iso(day),
    BillingPeriodEnd: iso(day + 86_400_000),
    ChargePeriodStart: iso(chargeStart),
    ChargePeriodEnd: iso(chargeStart + 3_600_000),
    ChargeCategory: 'Usage',
    ProviderName: 'Test',
    ...overrides,
  };
}

/** A valid open incident. */
export function incident(account: string, id: string, overrides: Partial<Incident> = {}): Incident {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id,
    account,
    cloud: 'other',
    source: 'status-page',
    severity: 'minor',
    title: `Incident ${id}`,
    summary: '',
    status: 'investigating',
    regions: ['test-region-1'],
    services: [],
    resourceIds: [],
    startedAt: at,
    endedAt: null,
    updatedAt: at,
    url: null,
    updates: [],
    demo: false,
    ...overrides,
  };
}
