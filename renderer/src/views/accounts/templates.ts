/**
 * Example config entries the "Add by hand" editor starts from, one per connector. Kept as they are
 * until the backend offers each connector's template over a channel.
 */
export const TEMPLATES: Record<string, Record<string, unknown>> = {
  kubernetes: { name: 'k8s-prod', provider: 'kubernetes', context: 'prod', prometheus: { url: 'https://prometheus.example.com', auth: { type: 'bearer', token: { env: 'FLEETPANE_SECRET_K8S_PROD_PROMETHEUS' } } } },
  azure: { name: 'azure-prod', provider: 'azure', subscriptionIds: ['00000000-0000-4000-8000-000000000000'], credential: { type: 'default' } },
  gcp: { name: 'gcp-prod', provider: 'gcp', projectIds: ['my-project'], costSource: 'focus-export' },
  coreweave: { name: 'coreweave-prod', provider: 'coreweave', context: 'coreweave' },
  oci: { name: 'oci-prod', provider: 'oci', credential: { type: 'configFile', profile: 'DEFAULT' } },
  demo: { name: 'demo-2', provider: 'demo', seed: 2 },
};
