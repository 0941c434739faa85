/**
 * v8: the provider's per-GPU fault signal (OCI gpu_infrastructure_health `Fault`) on each raw sample.
 * Nullable: NULL is "not reported" (most providers), never "no fault". A fault in the state window
 * makes the GPU unhealthy, like an XID error (gpu-state-query.ts). Raw samples only: the state is
 * judged over the last 30 minutes, which the raw table always holds.
 */
import type { Migration } from './migration';

export const V8_GPU_FAULT: Migration = {
  version: 8,
  description: 'gpu_sample.fault: per-GPU provider fault signal (NULL = not reported)',
  sql: `ALTER TABLE gpu_sample ADD COLUMN fault BOOLEAN;`,
};
