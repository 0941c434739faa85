/**
 * Discovery of Google Cloud projects through application-default credentials (ADC): the ADC file
 * `gcloud auth application-default login` writes (or GOOGLE_APPLICATION_CREDENTIALS), and the
 * projects gcloud's configuration and the credential name. Read-only: files are only read, and the
 * credential's contents never leave this function (only its kind and identity).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DiscoveredAccount, Discovery, DiscoveryContext, DiscoveryProblem } from '../types';

const SOURCE = 'gcloud application-default credentials';

const Adc = z
  .object({
    type: z.string(),
    client_email: z.string().optional(),
    project_id: z.string().optional(),
    quota_project_id: z.string().optional(),
    refresh_token: z.string().optional(),
    private_key: z.string().optional(),
  })
  .loose();

const ProjectId = /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/;

/** gcloud's configuration folder: $CLOUDSDK_CONFIG, %APPDATA%\gcloud on Windows, else ~/.config/gcloud. */
export function gcloudConfigDir(ctx: DiscoveryContext): string {
  if (ctx.env.CLOUDSDK_CONFIG) return ctx.env.CLOUDSDK_CONFIG;
  if (ctx.platform === 'win32') return join(ctx.env.APPDATA ?? join(ctx.home, 'AppData', 'Roaming'), 'gcloud');
  return join(ctx.home, '.config', 'gcloud');
}

/** Reads `[core] account` and `[core] project` of gcloud's active configuration. */
async function gcloudCore(dir: string): Promise<{ account: string | null; project: string | null }> {
  const active = (await readText(join(dir, 'active_config')))?.trim() || 'default';
  const text = await readText(join(dir, 'configurations', `config_${active}`));
  if (text === null) return { account: null, project: null };
  let section = '';
  const core: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1] ?? '';
    else if (section === 'core') {
      const kv = /^([A-Za-z_]+)\s*=\s*(.*)$/.exec(line);
      if (kv) core[kv[1]!] = kv[2]!.trim();
    }
  }
  return { account: core.account ?? null, project: core.project ?? null };
}

/** Projects the ADC credential is set up for, one suggested account each. */
export async function discoverGcp(ctx: DiscoveryContext): Promise<Discovery> {
  const found: DiscoveredAccount[] = [];
  const problems: DiscoveryProblem[] = [];
  const dir = gcloudConfigDir(ctx);
  const explicit = ctx.env.GOOGLE_APPLICATION_CREDENTIALS;
  const file = explicit && explicit.length > 0 ? explicit : join(dir, 'application_default_credentials.json');
  const text = await readText(file);
  if (text === null) {
    problems.push({ source: file, reason: 'no application-default credentials on this machine', action: 'run `gcloud auth application-default login`' });
    return { provider: 'gcp', source: SOURCE, found, problems };
  }
  const adc = Adc.safeParse(safeJson(text));
  if (!adc.success) {
    problems.push({ source: file, reason: 'the credentials file is not JSON Fleetpane can read', action: 'run `gcloud auth application-default login` again' });
    return { provider: 'gcp', source: SOURCE, found, problems };
  }
  const cred = adc.data;
  const core = await gcloudCore(dir);
  let identity: string;
  switch (cred.type) {
    case 'authorized_user':
      if (!cred.refresh_token) {
        problems.push({ source: file, reason: 'the user credential holds no refresh token', action: 'run `gcloud auth application-default login`' });
        return { provider: 'gcp', source: SOURCE, found, problems };
      }
      identity = `${core.account ?? 'gcloud user'} (application-default login)`;
      break;
    case 'service_account':
      identity = `${cred.client_email ?? 'service account'} (key file)`;
      break;
    case 'external_account':
    case 'impersonated_service_account':
      identity = `${cred.client_email ?? cred.type.replace(/_/g, ' ')} (${cred.type.replace(/_/g, ' ')})`;
      break;
    default:
      problems.push({ source: file, reason: `credential type "${cred.type}" is not supported`, action: null });
      return { provider: 'gcp', source: SOURCE, found, problems };
  }
  const projects = [...new Set([core.project, cred.quota_project_id, cred.project_id].filter((p): p is string => typeof p === 'string' && p.length > 0))];
  const notes = [
    'spend comes from the BigQuery billing export: add "billingExport" { project, dataset, table } and set costSource "bigquery"',
  ];
  for (const project of projects) {
    if (!ProjectId.test(project)) {
      problems.push({ source: `gcloud project "${project}"`, reason: 'not a project id Fleetpane can use', action: null });
      continue;
    }
    const name = `gcp-${project}`;
    found.push({
      name,
      provider: 'gcp',
      label: `project ${project}${project === core.project ? ' (gcloud default)' : ''}`,
      identity,
      config: {
        name,
        provider: 'gcp',
        projectIds: [project],
        credential: { type: 'adc' },
        costSource: 'focus-export',
        ...(cred.quota_project_id && ProjectId.test(cred.quota_project_id) ? { quotaProject: cred.quota_project_id } : {}),
      },
      notes,
    });
  }
  if (projects.length === 0) {
    problems.push({ source: join(dir, 'configurations'), reason: 'gcloud names no project', action: 'run `gcloud config set project PROJECT_ID`, or add the account by hand' });
  }
  return { provider: 'gcp', source: SOURCE, found, problems };
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
