/**
 * Discovery of Oracle Cloud profiles in the OCI CLI config file ($OCI_CONFIG_FILE, else
 * ~/.oci/config): each profile's tenancy, home region and whether its API key file is there.
 * Read-only: the file is parsed, the key file is only checked for existence, and no key material or
 * passphrase leaves this function.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, dirname } from 'node:path';
import type { DiscoveredAccount, Discovery, DiscoveryContext, DiscoveryProblem } from '../types';

const SOURCE = 'OCI CLI config profiles';
const REQUIRED = ['user', 'fingerprint', 'tenancy', 'region', 'key_file'] as const;

/** Parses the INI file; keys of DEFAULT are inherited by every other profile, as the OCI SDKs do. */
export function parseOciConfig(text: string): Map<string, Record<string, string>> {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = {};
      profiles.set(header[1]!.trim(), current);
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current[kv[1]!.trim()] = kv[2]!.trim();
  }
  const defaults = profiles.get('DEFAULT') ?? {};
  for (const [name, values] of profiles) if (name !== 'DEFAULT') profiles.set(name, { ...defaults, ...values });
  return profiles;
}

/** The profiles of the OCI config file, one suggested account each. */
export async function discoverOci(ctx: DiscoveryContext): Promise<Discovery> {
  const found: DiscoveredAccount[] = [];
  const problems: DiscoveryProblem[] = [];
  const explicit = ctx.env.OCI_CONFIG_FILE;
  const file = explicit && explicit.length > 0 ? explicit : join(ctx.home, '.oci', 'config');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    problems.push({ source: file, reason: 'no OCI CLI config on this machine', action: 'run `oci setup config`' });
    return { provider: 'oci', source: SOURCE, found, problems };
  }
  const expand = (p: string) => (p.startsWith('~') ? join(ctx.home, p.slice(1)) : isAbsolute(p) ? p : join(dirname(file), p));
  for (const [profile, values] of parseOciConfig(text)) {
    const source = `${file} profile [${profile}]`;
    const missing = REQUIRED.filter((k) => !values[k]);
    if (missing.length > 0) {
      // A DEFAULT that only holds shared keys is not an account of its own.
      if (profile !== 'DEFAULT' || missing.length < REQUIRED.length) {
        problems.push({ source, reason: `missing ${missing.join(', ')}`, action: 'run `oci setup config` for this profile' });
      }
      continue;
    }
    const keyFile = expand(values.key_file!);
    if (!existsSync(keyFile)) {
      problems.push({ source, reason: `its API key file ${keyFile} does not exist`, action: 'fix key_file in the profile' });
      continue;
    }
    if (!/^ocid1\.tenancy\./.test(values.tenancy!)) {
      problems.push({ source, reason: 'tenancy is not a tenancy OCID', action: null });
      continue;
    }
    const name = `oci-${profile.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'default'}`;
    const notes: string[] = [];
    if (values.pass_phrase) notes.push('the profile keeps its key passphrase in the config file; Fleetpane can read it from an environment variable or a file instead');
    found.push({
      name,
      provider: 'oci',
      label: `profile ${profile} (tenancy ${values.tenancy}, home region ${values.region})`,
      identity: `${values.user} (API key ${values.fingerprint})`,
      config: {
        name,
        provider: 'oci',
        credential: { type: 'configFile', profile, ...(explicit ? { path: file } : {}) },
        tenancyId: values.tenancy,
        homeRegion: values.region,
      },
      notes,
    });
  }
  return { provider: 'oci', source: SOURCE, found, problems };
}
