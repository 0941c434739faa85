/**
 * Discovery of Azure subscriptions through the Azure CLI login: the subscriptions `az login` saved in
 * the CLI profile, checked with one token request (`az account get-access-token`), which is what
 * the connector's default credential does on every sync. Read-only: it never writes the profile.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DiscoveredAccount, Discovery, DiscoveryContext, DiscoveryProblem } from '../types';

const SOURCE = 'Azure CLI login';

const ProfileSubscription = z
  .object({
    id: z.string(),
    name: z.string(),
    state: z.string().default('Enabled'),
    tenantId: z.string(),
    isDefault: z.boolean().default(false),
    environmentName: z.string().default('AzureCloud'),
    user: z.object({ name: z.string(), type: z.string() }).loose().optional(),
  })
  .loose();
const Profile = z.object({ subscriptions: z.array(ProfileSubscription).default([]) }).loose();

/** The outcome of asking the CLI for a token: ok, or its error text. */
export type CliTokenProbe = (tenantId: string, ctx: DiscoveryContext) => Promise<{ ok: true } | { ok: false; message: string }>;

/** Runs `az account get-access-token` with the discovery's environment (so tests use a fake `az`). */
export const probeCliToken: CliTokenProbe = (tenantId, ctx) =>
  new Promise((resolve) => {
    const az = ctx.platform === 'win32' ? 'az.cmd' : 'az';
    execFile(
      az,
      ['account', 'get-access-token', '--output', 'json', '--tenant', tenantId],
      { env: { ...ctx.env } as NodeJS.ProcessEnv, timeout: 30_000, signal: ctx.signal, windowsHide: true, shell: ctx.platform === 'win32' },
      (error, _stdout, stderr) => {
        if (!error) return resolve({ ok: true });
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return resolve({ ok: false, message: 'the Azure CLI (`az`) is not on PATH' });
        // Only stderr, never stdout: stdout of a successful call holds the token.
        resolve({ ok: false, message: String(stderr).trim().split('\n').filter((l) => l.trim().length > 0).slice(0, 3).join(' ') || error.message });
      },
    );
  });

/** Where the CLI keeps its profile: $AZURE_CONFIG_DIR, else ~/.azure. */
export function azureConfigDir(ctx: DiscoveryContext): string {
  const dir = ctx.env.AZURE_CONFIG_DIR;
  return dir && dir.length > 0 ? dir : join(ctx.home, '.azure');
}

/** Turns the CLI's error into what the user should do. */
function loginAdvice(message: string): string {
  if (/not on PATH/.test(message)) return 'install the Azure CLI and run `az login`';
  return 'run `az login`';
}

/** Subscriptions reachable with the Azure CLI login, one suggested account each. */
export async function discoverAzure(ctx: DiscoveryContext, probe: CliTokenProbe = probeCliToken): Promise<Discovery> {
  const file = join(azureConfigDir(ctx), 'azureProfile.json');
  const found: DiscoveredAccount[] = [];
  const problems: DiscoveryProblem[] = [];
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    problems.push({ source: file, reason: 'no Azure CLI login on this machine', action: 'run `az login`' });
    return { provider: 'azure', source: SOURCE, found, problems };
  }
  // The CLI writes the profile with a byte-order mark.
  const parsed = Profile.safeParse(safeJson(text.replace(/^\uFEFF/, '')));
  if (!parsed.success) {
    problems.push({ source: file, reason: 'the Azure CLI profile is not in a format Fleetpane knows', action: 'run `az login` again' });
    return { provider: 'azure', source: SOURCE, found, problems };
  }
  const subscriptions = parsed.data.subscriptions;
  if (subscriptions.length === 0) {
    problems.push({ source: file, reason: 'the Azure CLI is logged out (no subscriptions in its profile)', action: 'run `az login`' });
    return { provider: 'azure', source: SOURCE, found, problems };
  }
  // One token request per tenant says whether the login still works.
  const tenants = new Map<string, { ok: true } | { ok: false; message: string }>();
  for (const tenantId of new Set(subscriptions.map((s) => s.tenantId))) tenants.set(tenantId, await probe(tenantId, ctx));
  for (const [tenantId, result] of tenants) {
    if (!result.ok) {
      problems.push({ source: `${SOURCE} (tenant ${tenantId})`, reason: result.message, action: loginAdvice(result.message) });
    }
  }
  const used = new Set<string>();
  for (const sub of subscriptions) {
    const login = tenants.get(sub.tenantId);
    if (!login?.ok) continue;
    if (sub.state !== 'Enabled') {
      problems.push({ source: `subscription ${sub.name} (${sub.id})`, reason: `the subscription is ${sub.state}`, action: null });
      continue;
    }
    if (!z.uuid().safeParse(sub.id).success) {
      problems.push({ source: `subscription ${sub.name}`, reason: `"${sub.id}" is not a subscription id`, action: null });
      continue;
    }
    const cloud = ['AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment'].includes(sub.environmentName) ? sub.environmentName : null;
    if (cloud === null) {
      problems.push({ source: `subscription ${sub.name}`, reason: `cloud "${sub.environmentName}" needs an ARM endpoint typed by hand`, action: 'add the account by hand with cloud "custom"' });
      continue;
    }
    const name = uniqueName(`azure-${slug(sub.name)}`, used);
    found.push({
      name,
      provider: 'azure',
      label: `subscription ${sub.name} (${sub.id})${sub.isDefault ? ', the CLI default' : ''}`,
      identity: sub.user ? `${sub.user.name} (${sub.user.type === 'servicePrincipal' ? 'service principal' : 'user'}, Azure CLI)` : 'Azure CLI',
      config: { name, provider: 'azure', subscriptionIds: [sub.id], cloud, credential: { type: 'default', tenantId: sub.tenantId } },
      notes: ['GPU metrics need a managed Prometheus workspace (the "prometheus" field); without it the metrics stream is empty'],
    });
  }
  return { provider: 'azure', source: SOURCE, found, problems };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** An account-name-safe form of a display name. */
export function slug(text: string): string {
  const s = text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').replace(/-+$/, '');
  return (s || 'account').slice(0, 48);
}

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}
