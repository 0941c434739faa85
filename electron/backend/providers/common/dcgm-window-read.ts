/**
 * Reading one metrics window of per-GPU DCGM series from a Prometheus-compatible range-query API
 * (Prometheus, Thanos, Mimir, VictoriaMetrics, an Azure Monitor workspace, Amazon Managed Prometheus):
 * the window is planned into range queries small enough to hold a few at once (time chunks x UUID
 * shards), a few groups of them are fetched ahead in parallel (the source's client caps requests in
 * flight), each answer is folded into per-GPU-minute sums as its bytes arrive, and the samples are
 * yielded in plan order. So a 100k-GPU backfill never holds a window, or even one whole answer, in
 * memory (issue 16).
 */
import type { GpuResource, GpuSample } from '../../../../shared/domain';
import type { GpuSampleColumns } from '../../domain/sample-columns';
import type { MachineSeriesRequest, MetricsRequest } from '../types';
import { DCGM_FIELDS, dcgmQueries, DcgmWindowFold, MinuteColumnsPool, placedOnMachine, type PlaceSeries } from './dcgm';
import type { MatrixSink } from './prom-matrix';
import { inOrderAhead } from './request-limit';
import type { WaitOptions } from './semaphore';

/** Samples per batch handed to the store. */
const SAMPLE_BATCH = 5000;

/**
 * The minute columns of every window this process reads. A window's sets are idle once its samples
 * are taken, while the next window is read ahead: with a pool per window, both windows' sets were
 * held at each window's end (at 10,000 GPUs, 16 MiB a set).
 */
export const windowColumns = new MinuteColumnsPool();

/**
 * The smallest step (a whole number of minutes, at least one) that keeps `[from, to)` within
 * `maxPoints` points per series.
 */
export function stepFor(fromMs: number, toMs: number, maxPoints: number): number {
  const minutes = Math.max(1, Math.ceil((toMs - fromMs) / 60_000 / (maxPoints - 1)));
  return minutes * 60;
}

/** Splits a window into query chunks of at most `steps` steps each (aligned to the step). */
export function chunkWindow(fromMs: number, toMs: number, stepSeconds: number, steps: number): Array<{ from: number; to: number }> {
  const span = stepSeconds * 1000 * steps;
  const out: Array<{ from: number; to: number }> = [];
  for (let f = fromMs; f < toMs; f += span) out.push({ from: f, to: Math.min(toMs, f + span) });
  return out;
}

const HEX = '0123456789abcdef';

/**
 * Label matchers that split a fleet's dcgm series into `count` (1 or 16) disjoint shards by the last
 * character of `label` (`UUID`; a Neuron device's cores go by `instance_id`), so every series of one
 * GPU lands in one shard (its merge stays whole) and together they cover every series: shard 0 also
 * takes an empty value and one ending in a non-hex character. One shard is no matcher at all.
 */
export function uuidShards(count: 1 | 16, label = 'UUID'): string[] {
  if (count === 1) return [''];
  return [...HEX].map((c, i) => {
    const cls = /[a-f]/.test(c) ? `[${c}${c.toUpperCase()}]` : `[${c}]`;
    return i === 0 ? `${label}=~"|.*${cls}|.*[^0-9a-fA-F]"` : `${label}=~".*${cls}"`;
  });
}

/** Joins the account's selector and a shard matcher into one selector body. */
export function withShard(selector: string, shard: string): string {
  const s = selector.trim();
  return s && shard ? `${s},${shard}` : s || shard;
}

/** How one metrics window is split into range queries: time chunks of `steps` steps, times UUID shards. */
export interface QueryPlan {
  chunks: Array<{ from: number; to: number }>;
  shards: string[];
}

/**
 * Splits `[fromMs, toMs)` so no answer holds more than about `pointsPerRequest` points (GPUs x steps):
 * a small fleet asks for the whole window at once; a large one asks for 16 shards (by `shardLabel`),
 * each over time chunks short enough, so answers stay a few MB and can be fetched in parallel.
 */
export function planMetricsQueries(fromMs: number, toMs: number, stepSeconds: number, gpus: number, maxSteps: number, pointsPerRequest: number, shardLabel = 'UUID'): QueryPlan {
  const windowSteps = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / stepSeconds));
  const want = Math.min(windowSteps, maxSteps);
  const shardCount: 1 | 16 = gpus * want <= pointsPerRequest ? 1 : 16;
  const perShard = Math.max(1, Math.ceil(gpus / shardCount));
  const steps = Math.max(1, Math.min(maxSteps, Math.floor(pointsPerRequest / perShard)));
  return { chunks: chunkWindow(fromMs, toMs, stepSeconds, steps), shards: uuidShards(shardCount, shardLabel) };
}

/**
 * Query groups (one per time chunk and UUID shard, each DCGM_FIELDS' queries) fetched ahead of the one
 * being read: enough queued queries to keep `concurrency` requests in flight across a group's end, and
 * no more. Each group fetched holds its GPU-minute sums (up to pointsPerRequest rows, about 17 MB at
 * the default) until its turn; `concurrency` groups ahead held a backfill's minutes several times over
 * while the store was the slower side (issue 16).
 */
export function groupsAhead(concurrency: number): number {
  return Math.ceil(concurrency / DCGM_FIELDS.length) + 1;
}

/** A range-query API whose answers are read as they arrive. */
export interface RangeQuerySource {
  /**
   * Runs /api/v1/query_range and hands each series to `sink` as the answer is read, then throws the
   * source's typed error if the answer was not a whole matrix (the sink may have had part of it).
   */
  queryRangeInto(query: string, startSec: number, endSec: number, stepSec: number, signal: AbortSignal, sink: MatrixSink, wait?: WaitOptions): Promise<void>;
}

/** How a source's DCGM series are asked for, and the limits that size its range queries. */
export interface DcgmWindowQuery {
  /** Labels kept beside UUID and gpu that say where a series' machine is (node or host name). */
  groupLabels: readonly string[];
  /** Extra PromQL label matchers for every DCGM selector. */
  selector: string;
  /** Points per series the source answers at most (Prometheus's limit is 11,000). */
  maxPointsPerSeries: number;
  /** Steps per request at most. */
  stepsPerRequest: number;
  /** Points (GPUs x steps) one answer may hold: more are split into UUID shards and time chunks. */
  pointsPerRequest: number;
  /** Requests in flight the source's client allows (groupsAhead). */
  concurrency: number;
  /** Someone waits on the answer (a machine page): its queries go ahead of those waiting for a permit. */
  first?: boolean;
}

/**
 * Per-GPU samples of `[req.from, req.to)` for `req.resources`, each series placed by `place`. The
 * result does not depend on the source's concurrency: answers are folded and yielded in plan order.
 */
export async function* readDcgmWindow(
  source: RangeQuerySource,
  q: DcgmWindowQuery,
  req: Pick<MetricsRequest, 'from' | 'to' | 'signal' | 'resources'>,
  place: PlaceSeries,
): AsyncGenerator<GpuSampleColumns> {
  const step = stepFor(req.from, req.to, q.maxPointsPerSeries);
  const gpus = req.resources.reduce((n, r) => n + r.gpuCount, 0);
  const plan = planMetricsQueries(req.from, req.to, step, gpus, Math.min(q.stepsPerRequest, q.maxPointsPerSeries - 1), q.pointsPerRequest);
  const units = plan.chunks.flatMap((chunk) => plan.shards.map((shard) => ({ chunk, shard })));
  const fetchUnit = async ({ chunk, shard }: (typeof units)[number], signal: AbortSignal): Promise<{ fold: DcgmWindowFold | null; to: number }> => {
    const queries = dcgmQueries(step, q.groupLabels, withShard(q.selector, shard));
    // The evaluation at t is the minute before t, so the chunk's minutes are evaluated from one step
    // after its start. Only the XID last value is also evaluated at the start (the minute before the
    // chunk): it seeds the comparison across the first boundary and is dropped. A steady one-minute
    // sync thus asks for one point per series, not two.
    const seed = chunk.from / 1000;
    const start = seed + step;
    const end = chunk.to / 1000;
    // A chunk shorter than a step has no evaluation of its own minutes (the seed alone yields nothing).
    if (start > end) return { fold: null, to: chunk.to };
    // Each answer is folded series by series as its bytes arrive, never parsed whole: a unit holds
    // its GPU-minute sums, not its seven answers (issue 16: a backfill's memory).
    const fold = new DcgmWindowFold(place, step, chunk.from, windowColumns);
    await Promise.all(
      DCGM_FIELDS.map(async (f) => {
        const answer = fold.answer(f);
        await source.queryRangeInto(queries[f], f === 'xidLast' ? seed : start, end, step, signal, answer, { first: q.first === true });
        answer.end();
      }),
    );
    return { fold, to: chunk.to };
  };
  for await (const { fold, to } of inOrderAhead(units, groupsAhead(q.concurrency), fetchUnit, req.signal)) {
    // Samples are made batch by batch as the consumer takes them, not a whole unit ahead.
    if (fold) yield* fold.samples(SAMPLE_BATCH, to);
  }
}

/**
 * A machine page's samples (a rollups account's drill-down): the window read narrowed by `selector` to
 * the machine's series and asked ahead of a backfill's waiting queries; each series is placed among
 * `machines` by `placeAmong`, as a metrics read places it, and kept where it lands on the machine.
 */
export async function readMachineWindow(
  source: RangeQuerySource,
  q: Omit<DcgmWindowQuery, 'selector' | 'first'>,
  selector: string,
  req: Pick<MachineSeriesRequest, 'resource' | 'from' | 'to' | 'signal'>,
  machines: readonly GpuResource[],
  placeAmong: (machines: readonly GpuResource[]) => PlaceSeries,
): Promise<GpuSample[]> {
  const place = placedOnMachine(machines, req.resource, placeAmong);
  const window = { signal: req.signal, from: req.from, to: req.to, resources: [req.resource] };
  const samples: GpuSample[] = [];
  for await (const batch of readDcgmWindow(source, { ...q, selector, first: true }, window, place)) samples.push(...batch);
  return samples;
}
