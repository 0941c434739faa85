/**
 * zod schemas of the Google Cloud responses the connector reads, in the form the official clients
 * hand them over (REST JSON decoded by the client: int64 as strings, timestamps as {seconds, nanos}).
 * Only the fields we use are required; everything else passes through.
 */
import { z } from 'zod';

const Int64 = z.union([z.string().regex(/^-?\d+$/), z.number().int()]).transform((v) => String(v));

/** Host maintenance Compute Engine has planned for a VM (GPU VMs stop for it). */
const UpcomingMaintenance = z.looseObject({
  type: z.string().nullish(),
  maintenanceStatus: z.string().nullish(),
  windowStartTime: z.string().nullish(),
  windowEndTime: z.string().nullish(),
  latestWindowStartTime: z.string().nullish(),
  canReschedule: z.boolean().nullish(),
  maintenanceReasons: z.array(z.string()).nullish(),
});

export const RawGuestAccelerator = z.looseObject({
  acceleratorType: z.string().min(1),
  acceleratorCount: z.number().int().nonnegative(),
});

export const RawInstance = z.looseObject({
  id: Int64,
  name: z.string().min(1),
  zone: z.string().min(1),
  machineType: z.string().min(1),
  status: z.string().min(1),
  guestAccelerators: z.array(RawGuestAccelerator).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
  scheduling: z
    .looseObject({
      preemptible: z.boolean().nullish(),
      provisioningModel: z.string().nullish(),
      onHostMaintenance: z.string().nullish(),
    })
    .nullish(),
  statusMessage: z.string().nullish(),
  /** When the instance last stopped (a Spot VM's preemption time). */
  lastStopTimestamp: z.string().nullish(),
  /** Some API versions put the notice on the instance itself rather than under resourceStatus. */
  upcomingMaintenance: UpcomingMaintenance.nullish(),
  resourceStatus: z
    .looseObject({
      /** Host maintenance Compute Engine has planned for this VM (GPU VMs stop for it). */
      upcomingMaintenance: UpcomingMaintenance.nullish(),
    })
    .nullish(),
});
export type RawInstance = z.infer<typeof RawInstance>;

export const RawTpuNode = z.looseObject({
  name: z.string().regex(/^projects\/[^/]+\/locations\/[^/]+\/nodes\/[^/]+$/),
  acceleratorType: z.string().min(1),
  state: z.string().min(1),
  health: z.string().nullish(),
  healthDescription: z.string().nullish(),
  acceleratorConfig: z.looseObject({ type: z.string().nullish(), topology: z.string().nullish() }).nullish(),
  labels: z.record(z.string(), z.string()).nullish(),
});
export type RawTpuNode = z.infer<typeof RawTpuNode>;

export const RawTpuNodeList = z.looseObject({
  nodes: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
  unreachable: z.array(z.string()).nullish(),
});

export const RawProjectSearch = z.looseObject({
  projects: z.array(z.looseObject({ projectId: z.string().min(1), state: z.string().nullish() })).nullish(),
  nextPageToken: z.string().nullish(),
});

const RawTimestamp = z.union([
  z.looseObject({ seconds: Int64, nanos: z.number().int().nullish() }),
  z.string().transform((s, ctx) => {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 timestamp' });
      return z.NEVER;
    }
    return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 };
  }),
]);

export const RawPoint = z.looseObject({
  interval: z.looseObject({ startTime: RawTimestamp.nullish(), endTime: RawTimestamp }),
  value: z.looseObject({
    doubleValue: z.number().nullish(),
    // int64 values arrive as JSON strings (proto3 JSON mapping).
    int64Value: Int64.nullish(),
    boolValue: z.boolean().nullish(),
  }),
});
export type RawPoint = z.infer<typeof RawPoint>;

export const RawTimeSeries = z.looseObject({
  metric: z.looseObject({ type: z.string().nullish(), labels: z.record(z.string(), z.string()).nullish() }),
  resource: z.looseObject({ type: z.string().nullish(), labels: z.record(z.string(), z.string()).nullish() }),
  points: z.array(RawPoint).nullish(),
});
export type RawTimeSeries = z.infer<typeof RawTimeSeries>;

/** One row of the connector's billing query (column names are the SQL aliases in client.ts). */
export const BillingQueryRow = z.object({
  billing_account_id: z.string().min(1),
  project_id: z.string().nullable(),
  project_name: z.string().nullable(),
  service_id: z.string().nullable(),
  service_name: z.string().nullable(),
  sku_id: z.string().nullable(),
  sku_description: z.string().nullable(),
  region: z.string().nullable(),
  zone: z.string().nullable(),
  resource_name: z.string().nullable(),
  resource_global_name: z.string().nullable(),
  cost_type: z.string().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  invoice_month: z.string().regex(/^\d{6}$/).nullable(),
  charge_day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  cost: z.string().regex(/^-?\d+(\.\d+)?$/),
  credits: z.string().regex(/^-?\d+(\.\d+)?$/).nullable(),
  pricing_quantity: z.string().regex(/^-?\d+(\.\d+)?$/).nullable(),
  pricing_unit: z.string().nullable(),
  usage_quantity: z.string().regex(/^-?\d+(\.\d+)?$/).nullable(),
  usage_unit: z.string().nullable(),
  labels_json: z.string().nullable(),
});
export type BillingQueryRow = z.infer<typeof BillingQueryRow>;

/** A BigQuery REST result page with `skipParsing`: rows are `{ f: [{ v }] }` in schema order. */
export const RawBigQueryRows = z.array(z.object({ f: z.array(z.object({ v: z.union([z.string(), z.null()]) })) }));
export const RawBigQuerySchema = z.looseObject({
  fields: z.array(z.looseObject({ name: z.string(), type: z.string().nullish() })),
});

const StatusLocation = z.looseObject({ id: z.string(), title: z.string().nullish() });
const StatusUpdate = z.looseObject({
  when: z.string().nullish(),
  created: z.string().nullish(),
  text: z.string().nullish(),
  status: z.string().nullish(),
});

/** One incident of status.cloud.google.com/incidents.json (ongoing while `end` is absent). */
export const RawStatusIncident = z.looseObject({
  id: z.string().min(1),
  begin: z.string().min(1),
  end: z.string().nullish(),
  modified: z.string().nullish(),
  external_desc: z.string().nullish(),
  status_impact: z.string().nullish(),
  severity: z.string().nullish(),
  uri: z.string().nullish(),
  affected_products: z.array(z.looseObject({ id: z.string(), title: z.string().nullish() })).nullish(),
  currently_affected_locations: z.array(StatusLocation).nullish(),
  previously_affected_locations: z.array(StatusLocation).nullish(),
  most_recent_update: StatusUpdate.nullish(),
  updates: z.array(StatusUpdate).nullish(),
});
export type RawStatusIncident = z.infer<typeof RawStatusIncident>;
export const RawStatusFeed = z.array(z.unknown());

/** One Personalized Service Health event (servicehealth v1 projects.locations.events, full view). */
export const RawServiceHealthEvent = z.looseObject({
  name: z.string().regex(/^projects\/[^/]+\/locations\/[^/]+\/events\/[^/]+$/),
  title: z.string().nullish(),
  description: z.string().nullish(),
  category: z.string().nullish(),
  state: z.string().nullish(),
  detailedState: z.string().nullish(),
  eventImpacts: z
    .array(
      z.looseObject({
        product: z.looseObject({ productName: z.string().nullish(), id: z.string().nullish() }).nullish(),
        location: z.looseObject({ locationName: z.string().nullish() }).nullish(),
      }),
    )
    .nullish(),
  relevance: z.string().nullish(),
  updates: z
    .array(
      z.looseObject({
        updateTime: z.string().nullish(),
        title: z.string().nullish(),
        description: z.string().nullish(),
        symptom: z.string().nullish(),
        workaround: z.string().nullish(),
      }),
    )
    .nullish(),
  parentEvent: z.string().nullish(),
  updateTime: z.string().nullish(),
  startTime: z.string().nullish(),
  endTime: z.string().nullish(),
});
export type RawServiceHealthEvent = z.infer<typeof RawServiceHealthEvent>;

export const RawServiceHealthEventList = z.looseObject({
  events: z.array(z.unknown()).nullish(),
  nextPageToken: z.string().nullish(),
  unreachable: z.array(z.string()).nullish(),
});
