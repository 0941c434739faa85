/**
 * Discovery of AWS profiles in the shared config and credentials files ($AWS_CONFIG_FILE, else
 * ~/.aws/config; $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials). IAM Identity Center (SSO)
 * profiles are marked, with "run `aws sso login`" when their cached token has expired or is missing.
 * Read-only: nothing is written, no secret leaves this function (only profile names, regions, account
 * ids and role names).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiscoveredAccount, Discovery, DiscoveryContext, DiscoveryProblem } from '../types';

const SOURCE = 'AWS CLI profiles';
const PROVIDER = 'aws';

/** Sections of an AWS INI file: `[default]`, `[profile x]` (config) or `[x]` (credentials), `[sso-session y]`. */
export function parseAwsIni(text: string, kind: 'config' | 'credentials'): { profiles: Map<string, Record<string, string>>; ssoSessions: Map<string, Record<string, string>> } {
  const profiles = new Map<string, Record<string, string>>();
  const ssoSessions = new Map<string, Record<string, string>>();
  let current: Record<string, string> | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      const name = header[1] as string;
      current = {};
      const sso = /^sso-session\s+(.+)$/.exec(name);
      const prof = /^profile\s+(.+)$/.exec(name);
      if (sso) ssoSessions.set((sso[1] as string).trim(), current);
      else if (kind === 'credentials' || name === 'default') profiles.set(name, current);
      else if (prof) profiles.set((prof[1] as string).trim(), current);
      else current = null; // `[x]` without "profile" is ignored in the config file, as the CLI does
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (kv && current) current[(kv[1] as string).trim()] = (kv[2] as string).trim();
  }
  return { profiles, ssoSessions };
}

async function readOr(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

/** When the SSO token cached by `aws sso login` expires (null: no cached token). */
async function ssoTokenExpiry(home: string, key: string): Promise<number | null> {
  const file = join(home, '.aws', 'sso', 'cache', `${createHash('sha1').update(key).digest('hex')}.json`);
  const text = await readOr(file);
  if (text === null) return null;
  try {
    const t = Date.parse(String((JSON.parse(text) as { expiresAt?: unknown }).expiresAt));
    return Number.isFinite(t) ? t : null;
  } catch {
    return null;
  }
}

const accountName = (profile: string) => `aws-${profile.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'default'}`.slice(0, 64);

/** The profiles of the machine's AWS config, one suggested account each. */
export async function discoverAws(ctx: DiscoveryContext): Promise<Discovery> {
  const found: DiscoveredAccount[] = [];
  const problems: DiscoveryProblem[] = [];
  const configFile = ctx.env['AWS_CONFIG_FILE'] || join(ctx.home, '.aws', 'config');
  const credentialsFile = ctx.env['AWS_SHARED_CREDENTIALS_FILE'] || join(ctx.home, '.aws', 'credentials');
  const configText = await readOr(configFile);
  const credentialsText = await readOr(credentialsFile);
  if (configText === null && credentialsText === null) {
    problems.push({ source: configFile, reason: 'no AWS CLI config or credentials file on this machine', action: 'run `aws configure sso` (or `aws configure`)' });
    return { provider: PROVIDER, source: SOURCE, found, problems };
  }
  const config = parseAwsIni(configText ?? '', 'config');
  const credentials = parseAwsIni(credentialsText ?? '', 'credentials').profiles;
  const names = [...new Set([...config.profiles.keys(), ...credentials.keys()])];
  for (const profile of names) {
    const values = config.profiles.get(profile) ?? {};
    const keys = credentials.get(profile) ?? {};
    const source = `${configText !== null && config.profiles.has(profile) ? configFile : credentialsFile} profile [${profile}]`;
    const session = values['sso_session'];
    const sessionValues = session ? config.ssoSessions.get(session) : undefined;
    const isSso = Boolean(session || values['sso_start_url']);
    const hasKeys = Boolean(keys['aws_access_key_id'] || values['aws_access_key_id']);
    const kind = isSso ? 'sso' : values['role_arn'] ? 'role' : values['credential_process'] ? 'process' : values['web_identity_token_file'] ? 'web-identity' : hasKeys ? 'keys' : null;
    if (kind === null) {
      if (Object.keys(values).length > 0 && profile !== 'default') problems.push({ source, reason: 'the profile names no credential (keys, SSO, role or process)', action: `run \`aws configure sso --profile ${profile}\`` });
      continue;
    }
    if (session && !sessionValues) {
      problems.push({ source, reason: `its sso_session "${session}" has no [sso-session ${session}] section`, action: `run \`aws configure sso --profile ${profile}\`` });
      continue;
    }
    const notes: string[] = [];
    let label = `profile ${profile}`;
    const accountId = values['sso_account_id'] ?? /arn:aws[\w-]*:iam::(\d{12}):/.exec(values['role_arn'] ?? '')?.[1];
    if (accountId) label += ` (account ${accountId})`;
    if (isSso) {
      label += `, IAM Identity Center${values['sso_role_name'] ? ` role ${values['sso_role_name']}` : ''}`;
      const key = session ?? values['sso_start_url'] ?? '';
      const expires = await ssoTokenExpiry(ctx.home, key);
      if (expires === null || expires <= ctx.now.getTime()) {
        notes.push(`its IAM Identity Center session ${expires === null ? 'has not been started on this machine' : 'has expired'}: run \`aws sso login --profile ${profile}\``);
      }
    }
    if (kind === 'keys') notes.push('long-lived access keys: prefer an IAM Identity Center profile or a role');
    const region = values['region'];
    const name = accountName(profile);
    found.push({
      name,
      provider: PROVIDER,
      label,
      identity: values['sso_role_name'] ? `${values['sso_role_name']} (IAM Identity Center)` : values['role_arn'] ?? null,
      config: { name, provider: 'aws', profile, ...(region ? { homeRegion: region } : {}) },
      notes: [...notes, 'to read several accounts of an organization, add "organization": { "roleName": ... } (README.md)'],
    });
  }
  return { provider: PROVIDER, source: SOURCE, found, problems };
}
