/**
 * The Google Cloud provider as the registry lists it. It loads no SDK: the connector (index.ts) and
 * discovery load with the first Google Cloud account built or discovered.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import { parseAccountEntry } from '../common/config-issues';
import type { ProviderDescriptor } from '../types';
import { GcpAccountConfig } from './config';

/** The Google Cloud provider, as the registry lists it. */
export const gcpProvider: ProviderDescriptor<GcpAccountConfig> = {
  id: 'gcp',
  label: 'Google Cloud',
  clouds: ['gcp'],
  parseConfig: (raw: AccountConfigBase): GcpAccountConfig => parseAccountEntry(GcpAccountConfig, raw, 'gcp'),
  create: async (config) => (await import('./index')).createGcpConnector(config),
  discover: async (ctx) => (await import('./discover')).discoverGcp(ctx),
  identityKey: (entry) => [entry.projectIds ?? null],
  template: { name: 'gcp-prod', provider: 'gcp', projectIds: ['my-project'], costSource: 'focus-export' },
};
