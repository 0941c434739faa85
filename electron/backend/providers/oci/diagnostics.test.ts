import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorDiagnostics } from '../../../../shared/connector-diagnostics';
import { parseOciConfig } from './config';
import { ociDiagnostics } from './diagnostics';
import { ociIdentity } from './identity';
import type { CompartmentAccess } from './diagnostics';

const at = '2026-11-25T12:00:00.000Z';
const access: CompartmentAccess[] = [
  { compartmentId: 'ocid1.compartment.oc1..a', compartment: 'gpu-prod', region: 'us-ashburn-1', operation: 'ListInstances', status: 'ok', message: null, policy: null, at },
  {
    compartmentId: 'ocid1.compartment.oc1..b',
    compartment: 'research',
    region: 'eu-frankfurt-1',
    operation: 'ListInstances',
    status: 'denied',
    message: 'NotAuthorizedOrNotFound (404)',
    policy: 'Allow group <your-group> to read instance-family in compartment research',
    at,
  },
  { compartmentId: 'ocid1.compartment.oc1..c', compartment: 'train', region: 'us-ashburn-1', operation: 'SummarizeMetricsData', status: 'stale', message: 'TooManyRequests (429)', policy: null, at },
];

describe('ociDiagnostics', () => {
  it('keeps the compartments with problems and their policy, the unmeasured instances and the calls made', () => {
    const d = ociDiagnostics(
      access,
      [{ resourceId: 'ocid1.instance.oc1..x', name: 'gpu-7', region: 'us-ashburn-1', compartment: 'gpu-prod', reason: 'no gpu_infrastructure_health data: enable the plugin' }],
      { SummarizeMetricsData: 4, ListInstances: 12, ListCompartments: 1, GetAnnouncement: 0 },
    );
    expect(ConnectorDiagnostics.parse(d)).toEqual(d);
    expect(d.budget).toEqual([]);
    expect(d.access).toEqual([
      {
        scope: 'compartment research (eu-frankfurt-1)',
        operation: 'ListInstances',
        status: 'denied',
        message: 'NotAuthorizedOrNotFound (404)',
        fix: 'Allow group <your-group> to read instance-family in compartment research',
        at,
      },
      { scope: 'compartment train (us-ashburn-1)', operation: 'SummarizeMetricsData', status: 'stale', message: 'TooManyRequests (429)', fix: null, at },
    ]);
    expect(d.unmeasured).toEqual([
      { resourceId: 'ocid1.instance.oc1..x', name: 'gpu-7', region: 'us-ashburn-1', scope: 'gpu-prod', reason: 'no gpu_infrastructure_health data: enable the plugin' },
    ]);
    expect(d.calls).toEqual([
      { operation: 'ListCompartments', calls: 1 },
      { operation: 'ListInstances', calls: 12 },
      { operation: 'SummarizeMetricsData', calls: 4 },
    ]);
  });
});

describe('ociIdentity', () => {
  const user = 'ocid1.user.oc1..aaaaaaaexampleuser';
  const tenancy = 'ocid1.tenancy.oc1..aaaaaaaexampletenancy';
  const fingerprint = '20:3b:97:13:55:1c:5b:0d:d3:37:d8:50:4e:c5:3a:34';

  it('reads the user OCID and fingerprint of the profile, never the key or passphrase', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oci-id-'));
    const file = join(dir, 'config');
    writeFileSync(file, `[DEFAULT]\nuser=${user}\nfingerprint=${fingerprint}\ntenancy=${tenancy}\nregion=us-ashburn-1\nkey_file=${join(dir, 'key.pem')}\npass_phrase=PLANTED-PASSPHRASE\n`);
    const config = parseOciConfig({ name: 'oci-prod', provider: 'oci', credential: { type: 'configFile', path: file, profile: 'DEFAULT' } } as never);
    const id = ociIdentity(config, {});
    expect(id).toEqual({
      name: user,
      kind: 'user (API signing key)',
      details: [{ label: 'key fingerprint', value: fingerprint }, { label: 'tenancy', value: tenancy }],
      source: `profile [DEFAULT] of ${file}`,
    });
    expect(JSON.stringify(id)).not.toContain('PLANTED-PASSPHRASE');
  });

  it('names the explicit API key entry and instance principals', () => {
    const key = parseOciConfig({ name: 'k', provider: 'oci', tenancyId: tenancy, credential: { type: 'apiKey', user, fingerprint, keyFile: '/nonexistent.pem' } } as never);
    expect(ociIdentity(key, {})).toMatchObject({ name: user, details: [{ label: 'key fingerprint', value: fingerprint }, { label: 'tenancy', value: tenancy }] });
    const ip = parseOciConfig({ name: 'i', provider: 'oci', tenancyId: tenancy, credential: { type: 'instancePrincipal' } } as never);
    expect(ociIdentity(ip, {})).toMatchObject({ kind: 'instance principal', details: [{ label: 'tenancy', value: tenancy }] });
  });

  it('says which profile lacks a user', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oci-id-'));
    const file = join(dir, 'config');
    writeFileSync(file, `[DEFAULT]\ntenancy=${tenancy}\n`);
    const config = parseOciConfig({ name: 'oci-prod', provider: 'oci', credential: { type: 'configFile', path: file } } as never);
    expect(() => ociIdentity(config, {})).toThrow(/has no "user"/);
  });
});
