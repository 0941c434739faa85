/**
 * Discovery against fake home folders: an Azure CLI profile (with a fake `az` on PATH answering for
 * the token request), an ADC file, an OCI config with two profiles and a kubeconfig with an exec
 * context. Each test also checks that discovery wrote nothing into the home folder.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverAzure } from '../providers/azure/discover';
import { discoverGcp } from '../providers/gcp/discover';
import { discoverKubernetes } from '../providers/kubernetes/discover';
import { discoverOci } from '../providers/oci/discover';
import { parseAccountConfig } from '../providers/registry';
import type { DiscoveryContext } from '../providers/types';
import type { AccountConfigBase } from '../../../shared/config';

const homes: string[] = [];
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

function fakeHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'fleetpane-home-'));
  homes.push(home);
  return home;
}

function ctx(home: string, env: Record<string, string> = {}): DiscoveryContext {
  return { home, env: { PATH: process.env.PATH ?? '', ...env }, platform: 'linux', signal: AbortSignal.timeout(20_000), now: new Date('2026-11-25T12:00:00Z') };
}

/** Every file under `dir` with its size and mtime, to prove discovery wrote nothing. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p}:${st.size}:${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

const SUB_A = '11111111-2222-4333-8444-555555555555';
const SUB_B = '66666666-7777-4888-8999-000000000000';
const TENANT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function azureProfile(home: string): string {
  const dir = join(home, 'azcfg');
  mkdirSync(dir, { recursive: true });
  const profile = {
    installationId: 'x',
    subscriptions: [
      { id: SUB_A, name: 'GPU Prod', state: 'Enabled', tenantId: TENANT, isDefault: true, environmentName: 'AzureCloud', user: { name: 'alice@contoso.com', type: 'user' } },
      { id: SUB_B, name: 'Old Sandbox', state: 'Disabled', tenantId: TENANT, isDefault: false, environmentName: 'AzureCloud', user: { name: 'alice@contoso.com', type: 'user' } },
    ],
  };
  // The CLI writes its profile with a byte-order mark.
  writeFileSync(join(dir, 'azureProfile.json'), `\uFEFF${JSON.stringify(profile)}`);
  return dir;
}

/** A fake `az` on PATH: answers the token request like the real CLI, or fails like an expired login. */
function fakeAz(home: string, expired: boolean): string {
  const bin = join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = expired
    ? `#!/bin/sh\necho "ERROR: AADSTS700082: The refresh token has expired due to inactivity. Please run 'az login' to setup account." >&2\nexit 1\n`
    : `#!/bin/sh\necho '{"accessToken":"eyJfake","expiresOn":"2026-11-25 13:00:00.000000","subscription":"${SUB_A}","tenant":"${TENANT}","tokenType":"Bearer"}'\n`;
  writeFileSync(join(bin, 'az'), script);
  chmodSync(join(bin, 'az'), 0o755);
  return bin;
}

describe('Azure discovery (Azure CLI login)', () => {
  it('offers each enabled subscription of a working login and explains the disabled one', async () => {
    const home = fakeHome();
    const cfg = azureProfile(home);
    const bin = fakeAz(home, false);
    const before = snapshot(home);
    const result = await discoverAzure(ctx(home, { AZURE_CONFIG_DIR: cfg, PATH: `${bin}:/usr/bin:/bin` }));
    expect(result.found.map((f) => f.config.subscriptionIds)).toEqual([[SUB_A]]);
    expect(result.found[0]!.identity).toContain('alice@contoso.com');
    expect(result.problems.map((p) => p.reason)).toEqual(['the subscription is Disabled']);
    // What discovery offers is a valid config entry for the Azure connector.
    expect(() => parseAccountConfig(result.found[0]!.config as AccountConfigBase)).not.toThrow();
    expect(snapshot(home)).toEqual(before);
  });

  it('says to run `az login` when the login expired, and offers nothing', async () => {
    const home = fakeHome();
    const cfg = azureProfile(home);
    const bin = fakeAz(home, true);
    const result = await discoverAzure(ctx(home, { AZURE_CONFIG_DIR: cfg, PATH: `${bin}:/usr/bin:/bin` }));
    expect(result.found).toEqual([]);
    expect(result.problems[0]!.reason).toMatch(/AADSTS700082/);
    expect(result.problems[0]!.action).toBe('run `az login`');
  });

  it('says to run `az login` when there is no profile', async () => {
    const home = fakeHome();
    const result = await discoverAzure(ctx(home));
    expect(result.found).toEqual([]);
    expect(result.problems[0]!.action).toBe('run `az login`');
  });
});

describe('Google Cloud discovery (ADC)', () => {
  it('offers the gcloud project of an application-default login, never exposing the refresh token', async () => {
    const home = fakeHome();
    const dir = join(home, 'gcloud');
    mkdirSync(join(dir, 'configurations'), { recursive: true });
    writeFileSync(
      join(dir, 'application_default_credentials.json'),
      JSON.stringify({ type: 'authorized_user', client_id: 'id.apps.googleusercontent.com', client_secret: 'planted-client-secret', refresh_token: 'planted-refresh-token', quota_project_id: 'gpu-quota-1' }),
    );
    writeFileSync(join(dir, 'active_config'), 'work\n');
    writeFileSync(join(dir, 'configurations', 'config_work'), '[core]\naccount = bob@example.com\nproject = gpu-prod-42\n');
    const before = snapshot(home);
    const result = await discoverGcp(ctx(home, { CLOUDSDK_CONFIG: dir }));
    expect(result.found.map((f) => f.name)).toEqual(['gcp-gpu-prod-42', 'gcp-gpu-quota-1']);
    expect(result.found[0]!.identity).toBe('bob@example.com (application-default login)');
    expect(JSON.stringify(result)).not.toMatch(/planted/);
    expect(() => parseAccountConfig(result.found[0]!.config as AccountConfigBase)).not.toThrow();
    expect(snapshot(home)).toEqual(before);
  });

  it('says how to log in when there is no ADC file', async () => {
    const result = await discoverGcp(ctx(fakeHome(), {}));
    expect(result.problems[0]!.action).toBe('run `gcloud auth application-default login`');
  });
});

describe('OCI discovery (CLI config profiles)', () => {
  it('offers both profiles of a config with DEFAULT inheritance, and explains a missing key file', async () => {
    const home = fakeHome();
    mkdirSync(join(home, '.oci'));
    writeFileSync(join(home, '.oci', 'key.pem'), '-----BEGIN PRIVATE KEY-----\nplanted\n-----END PRIVATE KEY-----\n');
    const tenancy = 'ocid1.tenancy.oc1..aaaaaaaexample';
    writeFileSync(
      join(home, '.oci', 'config'),
      [
        '[DEFAULT]',
        'user=ocid1.user.oc1..aaaaaaauser',
        'fingerprint=12:34:56:78:90:ab:cd:ef:12:34:56:78:90:ab:cd:ef',
        `tenancy=${tenancy}`,
        'region=us-ashburn-1',
        'key_file=~/.oci/key.pem',
        '',
        '[FRANKFURT]',
        'region=eu-frankfurt-1',
        'pass_phrase=planted-passphrase',
        '',
        '[BROKEN]',
        'key_file=~/.oci/missing.pem',
      ].join('\n'),
    );
    const before = snapshot(home);
    const result = await discoverOci(ctx(home));
    expect(result.found.map((f) => [f.name, f.config.homeRegion])).toEqual([
      ['oci-default', 'us-ashburn-1'],
      ['oci-frankfurt', 'eu-frankfurt-1'],
    ]);
    expect(result.found[1]!.notes.join(' ')).toMatch(/passphrase/);
    expect(result.problems.map((p) => p.source)).toEqual([expect.stringContaining('[BROKEN]')]);
    expect(JSON.stringify(result)).not.toMatch(/planted/);
    expect(snapshot(home)).toEqual(before);
  });
});

describe('Kubernetes discovery (kubeconfig contexts)', () => {
  it('lists every context, names the exec plugin it runs, and spots a CoreWeave cluster', async () => {
    const home = fakeHome();
    const file = join(home, 'kubeconfig');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Config
current-context: aks-prod
clusters:
- name: aks-prod
  cluster: { server: "https://aks-prod.hcp.eastus.azmk8s.io:443" }
- name: cw
  cluster: { server: "https://k8s.ord1.coreweave.com" }
users:
- name: aks-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: kubelogin
      args: [get-token, --server-id, planted-server-id]
- name: cw-user
  user: { token: planted-token }
contexts:
- name: aks-prod
  context: { cluster: aks-prod, user: aks-user }
- name: coreweave-ord1
  context: { cluster: cw, user: cw-user }
- name: dangling
  context: { cluster: nowhere, user: cw-user }
`,
    );
    const before = snapshot(home);
    const result = await discoverKubernetes(ctx(home, { KUBECONFIG: file }));
    expect(result.found.map((f) => [f.name, f.provider])).toEqual([
      ['k8s-aks-prod', 'kubernetes'],
      ['coreweave-coreweave-ord1', 'coreweave'],
    ]);
    expect(result.found[0]!.notes[0]).toMatch(/`kubelogin`/);
    expect(result.found[0]!.label).toMatch(/current context/);
    expect(result.problems.map((p) => p.reason)).toEqual(['cluster "nowhere" is not in the kubeconfig']);
    expect(JSON.stringify(result)).not.toMatch(/planted/);
    for (const f of result.found) expect(() => parseAccountConfig(f.config as AccountConfigBase)).not.toThrow();
    expect(snapshot(home)).toEqual(before);
  });
});
