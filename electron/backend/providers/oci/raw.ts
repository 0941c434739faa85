/**
 * zod schemas of the OCI responses the connector reads, in the form the SDK hands them over (JSON
 * decoded; RFC 3339 dates as strings or Date objects). Only the fields we use are required.
 */
import { z } from 'zod';

/** RFC 3339 text or a Date -> epoch ms. */
export const RawTime = z.union([z.string(), z.date()]).transform((v, ctx) => {
  const ms = v instanceof Date ? v.getTime() : Date.parse(v);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an RFC 3339 timestamp' });
    return z.NEVER;
  }
  return ms;
});

/**
 * A decimal amount: the client rewrites Usage API amounts to JSON strings before parsing, so the
 * wire digits survive; a plain number (another source) is taken at its shortest round-trip text.
 */
export const RawAmount = z.union([z.string().regex(/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/), z.number().finite()]);

export const RawRegionSubscription = z.looseObject({
  regionName: z.string().min(1),
  regionKey: z.string().nullish(),
  status: z.string().min(1),
  isHomeRegion: z.boolean().nullish(),
});
export type RawRegionSubscription = z.infer<typeof RawRegionSubscription>;

export const RawCompartment = z.looseObject({
  id: z.string().min(1),
  compartmentId: z.string().min(1),
  name: z.string().min(1),
  lifecycleState: z.string().min(1),
  isAccessible: z.boolean().nullish(),
});
export type RawCompartment = z.infer<typeof RawCompartment>;

const Tags = z.record(z.string(), z.unknown());

export const RawInstance = z.looseObject({
  id: z.string().min(1),
  compartmentId: z.string().min(1),
  availabilityDomain: z.string().min(1),
  faultDomain: z.string().nullish(),
  displayName: z.string().nullish(),
  lifecycleState: z.string().min(1),
  region: z.string().min(1),
  shape: z.string().min(1),
  shapeConfig: z
    .looseObject({
      gpus: z.number().int().nonnegative().nullish(),
      gpuDescription: z.string().nullish(),
    })
    .nullish(),
  definedTags: z.record(z.string(), Tags).nullish(),
  freeformTags: z.record(z.string(), z.string()).nullish(),
  timeCreated: RawTime,
  timeMaintenanceRebootDue: RawTime.nullish(),
  agentConfig: z
    .looseObject({
      isMonitoringDisabled: z.boolean().nullish(),
      areAllPluginsDisabled: z.boolean().nullish(),
      pluginsConfig: z.array(z.looseObject({ name: z.string(), desiredState: z.string() })).nullish(),
    })
    .nullish(),
});
export type RawInstance = z.infer<typeof RawInstance>;

export const RawMetricData = z.looseObject({
  namespace: z.string(),
  compartmentId: z.string(),
  name: z.string().min(1),
  dimensions: z.record(z.string(), z.string()),
  resolution: z.string().nullish(),
  aggregatedDatapoints: z.array(z.looseObject({ timestamp: RawTime, value: z.number() })),
});
export type RawMetricData = z.infer<typeof RawMetricData>;

export const RawUsageSummary = z.looseObject({
  tenantId: z.string().nullish(),
  tenantName: z.string().nullish(),
  compartmentId: z.string().nullish(),
  compartmentName: z.string().nullish(),
  service: z.string().nullish(),
  resourceId: z.string().nullish(),
  resourceName: z.string().nullish(),
  region: z.string().nullish(),
  ad: z.string().nullish(),
  skuPartNumber: z.string().nullish(),
  skuName: z.string().nullish(),
  unit: z.string().nullish(),
  timeUsageStarted: RawTime,
  timeUsageEnded: RawTime,
  computedAmount: RawAmount.nullish(),
  computedQuantity: RawAmount.nullish(),
  currency: z.string().nullish(),
  isForecast: z.boolean().nullish(),
});
export type RawUsageSummary = z.infer<typeof RawUsageSummary>;

export const RawUsageAggregation = z.looseObject({
  groupBy: z.array(z.string()).nullish(),
  items: z.array(z.unknown()),
});

export const RawAnnouncement = z.looseObject({
  id: z.string().min(1),
  referenceTicketNumber: z.string().nullish(),
  summary: z.string(),
  timeOneTitle: z.string().nullish(),
  timeOneType: z.string().nullish(),
  timeOneValue: RawTime.nullish(),
  timeTwoTitle: z.string().nullish(),
  timeTwoType: z.string().nullish(),
  timeTwoValue: RawTime.nullish(),
  services: z.array(z.string()).nullish(),
  affectedRegions: z.array(z.string()).nullish(),
  announcementType: z.string().min(1),
  lifecycleState: z.string().min(1),
  timeCreated: RawTime.nullish(),
  timeUpdated: RawTime.nullish(),
  description: z.string().nullish(),
  affectedResources: z
    .array(z.looseObject({ resourceId: z.string(), resourceName: z.string().nullish(), region: z.string().nullish() }))
    .nullish(),
});
export type RawAnnouncement = z.infer<typeof RawAnnouncement>;

export const RawAnnouncementsCollection = z.looseObject({ items: z.array(z.unknown()).nullish() });

export const RawMaintenanceEvent = z.looseObject({
  id: z.string().min(1),
  instanceId: z.string().min(1),
  compartmentId: z.string().min(1),
  displayName: z.string().nullish(),
  maintenanceCategory: z.string().nullish(),
  maintenanceReason: z.string().nullish(),
  instanceAction: z.string().nullish(),
  lifecycleState: z.string().min(1),
  description: z.string().nullish(),
  timeWindowStart: RawTime,
  timeStarted: RawTime.nullish(),
  timeFinished: RawTime.nullish(),
  timeCreated: RawTime,
});
export type RawMaintenanceEvent = z.infer<typeof RawMaintenanceEvent>;
