/**
 * The only place that names concrete providers. To add one, add its factory to
 * `connectorFactories`; nothing else changes.
 */
import type { AccountConfigBase } from '../../../shared/config';
import { ProviderId } from '../../../shared/domain';
import { urlCredentialIssues } from '../../../shared/entry-references';
import { demoConnectorFactory } from './demo';
import { ConfigError, type Connector, type ConnectorFactory } from './types';
import { kubernetesFactory } from './kubernetes';
import { createCoreweaveFactory } from './coreweave';
import { gcpConnectorFactory } from './gcp';
import { azureConnectorFactory } from './azure';
import { ociConnectorFactory } from './oci';
import type { Discover } from './types';
import { discoverAzure } from './azure/discover';
import { discoverGcp } from './gcp/discover';
import { discoverKubernetes } from './kubernetes/discover';
import { discoverOci } from './oci/discover';

/** Connector factories by provider id; undefined where the provider is not built yet. */
export const connectorFactories: Record<ProviderId, ConnectorFactory | undefined> = {
  demo: demoConnectorFactory,
  azure: azureConnectorFactory as unknown as ConnectorFactory,
  gcp: gcpConnectorFactory as unknown as ConnectorFactory,
  oci: ociConnectorFactory as unknown as ConnectorFactory,
  kubernetes: kubernetesFactory as unknown as ConnectorFactory,
  coreweave: createCoreweaveFactory(kubernetesFactory) as unknown as ConnectorFactory,
};

/** Providers that can be configured today. */
export function availableProviders(): ProviderId[] {
  return ProviderId.options.filter((p) => connectorFactories[p] !== undefined);
}

function factoryFor(config: AccountConfigBase): ConnectorFactory {
  const provider: string = config.provider;
  const factory = (connectorFactories as Record<string, ConnectorFactory | undefined>)[provider];
  if (!factory) {
    throw new Error(`provider "${provider}" is not available; known: ${availableProviders().join(', ')}`);
  }
  return factory;
}

/** Validates an account's provider fields with its provider's own schema (defaults filled in). */
export function parseAccountConfig(config: AccountConfigBase): AccountConfigBase {
  // Credentials in a URL end up in every error that quotes the URL: refused for every provider here.
  const issues = urlCredentialIssues(config);
  if (issues.length > 0) throw new ConfigError(`account "${config.name}" (${config.provider}): ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  return factoryFor(config).parseConfig(config);
}

/** Validates an account's provider fields and builds its connector; throws a clear error for an unknown provider. */
export function createConnector(config: AccountConfigBase): Connector {
  const factory = factoryFor(config);
  return factory.create(factory.parseConfig(config));
}

/**
 * Discovery of ambient credentials, one per connector that has any (the demo needs none; CoreWeave
 * clusters are found among the kubeconfig contexts).
 */
export const discoverers: readonly Discover[] = [discoverAzure, discoverGcp, discoverOci, discoverKubernetes];
