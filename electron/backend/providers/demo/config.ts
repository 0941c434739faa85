/** Config of the demo provider: a deterministic simulated fleet, no credentials. */
import { z } from 'zod';
import { AccountConfigBase } from '../../../../shared/config';

export const DemoConfig = AccountConfigBase.extend({
  provider: z.literal('demo'),
  /** Same seed (and same `now`) gives the same fleet, samples, costs and incidents. */
  seed: z.number().int().default(1),
  /** Multiplies the number of machines (1 = about 2,000 GPUs). */
  scale: z.number().positive().max(50).default(1),
}).strict();
export type DemoConfig = z.infer<typeof DemoConfig>;
