/** Test harness: an emulated subscription plus a connector configured against it the way a user would. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAzureConnector, type AzureConnector } from '../index';
import { parseAzureConfig, type AzureAccountConfig } from '../config';
import type { Clock } from '../client';
import { startArmEmulator, startPrometheusEmulator, type ArmEmulator } from './emulator';
import { generateFleet, type Fleet, type FleetOptions } from './fleet';
import { createTestCertificate, type TestCertificate } from './tls';

export interface Harness {
  fleet: Fleet;
  arm: ArmEmulator;
  prom: ArmEmulator;
  tls: TestCertificate;
  /** A config entry as a user would write it, pointing at the emulators. */
  config(extra?: Record<string, unknown>): AzureAccountConfig;
  connector(extra?: Record<string, unknown>, clock?: Clock): AzureConnector;
  close(): Promise<void>;
}

/** Starts both emulators for a generated fleet. */
export async function startHarness(fleetOptions: FleetOptions, pageSize = 50): Promise<Harness> {
  const tls = createTestCertificate();
  const fleet = generateFleet(fleetOptions);
  const arm = await startArmEmulator({ fleet, tls, pageSize });
  const prom = await startPrometheusEmulator({ fleet, tls });
  const tokenFile = join(tls.dir, 'token');
  writeFileSync(tokenFile, 'test-token\n');
  const config = (extra: Record<string, unknown> = {}) =>
    parseAzureConfig({
      name: 'azure-prod',
      provider: 'azure',
      enabled: true,
      syncIntervals: { inventory: 300, metrics: 60, costs: 21600, incidents: 120 },
      metricsBackfillHours: 24,
      costsLookbackDays: 35,
      cloud: 'custom',
      armEndpoint: arm.url,
      tlsCaFile: tls.caFile,
      credential: { type: 'tokenFile', path: tokenFile },
      subscriptionIds: [fleet.subscriptionId],
      prometheus: { queryEndpoint: prom.url },
      costQueryMinIntervalMinutes: 0,
      requestTimeoutMs: 2000,
      retry: { maxRetries: 2, retryDelayMs: 10, maxRetryDelayMs: 50, maxInlineWaitMs: 2000 },
      ...extra,
    } as Parameters<typeof parseAzureConfig>[0]);
  return {
    fleet,
    arm,
    prom,
    tls,
    config,
    connector: (extra, clock) => createAzureConnector(config(extra), clock ? { clock } : {}),
    close: async () => {
      await arm.close();
      await prom.close();
      tls.dispose();
    },
  };
}

/** Collects every batch of an async iterable. */
export async function collect<T>(it: AsyncIterable<Iterable<T>>): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of it) out.push(...batch);
  return out;
}
