/**
 * The `storage` field of an account's metrics source (`metrics.storage` in the docs), one building
 * block for every provider's config: where the source is Prometheus-compatible it may be "rollups"
 * (keep only 5-minute rollups here, ask the source for a machine's raw minutes); elsewhere only "raw".
 */
import { z } from 'zod';
import { MetricsStorage } from '../../../../shared/config';

/** `storage` of a Prometheus-compatible source: "raw" (default) or "rollups". */
export const metricsStorageField = z
  .enum(MetricsStorage.options, {
    error: 'expected "raw" (keep every minute here) or "rollups" (keep 5-minute rollups here, minutes stay in the source)',
  })
  .default('raw');

/**
 * `storage` of a source that cannot answer a machine's raw minutes on demand: "raw" only, and an
 * error saying why for "rollups". Optional, so configs that never name it parse as before.
 */
export function rawOnlyStorageField(source: string): z.ZodOptional<z.ZodLiteral<'raw'>> {
  return z
    .literal('raw', {
      error: (issue) =>
        issue.input === 'rollups'
          ? `"rollups" needs a Prometheus-compatible source that can answer a machine's raw minutes on its page; ${source} cannot, so its samples are kept raw`
          : 'expected "raw"',
    })
    .optional();
}

/**
 * The fields that size a Prometheus-compatible source's range queries (common/dcgm-window-read.ts),
 * for every provider whose metrics come from one: spread into its `prometheus` object.
 */
export const rangeQueryLimitFields = {
  /** Prometheus rejects range queries above 11,000 points per series; stay under this. */
  maxPointsPerSeries: z.number().int().min(100).max(11_000).default(11_000),
  /** Steps per request, so one answer stays a few MB even for large fleets. */
  stepsPerRequest: z.number().int().min(10).max(11_000).default(360),
  /**
   * Points (GPUs x steps) one answer may hold: larger windows are split into UUID shards and shorter
   * time chunks, so a 100k-GPU backfill never holds a window whole in memory.
   */
  pointsPerRequest: z.number().int().min(1000).max(10_000_000).default(250_000),
  /** Range queries in flight at once against this endpoint (a backfill runs its windows in parallel). */
  concurrency: z.number().int().min(1).max(32).default(4),
};
