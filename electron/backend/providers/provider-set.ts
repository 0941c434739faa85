/**
 * What the app knows about providers, derived from one list of descriptors: their ids, labels and
 * templates, config validation, connectors, discovery and account identity. The registry builds the
 * one set the app uses; tests build sets of fake descriptors. Names no concrete provider.
 */
import type { AccountConfigBase } from '../../../shared/config';
import type { ProviderInfo } from '../../../shared/contract-accounts';
import { urlCredentialIssues } from '../../../shared/entry-references';
import { ConfigIssuesError, type ConfigIssue, type Connector, type Discover, type ProviderDescriptor } from './types';

export type { ProviderInfo };

/** The providers of this build, and everything derived from them. */
export interface ProviderSet {
  /** Provider ids in list order. */
  readonly ids: readonly string[];
  /** Id, label and config template of each provider, in list order. */
  info(): ProviderInfo[];
  /**
   * Validates an account's provider fields with its provider's own schema (defaults filled in).
   * Throws ConfigIssuesError: an unknown provider, a URL carrying credentials, or the provider's issues.
   */
  parseAccountConfig(config: AccountConfigBase): AccountConfigBase;
  /** Validates an account's provider fields and builds its connector (rejects as parseAccountConfig throws). */
  createConnector(config: AccountConfigBase): Promise<Connector>;
  /** What makes two entries the same account whatever their names: the provider and its descriptor's key. */
  identityKey(entry: Readonly<Record<string, unknown>>): readonly unknown[];
  /** Discovery of each provider that has one, in list order. */
  readonly discoverers: readonly Discover[];
}

/** The issue for a `provider` no descriptor has: names the known ones. */
export function unknownProviderIssue(provider: string, known: readonly string[]): ConfigIssue {
  return { path: 'provider', message: `unknown provider "${provider}"; known: ${known.join(', ')}` };
}

/** The set of `descriptors`; ids must be unique. */
export function createProviderSet(descriptors: readonly ProviderDescriptor[]): ProviderSet {
  const byId = new Map<string, ProviderDescriptor>();
  for (const d of descriptors) {
    if (byId.has(d.id)) throw new Error(`provider "${d.id}" is listed twice`);
    byId.set(d.id, d);
  }
  const ids = [...byId.keys()];

  function descriptorOf(config: AccountConfigBase): ProviderDescriptor {
    const d = byId.get(config.provider);
    if (!d) throw new ConfigIssuesError(config.name, config.provider, [unknownProviderIssue(config.provider, ids)]);
    return d;
  }

  function parseAccountConfig(config: AccountConfigBase): AccountConfigBase {
    const d = descriptorOf(config);
    // Credentials in a URL end up in every error that quotes the URL: refused for every provider here.
    const issues = urlCredentialIssues(config);
    if (issues.length > 0) throw new ConfigIssuesError(config.name, config.provider, issues);
    return d.parseConfig(config);
  }

  return {
    ids,
    info: () => descriptors.map((d) => ({ id: d.id, label: d.label, template: structuredClone(d.template) })),
    parseAccountConfig,
    async createConnector(config) {
      const d = descriptorOf(config);
      return await d.create(parseAccountConfig(config));
    },
    identityKey(entry) {
      const d = typeof entry.provider === 'string' ? byId.get(entry.provider) : undefined;
      // An entry of no known provider is only ever the same account as itself.
      return d ? [d.id, ...d.identityKey(entry)] : [entry.provider ?? null, entry.name ?? null];
    },
    discoverers: descriptors.flatMap((d) => (d.discover ? [d.discover] : [])),
  };
}
