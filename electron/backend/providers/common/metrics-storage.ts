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
