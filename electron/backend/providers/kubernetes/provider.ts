/**
 * The Kubernetes provider as the registry lists it. It loads no SDK: the connector (index.ts, with the
 * Kubernetes client) and discovery load with the first cluster account built or discovered.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import { parseAccountEntry } from '../common/config-issues';
import type { ProviderDescriptor } from '../types';
import { KubernetesConfig } from './config';

/** The Kubernetes provider, as the registry lists it. */
export const kubernetesProvider: ProviderDescriptor<KubernetesConfig> = {
  id: 'kubernetes',
  label: 'Kubernetes',
  clouds: ['azure', 'gcp', 'oci', 'aws', 'coreweave', 'other'],
  parseConfig: (raw: AccountConfigBase): KubernetesConfig => parseAccountEntry(KubernetesConfig, raw, 'kubernetes'),
  create: async (config) => (await import('./index')).createKubernetesConnector(config),
  // Contexts of every kubeconfig; CoreWeave clusters among them are suggested as coreweave accounts.
  discover: async (ctx) => (await import('./discover')).discoverKubernetes(ctx),
  identityKey: (entry) => [entry.context ?? null, entry.kubeconfig ?? null],
  template: { name: 'k8s-prod', provider: 'kubernetes', context: 'prod', prometheus: { url: 'https://prometheus.example.com', auth: { type: 'bearer', token: { env: 'FLEETPANE_SECRET_K8S_PROD_PROMETHEUS' } } } },
};
