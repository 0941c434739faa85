/** Test harness: a generated fleet behind the loopback emulator, and a connector config pointed at it. */
import { AccountConfigBase } from '../../../../../shared/config';
import { gcpProvider } from '../provider';
import type { GcpAccountConfig } from '../config';
import { startGcpEmulator, type EmulatorOptions, type GcpEmulator } from './emulator';
import { generateFleet, type Fleet, type FleetOptions } from './fleet';

export const TEST_TOKEN = 'ya29.loopback-test-token';
export const TOKEN_ENV = 'FLEETPANE_TEST_GCP_TOKEN';
export const BILLING = { project: 'billing-admin', dataset: 'billing_export', table: 'gcp_billing_export_resource_v1_012345_6789AB_CDEF01' };

export interface GcpHarness {
  fleet: Fleet;
  emulator: GcpEmulator;
  /** A parsed account config reaching the emulator through endpoint overrides. */
  config(extra?: Record<string, unknown>): GcpAccountConfig;
  close(): Promise<void>;
}

/** Starts the emulator over a generated fleet (500 GPU/TPU instances in 20 zones by default). */
export async function startGcpHarness(fleetOptions: FleetOptions = {}, emulatorOptions: Partial<EmulatorOptions> = {}): Promise<GcpHarness> {
  const fleet = generateFleet(fleetOptions);
  const emulator = await startGcpEmulator(fleet, {
    token: TEST_TOKEN,
    billingTable: `${BILLING.project}.${BILLING.dataset}.${BILLING.table}`,
    computePageSize: 100,
    bigqueryPageSize: 100,
    ...emulatorOptions,
  });
  process.env[TOKEN_ENV] = TEST_TOKEN;
  const ep = { host: '127.0.0.1', port: emulator.port, protocol: 'http' };
  return {
    fleet,
    emulator,
    config(extra = {}) {
      return gcpProvider.parseConfig(
        AccountConfigBase.parse({
          name: 'gcp-prod',
          provider: 'gcp',
          projectIds: fleet.projects,
          quotaProject: 'fleet-ops-quota',
          credential: { type: 'token', env: TOKEN_ENV },
          billingExport: BILLING,
          endpoints: { compute: ep, monitoring: ep, bigquery: ep, tpu: ep, resourceManager: ep, serviceHealth: ep, status: `http://127.0.0.1:${emulator.port}/` },
          backoff: { attempts: 3, initialDelayMs: 5 },
          ...extra,
        }),
      );
    },
    close: () => emulator.close(),
  };
}
