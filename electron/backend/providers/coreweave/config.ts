/** CoreWeave-only config fields; the Kubernetes and Prometheus fields are the kubernetes provider's. */
import { z } from 'zod';

/** CoreWeave's public status page on Status.io (page 5e126e998f2f032e1f8f0f4b). */
export const COREWEAVE_STATUS_RSS = 'https://status.coreweave.com/pages/5e126e998f2f032e1f8f0f4b/rss';
export const COREWEAVE_STATUS_API = 'https://api.status.io/1.0/status/5e126e998f2f032e1f8f0f4b';

export const CoreweaveStatusFeed = z
  .object({
    enabled: z.boolean().default(true),
    rssUrl: z.url().default(COREWEAVE_STATUS_RSS),
    /** Status.io public status API; set to null to read the RSS feed only. */
    statusApiUrl: z.url().nullable().default(COREWEAVE_STATUS_API),
  })
  .strict();

export const CoreweaveFields = z.object({
  statusFeed: CoreweaveStatusFeed.default({ enabled: true, rssUrl: COREWEAVE_STATUS_RSS, statusApiUrl: COREWEAVE_STATUS_API }),
});
export type CoreweaveFields = z.infer<typeof CoreweaveFields>;
