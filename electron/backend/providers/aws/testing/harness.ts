/**
 * Test harness: a generated fleet behind the loopback emulator, a config entry whose endpoint
 * overrides point every service at it, and the connector built with the emulator's base key (the
 * caller account's); member accounts are reached through real sts:AssumeRole calls to the emulator.
 */
import type { AccountConfigBase } from '../../../../../shared/config';
import { parseAwsConfig, type AwsAccountConfig } from '../config';
import { createAwsConnector, type AwsConnector, type AwsConnectorDeps } from '../index';
import { BASE_ACCESS_KEY, BASE_SECRET_KEY, startAwsEmulator, type AwsEmulator, type EmulatorOptions } from './emulator';
import { generateFleet, type Fleet, type FleetOptions } from './fleet';

export interface AwsHarness {
  fleet: Fleet;
  emulator: AwsEmulator;
  /** A parsed config reaching the emulator (organization mode by default). */
  config(extra?: Record<string, unknown>): AwsAccountConfig;
  /** The connector over `config(extra)`, with the emulator's base credential. */
  connector(extra?: Record<string, unknown>, deps?: AwsConnectorDeps): AwsConnector;
  close(): Promise<void>;
}

export const BASE_CREDENTIALS = { accessKeyId: BASE_ACCESS_KEY, secretAccessKey: BASE_SECRET_KEY };

export async function startAwsHarness(fleetOptions: FleetOptions = {}, emulatorOptions: EmulatorOptions = {}): Promise<AwsHarness> {
  const fleet = generateFleet(fleetOptions);
  const emulator = await startAwsEmulator(fleet, emulatorOptions);
  const config = (extra: Record<string, unknown> = {}) =>
    // Straight to the provider's schema: shared's AccountConfigBase does not list 'aws' until it is registered.
    parseAwsConfig({
        name: 'aws-prod',
        provider: 'aws',
        organization: { roleName: fleet.roleName },
        endpoints: {
          ec2: emulator.endpoint('ec2'),
          cloudwatch: emulator.endpoint('monitoring'),
          sts: emulator.endpoint('sts'),
          organizations: emulator.endpoint('organizations'),
          health: emulator.endpoint('health'),
        },
        incidents: { publicFeedUrl: emulator.publicFeedUrl },
        retry: { maxAttempts: 3 },
        ...extra,
      } as unknown as AccountConfigBase);
  return {
    fleet,
    emulator,
    config,
    connector: (extra = {}, deps = {}) => createAwsConnector(config(extra), { apiOptions: { credentials: BASE_CREDENTIALS }, ...deps }),
    close: () => emulator.close(),
  };
}
