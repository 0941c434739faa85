/** The Kubernetes account the Prometheus bench syncs, in the bench process and in its backfill child alike. */
import { AccountConfigBase } from '../shared/config';
import { kubernetesProvider } from '../electron/backend/providers/kubernetes/provider';

/** How the account keeps its metrics: every minute (`raw`, the default) or 5-minute rollups only. */
export type BackfillStorage = 'raw' | 'rollups';

/** The account over the emulated cluster and Prometheus, with a 24 h first backfill. */
export function backfillAccount(kubeconfig: string, prometheusUrl: string, storage: BackfillStorage = 'raw'): ReturnType<typeof kubernetesProvider.parseConfig> {
  return kubernetesProvider.parseConfig(
    AccountConfigBase.parse({ name: 'gpu-clusters', provider: 'kubernetes', kubeconfig, prometheus: { url: prometheusUrl, storage }, metricsBackfillHours: 24 }),
  );
}
