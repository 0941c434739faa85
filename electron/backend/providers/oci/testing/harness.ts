/**
 * Test harness: an RSA API key generated for the test (encrypted with a passphrase), an OCI config
 * file whose profile names it, the generated fleet behind the loopback emulator, and a connector
 * config pointed at it.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccountConfigBase } from '../../../../../shared/config';
import type { OciAccountConfig } from '../config';
import { ociProvider } from '../provider';
import { startOciEmulator, type OciEmulator } from './emulator';
import { generateFleet, type Fleet, type FleetOptions } from './fleet';

export const PASSPHRASE_ENV = 'FLEETPANE_TEST_OCI_PASSPHRASE';
const PASSPHRASE = 'correct horse battery staple';

export interface OciHarness {
  fleet: Fleet;
  emulator: OciEmulator;
  dir: string;
  configFile: string;
  fingerprint: string;
  /** A parsed account config reaching the emulator through endpoint templates. */
  config(extra?: Record<string, unknown>): OciAccountConfig;
  close(): Promise<void>;
}

/** OCI's key fingerprint: MD5 of the DER public key, as colon-separated hex pairs. */
export function fingerprintOf(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return (createHash('md5').update(der).digest('hex').match(/../g) ?? []).join(':');
}

/** Starts the emulator over a generated fleet (3 regions, 6 compartments, ~70 GPU instances by default). */
export async function startOciHarness(fleetOptions: FleetOptions = {}, pageSize = 5): Promise<OciHarness> {
  const fleet = generateFleet(fleetOptions);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE },
  });
  const fingerprint = fingerprintOf(publicKey);
  const dir = mkdtempSync(join(tmpdir(), 'fleetpane-oci-'));
  const keyFile = join(dir, 'oci_api_key.pem');
  writeFileSync(keyFile, privateKey, { mode: 0o600 });
  const configFile = join(dir, 'config');
  writeFileSync(
    configFile,
    [
      '[DEFAULT]',
      'user=ocid1.user.oc1..aaaaaaaasomeoneelse',
      '',
      '[FLEET]',
      `user=${fleet.userId}`,
      `fingerprint=${fingerprint}`,
      `tenancy=${fleet.tenancyId}`,
      `region=${fleet.homeRegion}`,
      `key_file=${keyFile}`,
      '',
    ].join('\n'),
  );
  process.env[PASSPHRASE_ENV] = PASSPHRASE;
  const emulator = await startOciEmulator(fleet, {
    publicKey: createPublicKey(publicKey),
    keyId: `${fleet.tenancyId}/${fleet.userId}/${fingerprint}`,
    pageSize,
  });
  return {
    fleet,
    emulator,
    dir,
    configFile,
    fingerprint,
    config(extra = {}) {
      return ociProvider.parseConfig(
        AccountConfigBase.parse({
          name: 'oci-prod',
          provider: 'oci',
          credential: { type: 'configFile', path: configFile, profile: 'FLEET', passphrase: { env: PASSPHRASE_ENV } },
          endpoints: {
            iaas: emulator.endpoint('iaas'),
            identity: emulator.endpoint('identity'),
            telemetry: emulator.endpoint('telemetry'),
            usage: emulator.endpoint('usage'),
            announcements: emulator.endpoint('announcements'),
          },
          pageSize: 100,
          backoff: { attempts: 3, initialDelayMs: 5 },
          ...extra,
        }),
      );
    },
    async close() {
      await emulator.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
