/**
 * The Oracle Cloud provider as the registry lists it. It loads no SDK: the connector (index.ts) and
 * discovery load with the first OCI account built or discovered.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import type { ProviderDescriptor } from '../types';
import { parseOciConfig, type OciAccountConfig } from './config';

/** The Oracle Cloud provider, as the registry lists it. */
export const ociProvider: ProviderDescriptor<OciAccountConfig> = {
  id: 'oci',
  label: 'Oracle Cloud',
  clouds: ['oci'],
  parseConfig: (raw: AccountConfigBase) => parseOciConfig(raw),
  create: async (config) => (await import('./index')).createOciConnector(config),
  discover: async (ctx) => (await import('./discover')).discoverOci(ctx),
  identityKey: (entry) => [(entry.credential as { profile?: unknown } | undefined)?.profile ?? null, entry.tenancyId ?? null],
  template: { name: 'oci-prod', provider: 'oci', credential: { type: 'configFile', profile: 'DEFAULT' } },
};
