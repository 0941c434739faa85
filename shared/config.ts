/**
 * The config file (`fleetpane sync --config FILE`): `{ "accounts": [ { "name", "provider", ... } ] }`.
 * This is the part every account shares; each provider validates its own fields with the schema in
 * its folder (electron/backend/providers/<name>/config.ts).
 */
import { z } from 'zod';
import { ProviderId } from './domain';

/** Sync intervals in seconds per stream (ARCHITECTURE.md defaults: 5 min, 1 min, 6 h, 2 min). */
export const SyncIntervals = z
  .object({
    inventory: z.number().int().min(10).default(300),
    metrics: z.number().int().min(10).default(60),
    costs: z.number().int().min(60).default(6 * 3600),
    incidents: z.number().int().min(10).default(120),
  })
  .strict();
export type SyncIntervals = z.infer<typeof SyncIntervals>;

/** Fields every account accepts; provider fields pass through to the provider's own schema. */
export const AccountConfigBase = z
  .object({
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, dot, dash or underscore'),
    provider: ProviderId,
    enabled: z.boolean().default(true),
    syncIntervals: SyncIntervals.default({ inventory: 300, metrics: 60, costs: 21600, incidents: 120 }),
    /** How far back the first metrics sync reaches, in hours. */
    metricsBackfillHours: z.number().min(1).max(24 * 7).default(24),
    /** How far back each costs sync re-reads, in days (providers restate recent charges). */
    costsLookbackDays: z.number().int().min(1).max(400).default(35),
  })
  .loose();
export type AccountConfigBase = z.infer<typeof AccountConfigBase>;

export const ConfigFile = z
  .object({
    accounts: z.array(AccountConfigBase),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Set<string>();
    cfg.accounts.forEach((a, i) => {
      if (seen.has(a.name)) {
        ctx.addIssue({ code: 'custom', path: ['accounts', i, 'name'], message: `duplicate account name "${a.name}"` });
      }
      seen.add(a.name);
    });
  });
export type ConfigFile = z.infer<typeof ConfigFile>;

/**
 * How an account with a Prometheus-compatible metrics source keeps its GPU samples: `raw` stores
 * every minute (7 days) and the rollups; `rollups` stores only the 5-minute rollups (with their
 * minute detail for 7 days) and asks the source for a machine's raw minutes on its page.
 */
export const MetricsStorage = z.enum(['raw', 'rollups']);
export type MetricsStorage = z.infer<typeof MetricsStorage>;
