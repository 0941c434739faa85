/**
 * The Azure provider as the registry lists it. It loads no SDK: the connector (index.ts) and discovery
 * load with the first Azure account built or discovered.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import type { ProviderDescriptor } from '../types';
import { parseAzureConfig, type AzureAccountConfig } from './config';

/** The Azure provider, as the registry lists it. */
export const azureProvider: ProviderDescriptor<AzureAccountConfig> = {
  id: 'azure',
  label: 'Microsoft Azure',
  clouds: ['azure'],
  parseConfig: (raw: AccountConfigBase) => parseAzureConfig(raw),
  create: async (config) => (await import('./index')).createAzureConnector(config),
  discover: async (ctx) => (await import('./discover')).discoverAzure(ctx),
  identityKey: (entry) => [entry.subscriptionIds ?? null],
  template: { name: 'azure-prod', provider: 'azure', subscriptionIds: ['00000000-0000-4000-8000-000000000000'], credential: { type: 'default' } },
};
