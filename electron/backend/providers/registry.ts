/**
 * The only place that names concrete providers: the list below. Everything else the app knows about
 * providers (ids, labels, templates, config validation, connectors, discovery, account identity)
 * derives from it. To add a provider, add its folder and one line to the list.
 */
import type { AccountConfigBase } from '../../../shared/config';
import { awsProvider } from './aws/provider';
import { azureProvider } from './azure/provider';
import { coreweaveProvider } from './coreweave';
import { demoProvider } from './demo';
import { gcpProvider } from './gcp/provider';
import { kubernetesProvider } from './kubernetes/provider';
import { ociProvider } from './oci/provider';
import { createProviderSet, type ProviderSet } from './provider-set';
import type { Connector } from './types';

/** Every provider of this build. CoreWeave is a Kubernetes cluster plus its status page: the registry injects the cluster provider. */
export const providers: ProviderSet = createProviderSet([
  demoProvider,
  azureProvider,
  gcpProvider,
  ociProvider,
  kubernetesProvider,
  coreweaveProvider(kubernetesProvider),
  awsProvider,
]);

/** Validates an account's provider fields with its provider's own schema (defaults filled in); throws ConfigIssuesError. */
export function parseAccountConfig(config: AccountConfigBase): AccountConfigBase {
  return providers.parseAccountConfig(config);
}

/** Validates an account's provider fields and builds its connector; an unknown provider is a ConfigIssuesError naming the known ones. */
export function createConnector(config: AccountConfigBase): Promise<Connector> {
  return providers.createConnector(config);
}
