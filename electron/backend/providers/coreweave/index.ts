/**
 * The coreweave connector: a CoreWeave Kubernetes (CKS) cluster read by the kubernetes connector
 * (injected by the registry, since a provider never imports another provider), every node under
 * the CoreWeave cloud, plus CoreWeave's Status.io status page.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import type { CloudId } from '../../../../shared/domain';
import { readStatusio } from '../common/status-feed';
import { fieldIssues, nearestField } from '../common/config-issues';
import { ConfigIssuesError, type Connector, type IncidentsRequest, type ProviderDescriptor } from '../types';
import { CoreweaveFields } from './config';
import { COREWEAVE_REGION_PATTERN, withParentRegions } from './map';

export { CoreweaveFields } from './config';

type ClusterConfig = AccountConfigBase & { cloud?: CloudId | undefined };
export type CoreweaveConfig<C extends ClusterConfig = ClusterConfig> = C & CoreweaveFields;

/**
 * The CoreWeave provider, built on the cluster provider the registry hands in (the Kubernetes one):
 * its parseConfig, connector and identity are the cluster's, plus the status feed.
 */
export function coreweaveProvider<C extends ClusterConfig>(cluster: ProviderDescriptor<C>): ProviderDescriptor<CoreweaveConfig<C>> {
  return {
    id: 'coreweave',
    label: 'CoreWeave',
    clouds: ['coreweave'],
    // No discovery of its own: the cluster provider's discovery suggests CoreWeave contexts as coreweave accounts.
    identityKey: (entry) => cluster.identityKey(entry),
    template: { name: 'coreweave-prod', provider: 'coreweave', context: 'coreweave' },
    parseConfig(raw: AccountConfigBase): CoreweaveConfig<C> {
      const own = CoreweaveFields.safeParse(raw);
      if (!own.success) throw new ConfigIssuesError(raw.name, 'coreweave', fieldIssues(own.error, CoreweaveFields));
      const { statusFeed: _statusFeed, ...rest } = raw as AccountConfigBase & { statusFeed?: unknown };
      try {
        const base = cluster.parseConfig({ ...rest, cloud: (raw as ClusterConfig).cloud ?? 'coreweave' } as AccountConfigBase);
        return { ...base, ...own.data };
      } catch (error) {
        // The cluster's schema does not know statusFeed: a typo of it would get no suggestion there.
        if (!(error instanceof ConfigIssuesError)) throw error;
        throw new ConfigIssuesError(raw.name, 'coreweave', error.issues.map((i) => (i.message === 'unknown field' ? { ...i, message: suggestStatusFeed(i.path) } : i)));
      }
    },
    async create(config: CoreweaveConfig<C>): Promise<Connector> {
      const inner = await cluster.create(config);
      return {
        provider: 'coreweave',
        account: config.name,
        clouds: ['coreweave'],
        inventory: (ctx) => inner.inventory(ctx),
        metrics: (req) => inner.metrics(req),
        costs: (req) => inner.costs(req),
        // The cluster connector's diagnostics (MIG nodes it could not count, among others).
        ...(inner.diagnostics ? { diagnostics: inner.diagnostics.bind(inner) } : {}),
        // The cluster's Prometheus answers the machine page of a rollups-only account.
        ...(inner.metricsStorage ? { metricsStorage: inner.metricsStorage } : {}),
        ...(inner.machineSeries ? { machineSeries: inner.machineSeries.bind(inner) } : {}),
        async *incidents(req: IncidentsRequest) {
          yield* inner.incidents(req);
          const feed = config.statusFeed;
          if (!feed.enabled) return;
          const incidents = await readStatusio(
            { rssUrl: feed.rssUrl, statusApiUrl: feed.statusApiUrl ?? undefined },
            { account: config.name, cloud: 'coreweave', idPrefix: 'coreweave-status', regionPattern: COREWEAVE_REGION_PATTERN },
            req.signal,
            req.now,
          );
          yield incidents.map(withParentRegions);
        },
      };
    },
  };
}

/** "unknown field", with statusFeed suggested when the typo is near it. */
function suggestStatusFeed(field: string): string {
  return nearestField(field, ['statusFeed']) === null ? 'unknown field' : 'unknown field (did you mean "statusFeed"?)';
}
