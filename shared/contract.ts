/**
 * The API contract between the renderer and the backend: every channel with its request and
 * response schema, and the event stream. Electron IPC and serve mode's HTTP routes are both generated
 * from this one table, so a channel without a handler does not compile.
 */
import { z } from 'zod';
import {
  AccountSummary,
  CloudId,
  CoverageGap,
  GpuResource,
  GpuState,
  Incident,
  IsoTime,
  StreamId,
  SyncError,
  SyncRun,
} from './domain';
import { IncidentBrief, Overview } from './overview';
import { triageChannels, triageEvents } from './contract-triage';
import { spendChannels, spendEvents } from './contract-spend';
import { accountsChannels } from './contract-accounts';
import type { ChannelDefinition, WriteKind } from './contract-writes';

export { CHANGE_VERBS, SERVE_WRITE_FLAGS, WRITE_KINDS, type ChannelDefinition, type WriteKind } from './contract-writes';

/** Narrowing filters shared by fleet queries; an empty list means "all". */
export const FleetFilter = z.object({
  clouds: z.array(CloudId).default([]),
  regions: z.array(z.string()).default([]),
  gpuModels: z.array(z.string()).default([]),
});
export type FleetFilter = z.infer<typeof FleetFilter>;

export const TimeRange = z.enum(['1h', '24h', '7d', '30d']);
export type TimeRange = z.infer<typeof TimeRange>;

/** Charts never receive more points than this per series: 7 days at 5 minutes. */
export const MAX_SERIES_POINTS = 7 * 288;

export const SeriesPoint = z.object({
  /** Epoch milliseconds of the bucket start. */
  t: z.number().int(),
  /** Mean utilisation in percent over GPUs with samples in the bucket; null when none. */
  value: z.number().nullable(),
});
export type SeriesPoint = z.infer<typeof SeriesPoint>;

export const Series = z.object({
  key: z.string(),
  label: z.string(),
  points: z.array(SeriesPoint).max(MAX_SERIES_POINTS),
});
export type Series = z.infer<typeof Series>;

/**
 * One thing the pane cannot tell about a machine: its kind and reason, how many of its GPUs it
 * touches, and who says so (`store`: derived from the synced data, e.g. no sample in the last 30
 * minutes or no hourly price; `connector`: as the account's connector reported it).
 */
export const MachineGap = CoverageGap.extend({
  gpus: z.number().int().nonnegative(),
  source: z.enum(['store', 'connector']),
});
export type MachineGap = z.infer<typeof MachineGap>;

/** A machine the pane cannot fully measure, price or place, with every reason (the overview's `coverage`). */
export const CoverageMachine = z.object({
  account: z.string(),
  /** The overview entry it is counted under (CloudOverview.key). */
  cloudKey: z.string(),
  resourceId: z.string(),
  name: z.string(),
  region: z.string(),
  instanceType: z.string(),
  gpuCount: z.number().int().positive(),
  powerState: GpuResource.shape.powerState,
  gaps: z.array(MachineGap).min(1),
});
export type CoverageMachine = z.infer<typeof CoverageMachine>;

/** One machine as the drill-down table shows it. */
export const ResourceRow = GpuResource.pick({
  id: true,
  account: true,
  cloud: true,
  region: true,
  zone: true,
  name: true,
  instanceType: true,
  gpuModel: true,
  gpuCount: true,
  powerState: true,
  health: true,
  hourlyPrice: true,
  currency: true,
  demo: true,
}).extend({
  states: z.object({
    busy: z.number().int(),
    idle: z.number().int(),
    unhealthy: z.number().int(),
    unknown: z.number().int(),
    stopped: z.number().int(),
  }),
  /** Mean utilisation over the state window (30 min), null if not measured. */
  utilisation30m: z.number().nullable(),
  /** The overview entry the machine is counted under (CloudOverview.key). */
  cloudKey: z.string(),
  /** What the pane cannot measure, price or place about it (empty: nothing). */
  coverageGaps: z.array(MachineGap),
});
export type ResourceRow = z.infer<typeof ResourceRow>;

/** The columns the machine table sorts by (on the backend, in SQL). */
export const MachineSortKey = z.enum([
  'name',
  'region',
  'instanceType',
  'gpuModel',
  'gpuCount',
  'states',
  'utilisation30m',
  'hourlyPrice',
  'health',
  'coverage',
]);
export type MachineSortKey = z.infer<typeof MachineSortKey>;

/** Sort direction, spelled as aria-sort spells it so headers can show it as is. */
export const SortDirection = z.enum(['ascending', 'descending']);
export type SortDirection = z.infer<typeof SortDirection>;

/** The most machines one `fleet:machines` answer carries: a few screens of rows, never the fleet. */
export const MAX_MACHINE_WINDOW = 500;

/** Sync runs the history (`sync:runs`) gives at most; the store keeps this many of each account and stream. */
export const MAX_SYNC_RUNS = 500;

/**
 * A window of the machine table: the machines matching the filter, the entry and the text, in the
 * asked order (ties broken by name, account and id, so windows never overlap or skip a machine).
 */
export const MachineWindowRequest = z.object({
  asOf: IsoTime.optional(),
  filter: FleetFilter.optional(),
  /** Only the machines of one overview entry (CloudOverview.key); every entry when absent. */
  cloudKey: z.string().min(1).optional(),
  /** Case-insensitive part of a machine's name, id, region, GPU model or a tag; empty matches all. */
  text: z.string().max(200).default(''),
  sort: z
    .object({ key: MachineSortKey, direction: SortDirection })
    .default({ key: 'name', direction: 'ascending' }),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().positive().max(MAX_MACHINE_WINDOW).default(200),
});
export type MachineWindowRequest = z.infer<typeof MachineWindowRequest>;

export const MachineWindow = z.object({
  asOf: IsoTime,
  /** Machines matching (all windows together), and their GPUs. */
  total: z.number().int().nonnegative(),
  gpus: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative(),
  /** Rows offset.. in order; fewer than asked at the end, none past it. */
  rows: z.array(ResourceRow).max(MAX_MACHINE_WINDOW),
});
export type MachineWindow = z.infer<typeof MachineWindow>;

export const GpuDetail = z.object({
  index: z.number().int(),
  uuid: z.string().nullable(),
  state: GpuState,
  utilisation30m: z.number().nullable(),
  xidErrors30m: z.number().int(),
  lastSampleAt: IsoTime.nullable(),
});
export type GpuDetail = z.infer<typeof GpuDetail>;

/** Where a machine page's series came from (rollups-only accounts ask their metrics source for minutes). */
export const SeriesOrigin = z.object({
  source: z.enum(['store', 'source']),
  /** The metrics source's name (kind and host, e.g. "Prometheus at prom.example:9090"), null for the store alone. */
  sourceName: z.string().nullable(),
  /** Why the source could not answer, when the store's rollups are shown in its place; else null. */
  unreachable: z.string().nullable(),
});
export type SeriesOrigin = z.infer<typeof SeriesOrigin>;

const AsOf = IsoTime.optional();

/**
 * Channel table: id -> request and response schemas, and `writes` where the channel changes
 * something (see contract-writes.ts). Ids are namespaced `area:verb`.
 */
export const channels = {
  'app:info': {
    request: z.object({}),
    response: z.object({
      version: z.string(),
      mode: z.enum(['desktop', 'serve']),
      demo: z.boolean(),
      readOnly: z.boolean(),
      /**
       * Which writes this backend accepts, so the renderer can disable what would be refused: the
       * desktop all of them unless its store is read-only; serve mode only those its start flags
       * allow (--allow-triage, --manage-spend, --config FILE --manage-accounts).
       */
      writes: z.object({ accounts: z.boolean(), triage: z.boolean(), spend: z.boolean() } satisfies Record<WriteKind, z.ZodBoolean>),
    }),
  },
  'fleet:overview': {
    request: z.object({ asOf: AsOf, filter: FleetFilter.optional() }),
    response: Overview,
  },
  'fleet:filter-options': {
    request: z.object({}),
    response: z.object({
      clouds: z.array(CloudId),
      regions: z.array(z.object({ cloud: CloudId, region: z.string() })),
      gpuModels: z.array(z.string()),
    }),
  },
  'fleet:utilisation-series': {
    request: z.object({
      range: TimeRange,
      asOf: AsOf,
      filter: FleetFilter.optional(),
      groupBy: z.enum(['cloud', 'none']).default('cloud'),
    }),
    response: z.object({
      asOf: IsoTime,
      stepMs: z.number().int().positive(),
      series: z.array(Series),
    }),
  },
  'fleet:resources': {
    request: z.object({ asOf: AsOf, filter: FleetFilter.optional() }),
    response: z.object({ asOf: IsoTime, resources: z.array(ResourceRow) }),
  },
  /** One window of the machine table, sorted and filtered on the backend (large fleets). */
  'fleet:machines': {
    request: MachineWindowRequest,
    response: MachineWindow,
  },
  /** Every machine behind the overview's `coverage` counts, with its reasons, for the accounts screen. */
  'fleet:coverage': {
    request: z.object({ asOf: AsOf, filter: FleetFilter.optional() }),
    response: z.object({ asOf: IsoTime, machines: z.array(CoverageMachine) }),
  },
  'fleet:resource': {
    request: z.object({
      account: z.string(),
      id: z.string(),
      range: TimeRange.default('24h'),
      asOf: AsOf,
    }),
    response: z.object({
      asOf: IsoTime,
      resource: GpuResource,
      gpus: z.array(GpuDetail),
      stepMs: z.number().int().positive(),
      /** One series per GPU, key = GPU index. */
      series: z.array(Series),
      /**
       * Where `series` came from: the store (absent means the store too), or, for the 1 h minutes of a
       * rollups-only account, the account's metrics source asked just now.
       */
      seriesOrigin: SeriesOrigin.optional(),
      incidents: z.array(IncidentBrief),
    }),
  },
  'incidents:list': {
    request: z.object({ asOf: AsOf, includeEnded: z.boolean().default(false) }),
    response: z.object({ incidents: z.array(IncidentBrief) }),
  },
  'incidents:get': {
    request: z.object({ id: z.string() }),
    response: z.object({ incident: Incident, brief: IncidentBrief }),
  },
  'accounts:list': {
    request: z.object({}),
    response: z.object({ accounts: z.array(AccountSummary) }),
  },
  'sync:runs': {
    request: z.object({ account: z.string().optional(), limit: z.number().int().min(1).max(MAX_SYNC_RUNS).default(50) }),
    response: z.object({ runs: z.array(SyncRun) }),
  },
  'sync:now': {
    request: z.object({ account: z.string().optional() }),
    response: z.object({ started: z.array(z.string()) }),
  },
  ...triageChannels,
  ...spendChannels,
  ...accountsChannels,
} as const satisfies Record<string, ChannelDefinition>;

export type Channels = typeof channels;
export type ChannelId = keyof Channels;
export const CHANNEL_IDS = Object.keys(channels) as ChannelId[];

/** The kind of change a channel makes, as its definition declares it; null for a channel that only reads. */
export function channelWrites(channel: ChannelId): WriteKind | null {
  return (channels[channel] as ChannelDefinition).writes ?? null;
}

/** Whether a channel's request names files on the backend's disk (never served over HTTP). */
export function channelNamesHostPaths(channel: ChannelId): boolean {
  return (channels[channel] as ChannelDefinition).hostPaths === true;
}

/** The channels of each kind of write, derived from the definitions above. */
export const WRITE_CHANNELS: Readonly<Record<WriteKind, readonly ChannelId[]>> = {
  accounts: channelsWriting('accounts'),
  triage: channelsWriting('triage'),
  spend: channelsWriting('spend'),
};

function channelsWriting(kind: WriteKind): ChannelId[] {
  return CHANNEL_IDS.filter((channel) => channelWrites(channel) === kind);
}

/** What a caller passes (defaults may be omitted). */
export type RequestOf<C extends ChannelId> = z.input<Channels[C]['request']>;
/** What a handler receives after validation (defaults applied). */
export type ParsedRequestOf<C extends ChannelId> = z.output<Channels[C]['request']>;
export type ResponseOf<C extends ChannelId> = z.output<Channels[C]['response']>;

/** The backend's implementation of the contract: one async function per channel. */
export type ApiHandlers = { [C in ChannelId]: (req: ParsedRequestOf<C>) => Promise<ResponseOf<C>> };

/** The client the renderer uses; the same shape over IPC and over HTTP. */
export type ApiClient = { [C in ChannelId]: (req: RequestOf<C>) => Promise<ResponseOf<C>> };

/** Error codes every transport returns the same way. */
export const ApiErrorCode = z.enum(['bad-request', 'not-found', 'unauthorized', 'forbidden', 'internal', 'read-only']);
export type ApiErrorCode = z.infer<typeof ApiErrorCode>;

export const ApiErrorBody = z.object({ code: ApiErrorCode, message: z.string() });
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** The envelope every IPC and HTTP reply uses. */
export const ApiReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorBody }),
]);
export type ApiReply = z.infer<typeof ApiReply>;

/** An error with a contract code, thrown by handlers and re-thrown by clients. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Events pushed from backend to renderer (IPC `event` channel, SSE in serve mode). */
export const AppEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sync-progress'),
    account: z.string(),
    stream: StreamId,
    phase: z.enum(['started', 'batch', 'finished', 'failed']),
    rows: z.number().int().nonnegative(),
    error: SyncError.nullable(),
  }),
  z.object({ type: z.literal('data-changed'), account: z.string(), streams: z.array(StreamId) }),
  z.object({ type: z.literal('incident-opened'), incident: IncidentBrief }),
  z.object({ type: z.literal('incident-resolved'), incident: IncidentBrief }),
  ...triageEvents,
  ...spendEvents,
]);
export type AppEvent = z.infer<typeof AppEvent>;

/**
 * How long the pane gathers events before it refetches (a sync sends many in a burst). The backend
 * recomputes what the pane will ask for well inside this, so the request finds it done.
 */
export const EVENT_COALESCE_MS = 250;

/** Name of the IPC channel for events and the serve-mode SSE event name. */
export const EVENT_CHANNEL = 'fleetpane:event';
/** HTTP path prefix for API routes in serve mode: POST /api/<channel id>. */
export const API_PREFIX = '/api/';
