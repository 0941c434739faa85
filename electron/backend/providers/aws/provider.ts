/**
 * The AWS provider as the registry lists it. It loads no SDK: the connector (index.ts) and discovery
 * load with the first AWS account built or discovered.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import type { ProviderDescriptor } from '../types';
import { parseAwsConfig, type AwsConfig } from './config';

/** What makes two AWS entries the same account set: the profile and the accounts they reach. */
function identityKey(entry: Readonly<Record<string, unknown>>): readonly unknown[] {
  const org = entry['organization'] as { roleName?: unknown } | undefined;
  const accounts = Array.isArray(entry['accounts']) ? (entry['accounts'] as { id?: unknown }[]).map((a) => String(a.id)).sort() : null;
  return [entry['profile'] ?? null, org ? `organization:${String(org.roleName)}` : accounts ? `accounts:${accounts.join(',')}` : 'caller'];
}

/** The AWS provider, as the registry lists it. */
export const awsProvider: ProviderDescriptor<AwsConfig> = {
  id: 'aws',
  label: 'AWS',
  clouds: ['aws'],
  parseConfig: (raw: AccountConfigBase) => parseAwsConfig(raw) as AwsConfig,
  create: async (config) => (await import('./index')).createAwsConnector(config),
  discover: async (ctx) => (await import('./discover')).discoverAws(ctx),
  identityKey,
  template: {
    name: 'aws-prod',
    provider: 'aws',
    profile: '<profile in ~/.aws/config>',
    organization: { roleName: '<role name in every member account>' },
  },
};
