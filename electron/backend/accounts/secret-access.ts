/**
 * What an account change from serve's browser may read and where it may connect. The accounts
 * screen on serve is driven by whoever holds the token, not by the operator, so an entry from a
 * request may read secrets only by the names the operator allowed (FLEETPANE_SECRET_* variables and
 * files under --secrets-dir) and may name a custom endpoint only with --allow-endpoint-overrides.
 * Entries of the operator's own config file are trusted as written.
 */
import { realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { referencesIn } from '../../../shared/entry-references';
import type { FieldIssue } from '../../../shared/contract-accounts';

/** The variables an entry from the browser may read. */
export const SERVE_SECRET_ENV = /^FLEETPANE_SECRET_[A-Z0-9_]+$/;

/** Limits on entries that come from a request (serve); absent on the desktop, where the user is the operator. */
export interface SecretAccessPolicy {
  /** The only folder whose files an entry may name (`--secrets-dir`); null: no files at all. */
  secretsDir: string | null;
  /** Custom endpoints (`--allow-endpoint-overrides`); false: every endpoint field is refused. */
  allowEndpointOverrides: boolean;
  /**
   * The serve user's own login files (kubeconfig, ~/.oci/config, gcloud ADC) that discovery offers. An entry
   * naming one of them reads nothing an entry naming no file would not read through the ambient login, so
   * switching on a discovered account works without --secrets-dir.
   */
  ambientFiles?: readonly string[];
}

/** The login files the serve user's ambient credentials live in, where discovery finds them. */
export function ambientCredentialFiles(env: Readonly<Record<string, string | undefined>>, home: string): string[] {
  const kubeconfigs = (env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  return [
    ...kubeconfigs,
    join(home, '.kube', 'config'),
    env.OCI_CONFIG_FILE ?? join(home, '.oci', 'config'),
    ...(env.GOOGLE_APPLICATION_CREDENTIALS ? [env.GOOGLE_APPLICATION_CREDENTIALS] : []),
    join(env.CLOUDSDK_CONFIG ?? join(home, '.config', 'gcloud'), 'application_default_credentials.json'),
  ];
}

/** Why `entry` may not be used under `policy`, one issue per field (the field named, its value only where it is a name). */
export function secretAccessIssues(entry: Record<string, unknown>, policy: SecretAccessPolicy): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const folder = policy.secretsDir === null ? null : canonical(policy.secretsDir);
  const ambient = new Set((policy.ambientFiles ?? []).map(canonical));
  for (const ref of referencesIn(entry)) {
    if (ref.kind === 'file' && isAbsolute(ref.value) && ambient.has(canonical(ref.value))) continue;
    if (ref.kind === 'env' && !SERVE_SECRET_ENV.test(ref.value)) {
      issues.push({ path: ref.field, message: `serve reads only FLEETPANE_SECRET_* variables from the screen; ${ref.value} is not one (the operator sets FLEETPANE_SECRET_NAME in serve's environment)` });
    }
    if (ref.kind === 'file') {
      if (folder === null) {
        issues.push({ path: ref.field, message: 'serve reads no files named from the screen; the operator can allow a folder with `fleetpane serve --secrets-dir DIR`' });
      } else if (!isAbsolute(ref.value) || !inside(folder, canonical(ref.value))) {
        issues.push({ path: ref.field, message: 'the file is not inside the secrets folder the operator allowed (--secrets-dir); give its absolute path there' });
      }
    }
    if (ref.kind === 'endpoint' && !policy.allowEndpointOverrides) {
      issues.push({ path: ref.field, message: 'serve refuses custom endpoints from the screen; the operator can allow them with `fleetpane serve --allow-endpoint-overrides`' });
    }
  }
  return issues;
}

/** The real path (symlinks resolved, so a link inside the folder cannot point out of it); for a missing file, its folder's. */
function canonical(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    try {
      return resolve(realpathSync(dirname(absolute)), absolute.slice(dirname(absolute).length + 1));
    } catch {
      return absolute;
    }
  }
}

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
