/**
 * Checks every batch a connector yields before it reaches the store. Resources, cost rows and
 * incidents go through their zod schemas; samples arrive in the millions, so they get a
 * hand-written check of the same rules that costs a few comparisons each.
 */
import type { z } from 'zod';
import { FocusCostRow, GpuResource, Incident, UtilSource, type GpuSample, type StreamId } from '../../../shared/domain';
import { MalformedResponseError } from '../providers/types';
import type { Window } from '../store/types';
import type { GpuSampleColumns } from '../domain/sample-columns';

/** Where a batch came from, for error messages. */
export interface BatchOrigin {
  account: string;
  stream: StreamId;
}

function malformed(origin: BatchOrigin, index: number, field: string, problem: string): MalformedResponseError {
  const where = field === '' ? '' : ` field "${field}"`;
  return new MalformedResponseError(`account "${origin.account}" stream ${origin.stream}: item ${index}${where}: ${problem}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** The batch as an array, or a MalformedResponseError. */
export function requireArray(origin: BatchOrigin, batch: unknown, firstIndex: number): unknown[] {
  if (!Array.isArray(batch)) throw malformed(origin, firstIndex, '', `expected a batch (array), got ${describe(batch)}`);
  return batch;
}

function parseEach<T>(schema: z.ZodType<T>, origin: BatchOrigin, batch: readonly unknown[], firstIndex: number): T[] {
  const out: T[] = new Array<T>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const result = schema.safeParse(batch[i]);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw malformed(origin, firstIndex + i, issue ? issue.path.map(String).join('.') : '', issue?.message ?? 'invalid');
    }
    out[i] = result.data;
  }
  return out;
}

/**
 * Validates an inventory batch: schema, the account each resource claims, and ids unique across
 * the whole snapshot (`seenIds` spans batches).
 */
export function checkResources(origin: BatchOrigin, batch: readonly unknown[], firstIndex: number, seenIds: Set<string>): GpuResource[] {
  const resources = parseEach(GpuResource, origin, batch, firstIndex);
  resources.forEach((r, i) => {
    if (r.account !== origin.account) {
      throw malformed(origin, firstIndex + i, 'account', `resource belongs to account ${describe(r.account)}, not ${describe(origin.account)}`);
    }
    if (seenIds.has(r.id)) throw malformed(origin, firstIndex + i, 'id', `duplicate resource id ${describe(r.id)}`);
    seenIds.add(r.id);
  });
  return resources;
}

/** Validates incidents: schema and the account each claims. */
export function checkIncidents(origin: BatchOrigin, batch: readonly unknown[], firstIndex: number): Incident[] {
  const incidents = parseEach(Incident, origin, batch, firstIndex);
  incidents.forEach((incident, i) => {
    if (incident.account !== origin.account) {
      throw malformed(origin, firstIndex + i, 'account', `incident belongs to account ${describe(incident.account)}, not ${describe(origin.account)}`);
    }
  });
  return incidents;
}

/** Validates cost rows: schema, and a charge period that starts inside the requested window. */
export function checkCostRows(origin: BatchOrigin, batch: readonly unknown[], firstIndex: number, window: Window): FocusCostRow[] {
  const rows = parseEach(FocusCostRow, origin, batch, firstIndex);
  rows.forEach((row, i) => {
    const start = Date.parse(row.ChargePeriodStart);
    if (!(start >= window.from && start < window.to)) {
      throw malformed(
        origin,
        firstIndex + i,
        'ChargePeriodStart',
        `${row.ChargePeriodStart} is outside the requested period [${new Date(window.from).toISOString()}, ${new Date(window.to).toISOString()})`,
      );
    }
  });
  return rows;
}

const UTIL_SOURCES: ReadonlySet<unknown> = new Set(UtilSource.options);

function isNullableNonNegative(value: unknown): boolean {
  return value === null || (typeof value === 'number' && Number.isFinite(value) && value >= 0);
}

/** The first rule a sample breaks, as [field, problem], or null when it is sound. */
function sampleProblem(s: Record<string, unknown>, window: Window): [string, string] | null {
  const { resourceId, gpuIndex, ts, utilisation, utilSource, memoryUsedMiB, powerWatts, temperatureC, xidErrors } = s;
  if (typeof resourceId !== 'string' || resourceId.length === 0) return ['resourceId', `expected a non-empty string, got ${describe(resourceId)}`];
  if (typeof gpuIndex !== 'number' || !Number.isInteger(gpuIndex) || gpuIndex < 0) return ['gpuIndex', `expected an integer >= 0, got ${describe(gpuIndex)}`];
  if (typeof ts !== 'number' || !Number.isInteger(ts)) return ['ts', `expected epoch milliseconds, got ${describe(ts)}`];
  if (ts < window.from || ts >= window.to) {
    return ['ts', `${new Date(ts).toISOString()} is outside the requested window [${new Date(window.from).toISOString()}, ${new Date(window.to).toISOString()})`];
  }
  if (utilisation !== null && !(typeof utilisation === 'number' && Number.isFinite(utilisation) && utilisation >= 0 && utilisation <= 100)) {
    return ['utilisation', `expected a number 0-100 or null, got ${describe(utilisation)}`];
  }
  if (utilSource !== null && !UTIL_SOURCES.has(utilSource)) return ['utilSource', `expected one of ${UtilSource.options.join(', ')} or null, got ${describe(utilSource)}`];
  if (!isNullableNonNegative(memoryUsedMiB)) return ['memoryUsedMiB', `expected a number >= 0 or null, got ${describe(memoryUsedMiB)}`];
  if (!isNullableNonNegative(powerWatts)) return ['powerWatts', `expected a number >= 0 or null, got ${describe(powerWatts)}`];
  if (temperatureC !== null && !(typeof temperatureC === 'number' && Number.isFinite(temperatureC))) {
    return ['temperatureC', `expected a number or null, got ${describe(temperatureC)}`];
  }
  if (typeof xidErrors !== 'number' || !Number.isInteger(xidErrors) || xidErrors < 0) return ['xidErrors', `expected an integer >= 0, got ${describe(xidErrors)}`];
  // Optional: absent means the provider reports no fault signal.
  if (s.fault !== undefined && typeof s.fault !== 'boolean') return ['fault', `expected true, false or absent, got ${describe(s.fault)}`];
  return null;
}

/**
 * Validates rows [from, to) of a columns batch (its first row is sample `firstIndex`) by the same
 * rules as checkSamples, read through one reused object: no object per sample.
 */
export function checkSampleColumns(origin: BatchOrigin, batch: GpuSampleColumns, from: number, to: number, firstIndex: number, window: Window): void {
  const row = {} as GpuSample;
  for (let i = from; i < to; i++) {
    const problem = sampleProblem(batch.readInto(i, row) as unknown as Record<string, unknown>, window);
    if (problem) throw malformed(origin, firstIndex + i, problem[0], problem[1]);
  }
}

/** Validates samples with plain comparisons (same rules as the GpuSample schema, plus the window). */
export function checkSamples(origin: BatchOrigin, batch: readonly unknown[], firstIndex: number, window: Window): GpuSample[] {
  for (let i = 0; i < batch.length; i++) {
    const item = batch[i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw malformed(origin, firstIndex + i, '', `expected a sample object, got ${describe(item)}`);
    }
    const problem = sampleProblem(item as Record<string, unknown>, window);
    if (problem) throw malformed(origin, firstIndex + i, problem[0], problem[1]);
  }
  return batch as GpuSample[];
}
