/** The demo connector: a deterministic simulated fleet behind the same interface as real providers. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { AccountConfigBase } from '../../../../shared/config';
import type { Connector, ProviderDescriptor } from '../types';
import { parseAccountEntry } from '../common/config-issues';
import { DemoConfig } from './config';
import { generateCosts } from './costs';
import { buildFleet, type DemoMachine } from './fleet';
import { demoIncidents } from './incidents';
import { generateSamples } from './metrics';

const INVENTORY_BATCH_SIZE = 500;
const HOUR_MS = 3_600_000;

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

/**
 * Waits one turn of the event loop, as a real source waits on the network between pages. The demo
 * fleet computes its pages in memory, so without it a sync of 100,000 cost rows holds serve's event
 * loop for seconds and every request and event waits behind it.
 */
async function betweenPages(signal: AbortSignal): Promise<void> {
  await nextTurn();
  throwIfAborted(signal);
}

/** A demo connector for one account. */
export function createDemoConnector(config: DemoConfig): Connector {
  // The fleet only changes when `now` crosses an hour; keep the last one built.
  let cached: { hour: number; machines: DemoMachine[] } | null = null;
  const fleetAt = (now: Date): DemoMachine[] => {
    const hour = Math.floor(now.getTime() / HOUR_MS);
    if (cached?.hour !== hour) cached = { hour, machines: buildFleet(config.name, config.seed, config.scale, now) };
    return cached.machines;
  };

  return {
    provider: 'demo',
    account: config.name,
    clouds: ['azure', 'gcp', 'oci', 'coreweave'],

    async *inventory(ctx) {
      const machines = fleetAt(ctx.now);
      for (let i = 0; i < machines.length; i += INVENTORY_BATCH_SIZE) {
        throwIfAborted(ctx.signal);
        yield machines.slice(i, i + INVENTORY_BATCH_SIZE).map((m) => m.resource);
      }
    },

    async *metrics(req) {
      const byId = new Map(fleetAt(req.now).map((m) => [m.resource.id, m]));
      const wanted: DemoMachine[] = [];
      for (const r of req.resources) {
        const m = byId.get(r.id);
        if (m) wanted.push(m);
      }
      for (const batch of generateSamples(wanted, req.from, req.to, req.now.getTime())) {
        await betweenPages(req.signal);
        yield batch;
      }
    },

    async *costs(req) {
      const machines = fleetAt(req.now);
      for (const batch of generateCosts(machines, config.seed, req.from, req.to, req.now.getTime())) {
        await betweenPages(req.signal);
        yield batch;
      }
    },

    async *incidents(req) {
      throwIfAborted(req.signal);
      yield demoIncidents(config.name, fleetAt(req.now), req.now);
    },
  };
}

/** The demo provider: no credentials, so nothing to discover. */
export const demoProvider: ProviderDescriptor<DemoConfig> = {
  id: 'demo',
  label: 'Demo fleet',
  clouds: ['azure', 'gcp', 'oci', 'coreweave'],
  parseConfig(raw: AccountConfigBase): DemoConfig {
    return parseAccountEntry(DemoConfig, raw, 'demo');
  },
  create: async (config) => createDemoConnector(config),
  // The simulated fleet is built from the name and the seed: the same two give the same fleet.
  identityKey: (entry) => [entry.name ?? null, entry.seed ?? null],
  template: { name: 'demo-2', provider: 'demo', seed: 2 },
};
