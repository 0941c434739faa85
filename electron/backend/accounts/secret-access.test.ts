import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ambientCredentialFiles, secretAccessIssues } from './secret-access';

describe('secret access of account entries from serve', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'fleetpane-secret-access-'));
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), 'apiVersion: v1\n');
    writeFileSync(join(home, 'other-kubeconfig'), 'apiVersion: v1\n');
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('lets a discovered account name the serve user\'s own kubeconfig, and nothing else, without --secrets-dir', () => {
    const ambientFiles = ambientCredentialFiles({}, home);
    const policy = { secretsDir: null, allowEndpointOverrides: false, ambientFiles };
    const entry = (kubeconfig: string) => ({ name: 'k8s', provider: 'kubernetes', kubeconfig });
    expect(secretAccessIssues(entry(join(home, '.kube', 'config')), policy)).toEqual([]);
    expect(secretAccessIssues(entry(join(home, 'other-kubeconfig')), policy).map((i) => i.path)).toEqual(['kubeconfig']);
    expect(secretAccessIssues(entry('/proc/self/environ'), policy).map((i) => i.path)).toEqual(['kubeconfig']);
    // A link to the login file is the login file; a link elsewhere named like it is not.
    symlinkSync(join(home, '.kube', 'config'), join(home, 'link-to-login'));
    expect(secretAccessIssues(entry(join(home, 'link-to-login')), policy)).toEqual([]);
  });

  it('takes the login files from KUBECONFIG, OCI_CONFIG_FILE and the gcloud folder where they are set', () => {
    const files = ambientCredentialFiles({ KUBECONFIG: `/a/kc${delimiter}/b/kc`, OCI_CONFIG_FILE: '/c/oci', CLOUDSDK_CONFIG: '/d/gcloud' }, home);
    expect(files).toEqual(expect.arrayContaining(['/a/kc', '/b/kc', '/c/oci', '/d/gcloud/application_default_credentials.json']));
  });
});
