/**
 * The coreweave connector: a CoreWeave Kubernetes (CKS) cluster read by the kubernetes connector
 * (injected by the registry, since a provider never imports another provider), every node under
 * the CoreWeave cloud, plus CoreWeave's Status.io status page.
 */
import type { AccountConfigBase } from '../../../../shared/config';
import type { CloudId } from '../../../../shared/domain';
import { readStatusio } from '../status-feed';
import { ConfigError, type Connector, type ConnectorFactory, type IncidentsRequest } from '../types';
import { CoreweaveFields } from './config';
import { COREWEAVE_REGION_PATTERN, withParentRegions } from './map';

export { CoreweaveFields } from './config';

type ClusterConfig = AccountConfigBase & { cloud?: CloudId | undefined };
export type CoreweaveConfig<C extends ClusterConfig = ClusterConfig> = C & CoreweaveFields;

/** Builds the coreweave factory on top of the Kubernetes cluster connector factory. */
export function createCoreweaveFactory<C extends ClusterConfig>(cluster: ConnectorFactory<C>): ConnectorFactory<CoreweaveConfig<C>> {
  return {
    provider: 'coreweave',
    parseConfig(raw: AccountConfigBase): CoreweaveConfig<C> {
      const own = CoreweaveFields.safeParse(raw);
      if (!own.success) throw new ConfigError(`account ${raw.name}: ${own.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const { statusFeed: _statusFeed, ...rest } = raw as AccountConfigBase & { statusFeed?: unknown };
      const base = cluster.parseConfig({ ...rest, cloud: (raw as ClusterConfig).cloud ?? 'coreweave' } as AccountConfigBase);
      return { ...base, ...own.data };
    },
    create(config: CoreweaveConfig<C>): Connector {
      const inner = cluster.create(config);
      return {
        provider: 'coreweave',
        account: config.name,
        clouds: ['coreweave'],
        inventory: (ctx) => inner.inventory(ctx),
        metrics: (req) => inner.metrics(req),
        costs: (req) => inner.costs(req),
        // The cluster connector's diagnostics (MIG nodes it could not count, among others).
        ...(inner.diagnostics ? { diagnostics: inner.diagnostics.bind(inner) } : {}),
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
