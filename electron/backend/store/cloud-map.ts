/** Which cloud an account's data belongs to, for rows that do not say it themselves (cost rows). */
import type { CloudId, ProviderId } from '../../../shared/domain';

const PROVIDER_NAMES: readonly [RegExp, CloudId][] = [
  [/microsoft|azure/i, 'azure'],
  [/google|gcp/i, 'gcp'],
  [/oracle|oci/i, 'oci'],
  [/coreweave/i, 'coreweave'],
  [/amazon|aws/i, 'aws'],
];

/** Maps a FOCUS ProviderName ("Microsoft", "Google Cloud", "Oracle", ...) to a cloud. */
export function cloudOfProviderName(name: string): CloudId | null {
  for (const [pattern, cloud] of PROVIDER_NAMES) if (pattern.test(name)) return cloud;
  return null;
}

/** The cloud a connector's account lives in, where the connector implies one. */
export function cloudOfProvider(provider: ProviderId): CloudId | null {
  switch (provider) {
    case 'azure':
    case 'gcp':
    case 'oci':
    case 'coreweave':
      return provider;
    default:
      return null;
  }
}

/**
 * The rule for cost rows: an account whose inventory lies in exactly one cloud books all its charges
 * to that cloud (a CoreWeave or Kubernetes account may bill under a reseller's ProviderName). Otherwise
 * each row goes by its ProviderName, then by the account's connector, else to 'other'.
 */
export function cloudOfCostRow(
  inventoryClouds: readonly CloudId[] | undefined,
  providerName: string,
  provider: ProviderId | undefined,
): CloudId {
  if (inventoryClouds && inventoryClouds.length === 1 && inventoryClouds[0]) return inventoryClouds[0];
  return cloudOfProviderName(providerName) ?? (provider ? cloudOfProvider(provider) : null) ?? 'other';
}
