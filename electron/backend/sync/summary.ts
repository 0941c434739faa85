/** What one full sync reports (`fleetpane sync --json` prints exactly this). */
import { z } from 'zod';
import { IsoTime, ProviderId, SyncError } from '../../../shared/domain';

/** The period a stream asked its connector for; null for streams without one (inventory, incidents). */
export const SyncWindow = z.object({ from: IsoTime, to: IsoTime });
export type SyncWindow = z.infer<typeof SyncWindow>;

/** The outcome of one stream of one account. */
export const StreamSyncSummary = z.object({
  status: z.enum(['ok', 'error']),
  /** Rows committed to the store by this sync. */
  rows: z.number().int().nonnegative(),
  /** The most attempts any one run of the stream needed (metrics commits one run per chunk); 0 if nothing was asked. */
  attempts: z.number().int().nonnegative(),
  error: SyncError.nullable(),
  window: SyncWindow.nullable(),
});
export type StreamSyncSummary = z.infer<typeof StreamSyncSummary>;

export const AccountSyncSummary = z.object({
  account: z.string(),
  provider: ProviderId,
  streams: z.object({
    inventory: StreamSyncSummary,
    metrics: StreamSyncSummary,
    costs: StreamSyncSummary,
    incidents: StreamSyncSummary,
  }),
});
export type AccountSyncSummary = z.infer<typeof AccountSyncSummary>;

/** One full sync of every selected account. */
export const SyncSummary = z.object({
  startedAt: IsoTime,
  finishedAt: IsoTime,
  /** True when every stream of every account ended ok. */
  ok: z.boolean(),
  accounts: z.array(AccountSyncSummary),
});
export type SyncSummary = z.infer<typeof SyncSummary>;
